"""treatylife: is an agreement in force on a date, when is the next notice deadline, what if...

The public API. Every function takes a scenario (a path, a loaded :class:`Record`, or ``None`` for the
bundled GSOMIA record) and an explicit date: the library never reads the clock, so answers are
reproducible and tests need no time freezing.

>>> import datetime, treatylife
>>> treatylife.status(None, datetime.date(2019, 8, 23)).in_force
True

Importing this package loads neither typer, PyYAML, pydantic nor transitions: they are imported when a file
is first loaded.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING

from treatylife.errors import (
    AmbiguousDateError,
    InputError,
    RulesError,
    ScenarioError,
    SequenceError,
    TreatyLifeError,
)
from treatylife.record import Record
from treatylife.results import CheckResult, DeadlineResult, StatusResult, TimelineResult

if TYPE_CHECKING:
    from treatylife.loader import Loaded

__version__ = "0.1.0"

__all__ = [
    "AmbiguousDateError",
    "CheckResult",
    "DeadlineResult",
    "InputError",
    "Record",
    "RulesError",
    "ScenarioError",
    "SequenceError",
    "StatusResult",
    "TimelineResult",
    "TreatyLifeError",
    "__version__",
    "check",
    "deadline",
    "load",
    "status",
    "timeline",
]


def load(scenario: str | Path | None = None) -> Record:
    """Load a scenario (or what-if) and replay it into a :class:`Record`; None = bundled GSOMIA record."""
    from treatylife.engine import replay
    from treatylife.loader import load_scenario

    return replay(load_scenario(scenario))


def load_files(scenario: str | Path | None = None) -> Loaded:
    """The validated files behind a scenario, before replay (rules, ordered events, what-if changes)."""
    from treatylife.loader import load_scenario

    return load_scenario(scenario)


def _record(scenario: str | Path | Record | None) -> Record:
    return scenario if isinstance(scenario, Record) else load(scenario)


def status(scenario: str | Path | Record | None, on: _dt.date) -> StatusResult:
    """Stage, in force or not, current term, pending notices and when it ends, as known on ``on``."""
    from treatylife.query import status as _status

    return _status(_record(scenario), on)


def deadline(scenario: str | Path | Record | None, on: _dt.date) -> DeadlineResult:
    """The next notice deadline on or after ``on``: date, days left, the renewal it would prevent, who."""
    from treatylife.query import next_deadline

    return next_deadline(_record(scenario), on)


def timeline(scenario: str | Path | Record | None, until: _dt.date | None = None) -> TimelineResult:
    """Contiguous intervals of stage and term from the first event to ``until``."""
    from treatylife.query import timeline as _timeline

    return _timeline(_record(scenario), until)


def check(paths: list[str | Path]) -> CheckResult:
    """Validate rules and scenario files; list answers that depend on a convention the rules leave open."""
    from treatylife.checker import check_files

    return check_files([Path(p) for p in paths])
