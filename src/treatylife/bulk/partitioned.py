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
from pathlib import Path
from typing import Any

from treatylife.bulk.register import OUTPUT, PORTFOLIO_COLUMNS

__all__ = ["evaluate_frame", "meta", "portfolio_dask"]


def meta() -> Any:
    """An empty pandas DataFrame with the columns and dtypes :func:`evaluate_frame` returns."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    dtypes = {"bool": "bool", "int": "Int64", "date": "object", "str": "object"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes[OUTPUT[c]]) for c in PORTFOLIO_COLUMNS})


def evaluate_frame(frame: Any, on: _dt.date, register: str) -> Any:
    """Status and next deadline on ``on`` of the agreements in ``frame`` (a pandas DataFrame with the bulk
    columns); ``register`` is the file the rows come from (rules paths are relative to it)."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    import pyarrow as pa

    from treatylife.bulk.columnar import KNOWN_COLUMNS
    from treatylife.bulk.stream import evaluate_batch

    cols = [c for c in frame.columns if c in KNOWN_COLUMNS]
    batch = pa.RecordBatch.from_pandas(
        frame[cols].astype(object).where(frame[cols].notna(), None), preserve_index=False
    )
    answers = evaluate_batch(batch, on, register=register)
    out = pd.DataFrame({c: answers.column(c).to_pylist() for c in PORTFOLIO_COLUMNS}, index=frame.index)
    for c in PORTFOLIO_COLUMNS:
        if OUTPUT[c] == "date":
            out[c] = [None if v is None else v.isoformat() for v in out[c]]
    return out.astype({c: "Int64" for c in PORTFOLIO_COLUMNS if OUTPUT[c] == "int"})


def portfolio_dask(path: str | Path, on: _dt.date, *, blocksize: str | int = "64MB") -> Any:
    """A lazy ``dask.dataframe`` of the portfolio of a register: one CSV file read in blocks, or many files
    (a glob such as ``"register/part-*.csv"`` or ``"*.parquet"``), one partition per block or file."""
    import dask.dataframe as dd

    text = str(path)
    files = sorted(glob.glob(text)) if any(ch in text for ch in "*?[") else [text]
    if not files:
        from treatylife.errors import InputError

        raise InputError("no register file matches", file=text, code="TL103")
    register = str(Path(files[0]).resolve())
    if all(f.endswith((".parquet", ".pq")) for f in files):
        ddf = dd.read_parquet(files)
    else:
        ddf = dd.read_csv(files, dtype=str, keep_default_na=False, blocksize=blocksize)
    return ddf.map_partitions(evaluate_frame, on, register, meta=meta())
