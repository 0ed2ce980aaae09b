"""Register answers (portfolio, deadlines) written from columns: CSV, JSON, JSON Lines, Parquet, xlsx, text
and Markdown tables; a terminal progress bar.

The machine formats are written batch by batch from Arrow columns, so a register of ten million agreements
streams through in constant memory, and the cost of a cell is a C-level pass over a column, not a Python
string per value:

* **CSV** (RFC 4180, ``\\n`` line ends) by pyarrow's CSV writer, in C++: dates ISO, numbers, ``true``/``false``,
  every text cell quoted (pyarrow's ``quoting_style="needed"`` quotes every string), an empty cell for none,
  the header unquoted. Text from files (ids, titles, the agreement's name, extra columns) goes through the one CSV escaping
  function, :func:`treatylife.render.escape.csv_cell` (a cell starting with ``= + - @``, tab or CR gets a
  leading ``'``, OWASP's advice against formula injection); only the cells that could need it (a first
  character in that set, a control or non-ASCII character) are handed to it, found by a scan of the
  column's bytes.
* **JSON** (``--json``): the document ``result.to_dict()`` would give, byte for byte (``indent=2``, keys
  sorted), streamed: the rows come first (``agreements`` sorts before ``count``), the counts at the end.
* **JSON Lines**: one object per agreement, keys sorted.
* **Parquet** (``pyarrow.parquet``), typed: dates as ``date32``, numbers as ``int64``, ``in_force`` boolean.
* **xlsx** (optional extra ``xlsx``, openpyxl's write-only mode): every text cell written as text, never as
  a formula.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, TextIO

from treatylife.render.escape import csv_cell, json_text, markdown, terminal, xlsx_text

__all__ = [
    "MACHINE_FORMATS",
    "REGISTER_FORMATS",
    "AtomicOutput",
    "RegisterWriter",
    "TerminalProgress",
    "csv_bytes",
    "render_register",
]

REGISTER_FORMATS = ("text", "json", "csv", "jsonl", "parquet", "xlsx", "markdown")
MACHINE_FORMATS = ("json", "csv", "jsonl", "parquet", "xlsx")
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
    ".md": "markdown",
    ".txt": "text",
}

_PORTFOLIO_TEXT = (
    ("id", "id"),
    ("stage", "stage"),
    ("term", "term"),
    ("term_last_day", "term ends"),
    ("ends", "ends"),
    ("notice", "notice"),
    ("deadline", "next deadline"),
    ("days_left", "days"),
)
_DEADLINES_TEXT = (
    ("deadline", "deadline"),
    ("days_left", "days"),
    ("id", "id"),
    ("agreement", "agreement"),
    ("prevents_renewal_of", "prevents renewal of"),
    ("who", "who may give notice"),
)
#: answer columns whose text never comes from a file (fixed vocabularies, codes of the rules' parties)
_SAFE = {"stage", "notice"}


# ---------------------------------------------------------------------------- cells from columns


def _string_parts(col: Any) -> tuple[Any, Any]:
    """(offsets, data bytes) of an Arrow string array, as NumPy views."""
    import numpy as np

    n = len(col)
    bufs = col.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=col.offset * 4)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, dtype=np.uint8)
    return offsets, data


def _rows_with(col: Any, byte_mask: Any) -> Any:
    """Rows of a string array holding at least one byte selected by ``byte_mask`` (a 256-entry table)."""
    import numpy as np

    offsets, data = _string_parts(col)
    seg = data[offsets[0] : offsets[-1]]
    hits = np.nonzero(byte_mask[seg])[0] + offsets[0]
    rows = np.zeros(len(col), dtype=bool)
    if len(hits):
        rows[np.searchsorted(offsets, hits, side="right") - 1] = True
    return rows


def _table(chars: str, *, high: bool = False, controls: bool = False) -> Any:
    import numpy as np

    t = np.zeros(256, dtype=bool)
    for c in chars:
        t[ord(c)] = True
    if high:
        t[0x7F:] = True
    if controls:
        t[:0x20] = True
    return t


_ESCAPE_BYTES = None  # bytes after which a cell may need csv_cell / json escaping


def _first_bytes(col: Any) -> Any:
    import numpy as np

    offsets, data = _string_parts(col)
    starts = offsets[:-1]
    nonempty = offsets[1:] > starts
    first = np.zeros(len(col), dtype=np.uint8)
    if len(data):
        first[nonempty] = data[starts[nonempty]]
    return first


def _replace_rows(col: Any, rows: Any, fn: Any) -> Any:
    """``col`` with ``fn`` applied to the values of ``rows`` (found by a byte scan): once per distinct value,
    so a name repeated on a million rows costs one call."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    idx = np.nonzero(rows)[0]
    if not len(idx):
        return col
    enc = pc.dictionary_encode(col.take(pa.array(idx)))
    fixed = pa.array([None if v is None else fn(v) for v in enc.dictionary.to_pylist()], type=pa.string())
    new = fixed.take(enc.indices)
    pos = np.arange(len(col), dtype=np.int64)
    pos[idx] = len(col) + np.arange(len(idx))
    return pa.concat_arrays([col, new]).take(pa.array(pos))


def _text_column(col: Any) -> Any:
    """An Arrow text column of user text through csv_cell (nulls stay null)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if pa.types.is_dictionary(col.type):  # the distinct values once
        return pa.DictionaryArray.from_arrays(col.indices, _text_column(col.dictionary))
    if not pa.types.is_string(col.type):
        col = col.cast(pa.string())
    filled = pc.fill_null(col, "")
    suspect = _rows_with(filled, _table("", high=True, controls=True))
    suspect |= np.isin(_first_bytes(filled), np.frombuffer(b"=+-@\t\r", dtype=np.uint8))
    return _replace_rows(col, suspect, csv_cell)


def _quoted(col: Any, delimiter: str) -> Any:
    """Quote the cells that need it (a delimiter, a quote, a line break), RFC 4180."""
    import pyarrow as pa
    import pyarrow.compute as pc

    need = _rows_with(col, _table(delimiter + '"\r\n'))
    if not need.any():
        return col
    quoted = pc.binary_join_element_wise(
        pa.scalar('"'), pc.replace_substring(col, '"', '""'), pa.scalar('"'), ""
    )
    return pc.if_else(pa.array(need), quoted, col)


def _date_text(col: Any, null: str = "") -> Any:
    """date32 -> ISO text through the distinct days (a register has far fewer days than rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(col)
    text = enc.dictionary.cast(pa.string()).take(enc.indices)
    return pc.fill_null(text, null)


def _cell_column(col: Any, name: str, delimiter: str) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    t = col.type
    if pa.types.is_dictionary(t):  # the distinct values once, then an index per row
        return pc.fill_null(_cell_column(col.dictionary, name, delimiter).take(col.indices), "")
    if pa.types.is_date32(t):
        return _date_text(col)
    if pa.types.is_boolean(t):
        return pc.fill_null(pc.if_else(col, pa.scalar("true"), pa.scalar("false")), "")
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return pc.fill_null(col.cast(pa.string()), "")
    if name in _SAFE:
        return pc.fill_null(col.cast(pa.string()), "")
    if pa.types.is_timestamp(t) or pa.types.is_date64(t):
        return pc.fill_null(col.cast(pa.string()), "")
    return _quoted(_text_column(col), delimiter)


def _join_rows(cells: list[Any], sep: str) -> bytes:
    """Cell columns -> the bytes of their rows, each ending in a newline, joined in C."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not cells or not len(cells[0]):
        return b""
    rows = pc.binary_join_element_wise(*cells, sep) if len(cells) > 1 else cells[0]
    rows = pc.binary_join_element_wise(rows, pa.scalar(""), "\n")
    offsets, data = _string_parts(rows)
    return bytes(data[offsets[0] : offsets[-1]].tobytes())


def _header(names: Iterable[str], delimiter: str) -> bytes:
    cells = []
    for n in names:
        c = csv_cell(n)
        if any(ch in c for ch in delimiter + '"\r\n'):
            c = '"' + c.replace('"', '""') + '"'
        cells.append(c)
    return (delimiter.join(cells) + "\n").encode("utf-8")


def csv_bytes(table: Any, *, header: bool = True, delimiter: str = ",") -> bytes:
    """An Arrow table of answers as CSV bytes: pyarrow's CSV writer (C++), after every text cell from a
    file went through csv_cell. Text cells are quoted, empty cells (none) are not: ``"c1","in_force",true,``."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    cols = []
    for n in table.column_names:
        col = table.column(n)
        t = col.type
        text = (
            pa.types.is_string(t)
            or pa.types.is_large_string(t)
            or (pa.types.is_dictionary(t) and pa.types.is_string(t.value_type))
        )
        cols.append(_text_column(col) if text and n not in _SAFE else col)
    sink = pa.BufferOutputStream()
    if table.num_rows:
        pcsv.write_csv(
            pa.table(cols, names=table.column_names),
            sink,
            write_options=pcsv.WriteOptions(include_header=False, delimiter=delimiter, batch_size=8192),
        )
    body: bytes = sink.getvalue().to_pybytes()
    return (_header(table.column_names, delimiter) if header else b"") + body


# ---------------------------------------------------------------------------- JSON from columns


def _json_column(col: Any, name: str) -> Any:
    """A column as JSON literals (``json.dumps`` of each value, ``null`` where absent)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    t = col.type
    if pa.types.is_dictionary(t):
        return pc.fill_null(_json_column(col.dictionary, name).take(col.indices), "null")
    if pa.types.is_date32(t):
        enc = pc.dictionary_encode(col)
        lits = pc.binary_join_element_wise(
            pa.scalar('"'), enc.dictionary.cast(pa.string()), pa.scalar('"'), ""
        )
        return pc.fill_null(lits.take(enc.indices), "null")
    if pa.types.is_boolean(t):
        return pc.fill_null(pc.if_else(col, pa.scalar("true"), pa.scalar("false")), "null")
    if pa.types.is_integer(t):
        return pc.fill_null(col.cast(pa.string()), "null")
    if pa.types.is_floating(t):
        return pa.array([json.dumps(v) for v in col.to_pylist()], type=pa.string())
    if not pa.types.is_string(t):
        col = col.cast(pa.string())
    suspect = _rows_with(pc.fill_null(col, ""), _table('"\\', high=True, controls=True))
    lits = pc.binary_join_element_wise(pa.scalar('"'), col, pa.scalar('"'), "")
    lits = _replace_rows(
        pc.fill_null(lits, "null"),
        suspect & col.is_valid().to_numpy(zero_copy_only=False),
        lambda v: json_text(json.dumps(v[1:-1], ensure_ascii=False)),
    )
    return lits


def _json_objects(table: Any, indent: str | None) -> list[Any]:
    """Per row, ``"key": value`` pairs in sorted key order, as columns ready to be joined."""
    import pyarrow as pa

    parts = []
    for n in sorted(table.column_names):
        key = json.dumps(n, ensure_ascii=False)
        parts.append(pa.scalar(key + ": "))
        parts.append(_json_column(table.column(n), n))
    return parts


def jsonl_bytes(table: Any) -> bytes:
    """One JSON object per row (keys sorted, ``json.dumps`` separators)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not table.num_rows:
        return b""
    cols = []
    for n in sorted(table.column_names):
        pair = pc.binary_join_element_wise(
            pa.scalar(json.dumps(n, ensure_ascii=False) + ": "), _json_column(table.column(n), n), ""
        )
        cols.append(pair)
    body = pc.binary_join_element_wise(*cols, ", ") if len(cols) > 1 else cols[0]
    rows = pc.binary_join_element_wise(pa.scalar("{"), body, pa.scalar("}"), "")
    return _join_rows([rows], ",")


def _json_rows(table: Any) -> bytes:
    """Rows as the objects of an ``indent=2`` JSON document's list (each ``    {...}``), ``,\\n``-joined."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not table.num_rows:
        return b""
    cols = []
    for n in sorted(table.column_names):
        pair = pc.binary_join_element_wise(
            pa.scalar("      " + json.dumps(n, ensure_ascii=False) + ": "),
            _json_column(table.column(n), n),
            "",
        )
        cols.append(pair)
    body = pc.binary_join_element_wise(*cols, ",\n") if len(cols) > 1 else cols[0]
    rows = pc.binary_join_element_wise(pa.scalar("    {\n"), body, pa.scalar("\n    }"), "")
    out = _join_rows([rows], ",")  # each row ends with "\n"
    return out[:-1].replace(b"\n    }\n    {\n", b"\n    },\n    {\n")


def _json_value(value: Any, level: int) -> str:
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return json_text(text.replace("\n", "\n" + "  " * level))


# ---------------------------------------------------------------------------- writers


class AtomicOutput:
    """A binary output: standard output, or a file written to a temporary name beside it and renamed over
    it only when complete (a failed run leaves the old file whole). Never one of the inputs."""

    def __init__(self, output: Path | None, inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.output = None if output is None or str(output) == "-" else Path(output)
        self.tmp: Path | None = None
        self.written = 0
        self.fh: IO[bytes]
        if self.output is None:
            sys.stdout.flush()
            self.fh = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else _TextBytes(sys.stdout)  # type: ignore[assignment]
            return
        self.refuse_inputs(inputs)
        target = Path(os.path.realpath(self.output))
        import stat as _stat

        try:
            st = target.stat()
            special = not _stat.S_ISREG(st.st_mode)
        except OSError:
            special = False
        try:
            if special:  # /dev/stdout, a FIFO: written in place, as a stream
                self.fh = open(target, "wb")  # noqa: SIM115
                return
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        except OSError as exc:
            raise _cannot(self.output, exc) from None
        self.tmp = Path(name)
        self.target = target
        self.fh = os.fdopen(fd, "wb")

    def refuse_inputs(self, inputs: Iterable[str | os.PathLike[str]]) -> None:
        if self.output is None:
            return
        from treatylife.render.output import is_same_file, refused

        for given in inputs:
            if is_same_file(self.output, given):
                raise refused(self.output, given)

    def write(self, data: bytes) -> None:
        try:
            view = memoryview(data)
            while view:  # a pipe whose reader went away can take part of a write and report no error
                n = self.fh.write(view)
                view = view[len(view) if n is None else n :]
        except OSError as exc:
            self.abort()
            raise _cannot(self.output, exc) from None
        self.written += len(data)

    def commit(self, inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
        """Flush; for a file, check once more it is no input, then rename it into place."""
        try:
            self.fh.flush()
            if self.output is not None:  # Parquet and xlsx writers write to the file themselves
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    self.written = max(self.written, os.fstat(self.fh.fileno()).st_size)
            if self.tmp is not None:
                self.refuse_inputs(inputs)
                os.fsync(self.fh.fileno())
                self.fh.close()
                try:
                    mode = os.stat(self.target).st_mode & 0o777
                except OSError:
                    umask = os.umask(0)
                    os.umask(umask)
                    mode = 0o666 & ~umask
                os.chmod(self.tmp, mode)
                os.replace(self.tmp, self.target)
                self.tmp = None
            elif self.output is not None:
                self.fh.close()
        except OSError as exc:
            self.abort()
            raise _cannot(self.output, exc) from None
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                self.fh.close()
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            self.tmp = None


class _TextBytes:  # pragma: no cover - a text-only stdout (tests' capture)
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, data: bytes) -> int:
        self.stream.write(data.decode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self.stream.flush()


def _cannot(output: Path | None, exc: OSError) -> Any:
    """TL004 naming the file (None: standard output); a pipe whose reader went away stays the OSError it is
    (the command line then ends quietly: ``treatylife.cli.base.stdout_failed``)."""
    if isinstance(exc, BrokenPipeError):
        return exc
    from treatylife.errors import InputError

    return InputError(
        f"{output or 'standard output'}: cannot write: {exc.strerror or exc}",
        field="--output",
        code="TL004",
        hint="check the --output path and the free space",
    )


class Encoded:
    """One answer table's rows as bytes (:meth:`RegisterWriter.encode`), with its column names and row count."""

    __slots__ = ("data", "names", "rows")

    def __init__(self, names: list[str], rows: int, data: bytes) -> None:
        self.names, self.rows, self.data = names, rows, data


class RegisterWriter:
    """Answers written batch by batch in one machine format (csv, json, jsonl, parquet, xlsx).

    ``rows_key`` and ``meta`` describe the JSON document (``{"agreements": [...], "count": ...}``): keys
    sorted, the rows where their key sorts, the other values known at :meth:`close`.
    """

    def __init__(
        self, fmt: str, out: AtomicOutput, *, rows_key: str = "agreements", delimiter: str = ","
    ) -> None:
        self.fmt = fmt
        self.out = out
        self.rows_key = rows_key
        self.delimiter = delimiter
        self.rows = 0
        self.started = False
        self._parquet: Any = None
        self._book: Any = None
        self._meta_before: dict[str, Any] = {}

    def start(self, meta_before: dict[str, Any] | None = None) -> None:
        """For JSON: the keys that sort before the rows' key, known before any row."""
        self._meta_before = meta_before or {}

    def encode(self, table: Any) -> Encoded | None:
        """The bytes of ``table``'s rows in a text format (CSV without its header, JSON Lines, the rows of a
        JSON document), or None for the binary formats. Pure: it touches nothing of the writer's, so the
        register stream calls it on its worker threads, several batches at once; :meth:`write` then only
        writes what it made, in order."""
        if self.fmt == "csv":
            return Encoded(
                table.column_names, table.num_rows, csv_bytes(table, header=False, delimiter=self.delimiter)
            )
        if self.fmt == "jsonl":
            return Encoded(table.column_names, table.num_rows, jsonl_bytes(table))
        if self.fmt == "json":
            return Encoded(table.column_names, table.num_rows, _json_rows(table))
        return None

    def write(self, table: Any) -> None:
        """Write one answer table (or what :meth:`encode` made of it), after the previous ones."""
        fmt = self.fmt
        first = not self.started
        self.started = True
        if fmt in ("csv", "jsonl", "json"):
            done = table if isinstance(table, Encoded) else self.encode(table)
            assert done is not None
            if fmt == "csv":
                self.out.write((_header(done.names, self.delimiter) if first else b"") + done.data)
            elif fmt == "jsonl":
                self.out.write(done.data)
            else:
                if first:
                    head = "{\n" + "".join(
                        f"  {json.dumps(k)}: {_json_value(v, 1)},\n"
                        for k, v in sorted(self._meta_before.items())
                    )
                    self.out.write((head + f"  {json.dumps(self.rows_key)}: [").encode("utf-8"))
                if done.data:
                    self.out.write((b",\n" if self.rows else b"\n") + done.data)
            self.rows += done.rows
            return
        if fmt == "parquet":
            import pyarrow.parquet as pq

            from treatylife.bulk.register import plain_text

            table = plain_text(table)  # typed columns for any reader: dictionaries as plain text
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.out.fh, table.schema)
                self._schema = table.schema
            self._parquet.write_table(table.cast(self._schema))
        elif fmt == "xlsx":
            self._xlsx(table, first)
        else:  # pragma: no cover - checked by the CLI
            raise ValueError(f"not a machine format: {fmt}")
        self.rows += table.num_rows

    def _xlsx(self, table: Any, first: bool) -> None:
        from treatylife.bulk.columnar import openpyxl_module

        openpyxl = openpyxl_module()
        from openpyxl.cell import WriteOnlyCell

        if self._book is None:
            self._book = openpyxl.Workbook(write_only=True)
            self._sheet = self._book.create_sheet("answers")
        ws = self._sheet
        if first:
            ws.append(list(table.column_names))
        cols = [table.column(n).to_pylist() for n in table.column_names]
        for values in zip(*cols, strict=True):
            row = []
            for v in values:
                if isinstance(v, str):
                    cell = WriteOnlyCell(ws, value=xlsx_text(v))
                    cell.data_type = "s"  # text, never a formula
                    row.append(cell)
                else:
                    row.append(v)
            ws.append(row)

    def discard(self) -> None:
        """After a failure: release the Parquet writer without finishing the file (it is removed)."""
        if self._parquet is not None:
            with contextlib.suppress(Exception):
                self._parquet.close()
            self._parquet = None

    def close(self, meta_after: dict[str, Any] | None = None, template: Any = None) -> None:
        """Finish the document; ``template`` (an empty Arrow table) gives the header of an empty answer."""
        if not self.started and template is not None:
            self.write(template)
        fmt = self.fmt
        if fmt == "json":
            tail = "\n  ]" if self.rows else "]"
            tail += "".join(
                f",\n  {json.dumps(k)}: {_json_value(v, 1)}" for k, v in sorted((meta_after or {}).items())
            )
            self.out.write((tail + "\n}\n").encode("utf-8"))
        elif fmt == "parquet" and self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        elif fmt == "xlsx" and self._book is not None:
            self._book.save(self.out.fh)


# ---------------------------------------------------------------------------- whole results


def _text_table(result: Any, spec: tuple[tuple[str, str], ...], md: bool = False) -> list[str]:
    esc = markdown if md else terminal
    cols = [[head, *(esc(v) for v in result.table.strings(name))] for name, head in spec]
    if md:
        out = ["| " + " | ".join(c[0] for c in cols) + " |", "|" + "|".join(" --- " for _ in cols) + "|"]
        out.extend("| " + " | ".join(row) + " |" for row in list(zip(*cols, strict=True))[1:])
        return out
    widths = [max(map(len, c)) for c in cols]
    out = []
    for row in zip(*cols, strict=True):
        out.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return out


def result_table(result: Any) -> Any:
    """The Arrow table of a whole PortfolioResult / DeadlinesResult (answer columns, then extra columns),
    repeated text still dictionary-encoded: each writer formats the distinct values once."""
    return result.to_arrow(encoded=True)


def write_result(result: Any, fmt: str, out: AtomicOutput, delimiter: str = ",") -> None:
    """A whole result in a machine format (the same writer the streaming path uses)."""
    from treatylife.bulk.register import PortfolioResult

    d = result.to_dict()
    key = "agreements" if isinstance(result, PortfolioResult) else "deadlines"
    d.pop(key)
    writer = RegisterWriter(fmt, out, rows_key=key, delimiter=delimiter)
    try:
        writer.start({k: v for k, v in d.items() if k < key})
        writer.write(result_table(result))
        writer.close({k: v for k, v in d.items() if k > key})
    finally:
        writer.discard()


def render_register(result: Any, fmt: str) -> str:
    """A PortfolioResult or DeadlinesResult as ``text``, ``markdown``, ``json`` or ``csv`` (a string)."""
    from treatylife.bulk.register import PortfolioResult

    portfolio = isinstance(result, PortfolioResult)
    if fmt in ("json", "csv", "jsonl"):
        import io

        buf = io.BytesIO()
        out = AtomicOutput.__new__(AtomicOutput)
        out.output, out.tmp, out.written, out.fh = None, None, 0, buf
        write_result(result, fmt, out)
        return buf.getvalue().decode("utf-8").removesuffix("\n")
    md = fmt == "markdown"
    esc = markdown if md else terminal
    if portfolio:
        summary = ", ".join(f"{n:,} {s}" for s, n in sorted(result.summary().items(), key=lambda x: -x[1]))
        shown = f" shown of {result.limited_from:,} (--limit)" if result.limited_from is not None else ""
        noun = "agreement" if result.count == 1 else "agreements"
        head = f"{esc(result.register)} on {result.on}: {result.count:,} {noun}{shown}" + (
            f" ({summary})" if summary else ""
        )
        spec: tuple[tuple[str, str], ...] = _PORTFOLIO_TEXT
    else:
        head = (
            f"{esc(result.register)}: notice deadlines from {result.start} to {result.until} ({result.within}): "
            f"{result.count:,}"
            + (f" shown of {result.limited_from:,} (--limit)" if result.limited_from is not None else "")
        )
        spec = _DEADLINES_TEXT
        if len(set(result.table.strings("clause"))) > 1:  # an option's deadline beside a notice's: say which
            at = [n for n, _ in spec].index("agreement") + 1
            spec = (*spec[:at], ("clause", "clause"), *spec[at:])
    if _earlier_somewhere(result):  # another reading moves a deadline earlier: say the day to act by
        at = [n for n, _ in spec].index("days_left") + 1
        spec = (*spec[:at], ("earliest_deadline", "earliest, any reading"), *spec[at:])
    if md:
        head = f"**{head}**"
    lines = [
        head,
        *([""] if md and result.count else []),
        *(_text_table(result, spec, md) if result.count else []),
    ]
    return "\n".join(lines + _readings_notes(result, md))


def _earlier_somewhere(result: Any) -> bool:
    """Does another reading move some row's deadline earlier? Then tables show the day to act by."""
    t = result.table
    return any(a != b for a, b in zip(t.strings("deadline"), t.strings("earliest_deadline"), strict=True))


def _defaults_named(texts: Iterable[str]) -> str:
    """The default reading of each convention the ``readings`` texts name (``notice_counting=clear_days``):
    what the table's own columns were counted under."""
    from treatylife.model.rules import READINGS, Conventions

    said = " ".join(texts)
    default = Conventions().model_dump(mode="json")
    return ", ".join(f"{n}={default[n]}" for n in READINGS if f"{n}=" in said)


def _readings_notes(result: Any, md: bool) -> list[str]:
    """Below the table: each row whose answer another reading of an open convention changes, and how (the
    ``readings`` column of the machine formats), so that a default reading is never taken silently."""
    esc = markdown if md else terminal
    notes = [
        (i, r) for i, r in zip(result.table.strings("id"), result.table.strings("readings"), strict=True) if r
    ]
    if not notes:
        return []
    head = (
        f"{len(notes):,} answer(s) differ under another reading of a convention the rules file leaves open; "
        f"the table uses the default ({_defaults_named(r for _, r in notes)}):"
    )
    bullet = "- " if md else "  "
    return ["", head, *([""] if md else []), *(f"{bullet}{esc(i)}: {esc(r)}" for i, r in notes)]


class TerminalProgress:
    """``label [#####.....] 512/1,000`` redrawn in place on a terminal; silent when not a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.active = False

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        width = 30
        filled = width * done // total
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done:,}/{total:,}")
        self.active = True
        if done >= total:
            self.close()
        self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.active = False

    @classmethod
    def for_terminal(cls, label: str) -> TerminalProgress | None:
        """A progress bar when standard error is a terminal, else None (pipes and files stay clean)."""
        return cls(label) if sys.stderr.isatty() else None
