"""The ``treatylife`` command: a thin skin over the public API (parse options, call, print).

Exit codes: 0 answered; 1 internal error (a bug: please report it); 2 bad input (a file, a field, an
option), with one readable message naming file, line and field.
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
REPORT = "This is a bug in treatylife; please report it with the command and files used."


def _emit_error(as_json: bool, error: dict[str, Any]) -> None:
    """One error, as JSON on stdout (--json) or as one line ``error [CODE]: ...`` on stderr."""
    if as_json:
        import json

        typer.echo(json.dumps({"error": error}, indent=2, sort_keys=True))
    else:
        text = error["message"]
        if error.get("hint"):
            text += f" (hint: {error['hint']})"
        typer.echo(f"error [{error['code']}]: {text}", err=True)


def _usage_error(exc: Any, as_json: bool) -> int:
    """typer's own usage errors (unknown option, bad --on date) get a code and JSON like any other."""
    message = " ".join(exc.format_message().split()).replace("Value error, ", "")
    ctx = getattr(exc, "ctx", None)
    hint = f"see '{ctx.command_path} --help'" if ctx is not None else "see 'treatylife --help'"
    if any(f"'--{o}'" in message for o in ("on", "to", "from")):
        hint = "dates are written YYYY-MM-DD and must exist; " + hint
    _emit_error(
        as_json,
        {"code": "TL001", "message": message, "file": None, "line": None, "field": None, "hint": hint},
    )
    return EXIT_INPUT


def _internal_error(exc: Exception, as_json: bool) -> None:
    """A bug: one line (or JSON) asking for a report, exit code 1 (TREATYLIFE_DEBUG=1 re-raises)."""
    import os

    if os.environ.get("TREATYLIFE_DEBUG"):
        raise exc
    first = str(exc).splitlines()[0] if str(exc) else ""
    _emit_error(
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


class _Group(typer.core.TyperGroup):
    """Runs the command line; turns usage errors into coded errors (JSON with --json)."""

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

        argv = list(sys.argv[1:] if args is None else args)
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
            sys.exit(_usage_error(exc, "--json" in argv))
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
    "Exit codes: 0 answered, 1 internal error (please report), 2 bad input.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario or what-if file (default: the bundled GSOMIA record).", show_default=False),
]
OnOpt = Annotated[
    _dt.date | None,
    typer.Option(
        "--on", parser=_dt.date.fromisoformat, metavar="YYYY-MM-DD", help="Date asked about (default: today)."
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
    typer.Option("--from", parser=_dt.date.fromisoformat, metavar="YYYY-MM-DD", help="First day considered."),
]
ToOpt = Annotated[
    _dt.date | None,
    typer.Option("--to", parser=_dt.date.fromisoformat, metavar="YYYY-MM-DD", help="Last day considered."),
]


def _scenario(
    scenario: Path | None, add: list[str] | None, remove: list[str] | None, set_: list[str] | None
) -> Any:
    """The scenario path, or (with inline what-if options) the replayed what-if Record."""
    if not (add or remove or set_):
        return scenario
    import treatylife

    return treatylife.whatif(scenario, add=add or [], remove=remove or [], set=set_ or [])


def _today() -> _dt.date:
    from treatylife.cli.clock import today

    return today()


def _run(as_json: bool, fmt: str, explain: bool, compute: Callable[[], Any]) -> None:
    """Compute, render, print; turn user errors into one line and exit code 2."""
    from treatylife.errors import TreatyLifeError
    from treatylife.render import FORMATS, render

    fmt = "json" if as_json else fmt
    if fmt not in FORMATS:
        _emit_error(
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
            _emit_error(True, exc.to_dict())
        else:
            typer.echo(f"error [{exc.code}]: {exc}", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    except (KeyboardInterrupt, SystemExit, typer.Exit):
        raise
    except Exception as exc:
        _internal_error(exc, fmt == "json")
    if getattr(result, "ok", True) is False:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def status(
    scenario: ScenarioArg = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
    fmt: FormatOpt = "text",
    add: AddOpt = None,
    remove: RemoveOpt = None,
    set_: SetOpt = None,
    party: PartyOpt = None,
) -> None:
    """Is it in force on a date? Stage, current term, pending notices, when it ends."""
    import treatylife

    _run(
        as_json,
        fmt,
        explain,
        lambda: treatylife.status(_scenario(scenario, add, remove, set_), on or _today(), party),
    )


@app.command()
def deadline(
    scenario: ScenarioArg = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
    fmt: FormatOpt = "text",
    add: AddOpt = None,
    remove: RemoveOpt = None,
    set_: SetOpt = None,
    party: PartyOpt = None,
) -> None:
    """The next notice deadline on or after a date, and the renewal it would prevent."""
    import treatylife

    _run(
        as_json,
        fmt,
        explain,
        lambda: treatylife.deadline(_scenario(scenario, add, remove, set_), on or _today(), party),
    )


@app.command()
def timeline(
    scenario: ScenarioArg = None,
    to: Annotated[
        _dt.date | None,
        typer.Option(
            "--to",
            parser=_dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="Last day shown (default: today).",
        ),
    ] = None,
    as_json: JsonOpt = False,
    fmt: FormatOpt = "text",
    add: AddOpt = None,
    remove: RemoveOpt = None,
    set_: SetOpt = None,
    party: PartyOpt = None,
    explain: ExplainOpt = False,
) -> None:
    """Contiguous intervals of stage and term, from the first event."""
    import treatylife

    _run(
        as_json,
        fmt,
        explain,
        lambda: treatylife.timeline(_scenario(scenario, add, remove, set_), to or _today(), party),
    )


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Rules and scenario files to validate.")],
    as_json: JsonOpt = False,
    fmt: FormatOpt = "text",
) -> None:
    """Validate rules and scenario files; list dates whose answer depends on an open convention."""
    import treatylife

    _run(as_json, fmt, False, lambda: treatylife.check(list(files)))


def _guard(compute: Callable[[], Any], as_json: bool = False) -> Any:
    """Run ``compute``; a user error becomes one line (or a JSON error) and exit code 2."""
    from treatylife.errors import TreatyLifeError

    try:
        return compute()
    except TreatyLifeError as exc:
        if as_json:
            _emit_error(True, exc.to_dict())
        else:
            typer.echo(f"error [{exc.code}]: {exc}", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    except (KeyboardInterrupt, SystemExit, typer.Exit):
        raise
    except Exception as exc:
        _internal_error(exc, as_json)


def _write(output: Path | None, data: bytes | str, what: str) -> None:
    """Write to ``output`` (or stdout when None or '-'); say where on stderr."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if output is None or str(output) == "-":
        sys.stdout.flush()
        if hasattr(sys.stdout, "buffer"):
            sys.stdout.buffer.write(raw)
        else:  # pragma: no cover - a text-only stream
            sys.stdout.write(raw.decode("utf-8"))
        sys.stdout.flush()
        return
    try:
        output.write_bytes(raw)
    except OSError as exc:
        _emit_error(
            False,
            {
                "code": "TL004",
                "message": f"{output}: cannot write: {exc.strerror}",
                "hint": "check the --output path",
            },
        )
        raise typer.Exit(EXIT_INPUT) from None
    typer.echo(f"wrote {what} to {output} ({len(raw):,} bytes)", err=True)


OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="File to write (default: standard output).", metavar="FILE"),
]


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="First scenario (A).")],
    b: Annotated[
        Path | None,
        typer.Argument(help="Second scenario (B); default: A with the --add/--remove/--set changes."),
    ] = None,
    start: FromOpt = None,
    to: ToOpt = None,
    as_json: JsonOpt = False,
    fmt: FormatOpt = "text",
    add: AddOpt = None,
    remove: RemoveOpt = None,
    set_: SetOpt = None,
    party: PartyOpt = None,
    explain: ExplainOpt = False,
) -> None:
    """Where two scenarios disagree: date ranges where "in force?", stage, term or parties differ, and why."""
    import treatylife

    def compute() -> Any:
        if b is None and not (add or remove or set_):
            from treatylife.errors import InputError

            raise InputError(
                "give a second scenario B, or what-if changes (--add/--remove/--set) to A", field="B"
            )
        other = _scenario(b if b is not None else a, add, remove, set_)
        return treatylife.compare(a, other, start, to, party)

    _run(as_json, fmt, explain, compute)


@app.command()
def calendar(
    scenarios: Annotated[
        list[Path] | None,
        typer.Argument(help="Scenarios (default: the bundled GSOMIA record).", show_default=False),
    ] = None,
    start: FromOpt = None,
    years: Annotated[int, typer.Option("--years", help="How many years ahead.", min=1, max=100)] = 2,
    remind: Annotated[
        list[int] | None,
        typer.Option(
            "--remind", metavar="WEEKS", help="Reminder this many weeks ahead (repeatable; default 4 and 1)."
        ),
    ] = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write an iCalendar (.ics) file of upcoming notice deadlines, renewals and ends, with reminders."""
    import treatylife

    day = start or _today()
    result = _guard(
        lambda: treatylife.calendar(
            list(scenarios or []) or [None], day, years, list(remind) if remind else None
        ),
        as_json,
    )
    if as_json:
        from treatylife.render.json import render_json

        typer.echo(render_json(result))
        return
    from treatylife.render.ics import render_ics

    _write(output, _guard(lambda: render_ics(result)), f"{len(result.items)} dates")


@app.command()
def diagram(
    fmt: Annotated[str, typer.Option("--format", help="mermaid or dot.", metavar="FORMAT")] = "mermaid",
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Draw the lifecycle state machine (from the same declaration the engine runs)."""
    from treatylife.render.diagram import draw

    result = _guard(lambda: draw(fmt), as_json)
    if as_json:
        from treatylife.render.json import render_json

        typer.echo(render_json(result))
        return
    _write(output, result.text, f"{fmt} diagram")


@app.command()
def report(
    scenario: ScenarioArg = None,
    base: Annotated[
        Path | None,
        typer.Option(
            "--base", help="Scenario to draw beneath (default: a what-if's own base).", metavar="FILE"
        ),
    ] = None,
    on: OnOpt = None,
    to: ToOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
    add: AddOpt = None,
    remove: RemoveOpt = None,
    set_: SetOpt = None,
) -> None:
    """Write one self-contained HTML page: timeline picture, what-if against its base, explanation."""
    import treatylife

    def compute() -> Any:
        scn = _scenario(scenario, add, remove, set_)
        other = base
        if other is None and not isinstance(scn, (Path, str, type(None))):
            other = scenario  # inline what-if: drawn against the scenario it changes
            if other is None:
                from treatylife.files.loader import default_scenario

                other = default_scenario()
        return treatylife.report(scn, on or _today(), other, to)

    result = _guard(compute, as_json)
    if as_json:
        from treatylife.render.json import render_json

        typer.echo(render_json(result))
        return
    from treatylife.render.html import render_html

    _write(output, render_html(result), "report")


@app.command()
def schema(
    kind: Annotated[str, typer.Argument(help="rules or scenario.", metavar="[rules|scenario]")] = "rules",
) -> None:
    """Print the JSON Schema of rules or scenario files (generated from the models that validate them)."""
    import json

    import treatylife

    result = _guard(lambda: treatylife.json_schema(kind))
    typer.echo(json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False))


# ---------------------------------------------------------------------------- registers (issue 7)

RegisterArg = Annotated[
    Path,
    typer.Argument(
        help="Register: a directory of scenario files, or a bulk .csv/.jsonl file of agreements "
        "(see docs/register.md).",
        show_default=False,
    ),
]
RegisterFormatOpt = Annotated[str, typer.Option("--format", help="text, json or csv.", metavar="FORMAT")]


def _register_run(as_json: bool, fmt: str, label: str, compute: Callable[[Any], Any]) -> None:
    """Check --format, compute with a progress bar on a terminal, print the table."""
    from treatylife.render.register import REGISTER_FORMATS, TerminalProgress, render_register

    fmt = "json" if as_json else fmt
    if fmt not in REGISTER_FORMATS:
        _emit_error(
            False,
            {
                "code": "TL002",
                "message": f"--format {fmt!r} is not one of {', '.join(REGISTER_FORMATS)}",
                "hint": None,
            },
        )
        raise typer.Exit(EXIT_INPUT)
    bar = TerminalProgress.for_terminal(label)
    try:
        result = _guard(lambda: compute(bar), fmt == "json")
    finally:
        if bar is not None:
            bar.close()
    typer.echo(render_register(result, fmt))


@app.command()
def portfolio(
    register: RegisterArg,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    fmt: RegisterFormatOpt = "text",
) -> None:
    """Status and next notice deadline of every agreement of a register on a date."""
    import treatylife

    _register_run(
        as_json, fmt, "portfolio", lambda bar: treatylife.portfolio(register, on or _today(), progress=bar)
    )


@app.command()
def deadlines(
    register: RegisterArg,
    from_: FromOpt = None,
    within: Annotated[
        str, typer.Option("--within", metavar="PERIOD", help="Window: 120d, 8w, 6m, 1y, '90 days'.")
    ] = "120d",
    as_json: JsonOpt = False,
    fmt: RegisterFormatOpt = "text",
) -> None:
    """Upcoming notice deadlines of a register, soonest first (each agreement's next one in the window)."""
    import treatylife

    def compute(bar: Any) -> Any:
        from treatylife.bulk.register import parse_within
        from treatylife.errors import InputError

        try:
            period = parse_within(within)
        except ValueError as exc:
            raise InputError(str(exc), field="--within", code="TL003") from None
        return treatylife.deadlines(register, from_ or _today(), period, progress=bar)

    _register_run(as_json, fmt, "deadlines", compute)


def main() -> None:
    """Console entry point: any exception that is not the user's is a bug (exit 1), never a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # pragma: no cover - exercised by a test that injects a failure
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in treatylife; please report it with the command and files used.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
