"""Commands over a register of many agreements: portfolio, deadlines.

A bulk file asked for a machine format (csv, json, jsonl, parquet, xlsx) in register order is streamed:
read, answered and written batch by batch (:func:`treatylife.bulk.stream.stream_portfolio`), in constant
memory. ``--sort``, ``--party``, text and Markdown need every answer first (:func:`treatylife.portfolio`);
both paths run the same code per row and write through the same writers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from treatylife.cli.base import (
    EXIT_INPUT,
    FromOpt,
    JsonOpt,
    OnOpt,
    OutputOpt,
    RegisterArg,
    app,
    emit_error,
    internal_error,
    terminal_line,
    today,
)

RegisterFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="text, markdown, json, jsonl, csv, parquet or xlsx (default: from the -o suffix, else text).",
        metavar="FORMAT",
        show_default=False,
    ),
]
DelimiterOpt = Annotated[
    str | None,
    typer.Option(
        "--delimiter", metavar="CHAR", help="CSV separator of the register (default: sniffed: , ; tab |)."
    ),
]
SkipOpt = Annotated[
    bool,
    typer.Option("--skip-invalid", help="Answer the valid rows; list the bad ones on standard error."),
]
PartyOpt = Annotated[
    str | None,
    typer.Option(
        "--party", metavar="CODE", help="Only agreements P is a party to (deadlines: notices P may give)."
    ),
]
SortOpt = Annotated[
    str | None,
    typer.Option(
        "--sort",
        metavar="COLUMN",
        help="Sort by an output column (-COLUMN: descending); ties keep register order, empty cells last.",
    ),
]
LimitOpt = Annotated[int | None, typer.Option("--limit", metavar="N", min=0, help="At most N rows.")]


def _fmt(as_json: bool, fmt: str | None, output: Path | None) -> str:
    from treatylife.render.register import REGISTER_FORMATS, SUFFIX_FORMATS

    if as_json:
        return "json"
    if fmt is None:
        fmt = SUFFIX_FORMATS.get(output.suffix.lower(), "text") if output and str(output) != "-" else "text"
    if fmt not in REGISTER_FORMATS:
        emit_error(
            False,
            {
                "code": "TL002",
                "message": f"--format {fmt!r} is not one of {', '.join(REGISTER_FORMATS)}",
                "hint": None,
            },
        )
        raise typer.Exit(EXIT_INPUT)
    if fmt in ("parquet", "xlsx") and (output is None or str(output) == "-") and sys.stdout.isatty():
        emit_error(
            False,
            {
                "code": "TL002",
                "message": f"--format {fmt} is binary: not for a terminal",
                "hint": f"write it to a file: -o answers.{fmt}",
            },
        )
        raise typer.Exit(EXIT_INPUT)
    return fmt


def _report(exc: Any, as_json: bool) -> None:
    """A user error: every problem on its own line (or the JSON error, problems included); exit 2."""
    from treatylife.bulk.columnar import RegisterProblems

    if as_json:
        emit_error(True, exc.to_dict())
    elif isinstance(exc, RegisterProblems):
        for line in str(exc).split("\n"):
            text = line if line.startswith("error [") else f"error [{exc.code}]: {line}"
            typer.echo(terminal_line(text), err=True)
    else:
        typer.echo(terminal_line(f"error [{exc.code}]: {exc}"), err=True)
    raise typer.Exit(EXIT_INPUT)


def _warn_skipped(register: str, skipped: list[Any]) -> None:
    for p in skipped:
        typer.echo(terminal_line(f"skipped [{p.code}]: {p.text(register)}"), err=True)
    if skipped:
        typer.echo(
            terminal_line(f"skipped {len(skipped):,} bad row(s) of {register} (--skip-invalid)"), err=True
        )


class _NoPandas:
    """A finder that refuses ``import pandas`` (see :class:`arrow_without_pandas`)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (not needed by treatylife's registers)")


class arrow_without_pandas:  # used as a function: ``with arrow_without_pandas(): ...``
    """Where pandas is installed, pyarrow imports it when it first converts NumPy arrays or Python lists (to
    check for pandas types): 0.3-0.5 s of CPU in a register command that never uses pandas, a third of a
    100,000-agreement run. A register command refuses ``import pandas`` while it runs, so pyarrow finds
    none; the answers do not change (tests/test_register_io.py runs the command both ways). A process that
    has imported pandas already is left alone, and the refusal ends with the command (the API, and tests
    that run the CLI in their own process, import pandas as they like)."""

    def __enter__(self) -> None:
        self.finder = None if "pandas" in sys.modules else _NoPandas()
        if self.finder is not None:
            sys.meta_path.insert(0, self.finder)

    def __exit__(self, *exc: object) -> None:
        if self.finder is not None and self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)


def arrow_memory_pool() -> None:
    """pyarrow's jemalloc pool where the wheel has it: a 10M-agreement register run peaks about 12% lower
    than with the default (mimalloc: 448 against 506 MiB) and spends less system time; the answers do not
    depend on it. A choice made with ``ARROW_DEFAULT_MEMORY_POOL`` is kept."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import contextlib

    import pyarrow as pa

    with contextlib.suppress(NotImplementedError):  # a pyarrow built without jemalloc
        pa.set_memory_pool(pa.jemalloc_memory_pool())


def _run(as_json: bool, body: Callable[[], None]) -> None:
    from treatylife.errors import TreatyLifeError

    try:
        with arrow_without_pandas():
            arrow_memory_pool()
            body()
    except TreatyLifeError as exc:
        _report(exc, as_json)
    except (KeyboardInterrupt, SystemExit, typer.Exit):
        raise
    except Exception as exc:
        internal_error(exc, as_json)


def _select(result: Any, party: str | None, sort: str | None, limit: int | None, deadlines: bool) -> Any:
    """--party, --sort and --limit on a whole result (a new result of the same kind)."""
    import dataclasses

    import numpy as np
    import pyarrow.compute as pc

    from treatylife.bulk.register import DEADLINE_COLUMNS, PORTFOLIO_COLUMNS, check_register_party

    table = result.table
    idx = np.arange(len(table))
    if party is not None:
        if len(table):  # an empty answer has no parties to know
            check_register_party(table.party_codes(), party)
        keep = np.asarray(result.parties_mask(party))
        if deadlines:
            who = table.strings("who")
            keep &= np.array([party in w.split() for w in who], dtype=bool)
        idx = idx[keep]
    if sort is not None:
        name = sort.lstrip("-")
        names = [*(DEADLINE_COLUMNS if deadlines else PORTFOLIO_COLUMNS), *table.extras]
        if name not in names:
            from treatylife.errors import InputError

            raise InputError(
                f"--sort {sort!r}: no such column",
                field="--sort",
                code="TL003",
                hint="columns: " + ", ".join(names),
            )
        arrow = table.take(idx).to_arrow((name,), extras=False) if name in table.columns else None
        col = arrow.column(name) if arrow is not None else table.extras[name].take(idx)
        import pyarrow as pa

        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        order = pc.array_sort_indices(
            col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col,
            order="descending" if sort.startswith("-") else "ascending",
            null_placement="at_end",
        )
        idx = idx[np.asarray(order)]
    before = len(idx)
    if limit is not None:
        idx = idx[:limit]
    limited = before if len(idx) < before else None
    return dataclasses.replace(result, table=table.take(idx), limited_from=limited)


def _inputs(register: Path, sources: list[str]) -> list[str | os.PathLike[str]]:
    """The files an output may not replace: the register and the rules it names; for a register on
    standard input, the file it was redirected from, if any (``-o -`` is standard output, never an input)."""
    from treatylife.bulk.columnar import is_stdin_register
    from treatylife.render.output import STANDARD_INPUT

    found: list[str | os.PathLike[str]] = [s for s in (str(register), *sources) if not is_stdin_register(s)]
    return [STANDARD_INPUT, *found] if is_stdin_register(register) else found


def _write(
    result: Any, fmt: str, output: Path | None, inputs: list[str | os.PathLike[str]], delimiter: str | None
) -> None:
    from treatylife.render.register import MACHINE_FORMATS, AtomicOutput, render_register, write_result

    out = AtomicOutput(output, inputs)
    try:
        if fmt in MACHINE_FORMATS:
            write_result(result, fmt, out)
        else:
            out.write((render_register(result, fmt) + "\n").encode("utf-8"))
        out.commit(inputs)
    finally:
        out.abort()
    if out.output is not None:
        typer.echo(terminal_line(f"wrote {fmt} to {out.output} ({out.written:,} bytes)"), err=True)


@app.command()
def portfolio(
    register: RegisterArg,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    fmt: RegisterFormatOpt = None,
    output: OutputOpt = None,
    party: PartyOpt = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    delimiter: DelimiterOpt = None,
    skip_invalid: SkipOpt = False,
) -> None:
    """Status and next notice deadline of every agreement of a register on a date."""
    form = _fmt(as_json, fmt, output)

    def body() -> None:
        from treatylife.bulk.columnar import format_of, is_stdin_register
        from treatylife.render.register import MACHINE_FORMATS

        day = on or today()
        bulk_file = is_stdin_register(register) or (register.is_file() and format_of(register) is not None)
        if bulk_file and form in MACHINE_FORMATS and not (sort or party):
            _stream(register, day, form, output, delimiter, skip_invalid, limit)
            return
        import treatylife
        from treatylife.bulk.register import load_register
        from treatylife.render.register import TerminalProgress

        bar = TerminalProgress.for_terminal("portfolio: reading")
        try:
            reg = load_register(register, progress=bar, delimiter=delimiter, skip_invalid=skip_invalid)
            if bar is not None:  # then the rows the single engine answers, counted afresh
                bar.label = "portfolio: answering"
            result = treatylife.portfolio(reg, day, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        _warn_skipped(str(reg.path), reg.skipped)
        result = _select(result, party, sort, limit, False)
        _write(result, form, output, _inputs(register, reg.sources), delimiter)

    _run(form == "json", body)


def _stream(
    register: Path,
    day: Any,
    fmt: str,
    output: Path | None,
    delimiter: str | None,
    skip: bool,
    limit: int | None,
) -> None:
    from treatylife.bulk.stream import stream_portfolio
    from treatylife.render.register import AtomicOutput, RegisterWriter

    out = AtomicOutput(output, _inputs(register, []))
    writer = RegisterWriter(fmt, out)
    try:
        res = stream_portfolio(
            register,
            day,
            writer.write,
            delimiter=delimiter,
            skip_invalid=skip,
            limit=limit,
            encode=writer.encode,
        )
        meta = res.meta()
        if skip:
            meta["skipped"] = [p.to_dict() for p in res.skipped]
        import pyarrow as pa

        from treatylife.bulk.columnar import open_source
        from treatylife.bulk.stream import answer_schema

        extras = [pa.field(e, pa.string()) for e in open_source(register, delimiter=delimiter).extras]
        writer.close(meta, template=answer_schema(extras).empty_table())
        out.commit(_inputs(register, res.sources))
    finally:
        writer.discard()
        out.abort()
    _warn_skipped(res.register, res.skipped)
    if out.output is not None:
        typer.echo(terminal_line(f"wrote {fmt} to {out.output} ({out.written:,} bytes)"), err=True)


@app.command()
def deadlines(
    register: RegisterArg,
    from_: FromOpt = None,
    within: Annotated[
        str, typer.Option("--within", metavar="PERIOD", help="Window: 120d, 8w, 6m, 1y, '90 days'.")
    ] = "120d",
    as_json: JsonOpt = False,
    fmt: RegisterFormatOpt = None,
    output: OutputOpt = None,
    party: PartyOpt = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    delimiter: DelimiterOpt = None,
    skip_invalid: SkipOpt = False,
) -> None:
    """Upcoming notice deadlines of a register, soonest first (every deadline in the window)."""
    form = _fmt(as_json, fmt, output)

    def body() -> None:
        import treatylife
        from treatylife.bulk.register import load_register, parse_within
        from treatylife.render.register import TerminalProgress

        period = parse_within(within, "--within")
        bar = TerminalProgress.for_terminal("deadlines: reading")
        try:
            reg = load_register(register, progress=bar, delimiter=delimiter, skip_invalid=skip_invalid)
            if bar is not None:  # then the rows the single engine answers, counted afresh
                bar.label = "deadlines: answering"
            result = treatylife.deadlines(reg, from_ or today(), period, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        _warn_skipped(str(reg.path), reg.skipped)
        result = _select(result, party, sort, limit, True)
        _write(result, form, output, _inputs(register, reg.sources), delimiter)

    _run(form == "json", body)
