"""Registers that outgrow one machine: the Arrow-batch seam on Dask partitions (optional extra ``dask``).

A register split into many files (``register/part-*.csv`` or ``*.parquet``, one file per department or per
month, or one big CSV read in blocks) becomes a Dask DataFrame; each partition goes through
:func:`treatylife.bulk.stream.evaluate_batch` (record batch in, answer batch out: the code of
``treatylife portfolio``, rules files compiled once per worker process) via ``map_partitions``. Answers are
the ones ``treatylife.portfolio`` gives for the whole register; only the order of work differs. See
docs/register.md ("Beyond one machine") for the same seam under Spark's ``mapInArrow`` and Ray's
``map_batches``.

    from dask.distributed import Client, LocalCluster
    from treatylife.bulk.partitioned import portfolio_dask

    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster):
        ddf = portfolio_dask("register/part-*.parquet", datetime.date(2020, 1, 1))
        in_force = ddf[ddf.in_force].compute()
"""

from __future__ import annotations

import datetime as _dt
import glob
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from treatylife.bulk.register import OUTPUT, PORTFOLIO_COLUMNS

__all__ = ["evaluate_frame", "meta", "portfolio_dask"]

#: the column naming the file each row was read from (``portfolio_dask`` over many files); never an output
FILE_COLUMN = "__treatylife_file__"


def meta(extras: Sequence[str] = ()) -> Any:
    """An empty pandas DataFrame with the columns and dtypes :func:`evaluate_frame` returns: the answer
    columns, then the register's extra columns (owner, department), passed through as text."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    dtypes = {"bool": "bool", "int": "Int64", "date": "object", "str": "object"}
    cols = {c: pd.Series(dtype=dtypes[OUTPUT[c]]) for c in PORTFOLIO_COLUMNS}
    cols.update({e: pd.Series(dtype="object") for e in extras if e not in cols})
    return pd.DataFrame(cols)


def evaluate_frame(frame: Any, on: _dt.date, register: str, extras: Sequence[str] = ()) -> Any:
    """Status and next deadline on ``on`` of the agreements in ``frame`` (a pandas DataFrame with the bulk
    columns, and ``extras`` passed through). ``register`` is the file the rows come from (rules paths are
    relative to it, errors name it), unless the frame names each row's file in :data:`FILE_COLUMN`."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    import pyarrow as pa

    from treatylife.bulk.columnar import KNOWN_COLUMNS
    from treatylife.bulk.stream import evaluate_batch

    if FILE_COLUMN in frame.columns:
        files = frame[FILE_COLUMN].astype(str)
        rest = frame.drop(columns=FILE_COLUMN)
        if files.nunique() <= 1:  # a block of one file: the usual case
            return evaluate_frame(rest, on, files.iloc[0] if len(files) else register, extras)
        parts = [evaluate_frame(rest[files == f], on, f, extras) for f in dict.fromkeys(files)]
        return pd.concat(parts).loc[frame.index]
    cols = [c for c in frame.columns if c in KNOWN_COLUMNS or c in extras]
    batch = pa.RecordBatch.from_pandas(
        frame[cols].astype(object).where(frame[cols].notna(), None), preserve_index=False
    )
    answers = evaluate_batch(batch, on, register=register)
    out = pd.DataFrame({c: answers.column(c).to_pylist() for c in PORTFOLIO_COLUMNS}, index=frame.index)
    for c in PORTFOLIO_COLUMNS:
        if OUTPUT[c] == "date":
            out[c] = [None if v is None else v.isoformat() for v in out[c]]
    for e in extras:  # as read; a file without the column gives none
        out[e] = answers.column(e).to_pylist() if e in answers.schema.names else None
    return out.astype({c: "Int64" for c in PORTFOLIO_COLUMNS if OUTPUT[c] == "int"})


def _parquet_part(file: str) -> Any:
    """One Parquet file as a partition, each row naming its file."""
    import pyarrow.parquet as pq

    frame = pq.read_table(file).to_pandas()
    frame[FILE_COLUMN] = file
    return frame


def portfolio_dask(path: str | Path, on: _dt.date, *, blocksize: str | int = "64MB") -> Any:
    """A lazy ``dask.dataframe`` of the portfolio of a register: one CSV file read in blocks, or many files
    (a glob such as ``"register/part-*.csv"`` or ``"*.parquet"``), one partition per block or file. Each
    row's rules are resolved beside its own file, and an error names that file; the extra columns are
    those of the first file (the files sorted by name), passed through after the answers."""
    import dask.dataframe as dd

    from treatylife.bulk.columnar import open_source

    text = str(path)
    files = sorted(glob.glob(text)) if any(ch in text for ch in "*?[") else [text]
    if not files:
        from treatylife.errors import InputError

        raise InputError("no register file matches", file=text, code="TL103")
    files = [str(Path(f).resolve()) for f in files]
    extras = open_source(Path(files[0])).extras  # its header checked as portfolio checks it
    if all(f.endswith((".parquet", ".pq")) for f in files):
        parts = dd.from_map(_parquet_part, files)  # type: ignore[no-untyped-call,unused-ignore]
    else:
        parts = dd.read_csv(
            files, dtype=str, keep_default_na=False, blocksize=blocksize, include_path_column=FILE_COLUMN
        )
    return parts.map_partitions(evaluate_frame, on, files[0], extras, meta=meta(extras))
