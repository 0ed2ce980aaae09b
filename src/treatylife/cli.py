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

app = typer.Typer(
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


def _today() -> _dt.date:
    from treatylife.clock import today

    return today()


def _run(as_json: bool, fmt: str, explain: bool, compute: Callable[[], Any]) -> None:
    """Compute, render, print; turn user errors into one line and exit code 2."""
    from treatylife.errors import TreatyLifeError
    from treatylife.render import FORMATS, render

    fmt = "json" if as_json else fmt
    if fmt not in FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(EXIT_INPUT)
    try:
        result = compute()
    except TreatyLifeError as exc:
        if fmt == "json":
            import json

            typer.echo(json.dumps({"error": exc.to_dict()}, indent=2, sort_keys=True))
        else:
            typer.echo(f"error [{exc.code}]: {exc}", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    typer.echo(render(result, fmt, explain=explain))
    if getattr(result, "ok", True) is False:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def status(
    scenario: ScenarioArg = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
    fmt: FormatOpt = "text",
) -> None:
    """Is it in force on a date? Stage, current term, pending notices, when it ends."""
    import treatylife

    _run(as_json, fmt, explain, lambda: treatylife.status(scenario, on or _today()))


@app.command()
def deadline(
    scenario: ScenarioArg = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
    fmt: FormatOpt = "text",
) -> None:
    """The next notice deadline on or after a date, and the renewal it would prevent."""
    import treatylife

    _run(as_json, fmt, explain, lambda: treatylife.deadline(scenario, on or _today()))


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
) -> None:
    """Contiguous intervals of stage and term, from the first event."""
    import treatylife

    _run(as_json, fmt, False, lambda: treatylife.timeline(scenario, to or _today()))


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Rules and scenario files to validate.")],
    as_json: JsonOpt = False,
    fmt: FormatOpt = "text",
) -> None:
    """Validate rules and scenario files; list dates whose answer depends on an open convention."""
    import treatylife

    _run(as_json, fmt, False, lambda: treatylife.check(list(files)))


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
