"""Reading bulk registers as Arrow record batches: CSV, JSON Lines, Parquet and (optional extra) ``.xlsx``.

Why pyarrow: its CSV reader splits, decodes and parses dates into ``date32`` columns in C, on both cores;
Python's ``csv`` plus per-value parsing is 40-70x slower on a million rows. Parquet and JSON Lines come from
the same library, and the batches it yields are what Dask, Spark (``mapInArrow``) and Ray (``map_batches``)
hand to a function, so one seam (:func:`treatylife.bulk.stream.evaluate_batch`) serves them all.

Every file is read in record batches of :data:`BATCH_ROWS` rows: memory stays flat whatever the size.

Two readers per text format, one set of checks (:func:`check_batch`):

* the **fast path**: pyarrow's reader, dates parsed by the reader;
* the **exact path**: Python's ``csv`` / ``json`` line by line, used when the fast path cannot prove the file
  is clean (a parse or conversion error, a cell holding a line break, a quote left open). It knows each
  row's line, so every problem is listed with row, line, field and code, and a file that pyarrow refuses
  as a whole still gets every other row answered under ``--skip-invalid``.

Line numbers count ``\\n``, ``\\r\\n`` and ``\\r`` only: NEL and U+2028/2029 are characters in a cell.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from treatylife.errors import InputError, at_file, places, shared_lines

__all__ = [
    "BATCH_ROWS",
    "DATE_COLUMNS",
    "KNOWN_COLUMNS",
    "MAX_CELL",
    "STDIN_PATH",
    "Problem",
    "RegisterProblems",
    "Source",
    "check_batch",
    "extra_name_problem",
    "is_stdin_register",
    "open_source",
]

KNOWN_COLUMNS = (
    "id",
    "rules",
    "title",
    "entry_into_force",
    "signed",
    "notified",
    "notice_party",
    "notice_received",
    "notice_clause",
    "notice_suspended",
    "notice_resumed",
    "notice_withdrawn",
)
DATE_COLUMNS = (
    "entry_into_force",
    "signed",
    "notified",
    "notice_received",
    "notice_suspended",
    "notice_resumed",
    "notice_withdrawn",
)
TEXT_COLUMNS = tuple(c for c in KNOWN_COLUMNS if c not in DATE_COLUMNS)
#: answer columns: an extra input column may not take one of these names
ANSWER_COLUMNS = (
    "agreement",
    "stage",
    "in_force",
    "since",
    "term",
    "term_start",
    "term_last_day",
    "next_renewal",
    "ends",
    "notice",
    "deadline",
    "days_left",
    "prevents_renewal_of",
    "deadline_term",
    "deadline_term_last_day",
    "clause",
    "who",
    "earliest_deadline",
    "readings",
)
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
}
BATCH_ROWS = 65_536
#: Python's csv module caps a field at this many characters; the fast path is held to the same bound
MAX_CELL = 131_072
#: a JSON Lines line (or a CSV record) longer than this is refused, and never read into memory whole
MAX_LINE = 1 << 20
MIN_DAY, MAX_DAY = -719162, 2932896  # 0001-01-01 and 9999-12-31 as day numbers
DATE_HINT = "dates are written YYYY-MM-DD and must exist"
#: a register on standard input: how errors name it, and the path its relative ``rules:`` resolve from
#: (``<stdin>``'s folder is the current directory)
STDIN_PATH = Path("<stdin>")
#: standard input is held in memory (a pipe cannot be read twice, and the exact path re-reads): bounded
MAX_STDIN_BYTES = 64 << 20


@dataclass(frozen=True)
class Problem:
    """One bad row (or header): where, which field, the error code and what is wrong."""

    row: int | None  # 1-based data row (the header is row 0)
    line: int | None
    field: str | None
    code: str
    message: str
    hint: str | None = None

    def text(self, file: str, where: str | None = None) -> str:
        """``file:line: field: message (hint: ...)``; ``where`` in place of ``file:line`` (rows sharing it)."""
        loc = file if self.line is None else f"{file}:{self.line}"
        if self.line is None and self.row is not None:
            loc += f": row {self.row}"
        parts = [f"{where or loc}:"]
        if self.field:
            parts.append(f"{self.field}:")
        parts.append(self.message)
        out = " ".join(parts)
        return out + (f" (hint: {self.hint})" if self.hint else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "hint": self.hint,
            "line": self.line,
            "message": self.message,
            "row": self.row,
        }


class RegisterProblems(InputError):
    """Every bad row of a register at once: one line each, as ``error [CODE]: file:line: field: message``."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        first = problems[0]
        super().__init__(
            first.message, file=file, line=first.line, field=first.field, hint=first.hint, code=first.code
        )
        #: every bad row, in file order
        self.bad_rows: list[Problem] = list(problems)

    def __str__(self) -> str:
        # rows with the very same error share one line (errors.shared_lines); --json lists every row
        lines = []
        for group in shared_lines(self.bad_rows, lambda p: (p.code, p.field, p.message, p.hint)):
            p = group[0]
            at = places([q.line for q in group], [q.row for q in group])
            lines.append((p.code, p.text(str(self.file), at_file(str(self.file), at))))
        text = [lines[0][1], *(f"error [{code}]: {t}" for code, t in lines[1:])]
        if len(self.bad_rows) > 1:  # the rows' own code if they share one, else the register's generic one
            code = self.code if len({p.code for p in self.bad_rows}) == 1 else "TL130"
            text.append(f"error [{code}]: {self.file}: {len(self.bad_rows):,} bad rows")
        return "\n".join(text)

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["bad_rows"] = [p.to_dict() for p in self.bad_rows]
        return out


def _fail(
    path: Path,
    message: str,
    code: str,
    line: int | None = None,
    fld: str | None = None,
    hint: str | None = None,
) -> InputError:
    return InputError(message, file=str(path), line=line, field=fld, code=code, hint=hint)


# ---------------------------------------------------------------------------- the source


@dataclass
class Source:
    """A bulk register file, opened and its header checked; :meth:`batches` reads it."""

    path: Path
    fmt: str  # csv | jsonl | parquet | xlsx
    names: list[str]  # columns in file order (known and extra)
    delimiter: str = ","
    header: list[str] = field(default_factory=list)  # the header as written (csv), for the fast path
    exact: bool = False  # read with the exact path from the start
    data: bytes | None = field(default=None, repr=False)  # standard input, read once (bounded)

    @property
    def size(self) -> int:
        """Bytes to read (for progress)."""
        return len(self.data) if self.data is not None else os.stat(self.path).st_size

    def binary(self) -> Any:
        """The bytes to read: a file path for pyarrow and openpyxl, or a buffer over standard input."""
        if self.data is None:
            return self.path
        import pyarrow as pa

        return pa.BufferReader(self.data)

    def open_binary(self) -> Any:
        return io.BytesIO(self.data) if self.data is not None else self.path.open("rb")

    def open_text(self) -> Any:
        if self.data is None:
            return self.path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
        return io.TextIOWrapper(
            io.BytesIO(self.data), encoding="utf-8-sig", errors="surrogateescape", newline=""
        )

    @property
    def extras(self) -> list[str]:
        return [n for n in self.names if n not in KNOWN_COLUMNS]

    def batches(self) -> Iterator[RawBatch]:
        """Raw batches in file order; a fast path that cannot prove the file clean restarts exactly."""
        if self.fmt == "parquet":
            yield from _parquet_batches(self)
            return
        if self.fmt == "xlsx":
            yield from _xlsx_batches(self)
            return
        done = 0
        if not self.exact:
            fast = _csv_fast(self) if self.fmt == "csv" else _jsonl_fast(self)
            try:
                for raw in fast:
                    if raw.suspect:
                        break
                    yield raw
                    done += raw.batch.num_rows
                else:
                    return
            except (ValueError, OSError):  # pyarrow.ArrowInvalid is a ValueError
                pass
        exact = _csv_exact(self) if self.fmt == "csv" else _jsonl_exact(self)
        for raw in exact:
            end = raw.row0 + raw.batch.num_rows
            if end <= done and not any(p.row is not None and p.row > done for p in raw.problems):
                continue
            if raw.row0 < done:  # rows already answered by the fast path
                cut = done - raw.row0
                raw = RawBatch(
                    raw.batch.slice(cut),
                    done,
                    None if raw.lines is None else raw.lines[cut:],
                    [p for p in raw.problems if p.row is None or p.row > done],
                )
            yield raw

    def lines(self) -> list[int]:
        """The line of each data row (exact path); needed only to report problems found on the fast path."""
        out: list[int] = []
        if self.fmt == "csv":
            raws = _csv_exact(self, lines_only=True)
        elif self.fmt == "jsonl":
            raws = _jsonl_exact(self, True)
        else:  # Parquet rows have no line (problems name the row); .xlsx batches carry theirs
            return out
        for raw in raws:
            out.extend(raw.lines or [])
        return out


@dataclass
class RawBatch:
    batch: Any  # pa.RecordBatch: text columns as strings, dates as date32 or strings
    row0: int  # rows before this batch
    lines: list[int] | None  # line of each row, when the reader knows it
    problems: list[Problem] = field(default_factory=list)  # found while reading (structure)
    suspect: bool = False  # the fast path cannot vouch for this batch: read it exactly


def _stat_regular(path: Path) -> os.stat_result:
    try:
        st = path.stat()
    except FileNotFoundError:
        if not Path.cwd().exists():  # pragma: no cover - cwd() raises first on Linux
            raise _fail(path, "the working directory no longer exists", "TL105") from None
        raise _fail(path, "file not found", "TL103") from None
    except PermissionError:
        raise _fail(path, "permission denied", "TL104") from None
    except OSError as exc:
        raise _fail(path, f"cannot read: {exc.strerror}", "TL105") from None
    if stat.S_ISDIR(st.st_mode):
        raise _fail(path, "is a directory", "TL101")
    if not stat.S_ISREG(st.st_mode):
        # a FIFO would block forever and /dev/zero never ends: only regular files are read
        raise _fail(path, "is not a regular file", "TL101")
    return st


def format_of(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def is_stdin_register(path: str | Path) -> bool:
    """``-`` (as typed) or :data:`STDIN_PATH` (a register already read from standard input)."""
    return str(path) == "-" or Path(path) == STDIN_PATH


def open_source(path: Path, *, delimiter: str | None = None) -> Source:
    """Open a bulk register: regular file, format from the suffix, header read and checked; ``-`` (or
    :data:`STDIN_PATH`) is standard input, its format sniffed from its first bytes.

    Raises InputError for what no row can fix (a duplicated column, a missing ``id``/``rules`` column,
    an unknown column that looks like a misspelt one, an empty file, a file that is not UTF-8 at the start).
    """
    if is_stdin_register(path):
        return _open_stdin(delimiter)
    fmt = format_of(path)
    if fmt is None:
        raise _fail(path, "not a register file", "TL139", hint="use .csv, .jsonl, .parquet or .xlsx")
    st = _stat_regular(path)
    if fmt == "csv":
        if delimiter is None and path.suffix.lower() == ".tsv":
            delimiter = "\t"
        with path.open("rb") as fh:
            head = fh.read(MAX_LINE)
        return _open_csv(path, delimiter, st.st_size, head)
    if fmt == "jsonl":
        if st.st_size == 0:
            raise _fail(path, "register file is empty", "TL131", 1)
        with path.open("rb") as fh:
            return Source(path, "jsonl", _jsonl_names(path, _bounded_lines_bytes(fh)))
    if fmt == "parquet":
        return _open_parquet(path)
    return _open_xlsx(path)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def extra_name_problem(name: str, what: str) -> tuple[str, str] | None:
    """Why ``name`` cannot be an extra column (message, hint), or None: extra columns (owner, department)
    are passed through, but not a name an answer column has, nor a near miss of a known one (a typo)."""
    if name in KNOWN_COLUMNS:
        return None
    if name in ANSWER_COLUMNS:
        return (
            f"{what} {name!r} is the name of an answer column",
            "rename it: extra columns are passed through to the output beside the answers",
        )
    close = difflib.get_close_matches(name, KNOWN_COLUMNS, n=1, cutoff=0.8)
    if close:
        return (
            f"unknown {what} {name!r}",
            f"did you mean {close[0]}? (other extra {what}s are passed through to the output)",
        )
    return None


def _check_header(path: Path, names: list[str], fmt: str) -> list[str]:
    names = [n.strip() for n in names]
    if "id" not in names and any(_ISO_DAY.fullmatch(n) for n in names):
        raise _fail(  # before "column '' appears twice": the header line is missing, not misspelt
            path,
            "the first line is a row of agreements, not a header (it holds a date)",
            "TL136",
            1 if fmt != "parquet" else None,
            "id",
            hint="a register's first line names its columns: id,rules,entry_into_force,... (docs/register.md)",
        )
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise _fail(
                path,
                f"column {n!r} appears twice in the header",
                "TL140",
                1 if fmt != "parquet" else None,
                n,
                hint="a spreadsheet would silently use one of them: rename or remove the other",
            )
        seen.add(n)
    for n in names:
        if not n:
            raise _fail(path, "a column has no name", "TL132", 1, hint="name every column of the header")
        wrong = extra_name_problem(n, "column")
        if wrong is not None:
            raise _fail(path, wrong[0], "TL132", 1 if fmt != "parquet" else None, n, hint=wrong[1])
    scenario_like = any(  # a YAML scenario given where a register belongs: only the hint differs
        n.strip().startswith(("schema:", "rules:", "title:", "events:", "based_on:", "#", "---"))
        for n in names
    )
    for req in ("id", "rules"):
        if req not in names:
            raise _fail(
                path,
                f"the register has no {req!r} column",
                "TL136",
                1,
                req,
                hint=(
                    "this looks like a scenario file, not a register: ask 'treatylife status' about it "
                    "(status - reads one from standard input)"
                    if scenario_like
                    else "the columns are listed in docs/register.md"
                ),
            )
    return names


def _sniff(first: str, delimiter: str | None) -> str:
    if delimiter is not None:
        return delimiter
    for d in (",", ";", "\t", "|"):
        cells = {c.strip().strip('"').lstrip("\ufeff") for c in first.split(d)}
        if {"id", "rules"} <= cells:
            return d
    return ","


def sniff_stdin(data: bytes) -> str:
    """The format of a register on standard input, from its first bytes: Parquet and .xlsx by their
    magic numbers, JSON Lines when the first non-blank character is ``{``, else CSV."""
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    return "jsonl" if data.removeprefix(codecs.BOM_UTF8).lstrip()[:1] == b"{" else "csv"


def looks_like_register(data: bytes) -> bool:
    """A register, not a scenario (``check -``): Parquet or .xlsx; a first line that is a CSV header with
    ``id`` and ``rules`` columns (any of the sniffed separators); or a first line that is one JSON object
    without ``events`` (a scenario written as JSON has them)."""
    fmt = sniff_stdin(data)
    if fmt in ("parquet", "xlsx"):
        return True
    text = data.removeprefix(codecs.BOM_UTF8).lstrip()
    first = text[:MAX_LINE].split(b"\n", 1)[0].split(b"\r", 1)[0].decode("utf-8", errors="replace")
    if fmt == "jsonl":
        try:
            obj = json.loads(first)
        except ValueError:
            return False
        return isinstance(obj, dict) and "events" not in obj
    return any(
        {"id", "rules"} <= {c.strip().strip('"') for c in first.split(d)} for d in (",", ";", "\t", "|")
    )


def _open_stdin(delimiter: str | None) -> Source:
    from treatylife.files.loader import read_stdin

    data = read_stdin(
        MAX_STDIN_BYTES,
        hint="give the register as a file (read in batches, with no size limit): treatylife portfolio FILE",
    )
    path = STDIN_PATH
    if not data.strip():
        raise _fail(path, "standard input is empty (no register)", "TL131", 1)
    fmt = sniff_stdin(data)
    if fmt == "csv":
        return _open_csv(path, delimiter, len(data), data[:MAX_LINE], data)
    if fmt == "jsonl":
        return Source(path, "jsonl", _jsonl_names(path, _bounded_lines_bytes(io.BytesIO(data))), data=data)
    return _open_parquet(path, data) if fmt == "parquet" else _open_xlsx(path, data)


def _open_csv(path: Path, delimiter: str | None, size: int, head: bytes, data: bytes | None = None) -> Source:
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise InputError(
            f"--delimiter {delimiter!r} must be one character (not a quote or a line break)",
            field="--delimiter",
            code="TL141",
        )
    if size == 0:
        raise _fail(path, "register file is empty", "TL131", 1)
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        raise _fail(path, "not UTF-8 text (UTF-16)", "TL131", 1, hint="save the sheet as CSV UTF-8")
    first_line = head.split(b"\n", 1)[0].split(b"\r", 1)[0]
    try:
        first = first_line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(
            path,
            f"not UTF-8 text (byte 0x{first_line[exc.start]:02x})",
            "TL131",
            1,
            hint="save the sheet as CSV UTF-8",
        ) from None
    if not first.strip():
        raise _fail(path, "the first line (the header) is empty", "TL131", 1)
    delim = _sniff(first, delimiter)
    header = next(csv.reader([first], delimiter=delim))
    names = _check_header(path, header, "csv")
    return Source(path, "csv", names, delim, header, exact='"' in first, data=data)


# ---------------------------------------------------------------------------- CSV


def _csv_fast(src: Source) -> Iterator[RawBatch]:
    import numpy as np
    import pyarrow as pa
    from pyarrow import csv as pcsv

    cols = [f"c{i}" for i in range(len(src.names))]
    types = {
        c: (pa.date32() if n in DATE_COLUMNS else pa.string()) for c, n in zip(cols, src.names, strict=True)
    }
    reader = pcsv.open_csv(
        src.binary(),
        read_options=pcsv.ReadOptions(column_names=cols, skip_rows=1, block_size=4 << 20),
        parse_options=pcsv.ParseOptions(delimiter=src.delimiter, newlines_in_values=False),
        convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=False),
    )
    row0 = 0
    for batch in reader:
        batch = batch.rename_columns(src.names)
        suspect = False
        for n in src.names:
            if n in DATE_COLUMNS:
                continue
            buf = batch.column(n).buffers()[2]
            if buf is not None and buf.size:
                data = np.frombuffer(buf, dtype=np.uint8)
                # a cell holding a line break, or a quote swallowing lines: only the exact path can tell
                if np.any((data == 10) | (data == 13)):
                    suspect = True
                    break
        yield RawBatch(batch, row0, None, suspect=suspect)
        row0 += batch.num_rows


def _csv_exact(src: Source, lines_only: bool = False) -> Iterator[RawBatch]:
    """Python's csv module, line by line: each row's first line, every structural problem listed."""
    import pyarrow as pa

    width = len(src.names)
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    row0 = 0
    n_rows = 0
    with src.open_text() as fh:
        reader = csv.reader(_bounded_lines(fh), delimiter=src.delimiter, strict=True)
        prev = 0
        try:
            next(reader)  # the header, checked when the source was opened
        except (csv.Error, StopIteration):  # pragma: no cover - checked in open_source
            return
        prev = reader.line_num
        while True:
            start = prev + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                n_rows += 1
                msg = str(exc)
                if "field larger" in msg:  # the reader cannot find the next row after this: stop here
                    problems.append(
                        Problem(
                            n_rows,
                            start,
                            None,
                            "TL142",
                            f"a cell is longer than {MAX_CELL:,} characters (the rest of the file is not read)",
                        )
                    )
                    rows.append([""] * width)
                    lines.append(start)
                    break
                elif "unexpected end of data" in msg:
                    problems.append(
                        Problem(
                            n_rows,
                            start,
                            None,
                            "TL143",
                            "a quoted cell is never closed",
                            'close the quote: a cell is written "like this"',
                        )
                    )
                    rows.append([""] * width)
                    lines.append(start)
                    break
                else:
                    problems.append(Problem(n_rows, start, None, "TL143", f"CSV syntax: {msg}"))
                prev = reader.line_num
                rows.append([""] * width)
                lines.append(start)
                continue
            prev = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue  # blank lines are not rows
            n_rows += 1
            bad = None
            if len(row) != width:
                bad = Problem(n_rows, start, None, "TL133", f"{len(row)} cells, the header has {width}")
            else:
                joined = "\x00".join(row)
                if not joined.isascii():
                    try:
                        joined.encode("utf-8")
                    except UnicodeEncodeError as exc:
                        bad = Problem(
                            n_rows,
                            start,
                            None,
                            "TL131",
                            f"not UTF-8 text (byte 0x{ord(joined[exc.start]) & 0xFF:02x})",
                        )
            if bad is not None:
                problems.append(bad)
                row = [""] * width
            rows.append(row)
            lines.append(start)
            if len(rows) >= BATCH_ROWS:
                yield _strings_batch(pa, src.names, rows, row0, lines, problems, lines_only)
                row0 += len(rows)
                rows, lines, problems = [], [], []
    if rows or problems:
        yield _strings_batch(pa, src.names, rows, row0, lines, problems, lines_only)


def _bounded_lines(fh: Any) -> Iterator[str]:
    """Lines of a text file, none longer than MAX_LINE in memory (a longer one is cut: csv then reports
    the field as too long)."""
    while True:
        line = fh.readline(MAX_LINE)
        if not line:
            return
        yield line


def _strings_batch(
    pa: Any,
    names: list[str],
    rows: Sequence[Sequence[str | None]],
    row0: int,
    lines: list[int],
    problems: list[Problem],
    lines_only: bool = False,
) -> RawBatch:
    if lines_only:
        return RawBatch(pa.record_batch({"_": pa.nulls(len(rows))}), row0, lines, problems)
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = [pa.array(c, type=pa.string()) for c in cols]
    return RawBatch(pa.RecordBatch.from_arrays(arrays, names=names), row0, lines, problems)


# ---------------------------------------------------------------------------- JSON Lines


def _bounded_lines_bytes(fh: Any) -> Iterator[bytes]:
    """The first lines of a binary file, none longer than MAX_LINE in memory (for the first object)."""
    for _ in range(1000):
        line = fh.readline(MAX_LINE)
        if not line:
            return
        yield line


def _jsonl_names(path: Path, lines: Iterator[bytes]) -> list[str]:
    """The columns of a JSON Lines register: the known ones, then the extra fields of its first object, in
    their order (owner, department: passed through to the output, as a CSV header's extra columns are).
    A first line that is no object leaves the known columns alone: reading the rows reports it."""
    for no, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8"), object_pairs_hook=_pairs)
        except (ValueError, _DuplicateKey, RecursionError):
            break
        if not isinstance(obj, dict):
            break
        extras = [k for k in obj if k not in KNOWN_COLUMNS]
        for k in extras:
            if not k.strip():
                raise _fail(
                    path, "a field has no name", "TL132", no, hint="name every field of the first line"
                )
            wrong = extra_name_problem(k, "field")
            if wrong is not None:
                raise _fail(path, wrong[0], "TL132", no, k, hint=wrong[1])
        return [*KNOWN_COLUMNS, *extras]
    return list(KNOWN_COLUMNS)


def _jsonl_fast(src: Source) -> Iterator[RawBatch]:
    import pyarrow as pa
    from pyarrow import json as pj

    schema = pa.schema([(c, pa.string()) for c in src.names])
    reader = pj.open_json(
        src.binary(),
        read_options=pj.ReadOptions(block_size=4 << 20),
        parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error"),
    )
    row0 = 0
    for batch in reader:
        yield RawBatch(batch, row0, None)
        row0 += batch.num_rows


class _Number(str):
    """A JSON number kept as its text: never converted, so 5,000 digits cost nothing and raise nothing."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


class _DuplicateKey(Exception):
    pass


def _jsonl_exact(src: Source, lines_only: bool = False) -> Iterator[RawBatch]:
    import pyarrow as pa

    rows: list[list[str | None]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    row0 = 0
    n_rows = 0
    names = src.names
    width = len(names)
    with src.open_binary() as fh:
        no = 0
        while True:
            raw = fh.readline(MAX_LINE)
            if not raw:
                break
            no += 1
            long = not raw.endswith(b"\n") and len(raw) >= MAX_LINE
            if long:
                while True:  # skip the rest of the line without holding it
                    more = fh.readline(MAX_LINE)
                    if not more or more.endswith(b"\n"):
                        break
            # only \n ends a line (json itself allows \r in whitespace)
            if not raw.strip():
                continue
            n_rows += 1
            lines.append(no)
            if lines_only:
                rows.append([])
            else:
                row, bad = _json_row(raw, n_rows, no, long, names)
                if bad is not None:
                    problems.append(bad)
                    row = [""] * width
                rows.append(row)
            if len(rows) >= BATCH_ROWS:
                yield _strings_batch(pa, names, rows, row0, lines, problems, lines_only)
                row0 += len(rows)
                rows, lines, problems = [], [], []
    if rows or problems:
        yield _strings_batch(pa, names, rows, row0, lines, problems, lines_only)


def _json_row(
    raw: bytes, row: int, line: int, long: bool, names: Sequence[str] = KNOWN_COLUMNS
) -> tuple[list[str | None], Problem | None]:
    def bad(
        msg: str, code: str = "TL134", fld: str | None = None, hint: str | None = None
    ) -> tuple[list[str | None], Problem]:
        return [], Problem(row, line, fld, code, msg, hint)

    if long:
        return bad(f"line longer than {MAX_LINE:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return bad(f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", "TL131")
    if text.count("[") + text.count("{") > 64:
        return bad("JSON nested too deeply (a register line is one flat object)")
    try:
        obj = json.loads(
            text, object_pairs_hook=_pairs, parse_int=_Number, parse_float=_Number, parse_constant=_Number
        )
    except _DuplicateKey as exc:
        return bad(
            f"key {exc.args[0]!r} appears twice",
            "TL140",
            str(exc.args[0]),
            "a JSON reader would silently use the last one",
        )
    except json.JSONDecodeError as exc:
        return bad(f"invalid JSON: {exc.msg}")
    except RecursionError:  # pragma: no cover - the bracket count comes first
        return bad("JSON nested too deeply (a register line is one flat object)")
    if not isinstance(obj, dict):
        return bad("each line must be a JSON object")
    out: list[str | None] = []
    for k, v in obj.items():
        if k not in names:
            close = difflib.get_close_matches(k, KNOWN_COLUMNS, n=1, cutoff=0.8)
            extras = [n for n in names if n not in KNOWN_COLUMNS]
            return bad(
                f"unknown field {k!r}",
                "TL132",
                k,
                f"did you mean {close[0]}?"
                if close
                else "extra fields are those of the first line"
                + (f" ({', '.join(extras)})" if extras else ", which has none")
                + "; the fields are listed in docs/register.md",
            )
        if k not in KNOWN_COLUMNS and (isinstance(v, (_Number, bool))):
            # an extra field (a cost centre, a flag) is passed through, a number or true/false as its text
            obj[k] = str(v) if isinstance(v, _Number) else ("true" if v else "false")
            continue
        if v is not None and (not isinstance(v, str) or isinstance(v, _Number)):
            if isinstance(v, _Number):
                shown = f"the number {v}" if len(v) < 20 else f"a {len(v):,}-digit number"
            else:
                shown = repr(v)
            return bad(f"expected a string or null, got {shown}"[:200], "TL135", k)
        if isinstance(v, str) and not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return bad(
                    "a lone surrogate (\\ud800-\\udfff) is not text",
                    "TL131",
                    k,
                    "write the character itself, or a valid surrogate pair",
                )
    for c in names:  # an extra field missing or null stays null, as the fast path (pyarrow) reads it
        v = obj.get(c)
        out.append(v if isinstance(v, str) else ("" if c in KNOWN_COLUMNS else None))
    return out, None


# ---------------------------------------------------------------------------- Parquet and xlsx


def _open_parquet(path: Path, data: bytes | None = None) -> Source:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path if data is None else pa.BufferReader(data))
    except (ValueError, OSError) as exc:  # ArrowInvalid: not a Parquet file
        raise _fail(path, f"not a Parquet file: {str(exc).splitlines()[0][:200]}", "TL131") from None
    names = _check_header(path, list(schema.names), "parquet")
    if names != list(schema.names):
        raise _fail(path, "column names with surrounding spaces", "TL132")
    return Source(path, "parquet", names, data=data)


def _parquet_batches(src: Source) -> Iterator[RawBatch]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(src.binary())
    row0 = 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
        arrays = []
        for n in batch.schema.names:
            col = batch.column(n)
            t = col.type
            if pa.types.is_dictionary(t):
                col = col.cast(t.value_type)
                t = col.type
            if pa.types.is_large_string(t):
                col = col.cast(pa.string())
            elif n in DATE_COLUMNS and (pa.types.is_timestamp(t) or pa.types.is_date64(t)):
                col = col.cast(pa.date32())
            elif n in KNOWN_COLUMNS and not (
                pa.types.is_string(t) or (n in DATE_COLUMNS and pa.types.is_date32(t))
            ):
                raise _fail(
                    src.path,
                    f"column type {t} (expected text{' or a date' if n in DATE_COLUMNS else ''})",
                    "TL135",
                    None,
                    n,
                )
            arrays.append(col)
        yield RawBatch(pa.RecordBatch.from_arrays(arrays, names=batch.schema.names), row0, None)
        row0 += batch.num_rows


def openpyxl_module() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise InputError(
            "reading or writing .xlsx needs openpyxl",
            code="TL145",
            hint='pip install "treatylife[xlsx]", or save the sheet as CSV UTF-8',
        ) from None
    return openpyxl


def _open_xlsx(path: Path, data: bytes | None = None) -> Source:
    openpyxl = openpyxl_module()
    try:
        wb = openpyxl.load_workbook(
            path if data is None else io.BytesIO(data), read_only=True, data_only=True
        )
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException...
        raise _fail(path, f"not an .xlsx workbook: {type(exc).__name__}", "TL131") from None
    try:
        ws = wb.worksheets[0]
        first = next(ws.iter_rows(max_row=1, values_only=True), None)
    finally:
        wb.close()
    if not first:
        raise _fail(path, "register file is empty", "TL131", 1)
    header = ["" if v is None else str(v) for v in first]
    while header and not header[-1]:
        header.pop()
    return Source(path, "xlsx", _check_header(path, header, "xlsx"), data=data)


def _xlsx_cell(v: Any) -> str:
    import datetime as _dt

    if v is None:
        return ""
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _xlsx_batches(src: Source) -> Iterator[RawBatch]:
    import pyarrow as pa

    openpyxl = openpyxl_module()
    source = src.path if src.data is None else io.BytesIO(src.data)
    wb = openpyxl.load_workbook(source, read_only=True, data_only=True)
    width = len(src.names)
    try:
        ws = wb.worksheets[0]
        rows: list[list[str]] = []
        lines: list[int] = []
        problems: list[Problem] = []
        row0 = n_rows = 0
        for no, values in enumerate(ws.iter_rows(min_row=2, values_only=True), 2):
            cells = [_xlsx_cell(v) for v in values]
            if all(not c.strip() for c in cells):
                continue
            n_rows += 1
            if any(c.strip() for c in cells[width:]):
                problems.append(
                    Problem(n_rows, no, None, "TL133", f"{len(cells)} cells, the header has {width}")
                )
                cells = [""] * width
            cells = (cells + [""] * width)[:width]
            rows.append(cells)
            lines.append(no)
            if len(rows) >= BATCH_ROWS:
                yield _strings_batch(pa, src.names, rows, row0, lines, problems)
                row0 += len(rows)
                rows, lines, problems = [], [], []
        if rows or problems:
            yield _strings_batch(pa, src.names, rows, row0, lines, problems)
    finally:
        wb.close()


# ---------------------------------------------------------------------------- the checks (one set)


def _parse_date_strings(col: Any) -> tuple[Any, Any]:
    """A string column to date32, exactly as strict as the CSV reader's own parser; (dates, bad mask)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(col)
    empty = pc.fill_null(pc.equal(trimmed, ""), True)
    values = pc.if_else(empty, pa.scalar(None, pa.string()), trimmed)
    try:
        return pc.cast(values, pa.date32()), np.zeros(len(col), dtype=bool)
    except (ValueError, TypeError):  # ArrowInvalid: find the rows (only on bad input)
        from treatylife.bulk.register import parse_dates

        days, bad = parse_dates(pc.fill_null(values, "").to_pylist())
        days = np.where(bad, 0, days)
        mask = np.asarray(empty.to_numpy(zero_copy_only=False)) | bad
        return pa.array(days.astype(np.int32), type=pa.date32(), mask=mask), bad


_DAY_AND_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _not_a_date(value: Any) -> str:
    """The message for a date cell that is no day; a day with a time of day (a spreadsheet's date-time
    cell, ``2020-08-31T15:30:00``) says so: the register counts whole days, and which day a time falls on
    is not for treatylife to guess (time zones)."""
    text = str(value)
    msg = f"not a date: {text[:40]!r}"
    if _DAY_AND_TIME.match(text) and text[11:19] not in ("00:00:00", "00:00"):
        msg += f" (a day and a time of day: give the day alone, {text[:10]}, or format the cell as a date)"
    return msg


def check_batch(raw: RawBatch, extras: Sequence[str]) -> tuple[Any, list[Problem]]:
    """A raw batch -> (the normalised batch, its problems). The one place a row is judged.

    The normalised batch has every known column (text as strings, null where empty, whitespace trimmed;
    dates as ``date32``) followed by the extra columns as read. Rows with a problem are kept (their cells
    emptied), so row numbers stay; the caller drops them under ``--skip-invalid``.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    b = raw.batch
    n = b.num_rows
    problems = list(raw.problems)
    bad_rows = np.zeros(n, dtype=bool)
    for p in raw.problems:
        if p.row is not None and raw.row0 < p.row <= raw.row0 + n:
            bad_rows[p.row - raw.row0 - 1] = True

    def line(i: int) -> int | None:
        return raw.lines[i] if raw.lines is not None else None

    def flag(mask: Any, fld: str | None, code: str, msg: Any, hint: str | None = None) -> None:
        for i in np.nonzero(mask & ~bad_rows)[0].tolist():
            problems.append(
                Problem(raw.row0 + i + 1, line(i), fld, code, msg(i) if callable(msg) else msg, hint)
            )
        bad_rows[mask] = True

    names = set(b.schema.names)
    cols: dict[str, Any] = {}
    for c in KNOWN_COLUMNS:
        if c not in names:
            cols[c] = pa.nulls(n, pa.date32() if c in DATE_COLUMNS else pa.string())
            continue
        col = b.column(c)
        if pa.types.is_string(col.type):
            offsets = (
                np.frombuffer(col.buffers()[1], dtype=np.int32, count=n + 1, offset=col.offset * 4)
                if n
                else np.zeros(1, dtype=np.int32)
            )
            long = np.diff(offsets) > MAX_CELL
            if long.any():
                chars = np.asarray(pc.fill_null(pc.utf8_length(col), 0).to_numpy(zero_copy_only=False))
                flag(long & (chars > MAX_CELL), c, "TL142", f"a cell is longer than {MAX_CELL:,} characters")
        if c in DATE_COLUMNS:
            if pa.types.is_string(col.type):
                col, bad = _parse_date_strings(col)
                if bad.any():
                    vals = b.column(c)
                    flag(bad, c, "TL137", lambda i, vals=vals: _not_a_date(vals[i].as_py()), DATE_HINT)
            days = np.asarray(pc.fill_null(col.cast(pa.int32()), 0).to_numpy(zero_copy_only=False))
            out_of_range = (days < MIN_DAY) | (days > MAX_DAY)
            if out_of_range.any():
                flag(out_of_range, c, "TL137", "not a date: the year must be 1..9999", DATE_HINT)
        else:
            col = pc.utf8_trim_whitespace(col)
            col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        cols[c] = col
    # values a row needs, and combinations no scenario could express
    valid = {c: np.asarray(cols[c].is_valid().to_numpy(zero_copy_only=False)) for c in KNOWN_COLUMNS}
    for c in ("id", "rules"):
        flag(~valid[c], c, "TL136", "required value is missing")
    notice_bits = (
        valid["notice_suspended"]
        | valid["notice_resumed"]
        | valid["notice_withdrawn"]
        | valid["notice_party"]
    )
    flag(
        valid["notice_resumed"] & ~valid["notice_suspended"],
        "notice_resumed",
        "TL135",
        "only a suspended notice can be resumed: give notice_suspended (and the notice: notice_received, "
        "notice_party)",
    )

    def day_numbers(c: str) -> Any:
        return np.asarray(cols[c].cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False))

    both = valid["notice_resumed"] & valid["notice_suspended"]
    if both.any():
        flag(
            both & (day_numbers("notice_resumed") < day_numbers("notice_suspended")),
            "notice_resumed",
            "TL135",
            "is before notice_suspended: a notice is resumed after its suspension",
        )
    flag(
        valid["entry_into_force"] & (valid["signed"] | valid["notified"]),
        "entry_into_force",
        "TL135",
        "give entry_into_force, or signed/notified, not both",
    )
    flag(
        notice_bits & ~valid["notice_received"], "notice_received", "TL135", "a notice needs notice_received"
    )
    flag(
        valid["notice_received"] & ~valid["notice_party"],
        "notice_party",
        "TL135",
        "a notice needs notice_party",
    )
    arrays = [cols[c] for c in KNOWN_COLUMNS]
    for e in extras:
        col = b.column(e) if e in names else pa.nulls(n, pa.string())
        if pa.types.is_nested(col.type):
            flag(
                np.asarray(col.is_valid().to_numpy(zero_copy_only=False)),
                e,
                "TL135",
                "a nested value (object or list) cannot be passed through",
            )
        arrays.append(col)
    out = pa.RecordBatch.from_arrays(arrays, names=[*KNOWN_COLUMNS, *extras])
    problems.sort(key=lambda p: p.row or 0)
    return out, problems
