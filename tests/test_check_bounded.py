"""`check` on files that are not ordinary small files (issue 12, "Registers under bad input").

`check` once peeked at every file (to tell rules from scenarios) before the loader's regular-file check: a
FIFO hung it, and a 1.5 GB file was read whole. Now only a regular file is opened, and only its first 4 KiB
are read; the loader refuses the rest with its own codes. A hang shows as the subprocess timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).with_name("treatylife")


def _check(*paths: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE), "check", *paths, "--json"],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def _codes(proc: subprocess.CompletedProcess[str]) -> dict[str, str | None]:
    return {f["file"]: (f["error"] or {}).get("code") for f in json.loads(proc.stdout)["files"]}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    proc = _check("pipe.yaml", str(ROOT / "examples" / "gsomia-record.yaml"), cwd=tmp_path)
    assert proc.returncode == 2
    codes = _codes(proc)
    assert codes["pipe.yaml"] == "TL101"
    assert codes[str(ROOT / "examples" / "gsomia-record.yaml")] is None  # the good file is still checked


def test_huge_sparse_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.write(b"schema: treatylife/rules/1\nentry_into_force:\n")
        fh.truncate(1_500 * 1024 * 1024)  # 1.5 GB, sparse: no disk used, and it must not be read
    proc = _check("big.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert _codes(proc) == {"big.yaml": "TL102"}


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_refused(tmp_path: Path) -> None:
    proc = _check("/dev/zero", cwd=tmp_path)
    assert proc.returncode == 2
    assert _codes(proc) == {"/dev/zero": "TL101"}


def test_text_output_names_each_file_and_code(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    proc = subprocess.run(
        [str(EXE), "check", "pipe.yaml", "/dev/zero"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout.splitlines() == [
        "FAIL  pipe.yaml: is not a regular file [TL101]",
        "FAIL  /dev/zero: is not a regular file [TL101]",
        "0 ok, 2 failed",
    ]
