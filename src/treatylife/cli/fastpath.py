"""The fast path of the command line: ``status``/``deadline`` answered from the Record cache.

:func:`run` recognises the simple forms with a tiny hand parser::

    treatylife status|deadline [SCENARIO] [--on YYYY-MM-DD] [--json | --format text|json] [--explain]

and answers from a cached Record (:mod:`treatylife.cli.cache`) without importing typer, PyYAML, pydantic or
``transitions``. Anything else (another command or option, a terminal that gets the rich text output, an
unreadable date, a cache miss) returns None and the caller runs the full typer CLI, after :func:`fill`
has stored the Record for next time. The output is byte-for-byte what the typer path prints
(``tests/test_startup.py``).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["fill", "parse", "run"]

COMMANDS = ("status", "deadline")


def parse(argv: list[str]) -> dict[str, Any] | None:
    """The fast-path request in ``argv``, or None when it is anything else."""
    if not argv or argv[0] not in COMMANDS:
        return None
    req: dict[str, Any] = {"command": argv[0], "scenario": None, "on": None, "fmt": "text", "explain": False}
    args = argv[1:]
    i = 0
    positional = False
    while i < len(args):
        a = args[i]
        if a == "--json":
            req["fmt"] = "json"
        elif a == "--explain":
            req["explain"] = True
        elif a in ("--on", "--format") or a.startswith(("--on=", "--format=")):
            name, eq, value = a.partition("=")
            if not eq:
                i += 1
                if i >= len(args):
                    return None
                value = args[i]
            if name == "--on":
                import datetime as _dt

                try:
                    req["on"] = _dt.date.fromisoformat(value)
                except ValueError:
                    return None  # typer reports it
            elif value in ("text", "json"):
                if req["fmt"] != "json":  # --json wins over --format, as in the typer path
                    req["fmt"] = value
            else:
                return None
        elif a.startswith("-") or positional:
            return None
        else:
            req["scenario"] = a
            positional = True
        i += 1
    return req


def _answer(req: dict[str, Any], record: Any) -> str:
    import treatylife
    from treatylife.render import render

    on = req["on"]
    if on is None:
        from treatylife.cli.clock import today

        on = today()
    fn = treatylife.status if req["command"] == "status" else treatylife.deadline
    return render(fn(record, on), req["fmt"], explain=req["explain"])


def run(argv: list[str]) -> int | None:
    """Answer ``argv`` from the cache and return the exit code; None = not handled here."""
    req = parse(argv)
    if req is None or (req["fmt"] == "text" and sys.stdout.isatty()):
        return None  # a terminal gets the rich output of the full CLI
    import treatylife
    from treatylife.cli.cache import get_record

    record = get_record(req["scenario"], treatylife.__version__)
    if record is None:
        fill(req)
        return None
    try:
        text = _answer(req, record)
    except Exception:
        return None  # let the full CLI answer (and report) it
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return 0


def fill(req: dict[str, Any]) -> bool:
    """Build the Record the slow way and store it; never raises (the full CLI reports any problem)."""
    try:
        import treatylife
        from treatylife.cli.cache import cache_dir, put_record
        from treatylife.engine.replay import replay

        if cache_dir() is None:
            return False
        loaded = treatylife.load_files(req["scenario"])
        record = replay(loaded)
        return put_record(req["scenario"], treatylife.__version__, record, dict(loaded.files))
    except Exception:
        return False
