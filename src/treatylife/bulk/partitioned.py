"""Registers that outgrow one machine: the batch engine on Dask partitions (optional extra ``dask``).

A bulk register (CSV) is read by ``dask.dataframe.read_csv`` in blocks; each partition is a small register
evaluated by the same code as ``treatylife portfolio`` (:func:`evaluate_frame`: the rules files are compiled
once per worker process, the rows go through the batch engine, other shapes through the single engine), via
``map_partitions``. Answers are the ones ``treatylife.portfolio`` gives for the whole file; only the
order of work differs. See docs/performance.md ("Beyond one machine").

    from dask.distributed import Client, LocalCluster
    from treatylife.bulk.partitioned import portfolio_dask

    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster):
        ddf = portfolio_dask("register.csv", datetime.date(2020, 1, 1), blocksize="16MB")
        in_force = ddf[ddf.in_force].compute()
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from treatylife.bulk.register import COLUMNS, OUTPUT, PORTFOLIO_COLUMNS, Bulk, Register, load_bulk

__all__ = ["evaluate_frame", "meta", "portfolio_dask"]

_RULES: dict[Path, tuple[Any, Any, str]] = {}  # per worker process: rules files compiled once


def meta() -> Any:
    """An empty pandas DataFrame with the columns and dtypes :func:`evaluate_frame` returns."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    dtypes = {"bool": "bool", "int": "Int64", "date": "object", "str": "object"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes[OUTPUT[c]]) for c in PORTFOLIO_COLUMNS})


def evaluate_frame(frame: Any, on: _dt.date, register: str) -> Any:
    """Status and next deadline on ``on`` of the agreements in ``frame`` (a pandas DataFrame with the bulk
    columns, as strings); ``register`` is the file the rows come from (rules paths are relative to it)."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    n = len(frame)
    columns = {
        c: (frame[c].fillna("").astype(str).str.strip().tolist() if c in frame.columns else [""] * n)
        for c in COLUMNS
    }
    # dask numbers the rows of each block from 0: an error names the row's line within its block
    start = int(frame.index[0]) + 2 if n else 2
    bulk = Bulk(Path(register), columns, list(range(start, start + n)))
    reg = Register(Path(register), [], [], [], [], {}, [])
    if n:
        load_bulk(reg, bulk, _RULES, None)
    table = reg.evaluate(on)
    out = pd.DataFrame({c: table.values(c) for c in PORTFOLIO_COLUMNS}, index=frame.index)
    return out.astype({c: "Int64" for c in PORTFOLIO_COLUMNS if OUTPUT[c] == "int"})


def portfolio_dask(path: str | Path, on: _dt.date, *, blocksize: str | int = "64MB") -> Any:
    """A lazy ``dask.dataframe`` of the portfolio of a bulk CSV register, one partition per block."""
    import dask.dataframe as dd

    register = str(Path(path).resolve())
    ddf = dd.read_csv(register, dtype=str, keep_default_na=False, blocksize=blocksize)
    return ddf.map_partitions(evaluate_frame, on, register, meta=meta())
