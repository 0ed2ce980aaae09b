"""The fast path of the command line: ``status``/``deadline`` answered without typer.

:func:`run` recognises the simple forms with a tiny hand parser::

    treatylife status|deadline [SCENARIO] [--on YYYY-MM-DD] [--json | --format text|json] [--explain]

and answers them without importing typer: from a cached Record (:mod:`treatylife.cli.cache`: no YAML,
pydantic or ``transitions` either), else by loading and replaying the scenario (and storing the Record).
It answers only when it knows the bytes are the ones the full CLI would print; in every other case it returns
None and the caller runs the full typer CLI, which then answers (or reports the error) itself:

* another command, option or form; an unreadable date (typer reports it);
* text for a terminal (the full CLI draws rich tables there);
* a standard output that is not UTF-8 (typer's echo re-encodes such a stream), or text it would change
  (an escape sequence: typer strips them when piped; a character UTF-8 cannot encode);
* an environment variable of treatylife's that the fast path does not know (``TREATYLIFE_TODAY``, shell
  completion's ``_TREATYLIFE_COMPLETE``, ...), Python warnings options;
* any error at all: loading, answering, rendering (the full CLI reports it with its code and exit status).

``tests/test_startup.py`` and ``tests/test_cache_equivalence.py`` compare both paths byte for byte, and the
``cache`` fuzz target (``fuzz/run.py``) does so on generated scenarios and file changes.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["answer", "parse", "run"]

COMMANDS = ("status", "deadline")
#: the environment variables of treatylife the fast path honours exactly as the full CLI does
KNOWN_ENV = ("TREATYLIFE_CACHE_DIR", "TREATYLIFE_NO_CACHE")


def parse(argv: list[str]) -> dict[str, Any] | None:
    """The fast-path request in ``argv``, or None when it is anything else."""
    if not argv or argv[0] not in COMMANDS:
        return None
    req: dict[str, Any] = {"command": argv[0], "scenario": None, "on": None, "fmt": "text", "explain": False}
    as_json = False
    fmt = "text"
    args = argv[1:]
    i = 0
    positional = False
    while i < len(args):
        a = args[i]
        if a == "--json":
            as_json = True
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
                from treatylife.cli.when import parse_when

                try:
                    req["on"] = parse_when(value)  # the parser of the typer option (today, +90d, ...)
                except Exception:
                    return None  # typer reports it
            elif value in ("text", "json"):
                fmt = value  # the last --format counts, as in click
            else:
                return None
        elif a.startswith("-") or positional:
            return None
        else:
            req["scenario"] = a
            positional = True
        i += 1
    req["fmt"] = "json" if as_json else fmt  # --json wins over --format, as in the typer path
    return req


def _environment_is_plain(req: dict[str, Any]) -> bool:
    """Nothing in this run's environment that the full CLI would treat in a way the fast path does not."""
    if sys.warnoptions or sys.flags.dev_mode:
        return False  # a warning printed (or raised) by an import would differ
    for name in os.environ:
        if "TREATYLIFE" in name.upper() and name not in KNOWN_ENV:
            return False
    out = sys.stdout
    if out is None or (req["fmt"] == "text" and out.isatty()):
        return False  # a terminal gets the rich output of the full CLI
    import codecs

    try:
        return codecs.lookup(getattr(out, "encoding", None) or "ascii").name == "utf-8"
    except LookupError:
        return False


def _record(scenario: str | None) -> Any:
    """The Record: from the cache, else loaded, replayed and stored (a Record only, never an answer)."""
    import treatylife
    from treatylife.cli.cache import cache_dir, get_record, put_record

    caching = cache_dir() is not None
    if caching:
        record = get_record(scenario, treatylife.__version__)
        if record is not None:
            return record
    from treatylife.engine.replay import replay
    from treatylife.files import probe

    with probe.recording() as observations:
        loaded = treatylife.load_files(scenario)
    record = replay(loaded)
    if caching:
        put_record(
            scenario, treatylife.__version__, record, observations, dict(loaded.files), os.fspath(loaded.path)
        )
    return record


def answer(req: dict[str, Any], record: Any) -> tuple[str, bool]:
    """The text the full CLI prints for ``req`` on ``record``, and whether it exits 0 after printing it."""
    import treatylife
    from treatylife.render import render

    on = req["on"]
    if on is None:
        from treatylife.cli.clock import today

        on = today()
    fn = treatylife.status if req["command"] == "status" else treatylife.deadline
    result = fn(record, on)
    text = render(result, req["fmt"], explain=req["explain"])
    return text, getattr(result, "ok", True) is not False


def run(argv: list[str]) -> int | None:
    """Answer ``argv`` and return the exit code; None = not handled here (nothing printed)."""
    req = parse(argv)
    if req is None or not _environment_is_plain(req):
        return None
    try:
        text, ok = answer(req, _record(req["scenario"]))
    except Exception:
        return None  # the full CLI answers (and reports) it
    if not ok or not isinstance(text, str) or "\x1b" in text:
        return None
    try:
        data = (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return None  # a lone surrogate: the full CLI's stream raises, and it reports that
    del data
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except OSError:
        return None  # a full disk, a closed pipe: the full CLI writes again, fails alike and reports it
    return 0
