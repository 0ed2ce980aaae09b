"""treatylife: is an agreement in force on a date, when is the next notice deadline, what if...

The public API. Every function takes a scenario and an explicit date: the library never reads the clock, so
answers are reproducible and tests need no time freezing. A scenario is a path (``-`` = standard input), a
mapping shaped like a scenario file (or a ``ScenarioFile``), a :class:`Record` from :func:`load`, or ``None``
for the bundled GSOMIA record. A date is a ``datetime.date`` or an ISO string ``"2019-08-23"``; anything else
is refused with :class:`InputError` (code TL120). docs/api.md shows it all, and its examples run as tests.

>>> import datetime, treatylife
>>> treatylife.status(None, datetime.date(2019, 8, 23)).in_force
True

Importing this package loads nothing but this file: each name below is imported on its first use (PEP 562),
from the module that defines it (functions from :mod:`treatylife.api`). So ``treatylife status`` from the
start-up cache pays for no result class it does not print, and typer, PyYAML, pydantic and transitions are
imported only when a file is first loaded.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: ``import treatylife`` imports nothing (the start-up path of ``status``)

__version__ = "0.1.0"

if TYPE_CHECKING:  # type checkers and IDEs see every name; at run time each is imported on first use
    from typing import Any

    from treatylife.answers.agenda import CalendarResult
    from treatylife.answers.compare import CompareResult
    from treatylife.answers.expect import ExpectResult
    from treatylife.answers.report import ReportResult
    from treatylife.answers.results import (
        CheckResult,
        DeadlineResult,
        StatusResult,
        TimelineResult,
    )
    from treatylife.api import (
        DeadlineRow,
        PortfolioRow,
        calendar,
        check,
        compare,
        deadline,
        deadlines,
        json_schema,
        load,
        load_register,
        portfolio,
        render_html,
        render_ics,
        report,
        rows,
        status,
        test,
        timeline,
        whatif,
    )
    from treatylife.api import (
        load_files as load_files,  # not in __all__: the loader without the replay (the CLI, the cache)
    )
    from treatylife.bulk.register import DeadlinesResult, PortfolioResult, Register
    from treatylife.errors import (
        AmbiguousDateError,
        InputError,
        RulesError,
        ScenarioError,
        SequenceError,
        TreatyLifeError,
    )
    from treatylife.model.record import Record
    from treatylife.model.rules import Rules
    from treatylife.model.scenario import Event, ScenarioFile

#: where each public name is defined (tests/test_api.py checks this table against ``__all__``)
_HOME = {
    "AmbiguousDateError": "treatylife.errors",
    "CalendarResult": "treatylife.answers.agenda",
    "CheckResult": "treatylife.answers.results",
    "CompareResult": "treatylife.answers.compare",
    "DeadlineResult": "treatylife.answers.results",
    "DeadlineRow": "treatylife.api",
    "DeadlinesResult": "treatylife.bulk.register",
    "Event": "treatylife.model.scenario",
    "ExpectResult": "treatylife.answers.expect",
    "InputError": "treatylife.errors",
    "PortfolioResult": "treatylife.bulk.register",
    "PortfolioRow": "treatylife.api",
    "Record": "treatylife.model.record",
    "Register": "treatylife.bulk.register",
    "ReportResult": "treatylife.answers.report",
    "Rules": "treatylife.model.rules",
    "RulesError": "treatylife.errors",
    "ScenarioError": "treatylife.errors",
    "ScenarioFile": "treatylife.model.scenario",
    "SequenceError": "treatylife.errors",
    "StatusResult": "treatylife.answers.results",
    "TimelineResult": "treatylife.answers.results",
    "TreatyLifeError": "treatylife.errors",
    "calendar": "treatylife.api",
    "check": "treatylife.api",
    "compare": "treatylife.api",
    "deadline": "treatylife.api",
    "deadlines": "treatylife.api",
    "json_schema": "treatylife.api",
    "load": "treatylife.api",
    "load_register": "treatylife.api",
    "load_files": "treatylife.api",  # the loader's files without the replay (the CLI, the cache)
    "portfolio": "treatylife.api",
    "render_html": "treatylife.api",
    "render_ics": "treatylife.api",
    "report": "treatylife.api",
    "rows": "treatylife.api",
    "status": "treatylife.api",
    "test": "treatylife.api",
    "timeline": "treatylife.api",
    "whatif": "treatylife.api",
}

__all__ = [
    "AmbiguousDateError",
    "CalendarResult",
    "CheckResult",
    "CompareResult",
    "DeadlineResult",
    "DeadlineRow",
    "DeadlinesResult",
    "Event",
    "ExpectResult",
    "InputError",
    "PortfolioResult",
    "PortfolioRow",
    "Record",
    "Register",
    "ReportResult",
    "Rules",
    "RulesError",
    "ScenarioError",
    "ScenarioFile",
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
    "render_html",
    "render_ics",
    "report",
    "rows",
    "status",
    "test",
    "timeline",
    "whatif",
]


if not TYPE_CHECKING:  # hidden from type checkers: they see the names above, and ``tl.staus`` is an error

    def __getattr__(name: str) -> Any:
        module = _HOME.get(name)
        if module is None:
            raise AttributeError(f"module 'treatylife' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted((set(globals()) - {"TYPE_CHECKING", "annotations"}) | set(__all__))
