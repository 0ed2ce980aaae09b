"""The fast path of the command line: ``status``/``deadline`` answered without typer.

:func:`run` recognises the simple forms with a tiny hand parser::

    treatylife status|deadline [SCENARIO] [--on YYYY-MM-DD] [--json | --format text|json] [--explain]

and answers them without importing typer: from the cache (:mod:`treatylife.cli.cache`: the answer rendered
before from the same Record, else the Record rendered now; no YAML, pydantic or ``transitions`` either), else
by loading and replaying the scenario (and storing the Record and its answer).
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

TYPE_CHECKING = False  # not typing's: the start-up path of ``status`` does not import typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["answer", "parse", "request_key", "run"]

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


def _load(scenario: str | None) -> tuple[Any, Any, list[Any]]:
    """Load and replay ``scenario``, noting every question the loader asked the file system."""
    import treatylife
    from treatylife.engine.replay import replay
    from treatylife.files import probe

    with probe.recording() as observations:
        loaded = treatylife.load_files(scenario)
    return loaded, replay(loaded), observations


def request_key(req: dict[str, Any]) -> str:
    """What an answer depends on besides the Record: the command, the format, ``--explain`` and the day
    asked about (``--on``, or today). Rendering reads nothing else: no clock, no environment, no terminal
    (the fast path answers only plain output to a UTF-8 stream, and only in an environment it knows)."""
    import json

    on = req["on"]
    return json.dumps([req["command"], req["fmt"], bool(req["explain"]), on.isoformat()])


def _printable(text: object, ok: bool) -> bool:
    """What the fast path may print itself: the full CLI would print exactly these bytes and exit 0."""
    if not ok or not isinstance(text, str) or "\x1b" in text:
        return False  # an error, or an escape sequence (typer strips them when piped)
    try:
        (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return False  # a lone surrogate: the full CLI's stream raises, and it reports that
    return True


def _text(req: dict[str, Any]) -> str | None:
    """The answer's text, from the cache when it holds it. The cache stores the Record and, beside it, the
    answers rendered from that very Record; an entry is used only once every file-system question the loader
    asked is answered as before (:func:`treatylife.cli.cache.lookup`), so a stored answer is the one this run
    would render (``request_key``: everything else it depends on)."""
    import treatylife
    from treatylife.cli.cache import cache_dir, lookup, put_answer, put_record

    version = treatylife.__version__
    if cache_dir() is None:
        text, ok = answer(req, _load(req["scenario"])[1])
        return text if _printable(text, ok) else None
    request = request_key(req)
    entry = lookup(req["scenario"], version)
    if entry is not None:
        stored = entry.answer(request)
        if stored is not None:
            return stored
        text, ok = answer(req, entry.record())
        if not _printable(text, ok):
            return None
        put_answer(entry, request, text)
        return text
    loaded, record, observations = _load(req["scenario"])
    text, ok = answer(req, record)
    printable = _printable(text, ok)
    put_record(
        req["scenario"],
        version,
        record,
        observations,
        dict(loaded.files),
        os.fspath(loaded.path),
        {request: text} if printable else None,
    )
    return text if printable else None


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
        if req["on"] is None:
            from treatylife.cli.clock import today

            req["on"] = today()  # once: the day asked about is part of the request
        text = _text(req)
    except Exception:
        return None  # the full CLI answers (and reports) it
    if text is None:
        return None
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except OSError:
        return None  # a full disk, a closed pipe: the full CLI writes again, fails alike and reports it
    return 0
