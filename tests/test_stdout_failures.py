"""Standard output that fails: a reader that goes away (``| head``) or a full disk.

Neither is a bug of treatylife, and neither may pass unnoticed: a closed pipe ends the command quietly with
141 (as ``cat`` ends), a full disk is one ``TL004`` line and exit 2, and a write cut short part-way (which
CPython's buffered text output would otherwise swallow, exiting 0) raises.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ENV = {**os.environ, "PYTHONIOENCODING": "utf-8", "TREATYLIFE_NO_CACHE": "1"}
ENV.pop("TREATYLIFE_TODAY", None)


def _register(folder: Path, n: int = 6000) -> Path:
    """A register whose answers are far larger than a pipe's buffer (64 KiB)."""
    reg = folder / "reg.csv"
    rows = "".join(f"c{i:05d},gsomia,2017-{1 + i % 12:02d}-{1 + i % 28:02d}\n" for i in range(n))
    reg.write_text("id,rules,entry_into_force\n" + rows, encoding="utf-8")
    return reg


def _closed_reader(argv: list[str], cwd: Path, read: int, env: dict[str, str] = ENV) -> tuple[int, bytes]:
    """Run treatylife with its output read ``read`` bytes far (0: closed before it writes anything), then the
    pipe closed; (exit code, stderr)."""
    with subprocess.Popen(
        [sys.executable, "-m", "treatylife", *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        if read:
            assert len(proc.stdout.read(read)) == read
        proc.stdout.close()
        err = proc.stderr.read()
        return proc.wait(timeout=120), err


@pytest.mark.parametrize(
    "form", [["--format", "csv"], ["--json"], ["--format", "jsonl"], ["--format", "markdown"]]
)
def test_a_reader_that_goes_away_ends_a_register_command_quietly(tmp_path: Path, form: list[str]) -> None:
    reg = _register(tmp_path)
    code, err = _closed_reader(["portfolio", str(reg), "--on", "2020-01-01", *form], tmp_path, read=100)
    assert (code, err) == (141, b"")


@pytest.mark.parametrize("cache", [True, False])
def test_a_reader_gone_before_status_writes_ends_it_quietly(tmp_path: Path, cache: bool) -> None:
    argv = ["status", "--on", "2019-08-23", "--json"]
    env = dict(ENV)
    if cache:
        env.pop("TREATYLIFE_NO_CACHE")
        env["TREATYLIFE_CACHE_DIR"] = str(tmp_path / "cache")
        subprocess.run(
            [sys.executable, "-m", "treatylife", *argv], cwd=tmp_path, env=env, capture_output=True
        )
    assert _closed_reader(argv, tmp_path, read=0, env=env) == (141, b"")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    ("argv", "where"),
    [
        (["status", "--on", "2019-08-23"], "standard output"),
        (["status", "--on", "2019-08-23", "--json"], "standard output"),
        (["report"], "standard output"),
        (["portfolio", "REG", "--on", "2020-01-01", "--format", "csv"], "standard output"),
        (["portfolio", "REG", "--on", "2020-01-01", "--format", "csv", "-o", "/dev/full"], "/dev/full"),
    ],
)
def test_a_full_disk_is_one_tl004_line_and_exit_2(tmp_path: Path, argv: list[str], where: str) -> None:
    reg = _register(tmp_path, 10)
    argv = [str(reg) if a == "REG" else a for a in argv]
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "treatylife", *argv],
            cwd=tmp_path,
            env=ENV,
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    lines = proc.stderr.decode().splitlines()
    assert proc.returncode == 2
    assert len(lines) == 1 and lines[0].startswith("error [TL004]: ")
    assert f"{where}: cannot write: No space left on device" in lines[0]
    assert "bug" not in lines[0] and "Traceback" not in proc.stderr.decode()


def test_a_write_cut_short_raises_instead_of_vanishing(tmp_path: Path) -> None:
    """``print`` of 2 MB to a pipe whose reader leaves after 10 bytes: under treatylife's standard output the
    write fails loudly (CPython's own text output would report the whole write as done)."""
    code = "from treatylife.cli.stdout import install\ninstall()\nprint('x' * 2_000_000)\n"
    with subprocess.Popen(
        [sys.executable, "-c", code], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(10) == b"x" * 10
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) != 0 and b"BrokenPipeError" in err


def test_whole_writes_keeps_every_byte_on_a_healthy_pipe(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom treatylife.cli.stdout import install\ninstall()\n"
        "sys.stdout.write('é' * 300_000)\nsys.stdout.buffer.write(b'z' * 300_000)\nprint('end')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, check=True, cwd=tmp_path)
    assert out.stdout == ("é" * 300_000).encode() + b"z" * 300_000 + b"end\n"
