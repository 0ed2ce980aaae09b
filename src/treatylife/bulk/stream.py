"""Registers as streams of Arrow record batches: constant memory, both cores, one public seam.

:func:`evaluate_batch` is the seam: a ``pyarrow.RecordBatch`` of register rows in (the bulk columns of
docs/register.md, dates as ``date32`` or ``YYYY-MM-DD`` text, extra columns passed through), a batch of
answers out, computed by the same code as ``treatylife portfolio`` (the batch engine for the common shape,
the single-agreement engine for the rest). Dask (:mod:`treatylife.bulk.partitioned`), Spark's
``mapInArrow`` and Ray's ``map_batches`` call it per partition (docs/register.md, "Beyond one machine").

:func:`stream_portfolio` runs it over a file: batches of :data:`~treatylife.bulk.columnar.BATCH_ROWS` rows
are read (pyarrow, in C), evaluated in a pool of threads (NumPy and Arrow kernels release the GIL, so two
batches are computed at once on two cores), and written in order as they complete. Memory holds a few
batches and the ids (to refuse an id used twice), whatever the size of the register.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from treatylife.bulk.columnar import BATCH_ROWS, Problem, RawBatch, RegisterProblems, check_batch, open_source
from treatylife.bulk.register import (
    PORTFOLIO_COLUMNS,
    Bulk,
    Register,
    fill_lines,
    ids_unique,
    load_bulk,
    stage_summary,
)

__all__ = ["BATCH_ROWS", "StreamResult", "answer_schema", "evaluate_batch", "stream_portfolio"]

_RULES: dict[Path, tuple[Any, Any, str]] = {}  # per process: rules files compiled once


def answer_schema(extras: Any = None) -> Any:
    """The Arrow schema of :func:`evaluate_batch`'s answers (extra input columns follow, as given)."""
    import pyarrow as pa

    from treatylife.bulk.register import OUTPUT

    types = {"str": pa.string(), "date": pa.date32(), "int": pa.int64(), "bool": pa.bool_()}
    fields = [pa.field(c, types[OUTPUT[c]]) for c in PORTFOLIO_COLUMNS]
    if extras is not None:
        fields.extend(f for f in extras if f.name not in PORTFOLIO_COLUMNS)
    return pa.schema(fields)


def _coerce(batch: Any) -> Any:
    """Columns as a partitioned engine may hand them over: large strings, dictionaries, timestamps."""
    import pyarrow as pa

    from treatylife.bulk.columnar import DATE_COLUMNS

    arrays, changed = [], False
    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        t = col.type
        if pa.types.is_dictionary(t):
            col, t, changed = col.cast(t.value_type), t.value_type, True
        if pa.types.is_large_string(t):
            col, changed = col.cast(pa.string()), True
        elif name in DATE_COLUMNS and (pa.types.is_timestamp(t) or pa.types.is_date64(t)):
            col, changed = col.cast(pa.date32()), True
        elif pa.types.is_null(t):
            col, changed = col.cast(pa.string()), True
        arrays.append(col)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names) if changed else batch


def _evaluate(
    bulk: Bulk,
    problems: list[Problem],
    extras: list[str],
    on: _dt.date,
    skip_invalid: bool,
    answer: bool = True,
) -> tuple[Any, Register]:
    reg = Register(bulk.path, [], [], {}, [], extras=list(extras))
    load_bulk(reg, bulk, _RULES, None, problems=problems, skip_invalid=skip_invalid)
    if not answer:
        return None, reg
    table = reg.evaluate(on)
    return table, reg


def evaluate_batch(
    batch: Any,
    on: _dt.date | str,
    *,
    register: str | os.PathLike[str] = "register.csv",
    skip_invalid: bool = False,
) -> Any:
    """Status and next notice deadline on ``on`` of every agreement in ``batch`` (a ``pyarrow.RecordBatch``
    of register rows) as a ``pyarrow.RecordBatch`` of answers, one row per agreement, in order.

    ``register`` names the file the rows come from: ``rules`` paths are relative to it (bundled names such as
    ``gsomia`` need no file). A bad row raises :class:`~treatylife.bulk.columnar.RegisterProblems` listing
    every bad row (row numbers count from the batch's first row); with ``skip_invalid`` those rows are left
    out of the answers.
    """
    import pyarrow as pa

    from treatylife.bulk.columnar import KNOWN_COLUMNS, extra_name_problem
    from treatylife.bulk.register import check_unique_ids, plain_text
    from treatylife.errors import InputError

    if isinstance(on, str) and len(on) == 10:  # an ISO day, as every function of treatylife's API takes
        with contextlib.suppress(ValueError):
            on = _dt.date.fromisoformat(on)
    if not isinstance(on, _dt.date) or isinstance(on, _dt.datetime):
        raise InputError(
            f"on: expected a datetime.date or YYYY-MM-DD, got {str(on)[:40]!r}", field="on", code="TL120"
        )
    if isinstance(batch, pa.Table):
        batch = (
            batch.combine_chunks().to_batches()[0]
            if batch.num_rows
            else pa.RecordBatch.from_pylist([], schema=batch.schema)
        )
    batch = _coerce(batch)
    extras = [n for n in batch.schema.names if n not in KNOWN_COLUMNS]
    for n in extras:  # a misspelt column would pass through as an extra, its values never read
        wrong = extra_name_problem(n, "column")
        if wrong is not None:
            raise InputError(wrong[0], file=str(register), field=n, code="TL132", hint=wrong[1])
    norm, problems = check_batch(RawBatch(batch, 0, None), extras)
    table, reg = _evaluate(Bulk(Path(register), norm, from_file=False), problems, extras, on, skip_invalid)
    check_unique_ids(reg, from_file=False)  # within the batch: an engine that splits a register checks across
    out = plain_text(table.to_arrow(PORTFOLIO_COLUMNS))
    arrays = [c.combine_chunks() for c in out.columns]
    return pa.RecordBatch.from_arrays(arrays, names=out.column_names)


@dataclass
class StreamResult:
    """What :func:`stream_portfolio` wrote: counts, the stages, rows skipped (``--skip-invalid``)."""

    register: str
    on: _dt.date
    count: int = 0
    summary: dict[str, int] = field(default_factory=dict)
    skipped: list[Problem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def meta(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "on": self.on.isoformat(),
            "register": self.register,
            "summary": self.summary,
        }


class PackedIds:
    """One batch's ids (nulls dropped), kept for the end-of-stream check that no id repeats, in little
    memory: zstd-compressed lengths and bytes (a 10M-agreement register's ids are ~130 MB as Arrow
    strings, ~3 MB so), with whether they increase and their first and last. Packed on the worker threads."""

    __slots__ = ("first", "increasing", "last", "lengths", "n", "nbytes", "raw", "wide")

    def __init__(self, ids: Any) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        ids = pc.drop_null(ids)
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        self.n = n = len(ids)
        self.first = ids[0].as_py() if n else None
        self.last = ids[n - 1].as_py() if n else None
        self.increasing = n < 2 or bool(pc.all(pc.less(ids.slice(0, n - 1), ids.slice(1))).as_py())
        ids = ids.cast(pa.string())
        offsets = np.frombuffer(ids.buffers()[1], dtype=np.int32)[ids.offset : ids.offset + n + 1]
        lengths = np.diff(offsets)
        self.wide = bool(n and lengths.max() > 255)
        codec = pa.Codec("zstd", compression_level=1)
        self.lengths = codec.compress(lengths.astype(np.int32 if self.wide else np.uint8), asbytes=True)
        data = ids.buffers()[2]
        start, stop = (int(offsets[0]), int(offsets[-1])) if n else (0, 0)
        self.nbytes = stop - start
        self.raw = codec.compress(data.slice(start, self.nbytes) if data is not None else b"", asbytes=True)

    def unpack(self) -> Any:
        """The ids again, as an Arrow string array."""
        import numpy as np
        import pyarrow as pa

        codec = pa.Codec("zstd")
        width = 4 if self.wide else 1
        lengths = np.frombuffer(
            codec.decompress(self.lengths, decompressed_size=self.n * width, asbytes=True),
            dtype=np.int32 if self.wide else np.uint8,
        )
        offsets = np.zeros(self.n + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        data = codec.decompress(self.raw, decompressed_size=self.nbytes) if self.nbytes else pa.py_buffer(b"")
        return pa.Array.from_buffers(pa.string(), self.n, [None, pa.py_buffer(offsets), data])


def all_increasing(packs: list[PackedIds]) -> bool:
    """The ids of every batch increase, and each batch starts after the last one ended: no id repeats."""
    last = None
    for pk in packs:
        if not pk.n:
            continue
        if not pk.increasing or (last is not None and not pk.first > last):
            return False
        last = pk.last
    return True


def _workers() -> int:
    n = os.cpu_count() or 1
    return max(1, min(n, 4))


def stream_portfolio(
    path: str | os.PathLike[str],
    on: _dt.date,
    write: Callable[[Any], None],
    *,
    delimiter: str | None = None,
    skip_invalid: bool = False,
    workers: int | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    encode: Callable[[Any], Any] | None = None,
) -> StreamResult:
    """Answer a bulk register file batch by batch: ``write`` gets each answer table (``pyarrow.Table``,
    answer columns then extra columns), in register order. Every bad row is listed at the end
    (RegisterProblems) and nothing more is written after the first; with ``skip_invalid`` bad rows are
    left out and listed in :attr:`StreamResult.skipped`. ``encode`` (pure, e.g.
    :meth:`treatylife.render.register.RegisterWriter.encode`) turns an answer table into what ``write`` is
    then given instead, on the worker threads, so that formatting runs in parallel (not with ``limit``);
    it may return None to leave a table as it is."""
    import numpy as np
    import pyarrow as pa

    from treatylife.bulk.register import cwd_ok

    cwd_ok()
    src = open_source(Path(path), delimiter=delimiter)
    p = src.path  # <stdin> for standard input
    extras = src.extras
    result = StreamResult(str(p), on, sources=[str(p)])
    counts: dict[str, int] = {}
    problems: list[Problem] = []
    id_packs: list[PackedIds] = []
    failed = False
    size = src.size

    def work(raw: RawBatch, answer: bool) -> tuple[Any, Any, Any, list[Problem], list[Problem]]:
        norm, probs = check_batch(raw, extras)
        bulk = Bulk(p, norm, raw.lines, raw.row0)
        ids = norm.column("id")
        try:
            table, reg = _evaluate(bulk, probs, extras, on, skip_invalid, answer)
        except RegisterProblems as exc:
            return None, None, PackedIds(ids), exc.bad_rows, []
        # the rules files the rows name are inputs too: an output may never replace one (TL005)
        result.sources.extend(s for s in reg.sources if s not in result.sources)
        if reg.skipped:
            keep = np.ones(norm.num_rows, dtype=bool)
            keep[[q.row - raw.row0 - 1 for q in reg.skipped if q.row is not None]] = False
            ids = ids.filter(pa.array(keep))
        payload = None
        if table is not None and encode is not None and limit is None:
            payload = encode(table.to_arrow(PORTFOLIO_COLUMNS))
        return payload, table, PackedIds(ids), [], reg.skipped

    pool = ThreadPoolExecutor(max_workers=workers or _workers())
    # Writing (pyarrow's CSV, Parquet or JSON writers release the GIL) runs on its own thread, in order, so
    # that it overlaps reading the next batch and evaluating others instead of following them; at most two
    # answer tables wait for it, so memory stays flat.
    writer = ThreadPoolExecutor(max_workers=1)
    writes: deque[Future[Any]] = deque()
    pending: deque[Future[Any]] = deque()
    written = 0

    def drain(block: bool) -> None:
        nonlocal failed, written
        while pending and (block or pending[0].done() or len(pending) > (workers or _workers())):
            payload, table, ids, probs, skipped = pending.popleft().result()
            problems.extend(probs)
            result.skipped.extend(skipped)
            if probs:
                failed = True
            if ids.n:
                id_packs.append(ids)
            if table is None or failed:
                continue
            if payload is not None:
                out, rows = payload, len(table)
            else:
                out = table.to_arrow(PORTFOLIO_COLUMNS)
                if limit is not None:
                    out = out.slice(0, max(0, limit - written))
                rows = out.num_rows
            if rows or written == 0:
                writes.append(writer.submit(write, out))
                while len(writes) > 1 or (writes and writes[0].done()):
                    writes.popleft().result()  # a write that failed raises here, in order
            written += rows
            vocab, codes = table.columns["stage"]
            for s, c in stage_summary(vocab, codes).items():
                counts[s] = counts.get(s, 0) + c
            result.count += len(table)
            if progress:
                progress(min(result.count, size), size)

    try:
        for raw in src.batches():
            pending.append(pool.submit(work, raw, not failed))
            drain(False)
        drain(True)
        while writes:
            writes.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        writer.shutdown(wait=True, cancel_futures=True)
    if not failed and id_packs and not all_increasing(id_packs):
        id_chunks = [pk.unpack() for pk in id_packs]  # not in order: every id, to look for repeats
        if not ids_unique(id_chunks):
            problems.extend(_duplicates(pa.chunked_array(id_chunks, type=pa.string()), result.skipped))
        failed = True
    if problems:
        problems.sort(key=lambda q: q.row or 0)
        raise RegisterProblems(str(p), fill_lines(p, problems, None, delimiter))
    if result.skipped:
        result.skipped = fill_lines(p, sorted(result.skipped, key=lambda q: q.row or 0), None, delimiter)
    result.summary = dict(sorted(counts.items()))
    return result


def _duplicates(ids: Any, skipped: list[Problem]) -> Iterator[Problem]:
    """Every repeat of an id, with its row (rows skipped under --skip-invalid are not counted)."""
    import numpy as np
    import pyarrow.compute as pc

    counts = pc.value_counts(ids)
    dup = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    flat = ids.combine_chunks()
    rows = np.nonzero(np.asarray(pc.is_in(flat, value_set=dup).to_numpy(zero_copy_only=False)))[0]
    gone = sorted(q.row for q in skipped if q.row is not None)
    seen: set[str] = set()
    for r in rows.tolist():
        x = flat[r].as_py()
        if x in seen:
            file_row = r + 1 + int(np.searchsorted(np.array(gone, dtype=np.int64), r + 1, side="right"))
            yield Problem(file_row, None, "id", "TL136", f"id {x!r} is used twice in the register")
        seen.add(x)
