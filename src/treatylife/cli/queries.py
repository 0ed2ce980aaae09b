"""Queries on one agreement: status, deadline, timeline, check, compare."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Any

import typer

from treatylife.cli.base import (
    AddOpt,
    ExplainOpt,
    FormatOpt,
    FromOpt,
    JsonOpt,
    OnOpt,
    PartyOpt,
    RemoveOpt,
    ScenarioArg,
    SetOpt,
    ToOpt,
    app,
    run,
    scenario_of,
    today,
)
from treatylife.cli.when import parse_when


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

    run(
        as_json,
        fmt,
        explain,
        lambda: treatylife.status(scenario_of(scenario, add, remove, set_), on or today(), party),
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

    run(
        as_json,
        fmt,
        explain,
        lambda: treatylife.deadline(scenario_of(scenario, add, remove, set_), on or today(), party),
    )


@app.command()
def timeline(
    scenario: ScenarioArg = None,
    to: Annotated[
        _dt.date | None,
        typer.Option("--to", parser=parse_when, metavar="DATE", help="Last day shown (default: today)."),
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

    run(
        as_json,
        fmt,
        explain,
        lambda: treatylife.timeline(scenario_of(scenario, add, remove, set_), to or today(), party),
    )


@app.command()
def check(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Rules, scenario and register files, or directories (every *.yaml/*.yml under them); - "
            "reads a scenario or a register (CSV with id and rules columns, JSON Lines) from standard input.",
            metavar="FILE|DIR...",
        ),
    ],
    as_json: JsonOpt = False,
    fmt: FormatOpt = "text",
) -> None:
    """Validate rules, scenario and register files; list dates whose answer depends on an open convention."""
    from treatylife.bulk.check import check_paths

    run(as_json, fmt, False, lambda: check_paths(list(files)))


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
        other = scenario_of(b if b is not None else a, add, remove, set_)
        return treatylife.compare(a, other, start, to, party)

    run(as_json, fmt, explain, compute)
