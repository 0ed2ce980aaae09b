"""Registers: many agreements at once, for portfolio questions ("which are in force today?", "which notice
deadlines fall in the next 120 days?").

A register is one of:

* a **bulk file** (``.csv`` or ``.jsonl``): one agreement per row, sharing rules files, so 100,000 contracts
  need not be 100,000 scenario files. Columns (docs/performance.md, docs/register.md):

  ===================  ==========================================================================
  ``id``               required, unique: the agreement's name in the register
  ``rules``            required: rules file, relative to the register file (or a bundled name: ``gsomia``)
  ``title``            optional: a longer name
  ``entry_into_force`` shorthand: signed and every party notified on this date
  ``signed``           date of signature (instead of ``entry_into_force``)
  ``notified``         date of the last party's written notification (every party taken to notify then)
  ``notice_party``     party that gave a notice under the exit clause
  ``notice_received``  date the notice was received (VCLT Art. 78)
  ``notice_clause``    exit clause invoked (default: the rules' only exit clause)
  ``notice_suspended`` date the notice's effect was suspended
  ``notice_resumed``   date the suspended notice was resumed (answered by the single engine, both readings)
  ``notice_withdrawn`` date the notice was withdrawn
  ===================  ==========================================================================

  Empty cells (JSON ``null``) mean "no such event". Dates are ``YYYY-MM-DD``.
* a **directory**: every scenario file (``*.yaml``) in it, one agreement each (rules files found there are
  skipped), and every bulk file in it.

Each row becomes the events a scenario file would list, so the single-agreement engine can answer any row;
rows under rules files of the common shape are answered by the compiled batch engine
(:mod:`treatylife.bulk.batch`) instead, with the same answers.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from treatylife.dates import scalar as D
from treatylife.errors import InputError, TreatyLifeError

__all__ = [
    "COLUMNS",
    "DeadlinesResult",
    "PortfolioResult",
    "Register",
    "Table",
    "check_register_party",
    "deadlines",
    "load_register",
    "parse_within",
    "plain_text",
    "portfolio",
]

COLUMNS = (
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
_DATE_COLUMNS = (
    "entry_into_force",
    "signed",
    "notified",
    "notice_received",
    "notice_suspended",
    "notice_resumed",
    "notice_withdrawn",
)
BULK_SUFFIXES = (".csv", ".jsonl", ".ndjson")

Progress = Callable[[int, int], None]

# output columns: name -> kind (date | int | str | bool)
OUTPUT: dict[str, str] = {
    "id": "str",
    "agreement": "str",
    "title": "str",
    "stage": "str",
    "in_force": "bool",
    "since": "date",
    "term": "int",
    "term_start": "date",
    "term_last_day": "date",
    "next_renewal": "date",
    "ends": "date",
    "notice": "str",
    "deadline": "date",
    "days_left": "int",
    "prevents_renewal_of": "date",
    "deadline_term": "int",
    "deadline_term_last_day": "date",
    "clause": "str",
    "who": "str",
    "next_event": "date",  # the row's first event after the date asked (for deadlines' rounds)
    "readings": "str",  # what another reading of an open convention changes (_readings)
    "reading_deadline": "date",  # the earliest deadline under another reading (for deadlines' window)
    #: the day to act by: the next deadline under any reading the rules leave open (= deadline when none
    #: differs); in deadlines, the day in the window the row is listed for
    "earliest_deadline": "date",
}
PORTFOLIO_COLUMNS = (
    "id",
    "agreement",
    "title",
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
    "earliest_deadline",
    "readings",
)
DEADLINE_COLUMNS = (
    "deadline",
    "days_left",
    "id",
    "agreement",
    "title",
    "prevents_renewal_of",
    "deadline_term",
    "deadline_term_last_day",
    "clause",
    "who",
    "earliest_deadline",
    "readings",
)


def _err(
    msg: str,
    file: Path,
    line: int | None = None,
    fld: str | None = None,
    code: str = "TL130",
    hint: str | None = None,
) -> InputError:
    return InputError(msg, file=str(file), line=line, field=fld, code=code, hint=hint)


# ---------------------------------------------------------------------------- reading bulk files


@dataclass
class Bulk:
    """Rows of a bulk register file as one normalised Arrow batch (:func:`columnar.check_batch`)."""

    path: Path
    batch: Any  # pa.RecordBatch | pa.Table: known columns, then extras
    lines: list[int] | None = None  # the line of each row, when known (else problems name the row)
    row0: int = 0  # rows of the file before these
    #: the rows are lines of ``path`` (their lines may be looked up there); False for a batch handed over
    #: in memory (evaluate_batch), whose problems name rows of the batch and never read a file
    from_file: bool = True

    def __len__(self) -> int:
        return int(self.batch.num_rows)

    def line(self, i: int) -> int | None:
        return self.lines[i] if self.lines is not None else None

    def text(self, name: str, i: int) -> str:
        v = self.batch.column(name)[i].as_py()
        return "" if v is None else str(v)

    def days(self, name: str) -> Any:
        """A date column as int64 day numbers, ``NONE`` where empty."""
        import numpy as np
        import pyarrow.compute as pc

        from treatylife.bulk.batch import NONE

        col = self.batch.column(name)
        days = np.asarray(pc.fill_null(col.cast("int32"), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
        valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False))
        return np.where(valid, days, NONE)

    def codes(self, name: str) -> tuple[Any, list[str]]:
        """A text column as (int32 codes, distinct values); code -1 where empty."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        col = self.batch.column(name)
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        enc = pc.dictionary_encode(col)
        idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int32)
        return idx, [str(v) for v in enc.dictionary.to_pylist()]

    def take(self, idx: Any) -> Bulk:
        import pyarrow as pa

        lines = None if self.lines is None else [self.lines[int(i)] for i in idx]
        return Bulk(self.path, self.batch.take(pa.array(idx, type=pa.int64())), lines, self.row0)


def read_bulk(
    path: Path, *, delimiter: str | None = None, skip_invalid: bool = False
) -> tuple[Bulk, list[Any], list[str]]:
    """A whole bulk file, checked: (rows, problems found, extra columns). Problems carry their lines."""
    import pyarrow as pa

    from treatylife.bulk.columnar import check_batch, open_source

    src = open_source(path, delimiter=delimiter)
    batches, lines, problems = [], [], []
    known = True
    for raw in src.batches():
        batch, probs = check_batch(raw, src.extras)
        batches.append(batch)
        problems.extend(probs)
        if raw.lines is None:
            known = False
        else:
            lines.extend(raw.lines)
    if batches:
        table = pa.Table.from_batches(batches).combine_chunks()
    else:
        from treatylife.bulk.columnar import RawBatch
        from treatylife.bulk.columnar import check_batch as _cb  # an empty file of rows: its schema

        empty = pa.RecordBatch.from_arrays([pa.array([], pa.string()) for _ in src.names], names=src.names)
        table = pa.Table.from_batches([_cb(RawBatch(empty, 0, []), src.extras)[0]])
    bulk = Bulk(path, table, lines if known else None)
    return bulk, problems, src.extras


def fill_lines(
    path: Path, problems: list[Any], bulk: Bulk | None = None, delimiter: str | None = None
) -> list[Any]:
    """Problems found on the fast path know their row, not their line: look the lines up (exact path)."""
    from dataclasses import replace

    from treatylife.bulk.columnar import open_source

    if all(p.line is not None or p.row is None for p in problems) or (
        bulk is not None and not bulk.from_file
    ):
        return problems
    if bulk is not None and bulk.lines is not None:
        lines: list[int] = bulk.lines
    else:
        lines = open_source(path, delimiter=delimiter).lines()
    out = []
    for p in problems:
        if p.line is None and p.row is not None and 0 < p.row <= len(lines):
            p = replace(p, line=lines[p.row - 1])
        out.append(p)
    return out


def parse_dates(values: list[str]) -> tuple[Any, Any]:
    """ISO ``YYYY-MM-DD`` strings to int64 day numbers, vectorised: (days, bad); '' -> NONE.

    Strict: exactly ten characters, digits and dashes, an existing day (2019-02-30 is bad).
    """
    import numpy as np

    from treatylife.bulk.batch import NONE

    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    try:
        u = np.array(values, dtype="U11")  # an 11th character means too long
    except (TypeError, ValueError):  # pragma: no cover - values are always str
        u = np.array([str(v) for v in values], dtype="U11")
    c = u.view(np.uint32).reshape(n, 11).astype(np.int64)
    empty = c[:, 0] == 0
    dig = c - 48
    is_digit = (dig >= 0) & (dig <= 9)
    shape_ok = (
        (c[:, 4] == 45)
        & (c[:, 7] == 45)
        & (c[:, 10] == 0)
        & is_digit[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(axis=1)
    )
    y = dig[:, 0] * 1000 + dig[:, 1] * 100 + dig[:, 2] * 10 + dig[:, 3]
    m = dig[:, 5] * 10 + dig[:, 6]
    d = dig[:, 8] * 10 + dig[:, 9]
    ok = shape_ok & (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1)
    ym = np.where(ok, (y - 1970) * 12 + (m - 1), 0)
    first = ym.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    nxt = (ym + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ok &= d <= nxt - first
    days = np.where(ok, first + d - 1, NONE)
    return days, ~empty & ~ok


# ---------------------------------------------------------------------------- rows as scenario events


def row_events(
    row: dict[str, str], parties: list[str], file: str | None = None, line: int | None = None
) -> list[Any]:
    """The events a scenario file would list for one register row (ordered as the engine orders them)."""
    from treatylife.model.scenario import Event

    def ev(date: str, kind: str, **kw: Any) -> Event:
        return Event(date=_dt.date.fromisoformat(date), kind=kind, **kw).located(file, line)

    out = []
    if row.get("entry_into_force"):
        e = row["entry_into_force"]
        out.append(ev(e, "signed"))
        out.extend(ev(e, "notified", party=p) for p in parties)
    else:
        if row.get("signed"):
            out.append(ev(row["signed"], "signed"))
        if row.get("notified"):
            out.extend(ev(row["notified"], "notified", party=p) for p in parties)
    if row.get("notice_received"):
        party = row.get("notice_party") or None
        out.append(
            ev(
                row["notice_received"],
                "notice_given",
                id="notice",
                party=party,
                clause=row.get("notice_clause") or None,
            )
        )
        if row.get("notice_suspended"):
            out.append(ev(row["notice_suspended"], "notice_suspended", party=party, notice="notice"))
        if row.get("notice_resumed"):
            out.append(ev(row["notice_resumed"], "notice_resumed", party=party, notice="notice"))
        if row.get("notice_withdrawn"):
            out.append(ev(row["notice_withdrawn"], "notice_withdrawn", party=party, notice="notice"))
    out.sort(key=lambda e: e.date)  # stable: same-day events keep this order
    return out


def _loaded_for_row(bulk: Bulk, i: int, rules: Any, rules_path: Path) -> Any:
    from treatylife.files.loader import Loaded

    row = {c: bulk.text(c, i) for c in COLUMNS}
    events = row_events(row, rules.party_codes(), str(bulk.path), bulk.line(i))
    return Loaded(
        path=bulk.path,
        title=row["title"] or row["id"],
        description=None,
        rules=rules,
        rules_path=rules_path,
        events=events,
    )


def _record_for_row(bulk: Bulk, i: int, rules: Any, rules_path: Path) -> Any:
    from treatylife.engine.replay import replay

    try:
        return replay(_loaded_for_row(bulk, i, rules, rules_path))
    except TreatyLifeError as exc:
        exc.file, exc.line = str(bulk.path), bulk.line(i)
        exc.field = exc.field or "row"
        if exc.line is None:
            exc.message = f"row {bulk.row0 + i + 1}: {exc.message}"
        raise


# ---------------------------------------------------------------------------- the register


@dataclass
class _Group:
    """Rows of one bulk file under one rules file."""

    bulk: Bulk
    rows: Any  # int64 indexes into the register's rows
    local: Any  # indexes into the bulk file's rows
    rules: Any
    rules_path: Path
    batch: Any  # treatylife.batch.Batch | None
    reason: str  # why not batch, when batch is None
    records: dict[int, Any] = field(default_factory=dict)  # local index -> Record (single engine)
    #: another reading of its open conventions -> (its Rules, batch Shape or None, Records by local index)
    readings: dict[Any, Any] = field(default_factory=dict)


@dataclass
class Register:
    """A loaded register: agreements in order, answered by the batch engine where it can."""

    path: Path
    names: list[tuple[Any, Any, Any]]  # segments of (ids, titles, agreements), Arrow string arrays
    groups: list[_Group]
    records: dict[int, Any]  # register row -> Record, for scenario files
    sources: list[str]  # files read
    n: int = 0
    skipped: list[Any] = field(default_factory=list)  # columnar.Problem of rows left out (--skip-invalid)
    extras: list[str] = field(default_factory=list)  # extra input columns, passed through
    extra_columns: list[Any] = field(default_factory=list)  # per segment: {name: array} (or None)
    scenario_files: dict[int, Path] = field(default_factory=dict)  # register row -> its scenario file
    #: scenario rows under other readings: (row, reading) -> its Record; (row, None) -> its files as read
    reading_records: dict[Any, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.n

    def _group_of(self, i: int) -> tuple[_Group, int]:
        for g in self.groups:
            j = int(g.rows.searchsorted(i))
            if j < len(g.rows) and int(g.rows[j]) == i:
                return g, int(g.local[j])
        raise IndexError(i)

    def loaded(self, i: int) -> Any:
        """The files behind row ``i`` before replay (a :class:`~treatylife.files.loader.Loaded`), e.g. to put
        a what-if over it: a scenario file is read again, a bulk row becomes the events it stands for."""
        if i in self.scenario_files:
            from treatylife.files.loader import load_scenario

            return load_scenario(self.scenario_files[i])
        g, local = self._group_of(i)
        return _loaded_for_row(g.bulk, local, g.rules, g.rules_path)

    def record(self, i: int) -> Any:
        """Row ``i`` replayed by the single-agreement engine (a :class:`~treatylife.model.record.Record`), for
        the questions the batch engine does not answer (status with its explanation, timeline, ...)."""
        if i in self.records:
            return self.records[i]
        g, local = self._group_of(i)
        if local in g.records:
            return g.records[local]
        return _record_for_row(g.bulk, local, g.rules, g.rules_path)

    def row_records(self) -> list[Any]:
        """Every row replayed, in register order (for questions about each agreement: a calendar)."""
        return [self.record(i) for i in range(self.n)]

    @property
    def ids(self) -> list[str]:
        return [x for seg in self.names for x in seg[0].to_pylist()]

    @property
    def batch_rows(self) -> int:
        return sum(len(g.rows) - (len(g.batch.fallback) if g.batch else len(g.rows)) for g in self.groups)

    def evaluate(self, on: _dt.date, *, engine: str = "auto", progress: Progress | None = None) -> Table:
        """Status and next deadline of every agreement on ``on`` (``engine``: auto, batch or single)."""
        return _evaluate(self, on, engine, progress)

    def add_names(self, ids: list[str], titles: list[str], agreements: list[str]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        ids_a, titles_a, agreements_a = (pa.array(x, type=pa.string()) for x in (ids, titles, agreements))
        self.names.append((ids_a, titles_a, pc.dictionary_encode(agreements_a)))
        self.extra_columns.append(None)
        self.n += len(ids)


def cwd_ok() -> None:
    import os

    try:
        os.getcwd()
    except FileNotFoundError:
        raise InputError(
            "the working directory no longer exists",
            code="TL105",
            hint="cd to an existing directory, or give absolute paths",
        ) from None


def load_register(
    path: str | Path,
    *,
    progress: Progress | None = None,
    delimiter: str | None = None,
    skip_invalid: bool = False,
) -> Register:
    """Load a register (a bulk ``.csv``/``.jsonl``/``.parquet``/``.xlsx`` file or a directory; ``-`` reads
    one bulk register from standard input, bounded, its relative ``rules:`` resolved from the current
    directory, its errors naming ``<stdin>``).

    Every bad row is reported at once (:class:`~treatylife.bulk.columnar.RegisterProblems`, each with row,
    line, field and code); with ``skip_invalid`` the other rows are loaded and the bad ones listed in
    :attr:`Register.skipped`.
    """
    from treatylife.bulk.columnar import STDIN_PATH, format_of

    cwd_ok()
    p = Path(path)
    if str(path) == "-":
        p = STDIN_PATH
        scenarios, bulks = [], [p]
    elif p.is_dir():
        files = sorted(p.iterdir())
        scenarios = [f for f in files if f.suffix in (".yaml", ".yml") and f.is_file()]
        bulks = [f for f in files if format_of(f) is not None and f.is_file()]
        if not scenarios and not bulks:
            raise _err(
                "no scenario (*.yaml) or bulk (*.csv, *.jsonl, *.parquet) files in this directory",
                p,
                code="TL138",
            )
    elif format_of(p) is not None:
        scenarios, bulks = [], [p]
    elif not p.exists():
        raise _err("file not found", p, code="TL103")
    else:
        raise _err(
            "a register is a directory, a .csv, .jsonl, .parquet or .xlsx file",
            p,
            code="TL139",
            hint="for one scenario file use `treatylife status`",
        )
    reg = Register(p, [], [], {}, [])
    rules_cache: dict[Path, tuple[Any, Any, str]] = {}
    total = len(scenarios)
    done = 0
    if scenarios:
        from treatylife.engine.replay import replay
        from treatylife.errors import ScenarioError
        from treatylife.files.loader import load_scenario

        ids: list[str] = []
        titles: list[str] = []
        agreements: list[str] = []
        for f in scenarios:
            try:
                loaded = load_scenario(f)
            except ScenarioError as exc:
                if exc.code == "TL306":  # a rules file beside the scenarios
                    done += 1
                    continue
                raise
            rec = replay(loaded)
            reg.records[reg.n + len(ids)] = rec
            reg.scenario_files[reg.n + len(ids)] = f
            ids.append(f.stem)
            titles.append(loaded.title)
            agreements.append(rec.short_title)
            reg.sources.append(str(f))
            done += 1
            if progress:
                progress(done, total)
        reg.add_names(ids, titles, agreements)
    for b in bulks:
        bulk, problems, extras = read_bulk(b, delimiter=delimiter)
        if extras and not reg.extras:
            reg.extras = list(extras)
        load_bulk(
            reg,
            bulk,
            rules_cache,
            progress,
            problems=problems,
            skip_invalid=skip_invalid,
            delimiter=delimiter,
        )
    check_unique_ids(reg)
    return reg


def ids_unique(chunks: list[Any]) -> bool:
    """No id repeats: proven in one pass when the ids come sorted (most exported registers), else hashed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = [pc.drop_null(c) for c in chunks if len(c)]
    last = None
    for c in chunks:
        c = c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c
        if (last is not None and not c[0].as_py() > last) or (
            len(c) > 1 and not pc.all(pc.less(c.slice(0, len(c) - 1), c.slice(1))).as_py()
        ):
            break
        last = c[len(c) - 1].as_py()
    else:
        return True
    ids = pa.chunked_array(chunks, type=pa.string())
    return bool(pc.count_distinct(ids).as_py() == len(ids))


def check_unique_ids(reg: Register, *, from_file: bool = True) -> None:
    """An id names one agreement: refuse a register that uses one twice (every repeat listed; with
    ``from_file`` False, rows of a batch in memory, whose lines no file holds)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from treatylife.bulk.columnar import STDIN_PATH, Problem, RegisterProblems

    if not reg.names or ids_unique([seg[0] for seg in reg.names]):
        return
    ids = pa.chunked_array([seg[0] for seg in reg.names], type=pa.string())
    counts = pc.value_counts(ids)
    dup = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    rows = np.nonzero(np.asarray(pc.is_in(ids, value_set=dup).to_numpy(zero_copy_only=False)))[0]
    seen: set[str] = set()
    problems = []
    for r in rows.tolist():
        x = ids[r].as_py()
        if x in seen:
            problems.append(Problem(r + 1, None, "id", "TL136", f"id {x!r} is used twice in the register"))
        seen.add(x)
    if from_file and (reg.path.is_file() or reg.path == STDIN_PATH):
        problems = fill_lines(reg.path, problems)
    raise RegisterProblems(str(reg.path), problems)


def _resolve_rules(ref: str, bulk: Bulk) -> Path:
    """Same rules as scenario references: a bundled name, or a file inside the register's project."""
    from treatylife.files.loader import bundled_path, bundled_root, project_root, resolve_path

    if any(ord(c) < 32 for c in ref):
        raise _err(
            f"rules reference {ref!r} contains a control character", bulk.path, None, "rules", code="TL302"
        )
    shown = ref if len(ref) <= 80 else f"{ref[:60]}... ({len(ref):,} characters)"
    try:
        if "/" not in ref and "\\" not in ref and not ref.endswith((".yaml", ".yml")):
            candidate = bundled_path("rules", f"{ref}.yaml")
            if candidate.is_file():
                return candidate
        try:
            target = resolve_path(bulk.path.parent / ref)
        except InputError as exc:
            raise _err(
                f"rules reference {shown!r}: {exc.message}", bulk.path, None, "rules", code=exc.code
            ) from None
        root = project_root(bulk.path)
        if not any(target.is_relative_to(r) for r in (root, bundled_root())):
            raise _err(
                f"rules reference {shown!r} points outside the project ({root})",
                bulk.path,
                None,
                "rules",
                code="TL301",
            )
        if not target.is_file():
            raise _err(f"rules file {shown!r} not found ({target})", bulk.path, None, "rules", code="TL302")
    except OSError as exc:  # a name too long for the file system, and the like
        raise _err(
            f"rules reference {shown!r}: {exc.strerror or exc}", bulk.path, None, "rules", code="TL302"
        ) from None
    return target


def _rules_for(
    ref: str, bulk: Bulk, rules_cache: dict[Path, tuple[Any, Any, str]], sources: list[str]
) -> tuple[Path, Any, Any, str]:
    from treatylife.bulk.batch import compile_rules
    from treatylife.files.loader import load_rules

    path = _resolve_rules(ref, bulk)
    if path not in rules_cache:
        with _RULES_LOCK:
            if path not in rules_cache:
                rules = load_rules(path)
                shape, reason = compile_rules(rules)
                rules_cache[path] = (rules, shape, reason)
    if str(path) not in sources:
        sources.append(str(path))
    rules, shape, reason = rules_cache[path]
    return path, rules, shape, reason


def _rules_problem(exc: TreatyLifeError, bulk: Bulk) -> tuple[str, str, str, str | None]:
    """(field, code, message, hint) of a row whose rules file cannot be used. An error inside the rules
    file names that file, its line and field: the row only points at it (every row that does shares the
    line, errors.shared_lines)."""
    if exc.file is None or Path(exc.file) == bulk.path:
        return exc.field or "rules", exc.code, exc.message, exc.hint
    inside = f"{exc.field}: " if exc.field else ""
    return "rules", exc.code, f"rules file {exc.location()}: {inside}{exc.message}", exc.hint


_RULES_LOCK = threading.Lock()  # rules files compiled once, also when batches are evaluated in threads


def _prepare(
    bulk: Bulk, rules_cache: dict[Path, tuple[Any, Any, str]], sources: list[str], progress: Progress | None
) -> tuple[list[_Group], Any, list[Any]]:
    """Groups of rows by rules file, compiled; rows for the single engine replayed. Problems listed."""
    import numpy as np

    from treatylife.bulk.batch import NONE, Batch
    from treatylife.bulk.columnar import Problem

    n = len(bulk)
    problems: list[Any] = []
    dates = {c: bulk.days(c) for c in _DATE_COLUMNS}
    has_eif = dates["entry_into_force"] != NONE
    signed = np.where(has_eif, dates["entry_into_force"], dates["signed"])
    notified = np.where(has_eif, dates["entry_into_force"], dates["notified"])
    ref_codes, refs = bulk.codes("rules")
    party_codes, party_names = bulk.codes("notice_party")
    clause_codes, clause_names = bulk.codes("notice_clause")
    agreements = np.full(n, -1, dtype=np.int32)  # codes into `names`
    names: list[str] = []
    groups: list[_Group] = []
    done = 0

    def row_problem(i: int, fld: str | None, code: str, msg: str, hint: str | None = None) -> Problem:
        return Problem(bulk.row0 + i + 1, bulk.line(i), fld, code, msg, hint)

    for g, ref in enumerate(refs):
        local = np.nonzero(ref_codes == g)[0]
        try:
            path, rules, shape, reason = _rules_for(ref, bulk, rules_cache, sources)
        except TreatyLifeError as exc:
            problems.extend(row_problem(int(i), *_rules_problem(exc, bulk)) for i in local)
            continue
        codes = rules.party_codes()
        known_party = np.array([x in codes for x in party_names] + [True], dtype=bool)
        unknown = ~known_party[party_codes[local]]
        for i in local[unknown].tolist():
            problems.append(
                row_problem(
                    i,
                    "notice_party",
                    "TL310",
                    f"{bulk.text('notice_party', i)!r} is not a party to {rules.short_title or rules.id}",
                    "parties: " + ", ".join(codes),
                )
            )
        local = local[~unknown]
        title = rules.short_title or rules.id
        if title not in names:
            names.append(title)
        agreements[local] = names.index(title)
        batch = None
        if shape is not None:
            by = np.array([x in shape.by for x in party_names] + [False], dtype=bool)
            clause_ok = np.array([x == shape.clause for x in clause_names] + [True], dtype=bool)
            ok = by[party_codes[local]] & clause_ok[clause_codes[local]]
            # a resumed notice: remaining or fresh period, contested (engine.replay): the single engine's answer
            ok &= dates["notice_resumed"][local] == NONE
            batch = Batch(
                shape,
                signed[local],
                notified[local],
                dates["notice_received"][local],
                dates["notice_suspended"][local],
                dates["notice_withdrawn"][local],
                ok,
            )
        grp = _Group(bulk, local.astype(np.int64), local, rules, path, batch, reason)
        groups.append(grp)
        # rows the batch engine leaves to the single engine are replayed now (errors surface at load)
        single = local if batch is None else local[batch.fallback]
        done += len(local) - len(single)
        if progress:
            progress(done, n)
        for j, li in enumerate(single.tolist()):
            try:
                grp.records[li] = _record_for_row(bulk, li, rules, path)
            except TreatyLifeError as exc:
                problems.append(
                    row_problem(
                        li,
                        exc.field,
                        exc.code,
                        exc.message.removeprefix(f"row {bulk.row0 + li + 1}: "),
                        exc.hint,
                    )
                )
            done += 1
            if progress and (j % 256 == 255 or j == len(single) - 1):
                progress(done, n)
    import pyarrow as pa

    agreement = pa.DictionaryArray.from_arrays(
        pa.array(agreements, mask=agreements < 0), pa.array(names, type=pa.string())
    )
    return groups, agreement, problems


def load_bulk(
    reg: Register,
    bulk: Bulk,
    rules_cache: dict[Path, tuple[Any, Any, str]],
    progress: Progress | None,
    *,
    problems: list[Any] | None = None,
    skip_invalid: bool = False,
    delimiter: str | None = None,
) -> None:
    """Add a bulk file's rows to ``reg``: grouped by rules file, compiled for the batch engine, the other
    rows replayed. Every bad row is listed (RegisterProblems); with ``skip_invalid`` they are left out."""
    import numpy as np

    from treatylife.bulk.columnar import RegisterProblems

    reg.sources.append(str(bulk.path))
    problems = list(problems or [])
    bad = {p.row for p in problems if p.row is not None}
    if bad:  # rows already refused are not compiled or replayed
        keep = np.array([i for i in range(len(bulk)) if bulk.row0 + i + 1 not in bad], dtype=np.int64)
        orig_rows = bulk.row0 + keep + 1
    else:
        keep, orig_rows = None, None
    sub = bulk if keep is None else bulk.take(keep)
    groups, agreements, more = _prepare(sub, rules_cache, reg.sources, progress)
    if more and orig_rows is not None:  # row numbers of the kept rows are those of the file
        from dataclasses import replace

        more = [replace(p, row=int(orig_rows[p.row - bulk.row0 - 1])) for p in more]
    problems.extend(more)
    if problems and not skip_invalid:
        problems.sort(key=lambda p: p.row or 0)
        raise RegisterProblems(str(bulk.path), fill_lines(bulk.path, problems, bulk, delimiter))
    if more and skip_invalid:  # rows the engine refused: leave them out too
        bad = {p.row for p in problems if p.row is not None}
        keep = np.array([i for i in range(len(bulk)) if bulk.row0 + i + 1 not in bad], dtype=np.int64)
        sub = bulk.take(keep)
        groups, agreements, again = _prepare(sub, rules_cache, reg.sources, None)
        if again:  # pragma: no cover - the same rows, the same answers
            raise RegisterProblems(str(bulk.path), again)
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        reg.skipped.extend(fill_lines(bulk.path, problems, bulk, delimiter))
    base = reg.n
    for g in groups:
        g.rows = g.local + base
    reg.groups.extend(groups)
    b = sub.batch
    col = b.column
    ids = col("id")
    titles = col("title")
    reg.names.append((_flat(ids), _flat(titles), agreements))
    reg.extra_columns.append({e: _flat(col(e)) for e in reg.extras if e in b.schema.names} or None)
    reg.n += len(sub)


def _flat(col: Any) -> Any:
    import pyarrow as pa

    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


# ---------------------------------------------------------------------------- answers


_TEXT = ("stage", "notice", "clause", "who")  # answer text columns held as (vocabulary, codes)


class Table:
    """Answers as columns: dates as int64 day numbers (``NONE`` = absent), stage and notice as codes,
    ``id``/``title``/``agreement`` and extra columns as Arrow arrays. Rows and Arrow tables on demand."""

    def __init__(self, columns: dict[str, Any], extras: dict[str, Any] | None = None) -> None:
        self.columns = columns
        self.extras = extras or {}

    def __len__(self) -> int:
        return len(self.columns["in_force"])

    def take(self, idx: Any) -> Table:
        import numpy as np
        import pyarrow as pa

        idx = np.asarray(idx, dtype=np.int64)
        pidx = pa.array(idx, type=pa.int64())

        def tk(v: Any) -> Any:
            if isinstance(v, tuple):
                return (v[0], v[1][idx])
            return v.take(pidx) if isinstance(v, pa.Array | pa.ChunkedArray) else v[idx]

        return Table({k: tk(v) for k, v in self.columns.items()}, {k: tk(v) for k, v in self.extras.items()})

    def arrow(self, name: str) -> Any:
        """One answer column as an Arrow array (null where absent)."""
        import numpy as np
        import pyarrow as pa

        from treatylife.bulk.batch import NONE

        v = self.columns[name]
        if isinstance(v, pa.ChunkedArray):
            v = v.combine_chunks()
        if isinstance(v, pa.Array):
            if name != "id":
                import pyarrow.compute as pc

                v = pc.if_else(pc.equal(v, ""), pa.scalar(None, pa.string()), v)
            return v
        kind = OUTPUT[name]
        if name == "readings":  # text, None where no other reading changes the answer
            return pa.array(v, type=pa.string()) if v.any() else pa.nulls(len(v), pa.string())
        if kind == "date":
            absent = v == NONE
            return pa.array(np.where(absent, 0, v).astype(np.int32), type=pa.date32(), mask=absent)
        if kind == "int":
            absent = v == NONE
            return pa.array(np.where(absent, 0, v), type=pa.int64(), mask=absent)
        if kind == "bool":
            return pa.array(v, type=pa.bool_())
        vocab_v, codes = v
        null = np.array([not x for x in vocab_v], dtype=bool)
        if null.any():  # the empty text is "absent": a null index
            return pa.DictionaryArray.from_arrays(
                pa.array(codes, type=pa.int32(), mask=null[codes]), pa.array(vocab_v, type=pa.string())
            )
        return pa.DictionaryArray.from_arrays(
            pa.array(codes, type=pa.int32()), pa.array(vocab_v, type=pa.string())
        )

    def to_arrow(self, names: tuple[str, ...], extras: bool = True) -> Any:
        """The answers as a ``pyarrow.Table`` (answer columns, then the input's extra columns)."""
        import pyarrow as pa

        cols = {n: self.arrow(n) for n in names}
        if extras:
            for k, v in self.extras.items():
                if k not in cols:
                    cols[k] = v.combine_chunks() if isinstance(v, pa.ChunkedArray) else v
        return pa.table(cols)

    def strings(self, name: str) -> list[str]:
        """A column as text ('' where absent), for text output."""
        from treatylife.bulk.batch import from_days

        kind = OUTPUT.get(name, "str")
        arr = self.arrow(name) if name in OUTPUT else self.extras[name]
        vals = arr.to_pylist()
        if kind == "bool":
            return ["true" if x else "false" for x in vals]
        del from_days
        return ["" if x is None else (x.isoformat() if kind == "date" else str(x)) for x in vals]

    def values(self, name: str) -> list[Any]:
        """A column as JSON-ready values (None where absent)."""
        kind = OUTPUT[name]
        vals = self.arrow(name).to_pylist()
        if kind == "date":
            return [None if x is None else x.isoformat() for x in vals]
        if name == "id":
            return ["" if x is None else x for x in vals]
        return list(vals)

    def rows(self, names: tuple[str, ...]) -> list[dict[str, Any]]:
        """Rows as dicts of JSON-ready values: the answer columns ``names``, then the extra columns."""
        import datetime as dt

        keys = [*names, *(e for e in self.extras if e not in names)]
        cols = [self.values(n) for n in names]
        for e in keys[len(names) :]:
            vals = self.extras[e].to_pylist()
            cols.append([v.isoformat() if isinstance(v, dt.date) else v for v in vals])
        return [dict(zip(keys, vals, strict=True)) for vals in zip(*cols, strict=True)]

    def parties_mask(self, party: str) -> Any:
        import numpy as np

        vocab, codes = self.columns["parties"]
        return np.array([party in v.split() for v in vocab], dtype=bool)[codes]

    def party_codes(self) -> list[str]:
        """Every party code of the register's agreements, sorted."""
        vocab, _ = self.columns["parties"]
        return sorted({c for v in vocab for c in v.split()})


def check_register_party(codes: Iterable[str], party: str, field: str = "--party") -> None:
    """Refuse a party ``party`` that is a party to no agreement of the register (``codes``: every party
    code of its agreements), TL312 with the closest code: a typo would otherwise answer "no agreements",
    which reads as "nothing due". ``portfolio``/``deadlines --party`` and the server's register calendar."""
    known = sorted(set(codes))
    if party in known:
        return
    import difflib

    from treatylife.errors import ScenarioError

    close = [c for c in known if c.casefold() == party.casefold()] or difflib.get_close_matches(
        party, known, n=1
    )
    shown = ", ".join(known[:20]) + (f" and {len(known) - 20:,} more" if len(known) > 20 else "")
    raise ScenarioError(
        f"{party!r} is not a party to any agreement of the register",
        field=field,
        code="TL312",
        hint=f"did you mean {close[0]!r}?" if close else f"parties: {shown}",
    )


def _empty_columns(n: int) -> dict[str, Any]:
    import numpy as np

    from treatylife.bulk.batch import NONE, NOTICE_STATUSES, STAGES

    cols: dict[str, Any] = {}
    for name, kind in OUTPUT.items():
        if kind == "date" or kind == "int":
            cols[name] = np.full(n, NONE, dtype=np.int64)
        elif kind == "bool":
            cols[name] = np.zeros(n, dtype=bool)
        elif name in _TEXT:
            vocab = {"stage": STAGES, "notice": NOTICE_STATUSES}.get(name, ("",))
            cols[name] = (list(vocab), np.zeros(n, dtype=np.int32))
    cols["readings"] = np.full(n, None, dtype=object)
    return cols


def record_row(record: Any, on: _dt.date) -> dict[str, Any]:
    """One agreement's answers on ``on`` from the single engine (treatylife.answers.query), as output values."""
    from treatylife.answers.agenda import next_event_after
    from treatylife.answers.query import next_deadline, status
    from treatylife.bulk.batch import NONE, to_days

    st = status(record, on)
    dl = next_deadline(record, on)

    def day(d: _dt.date | None) -> int:
        return NONE if d is None else to_days(d)

    latest = None
    for n in record.notices:
        if n.received <= on and (latest is None or n.received >= latest.received):
            latest = n
    change = latest.status_on(on) if latest else None
    t = st.term
    return {
        "stage": st.stage,
        "in_force": st.in_force,
        "since": day(st.since),
        "term": NONE if t is None or t.number is None else t.number,
        "term_start": day(t.start if t else None),
        "term_last_day": day(t.last_day if t else None),
        "next_renewal": day(t.next_renewal if t else None),
        "ends": day(st.ends),
        "notice": change.status if change else "",
        "deadline": day(dl.deadline),
        "days_left": NONE if dl.days_left is None else dl.days_left,
        "prevents_renewal_of": day(dl.prevents_renewal_of),
        "deadline_term": NONE if dl.term is None else dl.term,
        "deadline_term_last_day": day(dl.term_last_day),
        "clause": dl.clause or "",
        "who": " ".join(dl.who),
        "next_event": day(next_event_after(record, on) if record.deadline_clauses else None),
    }


def _dictionary_column(parts: list[Any], n: int) -> tuple[list[str], Any]:
    """Dictionary-encoded segments as one (vocabulary, codes) column."""
    import numpy as np
    import pyarrow.compute as pc

    vocab: list[str] = [""]
    codes = np.zeros(n, dtype=np.int32)
    at = 0
    for part in parts:
        values = [str(v) for v in part.dictionary.to_pylist()]
        remap = np.array(
            [_intern(vocab, v) for v in values] + [0],
            dtype=np.int32,
        )
        idx = np.asarray(pc.fill_null(part.indices, len(values)).to_numpy(zero_copy_only=False))
        codes[at : at + len(part)] = remap[idx]
        at += len(part)
    return vocab, codes


def _intern(vocab: list[str], value: str) -> int:
    """The index of ``value`` in ``vocab``, appended if new."""
    if value not in vocab:
        vocab.append(value)
    return vocab.index(value)


def _set_text(cols: dict[str, Any], name: str, rows: Any, value: str) -> None:
    vocab, codes = cols[name]
    if value not in vocab:
        vocab.append(value)
    codes[rows] = vocab.index(value)


def _evaluate(
    reg: Register, on: _dt.date, engine: str, progress: Progress | None, per_row: Any = None
) -> Table:
    """Answers on ``on`` for every agreement; with ``per_row`` (day numbers, ``NONE`` = skip the row), each
    row on its own date instead (rows skipped are left empty)."""
    import numpy as np
    import pyarrow as pa

    from treatylife.bulk.batch import NONE, from_days, to_days

    if engine not in ("auto", "batch", "single"):
        raise ValueError("engine must be auto, batch or single")
    n = len(reg)
    cols = _empty_columns(n)
    for k, name in enumerate(("id", "title")):
        cols[name] = pa.chunked_array([seg[k] for seg in reg.names], type=pa.string())
    cols["agreement"] = _dictionary_column([seg[2] for seg in reg.names], n)
    extras: dict[str, Any] = {}
    if reg.extras:
        for e in reg.extras:
            parts = []
            for seg, ex in zip(reg.names, reg.extra_columns, strict=True):
                m = len(seg[0])
                parts.append(ex[e] if ex and e in ex else pa.nulls(m, pa.string()))
            types = {p.type for p in parts if not pa.types.is_null(p.type)}
            typ = types.pop() if len(types) == 1 else pa.string()
            extras[e] = pa.chunked_array([p.cast(typ) for p in parts], type=typ)
    parties: tuple[list[str], Any] = ([""], np.zeros(n, dtype=np.int32))  # who is party to each agreement
    cols["parties"] = parties
    for i, r in reg.records.items():
        _set_text(cols, "parties", i, " ".join(r.parties))
    singles: list[tuple[int, Any, Any]] = [(i, r, None) for i, r in reg.records.items()]
    days = None if per_row is None else np.where(per_row == NONE, to_days(on), per_row)
    if days is None:
        batch_ok = 1000 <= on.year < 9000
    else:
        lo, hi = (from_days(int(x)) for x in (days.min(), days.max())) if n else (on, on)
        batch_ok = lo is not None and hi is not None and lo.year >= 1000 and hi.year < 9000
    for g in reg.groups:
        _set_text(cols, "parties", g.rows, " ".join(g.rules.party_codes()))
        singles += _answer_group(
            cols, g, g.rows, g.batch, on if days is None else days[g.rows], engine, batch_ok
        )
    if per_row is not None:
        singles = [(i, rec, at) for i, rec, at in singles if per_row[i] != NONE]
    _answer_singles(cols, singles, on, per_row, progress)
    cols["readings"] = _readings(reg, cols, on, per_row, days, engine, batch_ok)
    cols["earliest_deadline"] = _earliest([cols["deadline"], cols["reading_deadline"]])
    return Table(cols, extras)


def _answer_group(
    cols: dict[str, Any], g: _Group, rows: Any, batch: Any, when: Any, engine: str, batch_ok: bool
) -> list[tuple[int, Any, Any]]:
    """Answer ``g``'s rows into ``cols`` at ``rows`` (``when``: the date asked, or a day number per row) by
    ``batch``, the batch engine compiled for them; return the rows it leaves to the single engine, with their
    Records (replayed once, kept in ``g.records``), for :func:`_answer_singles`."""
    import numpy as np

    from treatylife.bulk.batch import NONE

    if batch is not None and engine != "single" and batch_ok:
        out = batch.evaluate(when)
        ok = batch.ok
        at = rows[ok] if not ok.all() else rows
        for name, val in out.items():
            v = val[ok] if not ok.all() else val
            if name in ("term", "deadline_term"):
                cols[name][at] = np.where(v == 0, NONE, v)
            elif name in ("stage", "notice"):
                cols[name][1][at] = v
            else:
                cols[name][at] = v
        has_dl = out["deadline"][ok] != NONE
        _set_text(cols, "clause", at[has_dl], batch.shape.clause)
        _set_text(cols, "who", at[has_dl], " ".join(batch.shape.by))
        single_local = g.local[batch.fallback]
    else:
        if engine == "batch" and batch is None:
            raise ValueError(f"{g.rules_path}: not a batch shape ({g.reason})")
        single_local = g.local
    singles = []
    for li in single_local:
        li = int(li)
        if li not in g.records:
            g.records[li] = _record_for_row(g.bulk, li, g.rules, g.rules_path)
        singles.append((int(rows[np.searchsorted(g.local, li)]), g.records[li], (g.bulk, li)))
    return singles


def _answer_singles(
    cols: dict[str, Any],
    singles: list[tuple[int, Any, Any]],
    on: _dt.date,
    per_row: Any,
    progress: Progress | None = None,
) -> None:
    """Answer rows by the single engine into ``cols``: (row, Record, (bulk, local index) or None)."""
    from treatylife.bulk.batch import from_days

    for j, (i, rec, at) in enumerate(singles):
        day = on if per_row is None else from_days(int(per_row[i]))
        assert day is not None
        try:
            answers = record_row(rec, day)
        except TreatyLifeError as exc:  # e.g. TL501 far ahead: say which file and row
            if at is not None and exc.file is None:
                from treatylife.bulk.columnar import Problem, RegisterProblems

                bulk, li = at
                problem = Problem(
                    bulk.row0 + li + 1, bulk.line(li), exc.field, exc.code, exc.message, exc.hint
                )
                raise RegisterProblems(str(bulk.path), fill_lines(bulk.path, [problem], bulk)) from None
            if exc.file is None:
                exc.file = rec.scenario_path
            raise
        for name, val in answers.items():
            if name in _TEXT:
                _set_text(cols, name, i, val)
            else:
                cols[name][i] = val
        if progress and (j % 256 == 0 or j == len(singles) - 1):
            progress(j + 1, len(singles))


#: The answers compared between readings: portfolio's, less the agreement's names, what follows from
#: another (``days_left`` from ``deadline``) and what the readings themselves give.
_COMPARED = tuple(
    c
    for c in PORTFOLIO_COLUMNS
    if c not in ("id", "agreement", "title", "days_left", "earliest_deadline", "readings")
)


#: What is said of another reading that puts a row in another stage (the rest follows from the stage).
_STAGE_FIELDS = ("stage", "in_force", "since", "ends", "notice")


def _readings(
    reg: Register, cols: dict[str, Any], on: _dt.date, per_row: Any, days: Any, engine: str, batch_ok: bool
) -> Any:
    """The ``readings`` column: where a row's rules file leaves a convention open (:meth:`Rules.readings`)
    and another reading changes the row's answer, what changes under which reading; None elsewhere.

    Each reading is answered by the same engines as the row itself (the batch engine compiled for that
    reading, else the single engine); nothing here counts a date."""
    import numpy as np

    from treatylife.bulk.batch import NONE

    out = np.full(len(cols["in_force"]), None, dtype=object)
    asked = None if per_row is None else per_row != NONE
    resumed_in: dict[int, Any] = {}  # per bulk file: which rows resume a notice (None: none does)
    for g in reg.groups:
        if id(g.bulk) not in resumed_in:
            col = g.bulk.batch.column("notice_resumed")
            resumed_in[id(g.bulk)] = (
                g.bulk.days("notice_resumed") != NONE if col.null_count < len(col) else None
            )
        every = resumed_in[id(g.bulk)]
        if len(g.rules.readings(*(("resumed_notice",) if every is not None else ()))) < 2:
            continue  # the file states every convention these rows meet: one reading
        resumed = every[g.local] if every is not None else np.zeros(len(g.local), dtype=bool)
        for rows_in, also in ((~resumed, ()), (resumed, ("resumed_notice",))):
            readings = g.rules.readings(*also)
            pos = np.nonzero(rows_in & (True if asked is None else asked[g.rows]))[0]
            if len(readings) < 2 or not len(pos):
                continue
            rows = g.rows[pos]
            alts = [_answer_reading(g, pos, r, on, per_row, days, engine, batch_ok) for r in readings[1:]]
            _describe(out, rows, _comparable(cols, rows), alts, readings)
            cols["reading_deadline"][rows] = _earliest([a["deadline"] for a in alts])
    for i, rec in reg.records.items():  # scenario files: replayed under each reading
        contested = any(n.resumption_contested for n in rec.notices)
        if (not rec.open_conventions and not contested) or (asked is not None and not asked[i]):
            continue
        from dataclasses import replace

        from treatylife.engine.replay import replay

        if (i, None) not in reg.reading_records:  # read once, as the register was
            reg.reading_records[i, None] = reg.loaded(i)
        loaded = reg.reading_records[i, None]
        readings = loaded.rules.readings(*(("resumed_notice",) if contested else ()))
        alts = []
        for r in readings[1:]:
            key = (i, tuple(sorted(r.items())))
            if key not in reg.reading_records:
                reg.reading_records[key] = replay(replace(loaded, rules=loaded.rules.under(r)))
            alt = _empty_columns(1)
            _answer_singles(
                alt, [(0, reg.reading_records[key], None)], on, None if per_row is None else per_row[[i]]
            )
            alts.append(_comparable(alt, np.arange(1)))
        rows = np.array([i], dtype=np.int64)
        _describe(out, rows, _comparable(cols, rows), alts, readings)
        cols["reading_deadline"][rows] = _earliest([a["deadline"] for a in alts])
    return out


def _earliest(days: list[Any]) -> Any:
    """The earliest of some day-number columns, ``NONE`` where none has a day."""
    import numpy as np

    from treatylife.bulk.batch import NONE

    out = np.full(len(days[0]), NONE, dtype=np.int64)
    for d in days:
        out = np.where((d != NONE) & ((out == NONE) | (d < out)), d, out)
    return out


def _answer_reading(
    g: _Group,
    pos: Any,
    reading: dict[str, str],
    on: _dt.date,
    per_row: Any,
    days: Any,
    engine: str,
    batch_ok: bool,
) -> dict[str, Any]:
    """The compared answers of ``g``'s rows at ``pos`` under another ``reading`` of its open conventions
    (``per_row``/``days`` as in :func:`_evaluate`)."""
    import numpy as np

    from treatylife.bulk.batch import Batch, compile_rules

    key = tuple(sorted(reading.items()))
    if key not in g.readings:
        rules = g.rules.under(reading)
        g.readings[key] = (rules, compile_rules(rules)[0] if g.batch is not None else None, {})
    rules, shape, records = g.readings[key]
    b = g.batch
    batch = None
    if shape is not None and b is not None:
        batch = Batch(
            shape,
            b.signed[pos],
            b.notified[pos],
            b.received[pos],
            b.suspended[pos],
            b.withdrawn[pos],
            b.notice_ok[pos],
        )
    sub = _Group(g.bulk, np.arange(len(pos)), g.local[pos], rules, g.rules_path, batch, g.reason, records)
    if engine == "batch" and batch is None:
        engine = "auto"  # a reading the batch engine does not take (resumed_notice: fresh_period)
    cols = _empty_columns(len(pos))
    rows = g.rows[pos]
    singles = _answer_group(cols, sub, sub.rows, batch, on if days is None else days[rows], engine, batch_ok)
    _answer_singles(cols, singles, on, None if per_row is None else per_row[rows])
    return _comparable(cols, sub.rows)


def _comparable(cols: dict[str, Any], rows: Any) -> dict[str, Any]:
    """The compared answers at ``rows``: day numbers, numbers, booleans; text decoded from its codes."""
    import numpy as np

    out = {}
    for name in _COMPARED:
        v = cols[name]
        out[name] = np.asarray(v[0], dtype=object)[v[1][rows]] if isinstance(v, tuple) else v[rows]
    return out


def _describe(
    out: Any, rows: Any, used: dict[str, Any], alts: list[dict[str, Any]], readings: list[dict[str, str]]
) -> None:
    """Write at ``rows`` of ``out`` what differs from ``used`` under each other reading, e.g.
    ``deadline 2019-08-25 under notice_counting=date_difference``; readings that change a row alike are
    named together (:func:`_reading_label`). In columns: a register that leaves ``notice_counting`` open
    has a text for nearly every row."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    null = pa.scalar(None, pa.string())
    texts, changed = [], []
    for alt in alts:
        d = {n: np.asarray(alt[n] != used[n], dtype=bool) for n in _COMPARED}
        other_stage = d["stage"]  # another stage: its terms and deadlines follow from it
        pieces = []  # ", name value" where the field is said, else "" (no nulls: pyarrow 26's
        for n in _COMPARED:  # binary_join_element_wise with null_handling="skip" drops all-null rows)
            m = d[n] if n in _STAGE_FIELDS else d[n] & ~other_stage
            if m.any():
                piece = pc.binary_join_element_wise(f", {n} ", _shown(n, alt[n]), "")
                pieces.append(pc.if_else(pa.array(m), piece, ""))
        any_ = np.logical_or.reduce([d[n] for n in _COMPARED])
        if pieces:  # a changed row has one piece at least (its stage's, or the field that differs)
            joined = pc.binary_join_element_wise(*pieces, "") if len(pieces) > 1 else pieces[0]
            texts.append(pc.if_else(pa.array(any_), pc.utf8_slice_codeunits(joined, 2), null))
        else:
            texts.append(None)
        changed.append(any_)
    # which readings change each row alike: leader[k] = the first reading with the same text (-1: none)
    k_ = len(alts)
    leaders = [np.where(changed[k], k, -1) for k in range(k_)]
    for k in range(k_):
        for j in range(k - 1, -1, -1):
            if texts[j] is not None and texts[k] is not None:
                same = np.asarray(pc.fill_null(pc.equal(texts[j], texts[k]), False), dtype=bool)
                leaders[k] = np.where(same & changed[k], j, leaders[k])
    signature = np.zeros(len(rows), dtype=np.int64)
    for k in range(k_):
        signature = signature * (k_ + 1) + (leaders[k] + 1)
    for sig in np.unique(signature[np.logical_or.reduce(changed)]) if k_ else []:
        idx = np.nonzero(signature == sig)[0]
        lead = [int(leaders[k][idx[0]]) for k in range(k_)]
        parts = []
        for k in sorted({x for x in lead if x >= 0}):
            label = _reading_label([m + 1 for m in range(k_) if lead[m] == k], readings)
            parts.append(pc.binary_join_element_wise(texts[k].take(pa.array(idx)), f" under {label}", ""))
        text = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "; ")
        out[rows[idx]] = np.array(text.to_pylist(), dtype=object)


def _shown(name: str, values: Any) -> Any:
    """A compared column as text: ISO dates, numbers, true/false, ``none`` for no value."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from treatylife.bulk.batch import NONE

    kind = OUTPUT[name]
    if kind in ("date", "int"):
        absent = values == NONE
        typ = pa.date32() if kind == "date" else pa.int64()
        arr = pa.array(
            np.where(absent, 0, values).astype(np.int32 if kind == "date" else np.int64), mask=absent
        )
        return pc.fill_null(arr.cast(typ).cast(pa.string()), "none")
    if kind == "bool":
        return pc.if_else(pa.array(values, type=pa.bool_()), "true", "false")
    arr = pa.array(values.tolist(), type=pa.string())
    return pc.if_else(pc.equal(arr, ""), "none", arr)


def _reading_label(ks: list[int], readings: list[dict[str, str]]) -> str:
    """The readings ``ks`` (indexes into ``readings``; 0 is the one used) in the fewest words: a convention
    whose every reading is among them alike is left out (whatever its reading), the rest are named, e.g.
    ``notice_counting=date_difference`` or ``notice_counting=date_difference, end_of_month=round_up or
    end_of_month=round_up, resumed_notice=fresh_period``."""
    from treatylife.model.rules import READINGS

    chosen = [readings[k] for k in ks]
    keys = {tuple(sorted(r.items())) for r in chosen}
    names = list(readings[0])
    free = [
        n
        for n in names
        if all(tuple(sorted({**r, n: v}.items())) in keys for r in chosen for v in READINGS[n])
    ]
    entries: list[str] = []
    for r in chosen:
        entry = ", ".join(f"{n}={r[n]}" for n in names if n not in free)
        if entry not in entries:
            entries.append(entry)
    return " or ".join(entries)


def stage_summary(vocab: list[str], codes: Any) -> dict[str, int]:
    """How many agreements are in each stage, sorted by name."""
    import numpy as np

    counts = np.bincount(np.asarray(codes, dtype=np.int64), minlength=len(vocab))
    return {s: int(c) for s, c in sorted(zip(vocab, counts.tolist(), strict=True)) if c}


def plain_text(table: Any) -> Any:
    """``table`` (answers) with its dictionary-encoded text (the agreement's name, the stage: one string,
    not a million; the internal form the writers take) decoded: the types every reader expects, and those
    of every path (``to_arrow``, ``evaluate_batch``, the Parquet file), so that their tables concatenate."""
    import pyarrow as pa

    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)


@dataclass(frozen=True)
class PortfolioResult:
    """Status and next notice deadline of every agreement of a register on one date."""

    register: str
    on: _dt.date
    table: Table
    #: how many rows there were before ``--limit`` kept the first ``count`` (None: no limit applied)
    limited_from: int | None = None

    @property
    def count(self) -> int:
        return len(self.table)

    def summary(self) -> dict[str, int]:
        return stage_summary(*self.table.columns["stage"])

    def rows(self) -> list[dict[str, Any]]:
        return self.table.rows(PORTFOLIO_COLUMNS)

    def to_arrow(self, *, encoded: bool = False) -> Any:
        """The answers as a ``pyarrow.Table``: the answer columns (dates as ``date32``, text as ``string``),
        then the register's extra columns; the same columns and types ``--format parquet`` writes and
        :func:`treatylife.bulk.stream.evaluate_batch` returns. ``encoded`` keeps repeated text
        dictionary-encoded, as the writers take it."""
        return (
            self.table.to_arrow(PORTFOLIO_COLUMNS)
            if encoded
            else plain_text(self.table.to_arrow(PORTFOLIO_COLUMNS))
        )

    def parties_mask(self, party: str) -> Any:
        """Which agreements ``party`` is a party to."""
        return self.table.parties_mask(party)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows())

    def to_dict(self) -> dict[str, Any]:
        return {
            "register": self.register,
            "on": self.on.isoformat(),
            "count": self.count,
            "summary": self.summary(),
            "agreements": self.rows(),
        }


@dataclass(frozen=True)
class DeadlinesResult:
    """Upcoming notice deadlines of a register, soonest first: every deadline of every agreement in a window."""

    register: str
    start: _dt.date
    until: _dt.date
    within: str
    table: Table
    limited_from: int | None = None  #: as PortfolioResult.limited_from

    @property
    def count(self) -> int:
        return len(self.table)

    def rows(self) -> list[dict[str, Any]]:
        return self.table.rows(DEADLINE_COLUMNS)

    def to_arrow(self, *, encoded: bool = False) -> Any:
        """The deadlines as a ``pyarrow.Table`` (the columns and types ``--format parquet`` writes;
        ``encoded`` as for :meth:`PortfolioResult.to_arrow`)."""
        return (
            self.table.to_arrow(DEADLINE_COLUMNS)
            if encoded
            else plain_text(self.table.to_arrow(DEADLINE_COLUMNS))
        )

    def parties_mask(self, party: str) -> Any:
        """Which deadlines belong to agreements ``party`` is a party to."""
        return self.table.parties_mask(party)

    def to_dict(self) -> dict[str, Any]:
        return {
            "register": self.register,
            "from": self.start.isoformat(),
            "until": self.until.isoformat(),
            "within": self.within,
            "count": self.count,
            "deadlines": self.rows(),
        }


def _as_register(register: str | Path | Register, progress: Progress | None) -> Register:
    return register if isinstance(register, Register) else load_register(register, progress=progress)


def portfolio(
    register: str | Path | Register, on: _dt.date, *, engine: str = "auto", progress: Progress | None = None
) -> PortfolioResult:
    """Status and next notice deadline of every agreement in the register on ``on``."""
    reg = _as_register(register, progress)
    return PortfolioResult(str(reg.path), on, reg.evaluate(on, engine=engine, progress=progress))


#: Rounds of ``deadlines`` (deadlines of one agreement in one window): a bound on time for daily renewals.
MAX_DEADLINE_ROUNDS = 400


def parse_within(text: str | D.Period | _dt.timedelta, field: str = "within") -> D.Period:
    """``120d``, ``120 days``, ``8w``, ``6 months``, ``1y`` (or a Period, or a ``timedelta`` of whole days)
    -> Period. Anything else is :class:`~treatylife.errors.InputError` TL003 naming ``field`` (``--within``
    on the command line, ``within`` for the library and the server), never a bare ValueError."""
    from treatylife.errors import InputError

    if isinstance(text, D.Period):
        return text
    if isinstance(text, _dt.timedelta) and text == _dt.timedelta(days=text.days) and text.days > 0:
        return D.Period(text.days, "days")
    if not isinstance(text, str):
        raise InputError(
            f"expected a period such as '120 days' or '6m', got {type(text).__name__} {text!r}"[:200],
            field=field,
            code="TL003",
        )
    t = text.strip().lower()
    short = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
    if t[-1:] in short and t[:-1].strip().isdigit():
        t = f"{t[:-1].strip()} {short[t[-1]]}"
    try:
        return D.parse_period(t)
    except ValueError as exc:
        raise InputError(str(exc), field=field, code="TL003") from None


def deadlines(
    register: str | Path | Register,
    start: _dt.date,
    within: str | D.Period | _dt.timedelta = "120 days",
    *,
    engine: str = "auto",
    progress: Progress | None = None,
) -> DeadlinesResult:
    """Every notice deadline from ``start`` up to ``within`` later, soonest first.

    An agreement renewing more often than the window is long has several: after each deadline found, the
    agreement is asked again from the day after it (as if no notice were given), until the window ends;
    one with none as known on a day (a notice pending) is asked again from its next event (the notice
    suspended or withdrawn brings deadlines back). The rule is :func:`treatylife.answers.agenda.
    deadlines_between`, which ``calendar`` uses, run here in rounds over the register's columns.
    """
    import numpy as np

    from treatylife.bulk.batch import NONE, to_days

    period = parse_within(within)
    until = D.add_period(start, period)
    reg = _as_register(register, progress)
    table = reg.evaluate(start, engine=engine, progress=progress)
    rows = np.arange(len(reg))  # the register row of each row of ``table``
    found: list[Table] = []
    found_rows: list[Any] = []
    last = to_days(until)
    found_keys: list[Any] = []
    for round_ in range(MAX_DEADLINE_ROUNDS):
        dl, ev = table.columns["deadline"], table.columns["next_event"]
        # a deadline in the window under the reading used, or, asked from the start, under another reading
        # the rules leave open (the row is listed with the one used; its `readings` names the other; later
        # rounds ask from after a deadline listed with its readings, so theirs were named then)
        other = table.columns["reading_deadline"]
        inside = (dl != NONE) & (dl <= last)
        other_inside = (other != NONE) & (other <= last) & (round_ == 0)
        idx = np.nonzero(inside | other_inside)[0]
        if len(idx):
            found.append(table.take(idx))
            found_rows.append(rows[idx])
            first = np.where(inside & other_inside, np.minimum(dl, other), np.where(inside, dl, other))
            found_keys.append(first[idx])
        # ask again: from the day after a deadline (one on the window's last day leaves no room), or, with
        # no deadline, from the next event inside the window
        again = np.where(
            dl != NONE,
            np.where(dl < last, dl + 1, NONE),
            np.where((ev != NONE) & (ev <= last), ev, NONE),
        )
        idx = np.nonzero(again != NONE)[0]
        if not len(idx):
            break
        per_row = np.full(len(reg), NONE, dtype=np.int64)
        per_row[rows[idx]] = again[idx]
        rows = np.nonzero(per_row != NONE)[0]
        table = _evaluate(reg, start, engine, None, per_row).take(rows)
    else:
        from treatylife.errors import InputError

        raise InputError(
            f"more than {MAX_DEADLINE_ROUNDS} notice deadlines of one agreement fall within {period}",
            field="--within",
            code="TL608",
            hint="ask for a shorter window (an agreement renews more often than the window is long)",
        )
    if not found:
        found.append(table.take(np.array([], dtype=np.int64)))
        found_rows.append(np.array([], dtype=np.int64))
        found_keys.append(np.array([], dtype=np.int64))
    cols = {k: _concat([t.columns[k] for t in found]) for k in found[0].columns}
    extras = {k: _concat([t.extras[k] for t in found]) for k in found[0].extras}
    cols["days_left"] = np.where(cols["deadline"] == NONE, NONE, cols["deadline"] - to_days(start))
    cols["earliest_deadline"] = np.concatenate(found_keys)
    # soonest first (a row listed for another reading's deadline by that one), ties in register order
    order = np.lexsort((np.concatenate(found_rows), cols["earliest_deadline"]))
    return DeadlinesResult(str(reg.path), start, until, str(period), Table(cols, extras).take(order))


def _concat(parts: list[Any]) -> Any:
    import numpy as np
    import pyarrow as pa

    first = parts[0]
    if isinstance(first, tuple):  # (vocabulary, codes) of a text column: one vocabulary
        vocab: list[str] = []
        codes = []
        for voc, c in parts:
            remap = np.array(
                [_intern(vocab, v) for v in voc],
                dtype=np.int32,
            )
            codes.append(remap[c])
        return (vocab, np.concatenate(codes))
    if isinstance(first, pa.Array | pa.ChunkedArray):
        return pa.chunked_array(
            [c for p in parts for c in (p.chunks if isinstance(p, pa.ChunkedArray) else [p])], type=first.type
        )
    return np.concatenate(parts)
