"""A small, bounded load run on loopback: 200 requests from 20 concurrent clients against a generated
1,000-agreement register served by `treatylife serve` in a subprocess; no request may fail. Latencies are
measured by benchmarks/serve_load.py (docs/performance.md), never asserted here."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install -e '.[serve-test]')")
pytest.importorskip("uvicorn", reason="the serve extra is not installed (pip install -e '.[serve-test]')")
pytest.importorskip("httpx", reason="the load clients need httpx")

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "serve_load.py"


def _load_module() -> object:
    spec = importlib.util.spec_from_file_location("serve_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["serve_load"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_two_hundred_requests_from_twenty_clients_without_an_error() -> None:
    load: object = _load_module()
    with tempfile.TemporaryDirectory(prefix="treatylife-load-") as tmp:
        register = load.generate.write(Path(tmp) / "register.csv", 1000)  # type: ignore[attr-defined]
        port = load.free_port()  # type: ignore[attr-defined]
        proc = load.start_server(register, port)  # type: ignore[attr-defined]
        try:
            plan = load.requests_for(200, [f"c{i:06d}" for i in range(1000)])  # type: ignore[attr-defined]
            out = asyncio.run(load.run_load(f"http://127.0.0.1:{port}", plan, 20))  # type: ignore[attr-defined]
        finally:
            load.stop_server(proc)  # type: ignore[attr-defined]
    assert len(out.latencies) == 200
    assert out.errors == []
    kinds = set(out.by_kind)
    assert {"status", "deadline", "register deadlines"} <= kinds
