"""The public API's implementation: ``treatylife/__init__.py`` re-exports every name here lazily.

Why a module apart: ``import treatylife`` (and so every ``treatylife.cli`` module, the start-up fast path
included) must not pay for the result classes, the Record and their dataclasses before they are used; the
package's ``__init__`` imports this module on the first use of any API name (PEP 562). Users write
``treatylife.status(...)`` or ``from treatylife import status``, never ``treatylife.api``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import TYPE_CHECKING, Any, TypeAlias, overload

from treatylife.answers.results import CheckResult, DeadlineResult, StatusResult, TimelineResult
from treatylife.errors import (
    InputError,
)
from treatylife.model.record import Record

if TYPE_CHECKING:
    from pathlib import Path

    from pydantic import BaseModel

    from treatylife.answers.agenda import CalendarResult
    from treatylife.answers.compare import CompareResult
    from treatylife.answers.expect import ExpectResult
    from treatylife.answers.report import ReportResult
    from treatylife.bulk.register import DeadlinesResult, PortfolioResult, Register
    from treatylife.dates.scalar import Period
    from treatylife.files.loader import Loaded

    #: What every function accepts as "the scenario".
    Scenario: TypeAlias = str | Path | Record | Mapping[str, Any] | BaseModel | Loaded | None
    #: What every function accepts as "a date".
    DateLike: TypeAlias = _dt.date | str


def load(scenario: Scenario = None, *, base_dir: str | Path | None = None) -> Record:
    """Load a scenario (or what-if) and replay it into a :class:`Record`; None = bundled GSOMIA record.

    ``scenario`` may be a path (``-`` reads standard input), or a scenario built in code: a mapping shaped
    like a scenario file, or a ``ScenarioFile``; its ``rules`` names a file (relative to ``base_dir``,
    default the current directory) or a bundled name (``"gsomia"``), or is the rules themselves (a mapping
    shaped like a rules file, or a ``Rules``). Code gets the same validation and error codes as a file,
    with field paths (``events[2].date``) where a file has line numbers.
    """
    if isinstance(scenario, Record):
        return scenario
    from treatylife.engine.replay import replay

    loaded = load_files(scenario, base_dir=base_dir)
    return _remember(replay(loaded), loaded)


def load_files(scenario: Scenario = None, *, base_dir: str | Path | None = None) -> Loaded:
    """The validated files behind a scenario, before replay (rules, ordered events, what-if changes)."""
    from treatylife.files.loader import Loaded as _Loaded
    from treatylife.files.loader import load_scenario, load_scenario_data

    if isinstance(scenario, _Loaded):
        return scenario
    if isinstance(scenario, Record):
        found = _SOURCES.get(id(scenario))
        if found is None or found[0]() is not scenario:
            raise InputError(
                "this Record does not carry the files it was replayed from",
                field="scenario",
                code="TL121",
                hint="pass the scenario itself (a path or a mapping), or a Record that treatylife.load() returned",
            )
        return found[1]
    if scenario is None or isinstance(scenario, (str, PathLike)):
        return load_scenario(scenario)
    if isinstance(scenario, Mapping) or _is_model(scenario):
        return load_scenario_data(
            dict(scenario) if isinstance(scenario, Mapping) else scenario, base_dir=base_dir
        )
    raise InputError(
        f"a scenario cannot be a {type(scenario).__name__}",
        field="scenario",
        code="TL121",
        hint="pass a path, a mapping shaped like a scenario file, a ScenarioFile, a Record, or None",
    )


# A Record remembers the files it was replayed from, so whatif() can change it (weakly: no leak).
_SOURCES: dict[int, tuple[Any, Loaded]] = {}


def _remember(record: Record, loaded: Loaded) -> Record:
    import weakref

    key = id(record)
    _SOURCES[key] = (weakref.ref(record), loaded)
    weakref.finalize(record, _SOURCES.pop, key, None)
    return record


def _is_model(value: object) -> bool:
    """A pydantic model, without importing pydantic for callers that never pass one."""
    return any(c.__module__.startswith("pydantic") and c.__name__ == "BaseModel" for c in type(value).__mro__)


def _date(value: object, name: str) -> _dt.date:
    """A date argument: a ``date``, or an ISO string parsed here; anything else is the caller's InputError."""
    if isinstance(value, _dt.datetime):
        raise InputError(
            f"a datetime ({value.isoformat()}) is not a date",
            field=name,
            code="TL120",
            hint="pass value.date(): answers are per day, and the day of a moment depends on its time zone",
        )
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
        raise InputError(
            f"{value!r} is not a date",
            field=name,
            code="TL120",
            hint="write YYYY-MM-DD, a day that exists (the library never reads the clock: no 'today')",
        )
    raise InputError(
        f"expected a date or an ISO string 'YYYY-MM-DD', got {type(value).__name__}",
        field=name,
        code="TL120",
        hint="pass datetime.date(2019, 8, 23) or '2019-08-23'",
    )


def _date_or_none(value: object, name: str) -> _dt.date | None:
    return None if value is None else _date(value, name)


def _record(scenario: Scenario) -> Record:
    return load(scenario)


def status(scenario: Scenario, on: DateLike, party: str | None = None) -> StatusResult:
    """Stage, in force or not, current term, pending notices and when it ends, as known on ``on``.

    With ``party`` (a code of the rules file), "in force" means in force for that party; the result's
    ``agreement_in_force`` says whether the agreement is in force at all.
    """
    from treatylife.answers.query import status as _status

    return _status(_record(scenario), _date(on, "on"), party)


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


def deadline(scenario: Scenario, on: DateLike, party: str | None = None) -> DeadlineResult:
    """The next notice deadline on or after ``on``: date, days left, the renewal it would prevent, who.

    With ``party``: the next deadline for a notice that party may give, while the agreement binds it."""
    from treatylife.answers.query import next_deadline

    return next_deadline(_record(scenario), _date(on, "on"), party)


def timeline(scenario: Scenario, until: DateLike | None = None, party: str | None = None) -> TimelineResult:
    """Contiguous intervals of stage and term from the first event to ``until`` (for ``party`` if given)."""
    from treatylife.answers.query import timeline as _timeline

    return _timeline(_record(scenario), _date_or_none(until, "until"), party)


def check(paths: list[str | Path]) -> CheckResult:
    """Validate rules and scenario files, and register files (or ``-``: standard input, a register or a
    scenario); list answers that depend on a convention the rules leave open. What ``treatylife check``
    answers."""
    from pathlib import Path

    from treatylife.bulk.check import check_paths

    return check_paths([Path(p) for p in paths])


def test(paths: list[str | Path]) -> ExpectResult:
    """Check the ``expect:`` entries of scenario files or directories (what ``treatylife test`` prints):
    each expected answer against the engine's, on its date and for its party."""
    from pathlib import Path

    from treatylife.answers.expect import run_expectations

    given: Any = paths
    items: list[Any] = [given] if isinstance(given, (str, PathLike)) else list(given)
    return run_expectations([Path(p) for p in items])


# not a test function for pytest, though its name says test
test.__test__ = False  # type: ignore[attr-defined]


def whatif(
    scenario: Scenario,
    *,
    add: list[str] | tuple[str, ...] = (),
    remove: list[str] | tuple[str, ...] = (),
    set: list[str] | tuple[str, ...] = (),
) -> Record:
    """A scenario with inline what-if changes, replayed: ``add=["2019-09-01 notice_given JPN"]``,
    ``remove=["notice_suspended"]``, ``set=["exits.art21-3-notice.notice=180days"]`` (see
    :mod:`treatylife.files.overlay` for the syntax). With no changes, the scenario as loaded.

    ``scenario`` is anything :func:`load` takes, or a Record :func:`load` (or this function) returned: the
    changes apply to the files it was replayed from, so what-ifs chain."""
    from treatylife.engine.replay import replay
    from treatylife.files.overlay import WhatIf, apply_whatif

    for name, value in (("add", add), ("remove", remove), ("set", set)):
        if isinstance(value, str) or not all(isinstance(v, str) for v in value):
            raise InputError(
                f"{name}: expected a list of strings, got {value!r}",
                field=name,
                code="TL121",
                hint=f'{name}=["..."], each string as on the command line',
            )
    changes = WhatIf(list(add), list(remove), list(set))
    if isinstance(scenario, Record) and not changes:
        return scenario
    changed = apply_whatif(load_files(scenario), changes)
    return _remember(replay(changed), changed)


def compare(
    a: Scenario,
    b: Scenario,
    start: DateLike | None = None,
    end: DateLike | None = None,
    party: str | None = None,
) -> CompareResult:
    """Date ranges where ``a`` and ``b`` disagree on in force / stage / term / parties bound, and what makes
    them diverge. With ``party``, "in force" means in force for that party."""
    from treatylife.answers.compare import compare_records

    return compare_records(
        _record(a), _record(b), _date_or_none(start, "start"), _date_or_none(end, "end"), party
    )


def calendar(
    scenarios: list[Scenario],
    start: DateLike,
    years: int = 2,
    remind_weeks: list[int] | None = None,
    party: str | None = None,
) -> CalendarResult:
    """Upcoming notice deadlines, withdrawal windows, renewals and ends from ``start`` for ``years`` years
    (for an .ics file); a multilateral agreement's per party, or only ``party``'s."""
    from treatylife.answers.agenda import agenda

    given: Any = scenarios
    items: list[Any] = (
        [given] if isinstance(given, (str, PathLike, Mapping, Record)) else list(given or [None])
    )
    return agenda([_record(s) for s in items], _date(start, "start"), years, remind_weeks, party)


def report(
    scenario: Scenario,
    on: DateLike,
    base: Scenario = None,
    until: DateLike | None = None,
    party: str | None = None,
) -> ReportResult:
    """What the HTML report draws. A what-if file is drawn against its own base unless ``base`` is given;
    with ``party``, the answers are for that party (a multilateral agreement draws a lane per party)."""
    from treatylife.answers.report import build_report
    from treatylife.engine.replay import replay

    on, until = _date(on, "on"), _date_or_none(until, "until")
    if isinstance(scenario, Record) and (base is not None or id(scenario) not in _SOURCES):
        record, base_record = scenario, (_record(base) if base is not None else None)
    else:
        loaded = load_files(scenario)
        record = scenario if isinstance(scenario, Record) else replay(loaded)
        if base is not None:
            base_record = _record(base)
        elif loaded.base is not None:
            base_record = replay(loaded.base)
        else:
            base_record = None
    return build_report(record, on, base_record, until, party)


def render_html(result: ReportResult) -> str:
    """The report as one self-contained HTML page (what ``treatylife report -o report.html`` writes)."""
    from treatylife.render.html import render_html as _render_html

    return _render_html(result)


def render_ics(result: CalendarResult) -> bytes:
    """The calendar as an iCalendar file (what ``treatylife calendar -o deadlines.ics`` writes)."""
    from treatylife.render.ics import render_ics as _render_ics

    return _render_ics(result)


# ---------------------------------------------------------------------------- registers (many agreements)


def load_register(
    path: str | Path, *, progress: Any = None, delimiter: str | None = None, skip_invalid: bool = False
) -> Register:
    """Load a register: a bulk ``.csv``/``.jsonl``/``.parquet``/``.xlsx`` file of agreements, or a directory
    of them and of scenario files.

    Returns a :class:`treatylife.bulk.register.Register`; rows of the common shape are compiled for the batch
    engine once, here. Every bad row is reported at once (``RegisterProblems``: row, line, field, code);
    with ``skip_invalid`` the others are loaded and the bad ones listed in ``Register.skipped``.
    ``delimiter``: the CSV separator (default: sniffed from the header).
    """
    from treatylife.bulk.register import load_register as _load_register

    return _load_register(path, progress=progress, delimiter=delimiter, skip_invalid=skip_invalid)


def portfolio(
    register: str | Path | Register, on: DateLike, *, engine: str = "auto", progress: Any = None
) -> PortfolioResult:
    """Status and next notice deadline of every agreement of a register on ``on``; :func:`rows` gives them
    as typed :class:`PortfolioRow` objects."""
    from treatylife.bulk.register import portfolio as _portfolio

    return _portfolio(register, _date(on, "on"), engine=engine, progress=progress)


def deadlines(
    register: str | Path | Register,
    start: DateLike,
    within: str | Period | _dt.timedelta = "120 days",
    *,
    engine: str = "auto",
    progress: Any = None,
) -> DeadlinesResult:
    """Notice deadlines from ``start`` within ``within`` ("120d", "6 months", a ``timedelta`` of whole days),
    soonest first; :func:`rows` gives them as typed :class:`DeadlineRow` objects. A ``within`` that is no
    period is :class:`InputError` TL003."""
    from treatylife.bulk.register import deadlines as _deadlines

    return _deadlines(register, _date(start, "start"), within, engine=engine, progress=progress)


@dataclass(frozen=True)
class PortfolioRow:
    """One agreement of a register on the date asked (``portfolio``), with ``datetime.date`` values."""

    id: str
    agreement: str | None
    title: str | None
    stage: str
    in_force: bool
    since: _dt.date | None
    term: int | None
    term_start: _dt.date | None
    term_last_day: _dt.date | None
    next_renewal: _dt.date | None
    ends: _dt.date | None
    notice: str | None
    deadline: _dt.date | None
    days_left: int | None
    prevents_renewal_of: _dt.date | None
    #: the day to act by: the next deadline under any reading of a convention the rules file leaves open
    #: (``deadline`` when no reading moves it; earlier when one does, and ``readings`` says which)
    earliest_deadline: _dt.date | None = None
    #: what another reading of a convention the rules file leaves open changes, e.g. ``deadline 2019-08-25
    #: under notice_counting=date_difference``; None when no reading changes this answer
    readings: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # the register's own columns (owner, ...), as read


@dataclass(frozen=True)
class DeadlineRow:
    """One notice deadline of a register's agreement (``deadlines``), with ``datetime.date`` values."""

    deadline: _dt.date
    days_left: int
    id: str
    agreement: str | None
    title: str | None
    prevents_renewal_of: _dt.date | None
    deadline_term: int | None
    deadline_term_last_day: _dt.date | None
    clause: str | None
    who: tuple[str, ...]
    #: the day in the window the row is listed for: ``deadline``, or an earlier one under another reading
    #: of a convention the rules file leaves open (then ``readings`` says which); the day to act by
    earliest_deadline: _dt.date | None = None
    readings: str | None = None  # as PortfolioRow.readings
    extra: dict[str, Any] = field(default_factory=dict)


@overload
def rows(result: PortfolioResult) -> list[PortfolioRow]: ...
@overload
def rows(result: DeadlinesResult) -> list[DeadlineRow]: ...
def rows(result: PortfolioResult | DeadlinesResult) -> list[PortfolioRow] | list[DeadlineRow]:
    """A register answer's rows as typed objects: dates are ``datetime.date``, not the ISO strings of
    ``result.rows()`` (which is what ``--json`` prints)."""
    from dataclasses import fields

    from treatylife.bulk.register import OUTPUT, DeadlinesResult, PortfolioResult

    if not isinstance(result, (PortfolioResult, DeadlinesResult)):
        raise TypeError(f"rows() takes what portfolio() or deadlines() answer, not {type(result).__name__}")
    cls: Any = PortfolioRow if isinstance(result, PortfolioResult) else DeadlineRow
    names = [f.name for f in fields(cls) if f.name != "extra"]

    def typed(name: str, value: Any) -> Any:
        if value is None:
            return () if name == "who" else None
        if name == "who":
            return tuple(str(value).split())
        if OUTPUT.get(name) == "date" and isinstance(value, str):
            return _dt.date.fromisoformat(value)
        return value

    out = []
    for row in result.rows():
        known = {n: typed(n, row.get(n)) for n in names}
        out.append(cls(**known, extra={k: v for k, v in row.items() if k not in known}))
    return out
