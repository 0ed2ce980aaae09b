"""The long fuzz run: ``python fuzz/run.py --minutes 5``.

Feeds treatylife random YAML-ish text, mutated copies of the bundled rules and examples (line-level and
byte-level), and random event lists, for as long as asked, and checks one property: every input ends in an
answer or a TreatyLifeError. Anything else -- another exception, a segfault, a hang -- is a crash: the
input is saved under ``fuzz/crashes/`` with what happened, and the exit code is 1.

The ``cache`` target checks another property: the answer with the Record cache is byte for byte the answer
of the full CLI without it (exit code, stdout, stderr), after random changes to files, links, project roots
and cache entries (``fuzz.targets.CacheWorld``); a difference is reported like a crash.

Work runs in child processes (one per batch), so a segfault or a hang is caught and reported like any other
crash, with the input that caused it. Prints how many inputs were tried and how they ended.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = ("yamlish", "mutation", "bytes", "events", "cache")


# ---------------------------------------------------------------------------- worker (child process)


def _worker(target: str, seed: int, seconds: float, project: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from fuzz import targets as T

    rng = random.Random(seed)
    pick = T.RandomPick(rng)
    tried = 0
    crashes: list[dict[str, str]] = []
    current: dict[str, Any] = {}
    fuzz_file = project / "examples" / "fuzz.yaml"

    def note(name: str, data: str | bytes) -> None:
        nonlocal tried
        tried += 1
        current.clear()
        current.update(name=name, data=data)
        raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
        (project / "current.input").write_bytes(raw)  # what a child that dies was working on

    def yamlish() -> None:
        text = T.yamlish_from(pick)
        note("examples/fuzz.yaml", text)
        T.exercise(T.write(fuzz_file, text), T.random_query_dates(pick))
        T.check_file(fuzz_file)

    def mutation() -> None:
        name, text = T.mutated_from(pick)
        note(name, text)
        T.exercise_mutation(project, name, text, T.random_query_dates(pick))

    def events() -> None:
        text = T.dump(T.scenario_from(pick))
        note("examples/fuzz.yaml", text)
        T.exercise(T.write(fuzz_file, text), T.random_query_dates(pick))

    # The generators are the test suite's (tests/test_fuzz.py drives them with hypothesis); here a seeded
    # random.Random drives them, without hypothesis's engine, which cost two thirds of each input's time.
    plain = {"yamlish": yamlish, "mutation": mutation, "events": events}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if target == "cache":
                # cache on == cache off: random file changes, each followed by a query asked three ways
                with tempfile.TemporaryDirectory(prefix="cache-", dir=project) as world_dir:
                    world = T.CacheWorld(Path(world_dir), rng)
                    for _ in range(200):
                        if time.monotonic() >= end:
                            break
                        what = world.change()
                        note("cache walk", what)
                        current["data"] = f"{what}; {world.query()}"
                        T.OUTCOME.answers += 1
            elif target == "bytes":
                for _ in range(50):
                    name, data = _byte_mutation(rng, T)
                    note(name, data)
                    T.exercise_mutation(project, name, data, [dt.date(2019, 8, 23), dt.date(2100, 1, 1)])
            else:
                for _ in range(50):
                    plain[target]()
        except Exception as exc:
            crashes.append(
                {
                    "target": target,
                    "error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                    "traceback": traceback.format_exc(),
                    "name": str(current.get("name")),
                    "data": _text(current.get("data", "")),
                }
            )
    return {
        "target": target,
        "tried": tried,
        "answers": T.OUTCOME.answers,
        "errors": T.OUTCOME.errors,
        "crashes": crashes,
    }


def _byte_mutation(rng: random.Random, T: Any) -> tuple[str, Any]:
    """A bundled file with random bytes flipped, inserted, deleted, duplicated or spliced from another."""
    name = rng.choice(T.SEED_FILES)
    data = bytearray((T.DATA / name).read_bytes())
    for _ in range(rng.randint(1, 8)):
        if not data:
            break
        i = rng.randrange(len(data))
        op = rng.randrange(6)
        if op == 0:
            data[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            data.insert(i, rng.choice(b"\x00\t\n\r :-[]{}&*!|>'\"#%@`,?\xc3\xa9\xff"))
        elif op == 2:
            del data[i : i + rng.randint(1, 40)]
        elif op == 3:
            j = min(len(data), i + rng.randint(1, 80))
            data[i:i] = data[i:j] * rng.randint(1, 4)
        elif op == 4:
            other = (T.DATA / rng.choice(T.SEED_FILES)).read_bytes()
            k = rng.randrange(len(other))
            data[i:i] = other[k : k + rng.randint(1, 200)]
        else:
            data[i : i + 10] = str(rng.choice([0, -1, 29, 9999, 10**30])).encode()
    return name, bytes(data)


def _text(data: str | bytes) -> str:
    return data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else data


# ---------------------------------------------------------------------------- parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--minutes", type=float, default=5.0, help="total time (default 5)")
    ap.add_argument("--seed", type=int, default=None, help="make the run repeatable")
    ap.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated, of: {', '.join(TARGETS)}")
    ap.add_argument("--batch", type=float, default=30.0, help="seconds per child process (default 30)")
    ap.add_argument("--out", type=Path, default=HERE / "crashes", help="where crashing inputs are saved")
    ap.add_argument(
        "--worker", nargs=4, metavar=("TARGET", "SEED", "SECONDS", "PROJECT"), help=argparse.SUPPRESS
    )
    args = ap.parse_args(argv)

    if args.worker:
        target, seed, seconds, project = args.worker
        print(json.dumps(_worker(target, int(seed), float(seconds), Path(project))))
        return 0

    targets = [t for t in args.targets.split(",") if t]
    unknown = set(targets) - set(TARGETS)
    if unknown:
        ap.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    rng = random.Random(seed)
    deadline = time.monotonic() + args.minutes * 60
    totals: dict[str, dict[str, Any]] = {
        t: {"tried": 0, "answers": 0, "errors": {}, "crashes": 0} for t in targets
    }
    crashes: list[dict[str, str]] = []
    started = time.monotonic()
    print(
        f"fuzzing treatylife for {args.minutes:g} min, seed {seed}, targets {', '.join(targets)}", flush=True
    )
    i = 0
    with tempfile.TemporaryDirectory(prefix="treatylife-fuzz-") as tmp:
        sys.path.insert(0, str(ROOT))
        from fuzz.targets import scratch_project

        project = scratch_project(Path(tmp))
        while (left := deadline - time.monotonic()) > 1:
            target = targets[i % len(targets)]
            i += 1
            seconds = min(args.batch, left)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", target, str(rng.randrange(2**31)),
                   str(seconds), str(project)]  # fmt: skip
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120, check=False)
            except subprocess.TimeoutExpired:
                crashes.append(_died(project, target, "hang: the batch did not finish in time"))
                totals[target]["crashes"] += 1
                continue
            if proc.returncode != 0:
                crashes.append(
                    _died(project, target, f"child exited with {proc.returncode}: {proc.stderr[-2000:]}")
                )
                totals[target]["crashes"] += 1
                continue
            report = json.loads(proc.stdout.strip().splitlines()[-1])
            tot = totals[target]
            tot["tried"] += report["tried"]
            tot["answers"] += report["answers"]
            for code, n in report["errors"].items():
                tot["errors"][code] = tot["errors"].get(code, 0) + n
            tot["crashes"] += len(report["crashes"])
            crashes += report["crashes"]
            done = sum(t["tried"] for t in totals.values())
            print(
                f"  {time.monotonic() - started:6.0f}s  {done:>8,} inputs  {len(crashes)} crash(es)",
                flush=True,
            )

    elapsed = time.monotonic() - started
    tried = sum(t["tried"] for t in totals.values())
    print(f"\n{tried:,} inputs in {elapsed:.0f} s (seed {seed})")
    for target, t in totals.items():
        families: dict[str, int] = {}
        for code, n in t["errors"].items():
            families[code[:3] + "xx"] = families.get(code[:3] + "xx", 0) + n
        fam = ", ".join(f"{k} {v:,}" for k, v in sorted(families.items()))
        print(f"  {target:9} {t['tried']:>8,} inputs: {t['answers']:,} loaded and answered; errors {fam}; "
              f"{t['crashes']} crash(es)")  # fmt: skip
    if not crashes:
        print("no crash found")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for n, c in enumerate(crashes):
        tb = c.get("traceback", "").strip().splitlines()
        key = c["error"] + (tb[-1] if tb else "")
        stamp = f"{dt.datetime.now():%Y%m%d-%H%M%S}-{n}"
        (args.out / f"{stamp}.input").write_text(
            c.get("data", ""), encoding="utf-8", errors="backslashreplace"
        )
        (args.out / f"{stamp}.txt").write_text(
            f"target: {c['target']}\nfile: {c.get('name')}\n{c['error']}\n\n{c.get('traceback', '')}",
            encoding="utf-8",
        )
        if key not in seen:
            seen.add(key)
            print(f"CRASH ({c['target']}, {c.get('name')}): {c['error']}  -> {args.out / stamp}.txt")
    return 1


def _died(project: Path, target: str, why: str) -> dict[str, str]:
    """A child died (segfault, hang): the scratch project's fuzz files hold the input it was on."""
    current = project / "current.input"
    data = _text(current.read_bytes()) if current.exists() else ""
    return {
        "target": target,
        "error": why.splitlines()[0] if why else "died",
        "traceback": why,
        "name": "",
        "data": data,
    }


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
