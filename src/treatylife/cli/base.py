"""What every ``treatylife`` command shares: the typer app, option types, running, printing and errors.

Exit codes: 0 answered; 1 internal error (a bug: please report it); 2 bad input (a file, a field, an
option), with one readable message naming file, line and field.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import typer

from treatylife.cli.when import parse_day, parse_when

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
#: the reader of standard output went away (``| head``): 128 + SIGPIPE, what the shell reports for ``cat``
EXIT_PIPE = 141
REPORT = "This is a bug in treatylife; please report it with the command and files used."


def stdout_failed(exc: BaseException) -> None:
    """End the command if ``exc`` is standard output failing; return if it is anything else.

    Such a failure is the environment's, not a bug. A reader that went away (``treatylife portfolio reg.csv |
    head``) ends the command quietly, exit 141, as ``cat`` ends. A full disk or a file-size limit is one
    ``TL004`` line on stderr, exit 2, never JSON (standard output is what failed). Only writes raise these
    errors, and every other write (``-o`` files, the cache) reports or absorbs its own, so an OSError of this
    kind reaching a command's error handler came from standard output.
    """
    import errno
    import os

    if not isinstance(exc, OSError) or exc.errno not in (
        errno.EPIPE,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
    ):
        return
    for stream in (sys.stdout, sys.__stdout__):  # Python's flush at exit must not fail again
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())  # type: ignore[union-attr]
            os.close(devnull)
    if exc.errno == errno.EPIPE:
        sys.exit(EXIT_PIPE)
    reason = exc.strerror or str(exc)
    typer.echo(
        terminal_line(
            f"error [TL004]: standard output: cannot write: {reason} "
            "(hint: check the free space where standard output goes, or write to a file with -o)"
        ),
        err=True,
    )
    sys.exit(EXIT_INPUT)


def emit_error(as_json: bool, error: dict[str, Any]) -> None:
    """One error, as JSON on stdout (--json) or as one line ``error [CODE]: ...`` on stderr."""
    if as_json:
        import json

        typer.echo(json.dumps({"error": error}, indent=2, sort_keys=True))
    else:
        text = error["message"]
        if error.get("hint"):
            text += f" (hint: {error['hint']})"
        typer.echo(terminal_line(f"error [{error['code']}]: {text}"), err=True)


def usage_error(exc: Any, as_json: bool) -> int:
    """typer's own usage errors (unknown option, bad --on date) get a code and JSON like any other."""
    message = " ".join(exc.format_message().split()).replace("Value error, ", "")
    ctx = getattr(exc, "ctx", None)
    hint = f"see '{ctx.command_path} --help'" if ctx is not None else "see 'treatylife --help'"
    if any(f"'--{o}'" in message for o in ("on", "to", "from", "today")):
        hint = (
            "dates are written YYYY-MM-DD or YYYYMMDD (a day that exists), today, or relative to today: +90d, "
            "-2w, +6m, +1y (also written today+90d); " + hint
        )
    emit_error(
        as_json,
        {"code": "TL001", "message": message, "file": None, "line": None, "field": None, "hint": hint},
    )
    return EXIT_INPUT


def internal_error(exc: Exception, as_json: bool) -> None:
    """A bug: one line (or JSON) asking for a report, exit code 1 (TREATYLIFE_DEBUG=1 re-raises)."""
    import os

    stdout_failed(exc)
    if os.environ.get("TREATYLIFE_DEBUG"):
        raise exc
    first = str(exc).splitlines()[0] if str(exc) else ""
    emit_error(
        as_json,
        {
            "code": "TL999",
            "message": f"internal error: {type(exc).__name__}: {first}",
            "file": None,
            "line": None,
            "field": None,
            "hint": REPORT + " (set TREATYLIFE_DEBUG=1 for the traceback)",
        },
    )
    raise typer.Exit(EXIT_INTERNAL) from None


def _print_version(ctx: Any, _param: Any, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        import treatylife

        typer.echo(f"treatylife {treatylife.__version__}")
        ctx.exit(EXIT_OK)


def _version_option() -> Any:
    """A ``--version`` option built by typer itself (from a one-command app), to add to every command."""
    holder = typer.Typer(add_completion=False)

    @holder.command()
    def _holder(
        version: Annotated[
            bool,
            typer.Option(
                "--version",
                is_eager=True,
                expose_value=False,
                callback=_print_version,
                help="Print the version and exit.",
            ),
        ] = False,
    ) -> None:  # pragma: no cover - never run
        """Holds the option."""

    return next(p for p in typer.main.get_command(holder).params if "--version" in p.opts)


def tidy_command(cmd: Any, ctx: Any) -> Any:
    """Habits from other tools on every command: ``--version``, ``-h``, and help without type noise
    (``<bool>`` after a flag, ``<list[Path]>`` after an argument already named by its metavar)."""
    if getattr(cmd, "_treatylife_tidy", False):
        return cmd
    if not any("--version" in p.opts for p in cmd.params):
        cmd.params.append(_version_option())
    for p in cmd.get_params(ctx):  # includes the (cached) help option
        if isinstance(p, typer.core.TyperOption) and p.is_flag and p.metavar is None:
            p.metavar = ""  # a flag takes no value: nothing to show in the type column
        elif isinstance(p, typer.core.TyperArgument):
            p.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
    cmd._treatylife_tidy = True
    return cmd


class _Group(typer.core.TyperGroup):
    """Runs the command line; turns usage errors into coded errors (JSON with --json)."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = super().get_command(ctx, cmd_name)
        return tidy_command(cmd, ctx) if cmd is not None else None

    def format_help(self, ctx: Any, formatter: Any) -> None:
        tidy_command(self, ctx)
        super().format_help(ctx, formatter)

    def parse_args(self, ctx: Any, args: list[str]) -> Any:
        tidy_command(self, ctx)  # `treatylife --version`
        return super().parse_args(ctx, args)

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            from typer._click import exceptions as cx  # typer >= 0.26 vendors click
        except ImportError:  # pragma: no cover - older typer
            from click import exceptions as cx  # type: ignore[no-redef,import-not-found,unused-ignore]

        from treatylife.errors import TreatyLifeError

        argv = hoist_today(list(sys.argv[1:] if args is None else args))
        try:
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except cx.NoArgsIsHelpError as exc:
            if not standalone_mode:
                raise
            exc.show()
            sys.exit(exc.exit_code)
        except cx.UsageError as exc:
            if not standalone_mode:
                raise
            sys.exit(usage_error(exc, "--json" in argv))
        except TreatyLifeError as exc:  # raised while parsing options: a bad TREATYLIFE_TODAY under --on +90d
            if not standalone_mode:
                raise
            if "--json" in argv:
                emit_error(True, exc.to_dict())
            else:
                typer.echo(f"error [{exc.code}]: {exc}", err=True)
            sys.exit(EXIT_INPUT)
        except typer.Abort:
            if not standalone_mode:
                raise
            typer.echo("Aborted.", err=True)
            sys.exit(EXIT_INTERNAL)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)


app = typer.Typer(
    cls=_Group,
    name="treatylife",
    help="Agreement-lifecycle rules engine: in force on a date? next notice deadline? what if?\n\n"
    "Exit codes: 0 answered, 1 internal error (please report), 2 bad input, 3 (test) an expected answer "
    "not met.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # typer's own: --install-completion, --show-completion
    context_settings={"help_option_names": ["-h", "--help"]},
)


def hoist_today(argv: list[str]) -> list[str]:
    """``--today D`` is an option of the whole program; it may be written after the command too
    (``treatylife status --today 2026-12-01``): move it in front, where the parser reads it."""
    end = argv.index("--") if "--" in argv else len(argv)
    for i, a in enumerate(argv[:end]):
        if a.startswith("--today="):
            return [a, *argv[:i], *argv[i + 1 :]]
        if a == "--today":
            return [*argv[i : i + 2], *argv[:i], *argv[i + 2 :]]
    return argv


@app.callback()
def _program(
    today: Annotated[
        _dt.date | None,
        typer.Option(
            "--today",
            parser=parse_day,
            metavar="YYYY-MM-DD",
            help="The day taken as today by every command (default: $TREATYLIFE_TODAY, else the local date). "
            "May also follow the command.",
        ),
    ] = None,
) -> None:
    """Agreement-lifecycle rules engine: in force on a date? next notice deadline? what if?"""
    from treatylife.cli import clock

    clock.set_today(today)  # every command line sets it: nothing carries over from an earlier one


ScenarioArg = Annotated[
    Path | None,
    typer.Argument(
        help="Scenario or what-if file; - reads standard input (default: the bundled GSOMIA record).",
        show_default=False,
        metavar="SCENARIO",
    ),
]
DATE_METAVAR = "DATE"  # YYYY-MM-DD, YYYYMMDD, today, +90d, -2w, +6m, +1y, today+90d (treatylife.cli.when)
OnOpt = Annotated[
    _dt.date | None,
    typer.Option(
        "--on",
        parser=parse_when,
        metavar=DATE_METAVAR,
        help="Date asked about: YYYY-MM-DD or YYYYMMDD, today, +90d, -2w, +6m, +1y, today+90d (default: today).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (the API's result.to_dict()).")]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="Show the events and clauses behind the answer.")]
FormatOpt = Annotated[str, typer.Option("--format", help="text, json or markdown.", metavar="FORMAT")]
AddOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--add",
        metavar="'DATE KIND [PARTY] [field=value...]'",
        help='What-if: add an event, e.g. --add "2019-09-01 notice_given JPN" (repeatable). Fields: id, '
        "clause, notice, period, note, claim, source, count, condition.",
    ),
]
RemoveOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--remove",
        metavar="SELECTOR",
        help="What-if: remove the events matching a kind, date, party or id, or several: "
        '"2019-11-22 notice_suspended" (repeatable).',
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="What-if: override a rules parameter, e.g. --set exits.art21-3-notice.notice=180days (repeatable).",
    ),
]
PartyOpt = Annotated[
    str | None,
    typer.Option(
        "--party",
        metavar="CODE",
        help='Answer for this party: "in force" means in force for it (multilateral agreements).',
    ),
]
FromOpt = Annotated[
    _dt.date | None,
    typer.Option(
        "--from", parser=parse_when, metavar=DATE_METAVAR, help="First day considered (DATE as for --on)."
    ),
]
ToOpt = Annotated[
    _dt.date | None,
    typer.Option(
        "--to", parser=parse_when, metavar=DATE_METAVAR, help="Last day considered (DATE as for --on)."
    ),
]


def scenario_of(
    scenario: Path | None, add: list[str] | None, remove: list[str] | None, set_: list[str] | None
) -> Any:
    """The scenario path, or (with inline what-if options) the replayed what-if Record."""
    if not (add or remove or set_):
        return scenario
    import treatylife

    return treatylife.whatif(scenario, add=add or [], remove=remove or [], set=set_ or [])


def today() -> _dt.date:
    from treatylife.cli import clock

    return clock.today()


def run(as_json: bool, fmt: str, explain: bool, compute: Callable[[], Any]) -> None:
    """Compute, render, print; turn user errors into one line and exit code 2."""
    from treatylife.errors import TreatyLifeError
    from treatylife.render import FORMATS, render

    fmt = "json" if as_json else fmt
    if fmt not in FORMATS:
        emit_error(
            False,
            {
                "code": "TL002",
                "message": f"--format {fmt!r} is not one of {', '.join(FORMATS)}",
                "hint": None,
            },
        )
        raise typer.Exit(EXIT_INPUT)
    try:
        result = compute()
        if fmt == "text" and sys.stdout.isatty():
            from treatylife.render.rich_text import print_rich

            print_rich(result, explain=explain)
        else:
            typer.echo(render(result, fmt, explain=explain))  # rendered inside: its errors are reported too
    except TreatyLifeError as exc:
        if fmt == "json":
            emit_error(True, exc.to_dict())
        else:
            typer.echo(terminal_line(f"error [{exc.code}]: {exc}"), err=True)
        raise typer.Exit(EXIT_INPUT) from None
    except (KeyboardInterrupt, SystemExit, typer.Exit):
        raise
    except Exception as exc:
        internal_error(exc, fmt == "json")
    if getattr(result, "ok", True) is False:
        raise typer.Exit(EXIT_INPUT)


def guard(compute: Callable[[], Any], as_json: bool = False) -> Any:
    """Run ``compute``; a user error becomes one line (or a JSON error) and exit code 2."""
    from treatylife.errors import TreatyLifeError

    try:
        return compute()
    except TreatyLifeError as exc:
        if as_json:
            emit_error(True, exc.to_dict())
        else:
            typer.echo(terminal_line(f"error [{exc.code}]: {exc}"), err=True)
        raise typer.Exit(EXIT_INPUT) from None
    except (KeyboardInterrupt, SystemExit, typer.Exit):
        raise
    except Exception as exc:
        internal_error(exc, as_json)


def write_output(
    output: Path | None, data: bytes | str, what: str, inputs: Iterable[Path | os.PathLike[str]] = ()
) -> None:
    """Write to ``output`` (or stdout when None or '-'); say where on stderr. The file is written by
    :func:`treatylife.render.output.write_file`: never over one of ``inputs``, never half a file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if output is None or str(output) == "-":
        sys.stdout.flush()
        if hasattr(sys.stdout, "buffer"):
            sys.stdout.buffer.write(raw)
        else:  # pragma: no cover - a text-only stream
            sys.stdout.write(raw.decode("utf-8"))
        sys.stdout.flush()
        return
    from treatylife.render.output import write_file

    guard(lambda: write_file(output, raw, inputs))
    typer.echo(terminal_line(f"wrote {what} to {output} ({len(raw):,} bytes)"), err=True)


def inputs_of(*scenarios: Path | None) -> list[Path | os.PathLike[str]]:
    """Every file a command on these scenarios reads: each one given, its rules, a what-if's bases (the
    bundled record's files for None). A scenario that does not load adds only its own name: the command
    itself reports why."""
    import treatylife
    from treatylife.errors import TreatyLifeError
    from treatylife.render.output import STANDARD_INPUT

    found: list[Path | os.PathLike[str]] = []
    for s in scenarios:
        if s is not None and str(s) == "-":
            found.append(STANDARD_INPUT)  # the file it was redirected from, if any (never a pipe)
            continue
        if s is not None:
            found.append(Path(s))
        with contextlib.suppress(TreatyLifeError):
            found += [Path(f) for f in treatylife.load_files(s).files]
    return found


def terminal_line(text: str) -> str:
    """A message for the terminal: user text in it (a path, a value) cannot command the terminal."""
    from treatylife.render.escape import terminal

    return terminal(text)


OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="File to write (default: standard output).", metavar="FILE"),
]


# ---------------------------------------------------------------------------- registers (issue 7)

RegisterArg = Annotated[
    Path,
    typer.Argument(
        help="Register: a bulk .csv/.jsonl/.parquet/.xlsx file of agreements, or a directory of them and of "
        "scenario files; - reads a CSV or JSON Lines register from standard input (see docs/register.md).",
        show_default=False,
    ),
]
