"""Commands that write a file: calendar (.ics), diagram, report (HTML), schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from treatylife.cli.base import (
    AddOpt,
    FromOpt,
    JsonOpt,
    OnOpt,
    OutputOpt,
    PartyOpt,
    RemoveOpt,
    ScenarioArg,
    SetOpt,
    ToOpt,
    app,
    guard,
    inputs_of,
    scenario_of,
    terminal_line,
    today,
    write_output,
)


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
    party: PartyOpt = None,
) -> None:
    """Write an iCalendar (.ics) file of the entry into force, upcoming notice deadlines, withdrawal windows,
    renewals and ends (per party for a multilateral agreement), with reminders."""
    import treatylife

    day = guard(lambda: start or today(), as_json)
    given, inputs = guard(lambda: _calendar_inputs(scenarios), as_json)
    result = guard(
        lambda: treatylife.calendar(given, day, years, list(remind) if remind else None, party), as_json
    )
    if as_json:
        from treatylife.render.json import render_json

        typer.echo(render_json(result))
        return
    from treatylife.render.ics import render_ics

    write_output(
        output,
        guard(lambda: render_ics(result)),
        f"{len(result.items)} dates",
        inputs,
    )
    for note in result.notes:  # an empty calendar says why
        typer.echo(terminal_line(f"no dates: {note}"), err=True)


def _calendar_inputs(scenarios: list[Path] | None) -> tuple[list[Any], list[Any]]:
    """(what to put in the calendar, the files -o may not replace): scenarios as given, and each register
    (a bulk file, a directory) as its agreements, one per row, its rules files among the inputs."""
    from treatylife.bulk.columnar import format_of
    from treatylife.bulk.register import load_register

    given: list[Any] = []
    inputs: list[Any] = []
    asked: list[Path | None] = list(scenarios or []) or [None]  # none: the bundled record
    for s in asked:
        if s is not None and str(s) != "-" and (s.is_dir() or format_of(s) is not None):
            reg = load_register(s)
            given += reg.row_records()
            inputs += [s, *reg.sources]
        else:
            given.append(s)
            inputs += inputs_of(s)
    return given, inputs


@app.command()
def diagram(
    fmt: Annotated[str, typer.Option("--format", help="mermaid or dot.", metavar="FORMAT")] = "mermaid",
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Draw the lifecycle state machine (from the same declaration the engine runs)."""
    from treatylife.render.diagram import draw

    result = guard(lambda: draw(fmt), as_json)
    if as_json:
        from treatylife.render.json import render_json

        typer.echo(render_json(result))
        return
    from treatylife.engine import lifecycle

    write_output(output, result.text, f"{fmt} diagram", [Path(lifecycle.__file__)])  # what it is drawn from


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
    party: PartyOpt = None,
    add: AddOpt = None,
    remove: RemoveOpt = None,
    set_: SetOpt = None,
) -> None:
    """Write one self-contained HTML page: timeline picture, what-if against its base, explanation."""
    import treatylife

    def compute() -> Any:
        scn = scenario_of(scenario, add, remove, set_)
        other = base
        if other is None and not isinstance(scn, (Path, str, type(None))):
            other = scenario  # inline what-if: drawn against the scenario it changes
            if other is None:
                from treatylife.files.loader import default_scenario

                other = default_scenario()
        return treatylife.report(scn, on or today(), other, to, party)

    result = guard(compute, as_json)
    if as_json:
        from treatylife.render.json import render_json

        typer.echo(render_json(result))
        return
    from treatylife.render.html import render_html

    write_output(output, render_html(result), "report", inputs_of(scenario, base))


@app.command()
def schema(
    kind: Annotated[str, typer.Argument(help="rules or scenario.", metavar="[rules|scenario]")] = "rules",
) -> None:
    """Print the JSON Schema of rules or scenario files (generated from the models that validate them)."""
    import json

    import treatylife

    result = guard(lambda: treatylife.json_schema(kind))
    typer.echo(json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False))
