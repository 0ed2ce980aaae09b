"""``-o`` never destroys an input and never leaves half a file (issue 12, "Data loss").

The commands are driven as a user does (CliRunner in-process, and real processes where a resource limit or
the full program is needed); every input is checked byte for byte afterwards.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from treatylife.cli.app import app
from treatylife.render.output import is_same_file, write_file

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scenario, a what-if on it and a rules file of their own, in a scratch directory."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "gsomia.yaml").write_bytes((ROOT / "rules" / "gsomia.yaml").read_bytes())
    text = (ROOT / "examples" / "gsomia-record.yaml").read_text(encoding="utf-8")
    lines = [("rules: rules/gsomia.yaml" if ln.startswith("rules:") else ln) for ln in text.splitlines()]
    (tmp_path / "x.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "w.yaml").write_text(
        "schema: treatylife/scenario/1\ntitle: what if\nbased_on: x.yaml\nremove:\n  - kind: notice_suspended\n"
        "  - kind: notice_withdrawn\n",
        encoding="utf-8",
    )
    return tmp_path


def _snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _refused(code: int, err: str, out_name: str, in_name: str) -> None:
    assert code == 2
    line = err.strip()
    assert "\n" not in line
    assert line.startswith("error [TL005]:")
    assert out_name in line and in_name in line


@pytest.mark.parametrize(
    ("command", "extra"),
    [("calendar", ["--from", "2019-01-01"]), ("report", ["--on", "2019-11-23"])],
)
def test_output_naming_the_scenario_is_refused(
    project: Path, command: str, extra: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    before = _snapshot(project)
    code, _, err = run(command, "x.yaml", *extra, "-o", "x.yaml")
    _refused(code, err, "x.yaml", "x.yaml")
    assert _snapshot(project) == before


@pytest.mark.parametrize("target", ["rules/gsomia.yaml", "./rules/../rules/gsomia.yaml", "x.yaml"])
def test_output_naming_the_rules_or_the_base_of_a_whatif_is_refused(
    project: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    before = _snapshot(project)
    code, _, err = run("report", "w.yaml", "--on", "2019-11-23", "-o", target)
    _refused(code, err, str(Path(target)), Path(target).name)
    assert _snapshot(project) == before


def test_calendar_of_several_scenarios_refuses_each_of_them(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    before = _snapshot(project)
    code, _, err = run("calendar", "x.yaml", "w.yaml", "-o", "w.yaml")
    _refused(code, err, "w.yaml", "w.yaml")
    assert _snapshot(project) == before


def test_report_base_option_is_an_input(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    before = _snapshot(project)
    code, _, err = run("report", "w.yaml", "--base", "x.yaml", "--on", "2019-11-23", "-o", "x.yaml")
    _refused(code, err, "x.yaml", "x.yaml")
    assert _snapshot(project) == before


def test_symlink_and_hard_link_to_an_input_are_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    (project / "link.yaml").symlink_to("x.yaml")
    os.link(project / "rules" / "gsomia.yaml", project / "hard.yaml")
    before = _snapshot(project)
    code, _, err = run("report", "x.yaml", "--on", "2019-11-23", "-o", "link.yaml")
    _refused(code, err, "link.yaml", "x.yaml")
    code, _, err = run("calendar", "x.yaml", "-o", "hard.yaml")
    _refused(code, err, "hard.yaml", "gsomia.yaml")
    assert _snapshot(project) == before
    assert (project / "link.yaml").is_symlink()


def test_default_scenario_files_are_inputs_too(tmp_path: Path) -> None:
    """`report -o` over the bundled record (the default scenario) would destroy the package's data."""
    import treatylife

    bundled = next(iter(treatylife.load_files(None).files))
    before = Path(bundled).read_bytes()
    code, _, err = run("report", "--on", "2019-11-23", "-o", bundled)
    _refused(code, err, bundled, Path(bundled).name)
    assert Path(bundled).read_bytes() == before


def test_diagram_refuses_the_declaration_it_draws(tmp_path: Path) -> None:
    from treatylife.engine import lifecycle

    src = Path(lifecycle.__file__)
    before = src.read_bytes()
    code, _, err = run("diagram", "-o", str(src))
    _refused(code, err, str(src), "lifecycle.py")
    assert src.read_bytes() == before


def test_diagram_and_report_write_new_files_and_follow_a_symlinked_output(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    code, _, err = run("diagram", "-o", "d.mmd")
    assert code == 0 and "wrote mermaid diagram to d.mmd" in err
    assert (project / "d.mmd").read_text(encoding="utf-8").startswith(("stateDiagram", "---", "%%"))
    (project / "out").mkdir()
    (project / "out" / "real.html").write_text("old", encoding="utf-8")
    os.chmod(project / "out" / "real.html", 0o640)
    (project / "r.html").symlink_to("out/real.html")
    code, _, _ = run("report", "x.yaml", "--on", "2019-11-23", "-o", "r.html")
    assert code == 0
    assert (project / "r.html").is_symlink()  # the link stays; the file it names is replaced
    assert (project / "out" / "real.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (os.stat(project / "out" / "real.html").st_mode & 0o777) == 0o640
    assert not [p for p in project.rglob("*.tmp")]


def _report(project: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.chdir(project)
    code, _, _ = run("report", "x.yaml", "--on", "2019-11-23", "-o", "report.html")
    assert code == 0
    return (project / "report.html").read_bytes()


def test_failed_write_keeps_the_previous_report_byte_identical(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk in the middle of the write: exit 2 (TL004), old report whole, no temporary file."""
    old = _report(project, monkeypatch)
    real_write = os.write
    calls = {"n": 0}

    def full_disk(fd: int, data: bytes | memoryview) -> int:
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, bytes(data)[:1000])  # a partial write first, as a filling disk does

    monkeypatch.setattr(os, "write", full_disk)
    code, _, err = run("report", "x.yaml", "--on", "2019-08-23", "-o", "report.html")
    monkeypatch.setattr(os, "write", real_write)
    assert calls["n"] == 2
    assert code == 2
    assert err.startswith("error [TL004]:") and "No space left on device" in err and "report.html" in err
    assert (project / "report.html").read_bytes() == old
    assert sorted(p.name for p in project.iterdir()) == ["report.html", "rules", "w.yaml", "x.yaml"]


def test_failed_rename_or_sync_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"previous")
    for name in ("fsync", "replace"):

        def boom(*_: object) -> None:
            raise OSError(errno.EIO, os.strerror(errno.EIO))

        with monkeypatch.context() as m:
            m.setattr(os, name, boom)
            with pytest.raises(Exception, match="cannot write") as info:
                write_file(target, b"new contents", [])
        assert getattr(info.value, "code", None) == "TL004"
        assert target.read_bytes() == b"previous"
        assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.skipif(sys.platform == "win32", reason="ulimit is POSIX")
def test_file_size_limit_in_a_real_process_keeps_the_old_report(project: Path) -> None:
    """`ulimit -f` (the kernel refuses to grow a file: EFBIG) in a real shell, the full program."""
    exe = Path(sys.executable).with_name("treatylife")
    env = {**os.environ, "TREATYLIFE_NO_CACHE": "1"}
    first = subprocess.run(
        [str(exe), "report", "x.yaml", "--on", "2019-11-23", "-o", "report.html"],
        cwd=project,
        capture_output=True,
        env=env,
        check=True,
    )
    assert first.returncode == 0
    old = (project / "report.html").read_bytes()
    assert len(old) > 8 * 1024
    proc = subprocess.run(
        ["bash", "-c", f"ulimit -f 8; exec {exe} report x.yaml --on 2019-08-23 -o report.html"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error [TL004]:") and "File too large" in proc.stderr
    assert (project / "report.html").read_bytes() == old
    assert not [p for p in project.iterdir() if p.name.endswith(".tmp")]


def test_output_that_is_a_directory_or_in_a_missing_directory(tmp_path: Path) -> None:
    code, _, err = run("diagram", "-o", str(tmp_path))
    assert code == 2 and err.startswith("error [TL004]:") and "is a directory" in err
    code, _, err = run("diagram", "-o", str(tmp_path / "nope" / "d.mmd"))
    assert code == 2 and err.startswith("error [TL004]:") and "No such file or directory" in err


def test_output_to_a_character_device_is_streamed_not_replaced() -> None:
    """`-o /dev/null` (or /dev/stdout) is written to, never renamed over."""
    code, _, err = run("diagram", "-o", "/dev/null")
    assert code == 0 and "wrote mermaid diagram to /dev/null" in err
    assert Path("/dev/null").is_char_device()


def test_is_same_file_spellings(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text("x", encoding="utf-8")
    (tmp_path / "s.txt").symlink_to(a)
    os.link(a, tmp_path / "h.txt")
    (tmp_path / "b.txt").write_text("x", encoding="utf-8")
    assert is_same_file(a, tmp_path / "s.txt")
    assert is_same_file(a, tmp_path / "h.txt")
    assert is_same_file(a, tmp_path / "." / "a.txt")
    assert not is_same_file(a, tmp_path / "b.txt")
    assert not is_same_file(a, tmp_path / "missing.txt")


def _from_stdin(args: list[str], cwd: Path, **stdin: object) -> subprocess.CompletedProcess[bytes]:
    """The program as a shell runs it, standard input redirected (``stdin=``) or piped (``input=``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYLIFE_")}
    env["TREATYLIFE_NO_CACHE"] = "1"
    return subprocess.run(  # type: ignore[call-overload,no-any-return]
        [sys.executable, "-m", "treatylife", *args],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
        **stdin,
    )


@pytest.mark.parametrize(
    ("command", "name", "text"),
    [
        (
            ["portfolio", "-", "--on", "2020-01-01"],
            "reg.csv",
            "id,rules,entry_into_force\nr1,gsomia,2016-11-23\n",
        ),
        (
            ["deadlines", "-", "--from", "2020-01-01", "--format", "parquet"],
            "reg.csv",
            "id,rules,entry_into_force\nr1,gsomia,2016-11-23\n",
        ),
        (["report", "-"], "x.yaml", None),
        (["calendar", "-"], "x.yaml", None),
    ],
)
def test_an_output_is_never_the_file_standard_input_was_redirected_from(
    project: Path, command: list[str], name: str, text: str | None
) -> None:
    """``treatylife portfolio - -o reg.csv < reg.csv`` would replace the register with its answers: the file
    standard input reads is an input like any other (TL005), under whatever name -o gives it."""
    path = project / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    before = path.read_bytes()
    (project / "link.out").symlink_to(path)
    for out in (name, "link.out", f"./{name}"):
        with path.open("rb") as fh:
            r = _from_stdin([*command, "-o", out], project, stdin=fh)
        assert r.returncode == 2, r.stderr
        assert b"[TL005]" in r.stderr and b"standard input" in r.stderr
        assert path.read_bytes() == before
    # a pipe is no file: the same answer to a new file is written
    r = _from_stdin([*command, "-o", "new.out"], project, input=before)
    assert r.returncode == 0, r.stderr
    assert (project / "new.out").stat().st_size > 0
