"""A bounded load test of `treatylife serve`, on loopback only: N requests from C concurrent clients against a
generated register of A agreements; prints errors, p50 and p99 latency (docs/performance.md).

    .venv/bin/python benchmarks/serve_load.py                       # 2,000 requests, 20 clients, 10,000 agreements
    .venv/bin/python benchmarks/serve_load.py --requests 200 --agreements 1000

The server runs in a subprocess (`treatylife serve REGISTER --port P`, bound to 127.0.0.1) so the clients do
not share its interpreter; the request loop is bounded in count and in time, and stops by itself. The mix is
what a register page and the tools calling the API ask: an agreement's status, deadline and timeline on
random dates, the register's upcoming deadlines and portfolio, and the register page.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

LOOPBACK = "127.0.0.1"
MAX_SECONDS = 300.0  # the whole run stops by itself after this, whatever is left


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0

    def percentile(self, q: float, values: list[float] | None = None) -> float:
        data = sorted(self.latencies if values is None else values)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, round(q * (len(data) - 1)))]


def requests_for(n: int, ids: list[str], seed: int = 15) -> list[tuple[str, str]]:
    """(kind, path) of ``n`` requests: mostly one agreement's answers, some register-wide ones."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a = rng.choice(ids)
        d = f"{rng.randint(1995, 2035)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        u = rng.random()
        if u < 0.40:
            out.append(("status", f"/api/agreements/{a}/status?on={d}"))
        elif u < 0.70:
            out.append(("deadline", f"/api/agreements/{a}/deadline?on={d}"))
        elif u < 0.80:
            out.append(("timeline", f"/api/agreements/{a}/timeline?to={d}"))
        elif u < 0.88:
            out.append(("agreement page", f"/agreements/{a}?on={d}"))
        elif u < 0.94:
            out.append(("register deadlines", "/api/registers/register/deadlines?from=2026-12-01&within=30d"))
        elif u < 0.97:
            out.append(("register page", "/?from=2026-12-01&within=30d&party=JPN"))
        else:
            out.append(("portfolio", "/api/registers/register/portfolio?on=2026-12-01"))
    return out


async def run_load(base_url: str, plan: list[tuple[str, str]], clients: int) -> Outcome:
    """Send ``plan`` with ``clients`` concurrent connections; every non-200 answer is an error."""
    import httpx

    assert base_url.startswith(("http://127.", "http://localhost", "http://[::1]")), "loopback only"
    outcome = Outcome()
    queue = list(reversed(plan))
    stop_at = time.monotonic() + MAX_SECONDS

    async def client(http: httpx.AsyncClient) -> None:
        while queue and time.monotonic() < stop_at:
            kind, path = queue.pop()
            t0 = time.perf_counter()
            try:
                resp = await http.get(path)
                ok = resp.status_code == 200
                detail = f"{resp.status_code} {path}: {resp.text[:200]}"
            except httpx.HTTPError as exc:
                ok, detail = False, f"{type(exc).__name__} {path}"
            dt = time.perf_counter() - t0
            outcome.latencies.append(dt)
            outcome.by_kind.setdefault(kind, []).append(dt)
            if not ok:
                outcome.errors.append(detail)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    outcome.seconds = time.perf_counter() - t0
    if queue:
        outcome.errors.append(f"{len(queue)} requests not sent: the run hit its {MAX_SECONDS:.0f} s bound")
    return outcome


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def start_server(register: Path, port: int) -> subprocess.Popen[bytes]:
    """`treatylife serve REGISTER` on 127.0.0.1:port, once it accepts connections (its messages go to a log
    file beside the register)."""
    exe = Path(sys.executable).with_name("treatylife")
    cmd = [str(exe), "serve", str(register), "--host", LOOPBACK, "--port", str(port)]
    log = register.with_suffix(".log")
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=fh)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("the server did not start within 120 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--agreements", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="treatylife-load-") as tmp:
        register = generate.write(Path(tmp) / "register.csv", args.agreements)
        ids = [f"c{i:06d}" for i in range(args.agreements)]
        port = free_port()
        t0 = time.perf_counter()
        proc = start_server(register, port)
        started = time.perf_counter() - t0
        try:
            plan = requests_for(args.requests, ids)
            # one warm-up request per kind (first answers build caches), not counted
            asyncio.run(run_load(f"http://{LOOPBACK}:{port}", _warmup(plan), 1))
            out = asyncio.run(run_load(f"http://{LOOPBACK}:{port}", plan, args.clients))
        finally:
            stop_server(proc)
    print(
        f"serve: {args.requests:,} requests, {args.clients} clients, {args.agreements:,} agreements "
        f"(server up in {started:.1f} s, {os.cpu_count()} cores shared with the clients; "
        f"load average {os.getloadavg()[0]:.1f} at the end)"
    )
    print(
        f"  errors: {len(out.errors)}; {len(out.latencies) / out.seconds:,.0f} requests/s; "
        f"p50 {out.percentile(0.5) * 1000:.1f} ms, p99 {out.percentile(0.99) * 1000:.1f} ms"
    )
    for kind, values in sorted(out.by_kind.items()):
        print(
            f"  {kind:<19} n={len(values):<5} p50 {out.percentile(0.5, values) * 1000:7.1f} ms  "
            f"p99 {out.percentile(0.99, values) * 1000:7.1f} ms  mean {statistics.fmean(values) * 1000:7.1f} ms"
        )
    for e in out.errors[:10]:
        print(f"  error: {e}")
    return 1 if out.errors else 0


def _warmup(plan: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for kind, path in plan:
        seen.setdefault(kind, path)
    return list(seen.items())


if __name__ == "__main__":
    sys.exit(main())
