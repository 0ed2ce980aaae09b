"""Commands over a register of many agreements: portfolio, deadlines."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from treatylife.cli.base import (
    FromOpt,
    JsonOpt,
    OnOpt,
    RegisterArg,
    RegisterFormatOpt,
    app,
    register_run,
    today,
)


@app.command()
def portfolio(
    register: RegisterArg,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    fmt: RegisterFormatOpt = "text",
) -> None:
    """Status and next notice deadline of every agreement of a register on a date."""
    import treatylife

    register_run(
        as_json, fmt, "portfolio", lambda bar: treatylife.portfolio(register, on or today(), progress=bar)
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
        return treatylife.deadlines(register, from_ or today(), period, progress=bar)

    register_run(as_json, fmt, "deadlines", compute)
