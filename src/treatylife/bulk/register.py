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
import json
from collections.abc import Callable, Iterator
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
    "deadlines",
    "load_register",
    "parse_within",
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
    "notice_withdrawn",
)
_DATE_COLUMNS = (
    "entry_into_force",
    "signed",
    "notified",
    "notice_received",
    "notice_suspended",
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
    """A bulk register file as columns of strings ('' = empty)."""

    path: Path
    columns: dict[str, list[str]]
    lines: list[int]

    def __len__(self) -> int:
        return len(self.lines)


def _read_csv(path: Path) -> Bulk:
    import csv
    from operator import itemgetter

    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                raise _err("register file is empty", path, 1, code="TL131") from None
            rows = list(reader)
            last_line = reader.line_num
    except UnicodeDecodeError:
        raise _err("not UTF-8 text", path, code="TL131") from None
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise _err(f"unknown column(s): {', '.join(unknown)}", path, 1, unknown[0], code="TL132")
    width = len(header)
    if len(rows) + 1 == last_line and {len(r) for r in rows} <= {width}:
        # the common case: one line per row, no blank lines, every row complete
        lines: list[int] | range = range(2, len(rows) + 2)
    else:
        lines, kept = [], []
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != width:
                    raise _err(
                        f"{len(row)} cells, the header has {width}", path, reader.line_num, code="TL133"
                    )
                kept.append(row)
                lines.append(reader.line_num)
        rows = kept
    columns = {h: list(map(itemgetter(j), rows)) for j, h in enumerate(header)}
    return Bulk(path, columns, list(lines))


def _read_jsonl(path: Path) -> Bulk:
    columns: dict[str, list[str]] = {c: [] for c in COLUMNS}
    lines = []
    try:
        with path.open(encoding="utf-8") as fh:
            for i, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise _err(f"invalid JSON: {exc.msg}", path, i, code="TL134") from None
                if not isinstance(obj, dict):
                    raise _err("each line must be a JSON object", path, i, code="TL134")
                for k, v in obj.items():
                    if k not in columns:
                        raise _err(f"unknown field {k!r}", path, i, k, code="TL132")
                    if v is not None and not isinstance(v, str):
                        raise _err(f"expected a string or null, got {v!r}", path, i, k, code="TL135")
                for c in COLUMNS:
                    v = obj.get(c)
                    columns[c].append(v.strip() if v else "")
                lines.append(i)
    except UnicodeDecodeError:
        raise _err("not UTF-8 text", path, code="TL131") from None
    return Bulk(path, columns, lines)


def read_bulk(path: Path) -> Bulk:
    try:
        bulk = _read_jsonl(path) if path.suffix.lower() in (".jsonl", ".ndjson") else _read_csv(path)
    except FileNotFoundError:
        raise _err("file not found", path, code="TL103") from None
    except IsADirectoryError:
        raise _err("is a directory", path, code="TL101") from None
    n = len(bulk)
    for c in COLUMNS:
        bulk.columns.setdefault(c, [""] * n)
    for c in ("id", "rules"):
        missing = [i for i, v in enumerate(bulk.columns[c]) if not v]
        if missing:
            raise _err("required value is missing", path, bulk.lines[missing[0]], c, code="TL136")
    return bulk


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


def _date_column(bulk: Bulk, name: str) -> Any:
    """A column of ISO dates as int64 day numbers (batch.NONE where empty); errors name line and column."""
    import numpy as np

    values = bulk.columns[name]
    days, bad = parse_dates(values)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"not a date: {values[i]!r}",
            file=str(bulk.path),
            line=bulk.lines[i],
            field=name,
            code="TL137",
            hint="dates are written YYYY-MM-DD and must exist",
        )
    return days


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
        if row.get("notice_withdrawn"):
            out.append(ev(row["notice_withdrawn"], "notice_withdrawn", party=party, notice="notice"))
    out.sort(key=lambda e: e.date)  # stable: same-day events keep this order
    return out


def _record_for_row(bulk: Bulk, i: int, rules: Any, rules_path: Path) -> Any:
    from treatylife.engine.replay import replay
    from treatylife.files.loader import Loaded

    row = {c: bulk.columns[c][i] for c in COLUMNS}
    events = row_events(row, rules.party_codes(), str(bulk.path), bulk.lines[i])
    loaded = Loaded(
        path=bulk.path,
        title=row["title"] or row["id"],
        description=None,
        rules=rules,
        rules_path=rules_path,
        events=events,
    )
    try:
        return replay(loaded)
    except TreatyLifeError as exc:
        exc.file, exc.line = str(bulk.path), bulk.lines[i]
        exc.field = exc.field or "row"
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


@dataclass
class Register:
    """A loaded register: agreements in order, answered by the batch engine where it can."""

    path: Path
    ids: list[str]
    titles: list[str]
    agreements: list[str]
    groups: list[_Group]
    records: dict[int, Any]  # register row -> Record, for scenario files
    sources: list[str]  # files read
    _names: Any = None  # (ids, titles, agreements) as arrays, built on first use

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def batch_rows(self) -> int:
        return sum(len(g.rows) - (len(g.batch.fallback) if g.batch else len(g.rows)) for g in self.groups)

    def evaluate(self, on: _dt.date, *, engine: str = "auto", progress: Progress | None = None) -> Table:
        """Status and next deadline of every agreement on ``on`` (``engine``: auto, batch or single)."""
        return _evaluate(self, on, engine, progress)


def load_register(path: str | Path, *, progress: Progress | None = None) -> Register:
    """Load a register (a bulk ``.csv``/``.jsonl`` file or a directory). Raises InputError with line/field."""
    p = Path(path)
    if p.is_dir():
        files = sorted(p.iterdir())
        scenarios = [f for f in files if f.suffix in (".yaml", ".yml") and f.is_file()]
        bulks = [f for f in files if f.suffix.lower() in BULK_SUFFIXES and f.is_file()]
        if not scenarios and not bulks:
            raise _err(
                "no scenario (*.yaml) or bulk (*.csv, *.jsonl) files in this directory", p, code="TL138"
            )
    elif p.suffix.lower() in BULK_SUFFIXES:
        scenarios, bulks = [], [p]
    elif not p.exists():
        raise _err("file not found", p, code="TL103")
    else:
        raise _err(
            "a register is a directory, a .csv or a .jsonl file",
            p,
            code="TL139",
            hint="for one scenario file use `treatylife status`",
        )
    reg = Register(p, [], [], [], [], {}, [])
    rules_cache: dict[Path, tuple[Any, Any, str]] = {}
    total = len(scenarios)
    done = 0
    if scenarios:
        from treatylife.engine.replay import replay
        from treatylife.errors import ScenarioError
        from treatylife.files.loader import load_scenario

        for f in scenarios:
            try:
                loaded = load_scenario(f)
            except ScenarioError as exc:
                if exc.code == "TL306":  # a rules file beside the scenarios
                    done += 1
                    continue
                raise
            reg.records[len(reg.ids)] = replay(loaded)
            rec = reg.records[len(reg.ids)]
            reg.ids.append(f.stem)
            reg.titles.append(loaded.title)
            reg.agreements.append(rec.short_title)
            reg.sources.append(str(f))
            done += 1
            if progress:
                progress(done, total)
    for b in bulks:
        load_bulk(reg, read_bulk(b), rules_cache, progress)
    seen: dict[str, int] = {}
    for i, x in enumerate(reg.ids):
        if x in seen:
            raise _err(f"id {x!r} is used twice in the register", p, None, "id", code="TL136")
        seen[x] = i
    return reg


def _resolve_rules(ref: str, bulk: Bulk, line: int) -> Path:
    """Same rules as scenario references: a bundled name, or a file inside the register's project."""
    from treatylife.files.loader import bundled_path, bundled_root, project_root, resolve_path

    if any(ord(c) < 32 for c in ref):
        raise _err(
            f"rules reference {ref!r} contains a control character", bulk.path, line, "rules", code="TL302"
        )
    if "/" not in ref and "\\" not in ref and not ref.endswith((".yaml", ".yml")):
        candidate = bundled_path("rules", f"{ref}.yaml")
        if candidate.is_file():
            return candidate
    try:
        target = resolve_path(bulk.path.parent / ref)
    except InputError as exc:
        raise _err(
            f"rules reference {ref!r}: {exc.message}", bulk.path, line, "rules", code=exc.code
        ) from None
    root = project_root(bulk.path)
    if not any(target.is_relative_to(r) for r in (root, bundled_root())):
        raise _err(
            f"rules reference {ref!r} points outside the project ({root})",
            bulk.path,
            line,
            "rules",
            code="TL301",
        )
    if not target.is_file():
        raise _err(f"rules file {ref!r} not found ({target})", bulk.path, line, "rules", code="TL302")
    return target


def load_bulk(
    reg: Register, bulk: Bulk, rules_cache: dict[Path, tuple[Any, Any, str]], progress: Progress | None
) -> None:
    import numpy as np

    from treatylife.bulk.batch import NONE, Batch, compile_rules
    from treatylife.files.loader import load_rules

    n = len(bulk)
    base = len(reg.ids)
    reg.sources.append(str(bulk.path))
    cols = bulk.columns
    dates = {c: _date_column(bulk, c) for c in _DATE_COLUMNS}
    has = {c: dates[c] != NONE for c in _DATE_COLUMNS}
    # shapes of rows that no scenario could express
    both = has["entry_into_force"] & (has["signed"] | has["notified"])
    notice_bits = has["notice_suspended"] | has["notice_withdrawn"] | (np.array(cols["notice_party"]) != "")
    for bad, msg, fld in (
        (both, "give entry_into_force, or signed/notified, not both", "entry_into_force"),
        (notice_bits & ~has["notice_received"], "a notice needs notice_received", "notice_received"),
        (
            has["notice_received"] & (np.array(cols["notice_party"]) == ""),
            "a notice needs notice_party",
            "notice_party",
        ),
    ):
        if bad.any():
            raise _err(msg, bulk.path, bulk.lines[int(np.argmax(bad))], fld, code="TL135")
    reg.ids.extend(cols["id"])
    reg.titles.extend(cols["title"])
    refs = np.array(cols["rules"])
    uniq, first, inverse = np.unique(refs, return_index=True, return_inverse=True)
    agreements = np.empty(n, dtype=object)
    signed = np.where(has["entry_into_force"], dates["entry_into_force"], dates["signed"])
    notified = np.where(has["entry_into_force"], dates["entry_into_force"], dates["notified"])
    party = np.array(cols["notice_party"])
    clause = np.array(cols["notice_clause"])
    done = 0  # rows compiled or replayed, for the progress bar
    for g, ref in enumerate(uniq):
        local = np.nonzero(inverse == g)[0]
        path = _resolve_rules(str(ref), bulk, bulk.lines[int(first[g])])
        if path not in rules_cache:
            rules = load_rules(path)
            shape, reason = compile_rules(rules)
            rules_cache[path] = (rules, shape, reason)
            reg.sources.append(str(path))
        rules, shape, reason = rules_cache[path]
        codes = rules.party_codes()
        p = party[local]
        unknown = (p != "") & ~np.isin(p, codes)
        if unknown.any():
            j = int(local[np.argmax(unknown)])
            raise InputError(
                f"{cols['notice_party'][j]!r} is not a party to {rules.short_title or rules.id}",
                file=str(bulk.path),
                line=bulk.lines[j],
                field="notice_party",
                code="TL310",
                hint="parties: " + ", ".join(codes),
            )
        agreements[local] = rules.short_title or rules.id
        batch = None
        if shape is not None:
            ok = np.isin(p, shape.by) & ((clause[local] == "") | (clause[local] == shape.clause))
            batch = Batch(
                shape,
                signed[local],
                notified[local],
                dates["notice_received"][local],
                dates["notice_suspended"][local],
                dates["notice_withdrawn"][local],
                ok,
            )
        grp = _Group(bulk, base + local, local, rules, path, batch, reason)
        reg.groups.append(grp)
        # rows the batch engine leaves to the single engine are replayed now (errors surface at load)
        single = local if batch is None else local[batch.fallback]
        done += len(local) - len(single)
        if progress:
            progress(done, n)
        for j, li in enumerate(single):
            grp.records[int(li)] = _record_for_row(bulk, int(li), rules, path)
            done += 1
            if progress and (j % 256 == 255 or j == len(single) - 1):
                progress(done, n)
    reg.agreements.extend(agreements.tolist())


# ---------------------------------------------------------------------------- answers


class Table:
    """Answers as columns (NumPy arrays); dates as day numbers, ``NONE`` = absent. Rows on demand."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["id"])

    def take(self, idx: Any) -> Table:
        return Table({k: v[idx] for k, v in self.columns.items()})

    def _mapped(self, name: str, fmt: Any) -> list[Any]:
        """``fmt`` applied to each distinct value of a column (dates and numbers repeat a lot)."""
        import numpy as np

        col = self.columns[name]
        if len(col) == 0:
            return []
        uniq, inverse = np.unique(col, return_inverse=True)
        return np.array([fmt(v) for v in uniq.tolist()], dtype=object)[inverse].tolist()  # type: ignore[no-any-return]

    def strings(self, name: str) -> list[str]:
        """A column as text ('' where absent), for CSV and text output."""
        from treatylife.bulk.batch import NONE, from_days

        kind = OUTPUT[name]
        if kind == "date":
            return self._mapped(name, lambda v: "" if v == NONE else from_days(v).isoformat())  # type: ignore[union-attr]
        if kind == "int":
            return self._mapped(name, lambda v: "" if v == NONE else str(v))
        if kind == "bool":
            return self._mapped(name, lambda v: "true" if v else "false")
        return [x if isinstance(x, str) else str(x) for x in self.columns[name].tolist()]

    def values(self, name: str) -> list[Any]:
        """A column as JSON-ready values (None where absent)."""
        from treatylife.bulk.batch import NONE, from_days

        kind = OUTPUT[name]
        if kind == "bool":
            return [bool(x) for x in self.columns[name].tolist()]
        if kind == "date":
            return self._mapped(name, lambda v: None if v == NONE else from_days(v).isoformat())  # type: ignore[union-attr]
        if kind == "int":
            return self._mapped(name, lambda v: None if v == NONE else int(v))
        if name in ("id", "stage"):
            return self.strings(name)
        return [x or None for x in self.strings(name)]

    def rows(self, names: tuple[str, ...]) -> list[dict[str, Any]]:
        cols = [self.values(n) for n in names]
        return [dict(zip(names, vals, strict=True)) for vals in zip(*cols, strict=True)]

    def csv(self, names: tuple[str, ...]) -> str:
        """RFC 4180 CSV (quoted only where needed), header first."""
        cols = []
        for n in names:
            col = self.strings(n)
            if OUTPUT[n] == "str":
                col = self._quoted(col)
            cols.append(col)
        return "\n".join([",".join(names), *map(",".join, zip(*cols, strict=True))])

    @staticmethod
    def _quoted(col: list[str]) -> list[str]:
        joined = "\x00".join(col)
        if not any(c in joined for c in ',"\r\n'):
            return col  # the usual case, decided by four C-level scans
        special = {v for v in set(col) if any(c in v for c in ',"\r\n')}
        q = {v: '"' + v.replace('"', '""') + '"' for v in special}
        return [q.get(v, v) for v in col]


def _empty_columns(n: int) -> dict[str, Any]:
    import numpy as np

    from treatylife.bulk.batch import NONE

    cols: dict[str, Any] = {}
    for name, kind in OUTPUT.items():
        if kind == "date" or kind == "int":
            cols[name] = np.full(n, NONE, dtype=np.int64)
        elif kind == "bool":
            cols[name] = np.zeros(n, dtype=bool)
        else:
            cols[name] = np.full(n, "", dtype=object)
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


def _evaluate(
    reg: Register, on: _dt.date, engine: str, progress: Progress | None, per_row: Any = None
) -> Table:
    """Answers on ``on`` for every agreement; with ``per_row`` (day numbers, ``NONE`` = skip the row), each
    row on its own date instead (rows skipped are left empty)."""
    import numpy as np

    from treatylife.bulk.batch import NONE, NOTICE_STATUSES, STAGES, from_days, to_days

    if engine not in ("auto", "batch", "single"):
        raise ValueError("engine must be auto, batch or single")
    n = len(reg)
    cols = _empty_columns(n)
    if reg._names is None or len(reg._names[0]) != n:
        reg._names = tuple(np.array(x, dtype=object) for x in (reg.ids, reg.titles, reg.agreements))
    cols["id"], cols["title"], cols["agreement"] = reg._names
    singles: list[tuple[int, Any]] = [(i, r) for i, r in reg.records.items()]
    stages, notices = np.array(STAGES, dtype=object), np.array(NOTICE_STATUSES, dtype=object)
    days = None if per_row is None else np.where(per_row == NONE, to_days(on), per_row)
    if days is None:
        batch_ok = 1000 <= on.year < 9000
    else:
        lo, hi = (from_days(int(x)) for x in (days.min(), days.max())) if n else (on, on)
        batch_ok = lo is not None and hi is not None and lo.year >= 1000 and hi.year < 9000
    for g in reg.groups:
        if g.batch is not None and engine != "single" and batch_ok:
            out = g.batch.evaluate(on if days is None else days[g.rows])
            ok = g.batch.ok
            rows = g.rows[ok]
            for name, val in out.items():
                v = val[ok]
                if name == "stage":
                    cols[name][rows] = stages[v]
                elif name == "notice":
                    cols[name][rows] = notices[v]
                elif name in ("term", "deadline_term"):
                    cols[name][rows] = np.where(v == 0, NONE, v)
                else:
                    cols[name][rows] = v
            has_dl = out["deadline"][ok] != NONE
            cols["clause"][rows[has_dl]] = g.batch.shape.clause
            cols["who"][rows[has_dl]] = " ".join(g.batch.shape.by)
            single_local = g.local[g.batch.fallback]
        else:
            if engine == "batch" and g.batch is None:
                raise ValueError(f"{g.rules_path}: not a batch shape ({g.reason})")
            single_local = g.local
        for li in single_local:
            li = int(li)
            if li not in g.records:
                g.records[li] = _record_for_row(g.bulk, li, g.rules, g.rules_path)
            singles.append((int(g.rows[np.searchsorted(g.local, li)]), g.records[li]))
    if per_row is not None:
        singles = [(i, rec) for i, rec in singles if per_row[i] != NONE]
    for j, (i, rec) in enumerate(singles):
        day = on if per_row is None else from_days(int(per_row[i]))
        assert day is not None
        for name, val in record_row(rec, day).items():
            cols[name][i] = val
        if progress and (j % 256 == 0 or j == len(singles) - 1):
            progress(j + 1, len(singles))
    return Table(cols)


@dataclass(frozen=True)
class PortfolioResult:
    """Status and next notice deadline of every agreement of a register on one date."""

    register: str
    on: _dt.date
    table: Table

    @property
    def count(self) -> int:
        return len(self.table)

    def summary(self) -> dict[str, int]:
        import numpy as np

        stages, counts = np.unique(self.table.columns["stage"].astype(str), return_counts=True)
        return {str(s): int(c) for s, c in zip(stages, counts, strict=True)}

    def rows(self) -> list[dict[str, Any]]:
        return self.table.rows(PORTFOLIO_COLUMNS)

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

    @property
    def count(self) -> int:
        return len(self.table)

    def rows(self) -> list[dict[str, Any]]:
        return self.table.rows(DEADLINE_COLUMNS)

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


def parse_within(text: str | D.Period) -> D.Period:
    """``120d``, ``120 days``, ``8w``, ``6 months``, ``1y`` -> Period."""
    if isinstance(text, D.Period):
        return text
    t = text.strip().lower()
    short = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
    if t[-1:] in short and t[:-1].strip().isdigit():
        t = f"{t[:-1].strip()} {short[t[-1]]}"
    return D.parse_period(t)


def deadlines(
    register: str | Path | Register,
    start: _dt.date,
    within: str | D.Period = "120 days",
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
    for _ in range(MAX_DEADLINE_ROUNDS):
        dl, ev = table.columns["deadline"], table.columns["next_event"]
        idx = np.nonzero((dl != NONE) & (dl <= last))[0]
        if len(idx):
            found.append(table.take(idx))
            found_rows.append(rows[idx])
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
    cols = {k: np.concatenate([t.columns[k] for t in found]) for k in found[0].columns}
    cols["days_left"] = np.where(cols["deadline"] == NONE, NONE, cols["deadline"] - to_days(start))
    order = np.lexsort(
        (np.concatenate(found_rows), cols["deadline"])
    )  # soonest first, ties in register order
    return DeadlinesResult(str(reg.path), start, until, str(period), Table(cols).take(order))
