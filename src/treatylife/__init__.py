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
from typing import TYPE_CHECKING, Any

from treatylife.answers.results import CheckResult, DeadlineResult, StatusResult, TimelineResult
from treatylife.errors import (
    AmbiguousDateError,
    InputError,
    RulesError,
    ScenarioError,
    SequenceError,
    TreatyLifeError,
)
from treatylife.model.record import Record

if TYPE_CHECKING:
    from pathlib import Path

    from treatylife.answers.agenda import CalendarResult
    from treatylife.answers.compare import CompareResult
    from treatylife.answers.report import ReportResult
    from treatylife.files.loader import Loaded

# Start-up (issue 7): `treatylife status` answers from a cache in a loop; it must not pay for pathlib or for
# result types it does not use. These names are imported on first use (PEP 562).
_LAZY = {
    "CalendarResult": "treatylife.answers.agenda",
    "CompareResult": "treatylife.answers.compare",
    "ReportResult": "treatylife.answers.report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'treatylife' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "AmbiguousDateError",
    "CalendarResult",
    "CheckResult",
    "CompareResult",
    "DeadlineResult",
    "InputError",
    "Record",
    "ReportResult",
    "RulesError",
    "ScenarioError",
    "SequenceError",
    "StatusResult",
    "TimelineResult",
    "TreatyLifeError",
    "__version__",
    "calendar",
    "check",
    "compare",
    "deadline",
    "deadlines",
    "json_schema",
    "load",
    "load_register",
    "portfolio",
    "report",
    "status",
    "timeline",
    "whatif",
]


def load(scenario: str | Path | None = None) -> Record:
    """Load a scenario (or what-if) and replay it into a :class:`Record`; None = bundled GSOMIA record."""
    from treatylife.engine.replay import replay
    from treatylife.files.loader import load_scenario

    return replay(load_scenario(scenario))


def load_files(scenario: str | Path | None = None) -> Loaded:
    """The validated files behind a scenario, before replay (rules, ordered events, what-if changes)."""
    from treatylife.files.loader import load_scenario

    return load_scenario(scenario)


def _record(scenario: str | Path | Record | None) -> Record:
    return scenario if isinstance(scenario, Record) else load(scenario)


def status(scenario: str | Path | Record | None, on: _dt.date, party: str | None = None) -> StatusResult:
    """Stage, in force or not, current term, pending notices and when it ends, as known on ``on``.

    With ``party`` (a code of the rules file), "in force" means in force for that party; the result's
    ``agreement_in_force`` says whether the agreement is in force at all.
    """
    from treatylife.answers.query import status as _status

    return _status(_record(scenario), on, party)


def json_schema(kind: str = "rules") -> dict[str, Any]:
    """JSON Schema of rules files (``kind="rules"``) or scenario/what-if files (``kind="scenario"``),
    generated from the pydantic models that validate them (docs/schema/ holds the published copies)."""
    if kind == "rules":
        from treatylife.model.rules import json_schema as _rules_schema

        return _rules_schema()
    if kind == "scenario":
        from treatylife.model.scenario import json_schema as _scenario_schema

        return _scenario_schema()
    raise InputError(f"no schema {kind!r}; choose rules or scenario", field="kind", code="TL115")


def deadline(scenario: str | Path | Record | None, on: _dt.date, party: str | None = None) -> DeadlineResult:
    """The next notice deadline on or after ``on``: date, days left, the renewal it would prevent, who.

    With ``party``: the next deadline for a notice that party may give, while the agreement binds it."""
    from treatylife.answers.query import next_deadline

    return next_deadline(_record(scenario), on, party)


def timeline(
    scenario: str | Path | Record | None, until: _dt.date | None = None, party: str | None = None
) -> TimelineResult:
    """Contiguous intervals of stage and term from the first event to ``until`` (for ``party`` if given)."""
    from treatylife.answers.query import timeline as _timeline

    return _timeline(_record(scenario), until, party)


def check(paths: list[str | Path]) -> CheckResult:
    """Validate rules and scenario files; list answers that depend on a convention the rules leave open."""
    from pathlib import Path

    from treatylife.answers.check import check_files

    return check_files([Path(p) for p in paths])


def whatif(
    scenario: str | Path | Record | None,
    *,
    add: list[str] | tuple[str, ...] = (),
    remove: list[str] | tuple[str, ...] = (),
    set: list[str] | tuple[str, ...] = (),
) -> Record:
    """A scenario with inline what-if changes, replayed: ``add=["2019-09-01 notice_given JPN"]``,
    ``remove=["notice_suspended"]``, ``set=["exits.art21-3-notice.notice=180days"]`` (see
    :mod:`treatylife.files.overlay` for the syntax). With no changes, the scenario as loaded."""
    from treatylife.engine.replay import replay
    from treatylife.files.overlay import WhatIf, apply_whatif

    changes = WhatIf(list(add), list(remove), list(set))
    if isinstance(scenario, Record):
        if changes:
            raise TypeError("inline what-if changes apply to a scenario file, not to a replayed Record")
        return scenario
    return replay(apply_whatif(load_files(scenario), changes))


def compare(
    a: str | Path | Record | None,
    b: str | Path | Record | None,
    start: _dt.date | None = None,
    end: _dt.date | None = None,
    party: str | None = None,
) -> CompareResult:
    """Date ranges where ``a`` and ``b`` disagree on in force / stage / term / parties bound, and what makes
    them diverge. With ``party``, "in force" means in force for that party."""
    from treatylife.answers.compare import compare_records

    return compare_records(_record(a), _record(b), start, end, party)


def calendar(
    scenarios: list[str | Path | Record | None],
    start: _dt.date,
    years: int = 2,
    remind_weeks: list[int] | None = None,
) -> CalendarResult:
    """Upcoming notice deadlines, renewals and ends from ``start`` for ``years`` years (for an .ics file)."""
    from treatylife.answers.agenda import agenda

    return agenda([_record(s) for s in scenarios or [None]], start, years, remind_weeks)


def report(
    scenario: str | Path | Record | None,
    on: _dt.date,
    base: str | Path | Record | None = None,
    until: _dt.date | None = None,
) -> ReportResult:
    """What the HTML report draws. A what-if file is drawn against its own base unless ``base`` is given."""
    from treatylife.answers.report import build_report
    from treatylife.engine.replay import replay

    if isinstance(scenario, Record):
        record, base_record = scenario, (_record(base) if base is not None else None)
    else:
        loaded = load_files(scenario)
        record = replay(loaded)
        if base is not None:
            base_record = _record(base)
        elif loaded.base is not None:
            base_record = replay(loaded.base)
        else:
            base_record = None
    return build_report(record, on, base_record, until)


# ---------------------------------------------------------------------------- registers (many agreements)


def load_register(path: str | Path, *, progress: Any = None) -> Any:
    """Load a register: a bulk ``.csv``/``.jsonl`` file of agreements, or a directory of scenario files.

    Returns a :class:`treatylife.register.Register`; rows of the common shape are compiled for the batch
    engine once, here.
    """
    from treatylife.bulk.register import load_register as _load_register

    return _load_register(path, progress=progress)


def portfolio(register: Any, on: _dt.date, *, engine: str = "auto", progress: Any = None) -> Any:
    """Status and next notice deadline of every agreement of a register on ``on`` (a PortfolioResult)."""
    from treatylife.bulk.register import portfolio as _portfolio

    return _portfolio(register, on, engine=engine, progress=progress)


def deadlines(
    register: Any, start: _dt.date, within: Any = "120 days", *, engine: str = "auto", progress: Any = None
) -> Any:
    """Notice deadlines from ``start`` within ``within`` ("120d", "6 months"), soonest first (a DeadlinesResult)."""
    from treatylife.bulk.register import deadlines as _deadlines

    return _deadlines(register, start, within, engine=engine, progress=progress)
