"""Registers against a hand-written DuckDB query and a Polars query: the same job, the same bytes, side by side.

    pip install -c constraints.txt -e ".[bench]"                 # DuckDB and Polars: benchmark-only
    python benchmarks/registers.py                               # 100k and 1M agreements
    python benchmarks/registers.py --sizes 100k,1M,10M           # 10M: ~1 GB of CSV in and 3x ~1.2 GB out
    python benchmarks/registers.py --sizes 1M --dates 2020-01-01,2100-01-01   # does the query date matter?

The job (issue 14): read a register CSV of GSOMIA-like auto-renewing agreements of five shapes (30% with a
notice, a fifth of those suspended and a tenth withdrawn), answer status and next notice deadline on one
date, write CSV. The three contestants, each a fresh process, measured by wall time and peak RSS:

* ``treatylife portfolio REGISTER --on DATE --format csv -o out.csv``;
* DuckDB: one SQL query (``read_csv`` -> CTEs -> ``COPY ... TO``), the term arithmetic written by hand;
* Polars: the same expressions in a lazy query (``scan_csv`` -> ``sink_csv``).

Text cells are quoted as pyarrow's CSV writer quotes them (both anchors write the quotes into the strings
and turn their own quoting off): the same bytes, not only the same table.

The three output files must be byte-identical (the script stops if not). Both anchors use every core, as
treatylife does. Sizes are selectable because 10M takes minutes and gigabytes on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The five shapes: (rules name, short title, initial months, renewal months, notice days, clear days)
SHAPES = [
    ("gsomia", None, 12, 12, 90, True),  # the bundled GSOMIA rules: 1 year, yearly, 90 clear days
    ("biennial", "Biennial services, 2 years", 24, 24, 180, True),
    ("monthly", "Monthly licence, rolling", 12, 1, 30, False),
    ("five-year", "Five-year lease, then yearly", 60, 12, 365, False),
    ("quarterly", "Quarterly support, 6 months first", 6, 3, 60, True),
]
GSOMIA_TITLE = "GSOMIA (Japan–Korea, 2016)"
FIXED = 1_000  #: agreements in the register that measures each contestant's fixed cost
SMALL, SMALL_RUNS = 100_000, 5  #: registers up to this size keep the best of this many runs

RULES = """schema: treatylife/rules/1
id: {name}
short_title: "{title}"
title: {title} (benchmark shape)
parties:
  - code: JPN
    name: Japan
  - code: KOR
    name: Republic of Korea
conventions:
  notice_counting: {counting}
  end_of_month: round_down
entry_into_force:
  kind: on_signature
term:
  initial: {initial} months
renewal:
  kind: automatic
  period: {renewal} months
exits:
  - kind: non_renewal_notice
    id: notice
    notice: {notice} days
    by: any
    late: next_term
"""


def _title(shape: tuple) -> str:  # type: ignore[type-arg]
    return shape[1] or GSOMIA_TITLE


def write_rules(folder: Path) -> None:
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    for name, title, ini, ren, notice, clear in SHAPES:
        if title is None:
            continue  # the bundled one
        (folder / "rules" / f"{name}.yaml").write_text(
            RULES.format(
                name=name,
                title=title,
                counting="clear_days" if clear else "date_difference",
                initial=ini,
                renewal=ren,
                notice=notice,
            ),
            encoding="utf-8",
        )


def write_register(path: Path, n: int, seed: int = 14) -> Path:
    """``n`` agreements, vectorised (10M in seconds): ids in order, shapes at random, entry into force
    1990-2022, 30% with a notice received 0-5000 days later, a fifth of those suspended, a tenth withdrawn
    (0-20 days after receipt)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    base = (dt.date(1990, 1, 1) - dt.date(1970, 1, 1)).days
    with pcsv.CSVWriter(
        path,
        pa.schema(
            [
                ("id", pa.string()),
                ("rules", pa.string()),
                ("entry_into_force", pa.date32()),
                ("notice_party", pa.string()),
                ("notice_received", pa.date32()),
                ("notice_suspended", pa.date32()),
                ("notice_withdrawn", pa.date32()),
            ]
        ),
        write_options=pcsv.WriteOptions(quoting_style="none", quoting_header="none"),
    ) as w:
        step = 1_000_000
        names = pa.array([s[0] if s[1] is None else f"rules/{s[0]}.yaml" for s in SHAPES])
        for lo in range(0, n, step):
            m = min(step, n - lo)
            ids = pc.binary_join_element_wise(
                "c", pc.utf8_lpad(pa.array(np.arange(lo, lo + m)).cast(pa.string()), 8, "0"), ""
            )
            rules = names.take(pa.array(rng.integers(0, len(SHAPES), m)))
            eif = base + rng.integers(0, 12001, m)
            has = rng.random(m) < 0.3
            received = eif + rng.integers(0, 5001, m)
            u = rng.random(m)
            later = received + rng.integers(0, 21, m)
            party = pa.array(np.where(rng.random(m) < 0.5, "JPN", "KOR"), mask=~has)

            def dates(x: np.ndarray, mask: np.ndarray) -> pa.Array:
                return pa.array(x.astype(np.int32), type=pa.date32(), mask=mask)

            w.write_table(
                pa.table(
                    {
                        "id": ids,
                        "rules": rules,
                        "entry_into_force": dates(eif, np.zeros(m, dtype=bool)),
                        "notice_party": party,
                        "notice_received": dates(received, ~has),
                        "notice_suspended": dates(later, ~(has & (u < 0.2))),
                        "notice_withdrawn": dates(later, ~(has & (u >= 0.2) & (u < 0.3))),
                    }
                )
            )
    return path


# ---------------------------------------------------------------------------- DuckDB, written by hand

DUCKDB = r"""
import sys, duckdb
src, out, on = sys.argv[1:4]
con = duckdb.connect()
# text cells quoted as pyarrow's CSV writer quotes them (FORCE_QUOTE would also quote those columns' names)
con.execute("CREATE MACRO qt(s) AS '\"' || replace(s, '\"', '\"\"') || '\"'")
con.execute("SET preserve_insertion_order = true")
shapes = {shapes!r}
con.execute("CREATE TABLE shapes (rules VARCHAR, agreement VARCHAR, ini INT, ren INT, notice INT, clear INT)")
con.executemany("INSERT INTO shapes VALUES (?, ?, ?, ?, ?, ?)", shapes)
# start of term k (k >= 1): the anchor plus whole months, clamped to the month's end (round_down)
con.execute("CREATE MACRO term_start(a, k, ini, ren) AS "
            "CASE WHEN k = 1 THEN a ELSE CAST(a + to_months(CAST(ini + ren * (k - 2) AS INT)) AS DATE) END")
# the term holding day x >= a: estimate from the months, then step back once if that start is after x
con.execute("CREATE MACRO k_est(a, x, ini, ren) AS CASE WHEN x < term_start(a, 2, ini, ren) THEN 1 ELSE "
            "2 + ((year(x) * 12 + month(x)) - (year(term_start(a, 2, ini, ren)) * 12 "
            "+ month(term_start(a, 2, ini, ren)))) // ren END")
con.execute("CREATE MACRO term_of(a, x, ini, ren) AS CASE WHEN term_start(a, k_est(a, x, ini, ren), ini, ren) > x "
            "THEN k_est(a, x, ini, ren) - 1 ELSE k_est(a, x, ini, ren) END")
con.execute(f'''
COPY (
WITH r AS (
  SELECT row_number() OVER () AS pos, r.*, s.agreement, s.ini, s.ren, s.notice, s.clear
  FROM read_csv('{{src}}', header = true, all_varchar = false,
                types = {{{{'id': 'VARCHAR', 'rules': 'VARCHAR', 'entry_into_force': 'DATE', 'notice_party': 'VARCHAR',
                           'notice_received': 'DATE', 'notice_suspended': 'DATE', 'notice_withdrawn': 'DATE'}}}}) r
  JOIN shapes s USING (rules)
),
n AS (  -- the notice: its term, deadline, timeliness and effect do not depend on the date asked
  SELECT *, CASE WHEN notice_received IS NULL THEN NULL ELSE term_of(entry_into_force, notice_received, ini, ren) END AS k0
  FROM r
),
x AS (  -- a late notice stops the first renewal it is still in time for: the first start >= receipt + notice
  SELECT *, CAST(notice_received + notice + clear AS DATE) AS x,
    term_of(entry_into_force, CAST(notice_received + notice + clear AS DATE), ini, ren) AS kx
  FROM n
),
e AS (
  SELECT *,
    CASE WHEN k0 IS NULL THEN NULL
         WHEN term_start(entry_into_force, kx, ini, ren) >= x THEN term_start(entry_into_force, kx, ini, ren)
         ELSE term_start(entry_into_force, kx + 1, ini, ren) END AS effect
  FROM x
),
t AS (
  SELECT *,
    CASE WHEN effect IS NOT NULL AND notice_suspended IS NULL AND notice_withdrawn IS NULL THEN effect END AS term_day
  FROM e
),
s AS (
  SELECT *,
    term_day IS NOT NULL AND term_day <= DATE '{{on}}' AS is_terminated,
    entry_into_force <= DATE '{{on}}' AND NOT (term_day IS NOT NULL AND term_day <= DATE '{{on}}') AS is_in_force
  FROM t
),
q AS (
  SELECT *,
    CASE WHEN notice_received IS NULL OR notice_received > DATE '{{on}}' THEN NULL
         WHEN is_terminated THEN 'effective'
         WHEN notice_withdrawn IS NOT NULL AND notice_withdrawn <= DATE '{{on}}' THEN 'withdrawn'
         WHEN notice_suspended IS NOT NULL AND notice_suspended <= DATE '{{on}}' THEN 'suspended'
         ELSE 'pending' END AS notice_status,
    CASE WHEN is_in_force THEN term_of(entry_into_force, DATE '{{on}}', ini, ren) END AS k
  FROM s
),
w AS (
  SELECT *,
    CASE WHEN is_in_force AND notice_status = 'pending' THEN effect WHEN is_terminated THEN term_day END AS ends,
    term_start(entry_into_force, k, ini, ren) AS st,
    term_start(entry_into_force, k + 1, ini, ren) AS nx,
    term_start(entry_into_force, k + 2, ini, ren) AS nx2
  FROM q
),
d AS (
  SELECT *,
    CAST(nx - notice - clear AS DATE) AS dl1, CAST(nx2 - notice - clear AS DATE) AS dl2,
    ends IS NOT NULL AND nx >= ends AS blocked1
  FROM w
),
o AS (
  SELECT *,
    is_in_force AND NOT blocked1 AND dl1 >= DATE '{{on}}' AS ok1,
    is_in_force AND NOT blocked1 AND NOT (dl1 >= DATE '{{on}}')
      AND NOT (ends IS NOT NULL AND nx2 >= ends) AND dl2 >= DATE '{{on}}' AS ok2
  FROM d
)
SELECT qt(id) AS id, qt(agreement) AS agreement, CAST(NULL AS VARCHAR) AS title,
  qt(CASE WHEN is_terminated THEN 'terminated' WHEN is_in_force THEN 'in_force' ELSE 'not_started' END) AS stage,
  is_in_force AS in_force,
  CASE WHEN is_terminated THEN term_day WHEN is_in_force THEN entry_into_force END AS since,
  k AS term, st AS term_start, CAST(nx - 1 AS DATE) AS term_last_day, nx AS next_renewal, ends,
  qt(notice_status) AS notice,
  CASE WHEN ok1 THEN dl1 WHEN ok2 THEN dl2 END AS deadline,
  CASE WHEN ok1 THEN dl1 - DATE '{{on}}' WHEN ok2 THEN dl2 - DATE '{{on}}' END AS days_left,
  CASE WHEN ok1 THEN nx WHEN ok2 THEN nx2 END AS prevents_renewal_of,
  CASE WHEN ok1 THEN dl1 WHEN ok2 THEN dl2 END AS earliest_deadline,
  CAST(NULL AS VARCHAR) AS readings
FROM o ORDER BY pos
) TO '{{out}}' (FORMAT csv, HEADER true, QUOTE '')
''')
"""

# ---------------------------------------------------------------------------- Polars, written by hand

POLARS = r"""
import sys, polars as pl
src, out, on = sys.argv[1:4]
shapes = pl.DataFrame({shapes_cols!r}, schema=["rules", "agreement", "ini", "ren", "notice_days", "clear"], orient="row")
D = pl.lit(on).str.to_date()

def months_after(a, months):  # the calendar day `months` later, clamped to the month's end (round_down)
    total = a.dt.year() * 12 + a.dt.month() - 1 + months
    y, m = total // 12, total % 12 + 1
    last = pl.date(y, m, 1).dt.month_end().dt.day()
    return pl.date(y, m, pl.min_horizontal(a.dt.day(), last))

def start(k):
    a = pl.col("entry_into_force")
    return pl.when(k == 1).then(a).otherwise(months_after(a, pl.col("ini") + pl.col("ren") * (k - 2)))

def term_of(x):
    s2 = start(pl.lit(2))
    est = pl.when(x < s2).then(1).otherwise(
        2 + ((x.dt.year() * 12 + x.dt.month()) - (s2.dt.year() * 12 + s2.dt.month())) // pl.col("ren"))
    return pl.when(start(est) > x).then(est - 1).otherwise(est)

def minus_days(d, n):
    return d - pl.duration(days=n)

q = (
    pl.scan_csv(src, schema_overrides={{"entry_into_force": pl.Date, "notice_received": pl.Date,
                                       "notice_suspended": pl.Date, "notice_withdrawn": pl.Date}})
    .join(shapes.lazy(), on="rules", how="left", maintain_order="left")
    .with_columns(k0=pl.when(pl.col("notice_received").is_not_null()).then(term_of(pl.col("notice_received"))))
    # a late notice stops the first renewal it is still in time for: the first start >= receipt + notice
    .with_columns(x=pl.col("notice_received") + pl.duration(days=pl.col("notice_days") + pl.col("clear")))
    .with_columns(kx=term_of(pl.col("x")))
    .with_columns(
        effect=pl.when(pl.col("k0").is_null()).then(None)
        .when(start(pl.col("kx")) >= pl.col("x")).then(start(pl.col("kx"))).otherwise(start(pl.col("kx") + 1)))
    .with_columns(term_day=pl.when(pl.col("effect").is_not_null() & pl.col("notice_suspended").is_null()
                                   & pl.col("notice_withdrawn").is_null()).then(pl.col("effect")))
    .with_columns(is_terminated=pl.col("term_day").is_not_null() & (pl.col("term_day") <= D))
    .with_columns(is_in_force=(pl.col("entry_into_force") <= D) & ~pl.col("is_terminated"))
    .with_columns(
        notice=pl.when(pl.col("notice_received").is_null() | (pl.col("notice_received") > D)).then(None)
        .when(pl.col("is_terminated")).then(pl.lit("effective"))
        .when(pl.col("notice_withdrawn").is_not_null() & (pl.col("notice_withdrawn") <= D)).then(pl.lit("withdrawn"))
        .when(pl.col("notice_suspended").is_not_null() & (pl.col("notice_suspended") <= D)).then(pl.lit("suspended"))
        .otherwise(pl.lit("pending")),
        k=pl.when(pl.col("is_in_force")).then(term_of(D)))
    .with_columns(
        ends=pl.when(pl.col("is_in_force") & (pl.col("notice") == "pending")).then(pl.col("effect"))
        .when(pl.col("is_terminated")).then(pl.col("term_day")),
        st=start(pl.col("k")), nx=start(pl.col("k") + 1), nx2=start(pl.col("k") + 2))
    .with_columns(
        dl1=minus_days(pl.col("nx"), pl.col("notice_days") + pl.col("clear")),
        dl2=minus_days(pl.col("nx2"), pl.col("notice_days") + pl.col("clear")),
        blocked1=pl.col("ends").is_not_null() & (pl.col("nx") >= pl.col("ends")))
    .with_columns(ok1=pl.col("is_in_force") & ~pl.col("blocked1") & (pl.col("dl1") >= D))
    .with_columns(ok2=pl.col("is_in_force") & ~pl.col("blocked1") & ~pl.col("ok1")
                  & ~(pl.col("ends").is_not_null() & (pl.col("nx2") >= pl.col("ends"))) & (pl.col("dl2") >= D))
    .with_columns(deadline=pl.when(pl.col("ok1")).then(pl.col("dl1")).when(pl.col("ok2")).then(pl.col("dl2")),
                  prevents=pl.when(pl.col("ok1")).then(pl.col("nx")).when(pl.col("ok2")).then(pl.col("nx2")))
    .select(
        "id", "agreement", pl.lit(None, dtype=pl.String).alias("title"),
        pl.when(pl.col("is_terminated")).then(pl.lit("terminated")).when(pl.col("is_in_force"))
        .then(pl.lit("in_force")).otherwise(pl.lit("not_started")).alias("stage"),
        pl.col("is_in_force").alias("in_force"),
        pl.when(pl.col("is_terminated")).then(pl.col("term_day")).when(pl.col("is_in_force"))
        .then(pl.col("entry_into_force")).alias("since"),
        pl.col("k").alias("term"), pl.col("st").alias("term_start"),
        minus_days(pl.col("nx"), 1).alias("term_last_day"), pl.col("nx").alias("next_renewal"), "ends", "notice",
        "deadline", (pl.col("deadline") - D).dt.total_days().alias("days_left"),
        pl.col("prevents").alias("prevents_renewal_of"),
        pl.col("deadline").alias("earliest_deadline"),  # every convention is stated: no other reading
        pl.lit(None, dtype=pl.String).alias("readings"),
    )
)
text = ["id", "agreement", "title", "stage", "notice"]  # written quoted, as pyarrow's CSV writer does
q = q.with_columns([(pl.lit('"') + pl.col(c).str.replace_all('"', '""', literal=True) + pl.lit('"')).alias(c) for c in text])
q.sink_csv(out, quote_style="never", maintain_order=True)
"""


#: treatylife in one process, in steady state: the register answered once untimed (imports, rules, first calls,
#: the first touch of the batches' memory: costs a process pays once, whatever the register's size), then again,
#: timed; the same stream and writer as ``portfolio --format csv -o``
WARM = """
import datetime as dt, sys, time
from pathlib import Path
from treatylife.bulk.stream import stream_portfolio
from treatylife.cli.registers import arrow_memory_pool, arrow_without_pandas
from treatylife.render.register import AtomicOutput, RegisterWriter

def run(reg, out, on):
    o = AtomicOutput(Path(out), [reg])
    w = RegisterWriter("csv", o)
    res = stream_portfolio(Path(reg), on, w.write, encode=w.encode)
    w.close(res.meta())
    o.commit([reg])

big, out, on = sys.argv[1:4]
on = dt.date.fromisoformat(on)
with arrow_without_pandas():
    arrow_memory_pool()
    run(big, out, on)
    t, c = time.perf_counter(), time.process_time()
    run(big, out, on)
    print(time.perf_counter() - t, time.process_time() - c)
"""


def _measured(cmd: list[str], env: dict[str, str], stdout: Path | None = None) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MiB, CPU seconds) of one run of ``cmd`` in a fresh process (its standard
    output to ``stdout``). CPU time is shown because the machine may be shared: wall time then includes
    waiting for a core."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "out = open(sys.argv[1], 'wb') if sys.argv[1] != '-' else subprocess.DEVNULL\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[2:], stdout=out, check=True)\n"
        "w = time.perf_counter() - t\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(w, r.ru_maxrss / 1024, r.ru_utime + r.ru_stime)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(stdout or "-"), *cmd],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, mib, cpu = out.stdout.split()
    return float(wall), float(mib), float(cpu)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def _size(text: str) -> int:
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}
    return int(float(t[:-1]) * mult[t[-1]]) if t[-1] in mult else int(t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1M", help="register sizes, e.g. 100k,1M,10M")
    ap.add_argument("--dates", default="2020-01-01", help="query dates, e.g. 2020-01-01,2100-01-01")
    ap.add_argument(
        "--runs",
        type=int,
        default=1,
        help="runs per contestant (the best wall time is kept); registers up to 100k take at least 5",
    )
    ap.add_argument("--work", help="folder for the registers and outputs (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the registers and outputs")
    args = ap.parse_args()
    import duckdb
    import polars
    import pyarrow

    import treatylife

    sizes = [_size(s) for s in args.sizes.split(",")]
    dates = args.dates.split(",")
    print(
        f"treatylife {treatylife.__version__}, DuckDB {duckdb.__version__}, Polars {polars.__version__}, "
        f"pyarrow {pyarrow.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    work = Path(args.work or tempfile.mkdtemp(prefix="treatylife-registers-"))
    work.mkdir(parents=True, exist_ok=True)
    write_rules(work)
    shapes = [
        (s[0] if s[1] is None else f"rules/{s[0]}.yaml", _title(s), s[2], s[3], s[4], int(s[5]))
        for s in SHAPES
    ]
    (work / "duck.py").write_text(DUCKDB.format(shapes=shapes), encoding="utf-8")
    (work / "polars_q.py").write_text(POLARS.format(shapes_cols=[list(x) for x in shapes]), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env["TREATYLIFE_NO_CACHE"] = "1"
    script = Path(sys.executable).parent / "treatylife"
    tl = [str(script)] if script.exists() else [sys.executable, "-m", "treatylife"]
    rows = []
    warm: dict[tuple[int, str], tuple[float, float]] = {}

    def contest(reg: Path, n: int, on: str) -> tuple[dict[str, tuple[float, float, float]], bool]:
        """Each contestant on ``reg``, ``args.runs`` times interleaved (load on the machine hits all alike);
        the best wall and CPU time and the highest peak are kept. Stops unless the outputs are identical."""
        outs = {name: work / f"out-{name}-{n}-{on}.csv" for name in ("treatylife", "duckdb", "polars")}
        cmds = {
            "treatylife": [
                *tl,
                "portfolio",
                str(reg),
                "--on",
                on,
                "--format",
                "csv",
                "-o",
                str(outs["treatylife"]),
            ],
            "duckdb": [sys.executable, str(work / "duck.py"), str(reg), str(outs["duckdb"]), on],
            "polars": [sys.executable, str(work / "polars_q.py"), str(reg), str(outs["polars"]), on],
        }
        got: dict[str, tuple[float, float, float]] = {}
        # small registers run in about a second, where one run's noise (±0.1 s on a shared machine) is the
        # size of the per-agreement cost above the fixed cost: they keep the best of five runs
        for _ in range(max(args.runs, SMALL_RUNS) if n <= SMALL else args.runs):
            for name, cmd in cmds.items():
                w, mib, cpu = _measured(cmd, env)
                best = got.get(name)
                got[name] = (min(w, best[0]), max(mib, best[1]), min(cpu, best[2])) if best else (w, mib, cpu)
        digests = {name: _digest(p) for name, p in outs.items()}
        same = len(set(digests.values())) == 1
        if not same:
            sys.exit("outputs differ: " + " ".join(f"{k}={p} ({digests[k]})" for k, p in outs.items()))
        if not args.keep:
            for p in outs.values():
                p.unlink()
        return got, same

    try:
        # The fixed cost of each contestant (interpreter, imports, reading the rules, the first call of each
        # kernel), measured on a small register that has every shape and kind of row of the big ones:
        # "per agreement above the fixed cost" subtracts it, so that sizes can be compared fairly.
        small = write_register(work / f"register-{FIXED}.csv", FIXED)
        fixed = {on: contest(small, FIXED, on)[0] for on in dates}
        for on in dates:
            print(
                f"fixed cost (a register of {FIXED:,} agreements), on {on}: "
                + "   ".join(
                    f"{k} {v[0]:.2f} s ({v[2]:.2f} s CPU) {v[1]:,.0f} MiB" for k, v in fixed[on].items()
                )
            )
        for n in sizes:
            reg = work / f"register-{n}.csv"
            t = time.perf_counter()
            write_register(reg, n)
            print(
                f"\nregister of {n:,} agreements: {reg.stat().st_size / 2**20:,.0f} MiB "
                f"(written in {time.perf_counter() - t:.1f} s)"
            )
            for on in dates:
                got, same = contest(reg, n, on)
                res = subprocess.run(
                    [sys.executable, "-c", WARM, str(reg), str(work / "out-warm.csv"), on],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                w_s, c_s = (float(x) for x in res.stdout.split())
                warm[(n, on)] = (w_s, c_s)
                best_anchor = min(got["duckdb"][0], got["polars"][0])
                rows.append((n, on, got, same, got["treatylife"][0] / best_anchor))
                print(
                    f"  on {on}: "
                    + "   ".join(
                        f"{k} {v[0]:.2f} s ({v[2]:.2f} s CPU) {v[1]:,.0f} MiB" for k, v in got.items()
                    )
                    + f"   treatylife/best {got['treatylife'][0] / best_anchor:.2f}x   outputs byte-identical"
                )
            if not args.keep:
                reg.unlink()
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    names = ("treatylife", "duckdb", "polars")
    print(
        "\n| register | query date | treatylife | DuckDB | Polars | treatylife / best (wall) | "
        "treatylife / best (CPU) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n, on, got, _, ratio in rows:
        cells = [f"{got[k][0]:.2f} s ({got[k][2]:.2f} s CPU), {got[k][1]:,.0f} MiB" for k in names]
        cpu_ratio = got["treatylife"][2] / min(got["duckdb"][2], got["polars"][2])
        print(f"| {n:,} | {on} | " + " | ".join(cells) + f" | {ratio:.2f}x | {cpu_ratio:.2f}x |")
    print(
        "\nµs per agreement, wall: whole run / agreements, and (whole run - fixed cost) / (agreements - "
        f"{FIXED:,}) (treatylife / DuckDB / Polars)\n"
    )
    print(
        "| register | query date | whole run / n | above the fixed cost / n | CPU above the fixed cost / n |"
    )
    print("| --- | --- | --- | --- | --- |")
    per: dict[str, dict[str, list[float]]] = {k: {"whole": [], "above": [], "cpu": []} for k in names}
    for n, on, got, _, _ in rows:
        whole = {k: got[k][0] / n * 1e6 for k in names}
        above = {k: (got[k][0] - fixed[on][k][0]) / (n - FIXED) * 1e6 for k in names}
        cpu = {k: (got[k][2] - fixed[on][k][2]) / (n - FIXED) * 1e6 for k in names}
        for k in names:
            per[k]["whole"].append(whole[k])
            per[k]["above"].append(above[k])
            per[k]["cpu"].append(cpu[k])
        print(
            f"| {n:,} | {on} | "
            + " | ".join(" / ".join(f"{v[k]:.2f}" for k in names) for v in (whole, above, cpu))
            + " |"
        )
    print(
        "\ntreatylife in one process, steady state (the second of two runs on the same register): µs per agreement"
    )
    for (n, on), (w, c) in warm.items():
        print(f"  {n:,} on {on}: {w / n * 1e6:.2f} µs wall, {c / n * 1e6:.2f} µs CPU")
    if len(warm) > 1:
        ws = [w / n for (n, _), (w, _) in warm.items()]
        cs = [c / n for (n, _), (_, c) in warm.items()]
        print(f"  flatness: wall {max(ws) / min(ws):.2f}, CPU {max(cs) / min(cs):.2f}")
    if len(sizes) > 1:
        print(
            "\nflatness (largest / smallest µs per agreement across the sizes; target for treatylife: <= 1.2).\n"
            "Wall time above the fixed cost also counts how many cores a size keeps busy (a register of two\n"
            "batches leaves one core idle); CPU time above the fixed cost counts the work alone."
        )

        def ratio(v: list[float]) -> str:
            return f"{max(v) / min(v):.2f}" if min(v) > 0 else "n/a (a run was faster than the fixed cost)"

        for k in names:
            print(
                f"  {k}: whole run {ratio(per[k]['whole'])}, above the fixed cost: wall {ratio(per[k]['above'])}, "
                f"CPU {ratio(per[k]['cpu'])}"
            )


if __name__ == "__main__":
    main()
