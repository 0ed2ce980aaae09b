"""``treatylife test``: check the answers scenario files expect (``expect:``), as OpenFisca tests do.

Exit codes: 0 every expected answer met; 3 some expected answer not met (one line each); 2 a file could not
be read (bad input, as everywhere); 1 internal error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from treatylife.cli.base import EXIT_INPUT, FormatOpt, JsonOpt, app, run

EXIT_EXPECTATION_FAILED = 3


@app.command(name="test")
def test_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Scenario files or directories (every *.yaml/*.yml under them; rules files are skipped); "
            "- reads one from standard input. Default: the current directory.",
            metavar="[FILE|DIR]...",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
    fmt: FormatOpt = "text",
) -> None:
    """Check the expect: entries of scenarios (exit 3 when an expected answer is not met)."""
    import treatylife

    holder: list[treatylife.ExpectResult] = []

    def compute() -> treatylife.ExpectResult:
        holder.append(treatylife.test(list(files or [Path(".")])))
        return holder[0]

    try:
        run(as_json, fmt, False, compute)
    except typer.Exit as done:
        if done.exit_code != EXIT_INPUT or not holder:
            raise
    result = holder[0]
    if result.bad_files:
        raise typer.Exit(EXIT_INPUT)
    if result.failed:
        raise typer.Exit(EXIT_EXPECTATION_FAILED)
