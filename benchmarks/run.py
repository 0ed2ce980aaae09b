"""treatylife benchmarks: one command, every figure measured side by side in one run.

    python benchmarks/run.py            # full run (about a minute)
    python benchmarks/run.py --quick    # smaller sizes, fewer repetitions

1. Start-up: wall time of ``treatylife status --on 2019-08-23`` (cache warm, and the full CLI) against
   ``python -c pass``: medians of interleaved runs.
2. Portfolio throughput: agreements evaluated per second (status + next notice deadline on one date) by the
   batch engine, against a plain-Python loop with dateutil (benchmarks/handloop.py) on the same agreements,
   and against the single-agreement engine; answers are compared, not only timed.
3. A 100,000-agreement register end to end (``treatylife portfolio big.csv --on DATE --format csv``): wall
   time and peak memory of the process, for 25k/50k/100k agreements and for query dates 2020 and 2100.

Child processes run without PYTHONDONTWRITEBYTECODE so that Python's bytecode cache is used, as in any
normal installation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import handloop  # noqa: E402

TARGETS = {
    "startup_ratio": 3.0,
    "startup_full_ratio": 10.0,
    "batch_vs_loop": 20.0,
    "register_seconds": 5.0,
    "register_mib": 1024.0,
}


def _env(cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "TREATYLIFE_NO_CACHE")}
    env["TREATYLIFE_CACHE_DIR"] = str(cache)
    env.update(extra)
    return env


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "treatylife"
    return [str(script)] if script.exists() else [sys.executable, "-m", "treatylife"]


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def _measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one run of ``cmd``, measured by a wrapper that runs only it."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n"
        "w = time.perf_counter() - t\n"
        "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *cmd], env=env, capture_output=True, text=True, check=True
    )
    wall, mib = out.stdout.split()
    return float(wall), float(mib)


def _cpu_wall(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run: the kernel's accounting of the finished child, which a
    loaded machine disturbs far less than the wall clock."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def startup(runs: int, cache: Path) -> dict[str, float]:
    env = _env(cache)
    status = [*_cli(), "status", "--on", "2019-08-23"]
    day0 = dt.date(2019, 1, 1)
    commands: dict[str, Any] = {
        "python -c pass": lambda i: [sys.executable, "-c", "pass"],
        "treatylife status (cache warm)": lambda i: status,
        # the same scenario on a date not asked before: the Record from the cache, the answer rendered now
        "treatylife status (cache warm, a new date)": lambda i: [
            *_cli(),
            "status",
            "--on",
            (day0 + dt.timedelta(days=i + 3)).isoformat(),
        ],
        "treatylife status (no cache)": lambda i: status,
        # the floor of the no-cache path: the libraries it must import, and nothing of treatylife's
        "import yaml, transitions, pydantic.BaseModel": lambda i: [
            sys.executable,
            "-c",
            "import yaml, transitions; from pydantic import BaseModel",
        ],
        # and one empty model built: pydantic's own first-model set-up (its field machinery, its plugin
        # discovery through importlib.metadata), which any validation pays before its first schema
        "... and one empty pydantic model": lambda i: [
            sys.executable,
            "-c",
            "import yaml, transitions\nfrom pydantic import BaseModel\nclass M(BaseModel):\n    pass",
        ],
        "import yaml, transitions (no pydantic)": lambda i: [
            sys.executable,
            "-c",
            "import yaml, transitions",
        ],
    }
    envs = {name: env for name in commands}
    envs["treatylife status (no cache)"] = _env(cache, TREATYLIFE_NO_CACHE="1")
    for name, cmd in commands.items():  # warm: bytecode caches, the Record cache, the OS file cache
        for _ in range(2):
            _wall(cmd(-1), envs[name])
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    wall: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(runs):  # interleaved, so load on the machine hits all alike
        for name, cmd in commands.items():
            c, w = _cpu_wall(cmd(i), envs[name])
            cpu[name].append(c)
            wall[name].append(w)
    med = {name: statistics.median(v) for name, v in wall.items()}
    med_cpu = {name: statistics.median(v) for name, v in cpu.items()}
    base, base_cpu = med["python -c pass"], med_cpu["python -c pass"]
    print(
        f"\n1. Start-up (median of {runs} interleaved runs; CPU time is what a loaded machine disturbs least)"
    )
    for name in commands:
        print(
            f"   {name:<44} {med[name] * 1000:7.1f} ms wall {med[name] / base:5.1f}x   "
            f"{med_cpu[name] * 1000:7.1f} ms CPU {med_cpu[name] / base_cpu:5.1f}x python -c pass"
        )
    floor = med_cpu["import yaml, transitions, pydantic.BaseModel"] / base_cpu
    model = med_cpu["... and one empty pydantic model"] / base_cpu
    print(
        f"   the no-cache path cannot start faster than its libraries: {floor:.1f}x in CPU time before a line "
        f"of treatylife runs, {model:.1f}x with pydantic's first model built (the target is "
        f"{TARGETS['startup_full_ratio']:.0f}x)"
    )
    return {
        "python_ms": base * 1000,
        "status_ms": med["treatylife status (cache warm)"] * 1000,
        "status_full_ms": med["treatylife status (no cache)"] * 1000,
        "startup_ratio": med["treatylife status (cache warm)"] / base,
        "startup_full_ratio": med["treatylife status (no cache)"] / base,
        "startup_cpu_ratio": med_cpu["treatylife status (cache warm)"] / base_cpu,
        "startup_new_date_cpu_ratio": med_cpu["treatylife status (cache warm, a new date)"] / base_cpu,
        "startup_full_cpu_ratio": med_cpu["treatylife status (no cache)"] / base_cpu,
        "startup_floor_cpu_ratio": med_cpu["import yaml, transitions, pydantic.BaseModel"] / base_cpu,
        "startup_floor_model_cpu_ratio": med_cpu["... and one empty pydantic model"] / base_cpu,
        "startup_floor_no_pydantic_cpu_ratio": med_cpu["import yaml, transitions (no pydantic)"] / base_cpu,
    }


def _best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def throughput(n: int, loop_n: int, single_n: int, work: Path) -> dict[str, float]:
    import treatylife as tl
    from treatylife.bulk.batch import NONE, to_days
    from treatylife.bulk.register import record_row

    on = dt.date(2020, 1, 1)
    path = generate.write(work / f"throughput-{n}.csv", n)
    reg = tl.load_register(path)
    assert reg.batch_rows == n, "every generated agreement is a batch shape"
    (group,) = reg.groups
    batch_s = _best(lambda: group.batch.evaluate(on), 5)
    table_s = _best(lambda: reg.evaluate(on), 3)
    # the same agreements, parsed for the hand loop (parsing is not counted against it)
    parsed: list[handloop.Row] = []
    for _, e, _, r, s, w in generate.rows(n)[:loop_n]:
        f = dt.date.fromisoformat
        parsed.append((f(e), f(r) if r else None, f(s) if s else None, f(w) if w else None))
    loop_s = _best(lambda: handloop.evaluate(parsed, on), 2)
    # answers compared, not only timed
    out = group.batch.evaluate(on)
    hand = handloop.evaluate(parsed, on)
    agree = sum(
        bool(out["in_force"][i]) == f and (out["deadline"][i] == (NONE if d is None else to_days(d)))
        for i, (f, d) in enumerate(hand)
    )
    # the single-agreement engine (replay once, then query) on a sample
    records = [group.records.get(i) or _replay(reg, group, i) for i in range(single_n)]
    single_s = _best(lambda: [record_row(r, on) for r in records], 1)
    rates = {
        "batch": n / batch_s,
        "batch_table": n / table_s,
        "loop": loop_n / loop_s,
        "single": single_n / single_s,
    }
    print(f"\n2. Portfolio throughput: status + next deadline on {on}, agreements per second")
    print(f"   batch engine (NumPy, {n:,} agreements)            {rates['batch']:>12,.0f}/s")
    print(f"   batch engine + output table                        {rates['batch_table']:>12,.0f}/s")
    print(f"   hand-written loop with dateutil ({loop_n:,})         {rates['loop']:>12,.0f}/s")
    print(f"   single-agreement engine, queries only ({single_n:,})    {rates['single']:>12,.0f}/s")
    print(
        f"   batch / hand loop: {rates['batch'] / rates['loop']:.0f}x   (with output table: "
        f"{rates['batch_table'] / rates['loop']:.0f}x); answers agree on {agree:,}/{loop_n:,} agreements"
    )
    return {
        **{f"rate_{k}": v for k, v in rates.items()},
        "batch_vs_loop": rates["batch"] / rates["loop"],
        "agree": int(agree),
        "compared": loop_n,
    }


def _replay(reg, group, i):  # type: ignore[no-untyped-def]
    from treatylife.bulk.register import _record_for_row

    return _record_for_row(group.bulk, i, group.rules, group.rules_path)


def register_end_to_end(sizes: list[int], work: Path, cache: Path) -> dict[str, float]:
    import treatylife as tl

    env = _env(cache)
    print(
        "\n3. Register end to end: `treatylife portfolio REGISTER --on DATE --format csv`, one process each"
    )
    print(f"   {'agreements':>10}  {'query date':>10}  {'wall':>7}  {'peak RSS':>9}")
    results: dict[str, float] = {}
    walls: dict[tuple[int, str], float] = {}
    for n in sizes:
        path = generate.write(work / f"register-{n}.csv", n)
        for on in ("2020-01-01", "2100-01-01"):
            cmd = [*_cli(), "portfolio", str(path), "--on", on, "--format", "csv"]
            _measured(cmd, env)  # warm the file cache
            runs = [_measured(cmd, env) for _ in range(3)]
            wall = statistics.median(r[0] for r in runs)
            mib = max(r[1] for r in runs)
            walls[n, on] = wall
            results[f"wall_{n}_{on[:4]}"] = wall
            results[f"mib_{n}_{on[:4]}"] = mib
            print(f"   {n:>10,}  {on:>10}  {wall:>6.2f}s  {mib:>5.0f} MiB")
    small, big = sizes[0], sizes[-1]
    for on in ("2020-01-01", "2100-01-01"):
        slope = (walls[big, on] - walls[small, on]) / (big - small) * 1e6
        fixed = walls[small, on] - slope * small / 1e6
        results[f"slope_us_{on[:4]}"] = slope
        if slope > 0:
            print(
                f"   on {on}: {slope:.1f} µs per agreement on top of a fixed {fixed:.2f} s (start-up, imports)"
            )
        else:  # the sizes are too close for the machine's noise (--quick): no slope to say
            print(
                f"   on {on}: the largest register ran no slower than the smallest ({walls[big, on]:.2f} s and "
                f"{walls[small, on]:.2f} s): at these sizes the fixed cost and noise hide the cost per agreement"
            )
    print("   in-process (the API), load + evaluate:")
    print(
        f"   {'agreements':>10}  {'load':>7}  {'eval 2020':>9}  {'eval 2100':>9}  {'µs/agreement (load+eval)':>24}"
    )
    for n in sizes:
        path = work / f"register-{n}.csv"
        load_s = _best(lambda path=path: tl.load_register(path), 2)
        reg = tl.load_register(path)
        ev = {y: _best(lambda y=y, reg=reg: reg.evaluate(dt.date(y, 1, 1)), 3) for y in (2020, 2100)}
        results[f"load_{n}"], results[f"eval_{n}_2020"], results[f"eval_{n}_2100"] = (
            load_s,
            ev[2020],
            ev[2100],
        )
        per = (load_s + ev[2020]) / n * 1e6
        print(f"   {n:>10,}  {load_s:>6.3f}s  {ev[2020]:>8.3f}s  {ev[2100]:>8.3f}s  {per:>24.2f}")
    dl = _best(lambda: tl.deadlines(reg, dt.date(2020, 1, 1), "120d"), 3)
    results["deadlines_s"] = dl
    print(f"   deadlines --within 120d on {big:,} agreements (loaded): {dl:.3f}s")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    ap.add_argument("--startup", action="store_true", help="only the start-up part (about a minute)")
    args = ap.parse_args()
    import numpy

    import treatylife

    print(
        f"treatylife {treatylife.__version__}, Python {platform.python_version()}, NumPy {numpy.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    work = Path(tempfile.mkdtemp(prefix="treatylife-bench-"))
    cache = work / "cache"
    try:
        figures: dict[str, float] = {}
        figures.update(startup(7 if args.quick else 21, cache))
        if args.startup:
            return
        n = 20_000 if args.quick else 100_000
        figures.update(throughput(n, 5_000 if args.quick else 20_000, 200 if args.quick else 1_000, work))
        sizes = [10_000, 20_000] if args.quick else [25_000, 50_000, 100_000]
        figures.update(register_end_to_end(sizes, work, cache))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    big = max(s for s in sizes)
    wall = max(figures[f"wall_{big}_2020"], figures[f"wall_{big}_2100"])
    mib = max(figures[f"mib_{big}_2020"], figures[f"mib_{big}_2100"])
    print("\nTargets")
    checks = [
        (
            "status, cache warm <= 3x python -c pass (CPU)",
            figures["startup_cpu_ratio"],
            TARGETS["startup_ratio"],
            "x",
            True,
        ),
        (
            "status, no cache <= 10x python -c pass (CPU)",
            figures["startup_full_cpu_ratio"],
            TARGETS["startup_full_ratio"],
            "x",
            True,
        ),
        ("batch >= 20x the hand loop", figures["batch_vs_loop"], TARGETS["batch_vs_loop"], "x", False),
        (f"{big:,}-agreement register < 5 s", wall, TARGETS["register_seconds"], " s", True),
        (f"{big:,}-agreement register < 1 GiB", mib, TARGETS["register_mib"], " MiB", True),
    ]
    for name, value, target, unit, below in checks:
        ok = value <= target if below else value >= target
        print(f"   {'PASS' if ok else 'FAIL'}  {name:<38} measured {value:,.1f}{unit}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
