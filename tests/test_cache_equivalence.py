"""The cache never changes an answer: with the cache, ``treatylife status|deadline`` prints the same bytes on
stdout and stderr and exits with the same code as the full CLI without it (issue 12, "Wrong answers from the
cache"). Each finding of the issue is reproduced here; ``fuzz/run.py --targets cache`` walks at random over
the same kinds of change for as long as asked.

The commands run in this process through the real console entry (``treatylife.__main__.main``) with a
standard output that is not a terminal (``fuzz.targets.run_cli``), or in a child process where the point is
the process itself (a hang, the encoding of standard output).
"""

from __future__ import annotations

import importlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import treatylife as tl
from treatylife.cli import fastpath
from treatylife.cli.cache import get_record
from treatylife.files import probe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
T: Any = importlib.import_module("fuzz.targets")
DATA = Path(tl.__file__).parent / "data"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TREATYLIFE_CACHE_DIR", str(tmp_path / "cache"))  # for get_record() in the tests
    return tmp_path / "cache"


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project: rules/ (the root marker) with two GSOMIA variants and a link, examples/x.yaml."""
    p = tmp_path / "proj"
    (p / "rules").mkdir(parents=True)
    (p / "examples").mkdir()
    gsomia = (DATA / "rules" / "gsomia.yaml").read_text(encoding="utf-8")
    assert "notice: 90 days" in gsomia
    (p / "rules" / "gsomia-90.yaml").write_text(gsomia, encoding="utf-8")
    (p / "rules" / "gsomia-120.yaml").write_text(
        gsomia.replace("notice: 90 days", "notice: 120 days"), "utf-8"
    )
    os.symlink("gsomia-90.yaml", p / "rules" / "current.yaml")
    record = (DATA / "examples" / "gsomia-record.yaml").read_text(encoding="utf-8")
    lines = [
        ("rules: ../rules/current.yaml" if ln.startswith("rules:") else ln) for ln in record.splitlines()
    ]
    (p / "examples" / "x.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(p)
    return p


def cached(argv: list[str], cache: Path, **env: str | None) -> Any:
    return T.run_cli(argv, {"TREATYLIFE_CACHE_DIR": str(cache), "TREATYLIFE_NO_CACHE": None, **env})


def reference(argv: list[str], **env: str | None) -> Any:
    """The full typer CLI, without the cache: the answer the cache must reproduce."""
    return T.run_cli(argv, {"TREATYLIFE_NO_CACHE": "1", **env}, full=True)


def same_with_and_without(argv: list[str], cache: Path) -> Any:
    want = reference(argv)
    assert cached(argv, cache) == want
    assert cached(argv, cache) == want  # the second run is the one that may come from the cache
    assert T.run_cli(argv, {"TREATYLIFE_NO_CACHE": "1"}) == want
    return want


def repoint(link: Path, target: str) -> None:
    tmp = link.with_name(link.name + ".new")
    os.symlink(target, tmp)
    os.replace(tmp, link)


def entry_of(cache: Path) -> Path:
    (entry,) = (cache / "records").glob("*.json")
    return entry


# ---------------------------------------------------------------------------- symbolic links


def test_a_repointed_rules_symlink_changes_the_answer(proj: Path, cache: Path) -> None:
    argv = ["deadline", "examples/x.yaml", "--on", "2020-01-01", "--json"]
    first = same_with_and_without(argv, cache)
    assert json.loads(first.out)["deadline"] == "2020-08-24"
    assert get_record("examples/x.yaml", tl.__version__) is not None  # it is cached
    repoint(proj / "rules" / "current.yaml", "gsomia-120.yaml")
    assert get_record("examples/x.yaml", tl.__version__) is None
    second = same_with_and_without(argv, cache)
    assert json.loads(second.out)["deadline"] == "2020-07-25"  # 120 clear days before the term ends


def test_a_repointed_scenario_symlink_changes_the_answer(proj: Path, cache: Path) -> None:
    ex = proj / "examples"
    (ex / "late.yaml").write_text(
        (ex / "x.yaml").read_text(encoding="utf-8").replace("2019-08-23", "2019-08-26"), "utf-8"
    )
    os.symlink("x.yaml", ex / "link.yaml")
    argv = ["status", "examples/link.yaml", "--on", "2019-08-30"]
    before = same_with_and_without(argv, cache)
    repoint(ex / "link.yaml", "late.yaml")
    after = same_with_and_without(argv, cache)
    assert before.out != after.out  # the late notice is not timely


def test_a_symlinked_folder_repointed_changes_the_answer(proj: Path, cache: Path) -> None:
    (proj / "rules-b").mkdir()
    shutil.copyfile(proj / "rules" / "gsomia-120.yaml", proj / "rules-b" / "gsomia-90.yaml")
    (proj / "rules" / "current.yaml").unlink()
    os.symlink("gsomia-90.yaml", proj / "rules" / "current.yaml")
    os.rename(proj / "rules", proj / "rules-a")
    os.symlink("rules-a", proj / "rules")
    argv = ["deadline", "examples/x.yaml", "--on", "2020-01-01"]
    before = same_with_and_without(argv, cache)
    os.symlink("rules-b", proj / "rules.new")
    os.replace(proj / "rules.new", proj / "rules")  # the folder, not the file, is repointed
    (proj / "rules-b" / "current.yaml").symlink_to("gsomia-90.yaml")
    after = same_with_and_without(argv, cache)
    assert before.out != after.out and b"2020-07-25" in after.out


# ---------------------------------------------------------------------------- the project root


@pytest.mark.parametrize("marker", ["rules", "pyproject.toml", ".git"])
def test_a_new_project_root_is_not_answered_from_the_cache(proj: Path, cache: Path, marker: str) -> None:
    argv = ["status", "examples/x.yaml", "--on", "2019-08-23"]
    assert same_with_and_without(argv, cache).code == 0
    m = proj / "examples" / marker
    if marker == "pyproject.toml":
        m.write_text("[project]\n", encoding="utf-8")
    else:
        m.mkdir()
    after = same_with_and_without(argv, cache)  # ../rules is now outside the project
    assert after.code == 2 and b"TL301" in after.err
    shutil.rmtree(m) if m.is_dir() else m.unlink()
    assert same_with_and_without(argv, cache).code == 0


# ---------------------------------------------------------------------------- entries that are not ours


def test_an_entry_for_another_scenario_is_a_miss(proj: Path, cache: Path) -> None:
    """An entry copied under another scenario's name, or a hand-made one listing an unrelated file."""
    other = proj / "examples" / "y.yaml"
    other.write_text(
        (proj / "examples" / "x.yaml").read_text(encoding="utf-8").replace("2019-08-23", "2019-09-23"),
        "utf-8",
    )
    entry = {}
    for name in ("x.yaml", "y.yaml"):
        before = set((cache / "records").glob("*.json"))
        cached(["status", f"examples/{name}", "--on", "2019-10-01"], cache)
        (entry[name],) = set((cache / "records").glob("*.json")) - before
    for src, dst in (("x.yaml", "y.yaml"), ("y.yaml", "x.yaml")):
        shutil.copyfile(entry[src], entry[dst])  # src's entry under dst's name
        assert get_record(f"examples/{dst}", tl.__version__) is None
        for name in ("x.yaml", "y.yaml"):
            same_with_and_without(["status", f"examples/{name}", "--on", "2019-10-01"], cache)
        assert get_record(f"examples/{dst}", tl.__version__) is not None  # stored again, its own


def test_a_forged_entry_listing_an_unrelated_file_is_a_miss(proj: Path, cache: Path) -> None:
    argv = ["status", "examples/x.yaml", "--on", "2019-08-23"]
    want = same_with_and_without(argv, cache)
    entry = entry_of(cache)
    data = json.loads(entry.read_text(encoding="utf-8"))
    (proj / "unrelated.txt").write_text("x", encoding="utf-8")
    read = ["read", str(proj / "unrelated.txt"), 10, ["ok", [probe.digest(b"x"), 1]]]
    data["observations"] = [read]
    data["record"]["title"] = "FORGED"
    entry.write_text(json.dumps(data), encoding="utf-8")
    assert get_record("examples/x.yaml", tl.__version__) is None
    assert cached(argv, cache) == want
    data["top"] = str(proj / "unrelated.txt")
    entry.write_text(json.dumps(data), encoding="utf-8")
    assert get_record("examples/x.yaml", tl.__version__) is None
    assert cached(argv, cache) == want


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o707, 0o722])
def test_a_cache_folder_others_can_write_is_not_used(proj: Path, cache: Path, mode: int) -> None:
    argv = ["status", "examples/x.yaml", "--on", "2019-08-23"]
    want = same_with_and_without(argv, cache)
    assert get_record("examples/x.yaml", tl.__version__) is not None
    for folder in (cache, cache / "records"):
        os.chmod(folder, mode)
        assert get_record("examples/x.yaml", tl.__version__) is None
        assert cached(argv, cache) == want
        os.chmod(folder, 0o700)
    os.chmod(entry_of(cache), 0o622)  # the entry itself writable by others
    assert get_record("examples/x.yaml", tl.__version__) is None
    assert cached(argv, cache) == want


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing an owner needs root")
def test_a_cache_folder_of_another_user_is_not_used(proj: Path, cache: Path) -> None:
    argv = ["status", "examples/x.yaml", "--on", "2019-08-23"]
    want = same_with_and_without(argv, cache)
    for path in (cache, cache / "records", entry_of(cache)):
        os.chown(path, 4242, -1)
        assert get_record("examples/x.yaml", tl.__version__) is None
        assert cached(argv, cache) == want
        os.chown(path, 0, -1)
    assert get_record("examples/x.yaml", tl.__version__) is not None


def test_a_deeply_nested_entry_is_a_miss(proj: Path, cache: Path) -> None:
    argv = ["status", "examples/x.yaml", "--on", "2019-08-23", "--json"]
    want = same_with_and_without(argv, cache)
    entry = entry_of(cache)
    for depth in (10, 100_000):
        entry.write_text("[" * depth + "]" * depth, encoding="ascii")
        assert get_record("examples/x.yaml", tl.__version__) is None  # no RecursionError
        entry.write_text('{"key": ' + "[" * depth + "]" * depth + "}", encoding="ascii")
        assert get_record("examples/x.yaml", tl.__version__) is None
    entry.write_text("[" * 100_000, encoding="ascii")
    assert cached(argv, cache) == want


# ---------------------------------------------------------------------------- FIFOs and devices


def _child(argv: list[str], env: dict[str, str], timeout: float = 60) -> Any:
    """One run in a child process; a hang is a failure, not a stuck test run."""
    proc = subprocess.run(
        [sys.executable, "-m", "treatylife", *argv],
        capture_output=True,
        env={**os.environ, **env},
        timeout=timeout,
        check=False,
    )
    return T.Answer(proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize("plant", ["fifo", "dev-zero"])
def test_a_fifo_or_device_as_cache_entry_never_hangs(proj: Path, cache: Path, plant: str) -> None:
    argv = ["status", "examples/x.yaml", "--on", "2019-08-23"]
    want = same_with_and_without(argv, cache)
    entry = entry_of(cache)
    entry.unlink()
    os.mkfifo(entry) if plant == "fifo" else os.symlink("/dev/zero", entry)
    assert get_record("examples/x.yaml", tl.__version__) is None
    got = _child(argv, {"TREATYLIFE_CACHE_DIR": str(cache), "PYTHONIOENCODING": "utf-8"})
    assert got == want


@pytest.mark.parametrize("plant", ["fifo", "dev-zero"])
def test_a_fifo_or_device_named_by_an_entry_never_hangs(proj: Path, cache: Path, plant: str) -> None:
    argv = ["status", "examples/x.yaml", "--on", "2019-08-23"]
    same_with_and_without(argv, cache)
    target = proj / "examples" / "x.yaml"
    target.unlink()
    os.mkfifo(target) if plant == "fifo" else os.symlink("/dev/zero", target)
    want = reference(argv)
    assert want.code == 2 and b"TL101" in want.err
    assert get_record("examples/x.yaml", tl.__version__) is None
    got = _child(argv, {"TREATYLIFE_CACHE_DIR": str(cache), "PYTHONIOENCODING": "utf-8"})
    assert got == want


# ---------------------------------------------------------------------------- the process's environment


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "utf-8"])
@pytest.mark.parametrize("fmt", ["--explain", "--json"])
def test_a_stdout_that_is_not_utf8_gets_what_the_cold_path_prints(
    cache: Path, encoding: str, fmt: str
) -> None:
    """The GSOMIA title has an en dash: the full CLI's echo re-encodes an ASCII stream as UTF-8 (with
    replacement); the warm cache hands such a stream to it rather than guess."""
    argv = ["status", "--on", "2019-08-23", fmt]
    env = {"PYTHONIOENCODING": encoding, "TREATYLIFE_CACHE_DIR": str(cache)}
    want = _child(argv, {**env, "TREATYLIFE_NO_CACHE": "1"})
    assert _child(argv, env) == want  # fills the cache (or not)
    assert T.run_cli(argv, {"TREATYLIFE_CACHE_DIR": str(cache)}, encoding="utf-8").code == 0  # now warm
    assert _child(argv, env) == want
    assert T.run_cli(argv, {"TREATYLIFE_CACHE_DIR": str(cache)}, encoding=encoding) == T.run_cli(
        argv, {"TREATYLIFE_NO_CACHE": "1"}, full=True, encoding=encoding
    )


@pytest.mark.parametrize(
    "on",
    [
        "2019-08-23",
        "2019-W34-5",
        "20190823",
        " 2019-08-23",
        "TODAY",
        "+90d",
        "-2w",
        "2019-08",
        "+999999y",
        "x",
    ],
)
def test_the_date_grammar_is_the_full_clis(cache: Path, on: str) -> None:
    """--on is parsed by the typer option's own parser (a lower-cased ISO week date is not a date there)."""
    for argv in (["deadline", "--on", on, "--json"], [f"--on={on}", "status"][::-1]):
        same_with_and_without(argv, cache)


@pytest.mark.parametrize(
    "env",
    [{"TREATYLIFE_TODAY": "2019-08-23"}, {"_TREATYLIFE_COMPLETE": "bash_source"}, {"TREATYLIFE_DEBUG": "1"}],
)
def test_treatylife_variables_the_fast_path_does_not_know_go_to_the_full_cli(
    cache: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    monkeypatch.setenv("TREATYLIFE_CACHE_DIR", str(cache))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert fastpath.run(["status", "--on", "2019-08-23"]) is None


@pytest.mark.parametrize(
    "env", [{"NO_COLOR": "1"}, {"COLUMNS": "20"}, {"FORCE_COLOR": "1"}, {"TERM": "dumb"}]
)
def test_terminal_variables_give_the_same_answer(cache: Path, env: dict[str, str]) -> None:
    """The cache holds a Record, not an answer: the answer is rendered in this run's environment."""
    for argv in (["status", "--on", "2019-11-23", "--explain"], ["deadline", "--on", "2019-01-01", "--json"]):
        want = reference(argv, **env)
        assert cached(argv, cache, **env) == want
        assert cached(argv, cache, **env) == want


def test_an_escape_sequence_in_a_title_is_printed_as_the_full_cli_prints_it(proj: Path, cache: Path) -> None:
    x = proj / "examples" / "x.yaml"
    text = x.read_text(encoding="utf-8")
    x.write_text(
        text.replace("title:", 'title: "\\e]0;pwned\\a\\e[2J red \\u2028 [/bold]"\nold_title:', 1), "utf-8"
    )
    x.write_text(
        "\n".join(ln for ln in x.read_text(encoding="utf-8").splitlines() if not ln.startswith("old_title:"))
        + "\n",
        "utf-8",
    )
    for fmt in ("--explain", "--json"):
        same_with_and_without(["status", "examples/x.yaml", "--on", "2019-08-23", fmt], cache)


# ---------------------------------------------------------------------------- the loader's questions


def test_the_loader_asks_the_file_system_only_through_the_probe() -> None:
    """The cache asks again the questions recorded by treatylife.files.probe; a question asked another way
    would not be checked again. Allowed: ``bundled_root`` (asked once per process; fixed by the package's
    place, which is in the key) and ``_outside_hint`` (the hint of an error: no Record is stored)."""
    import ast

    from treatylife.files import loader

    tree = ast.parse(Path(loader.__file__).read_text(encoding="utf-8"))
    direct = {"resolve", "is_dir", "is_file", "exists", "stat", "lstat", "open", "read_bytes", "read_text",
              "iterdir", "glob", "rglob", "is_symlink", "readlink", "samefile", "scandir", "listdir", "walk"}  # fmt: skip
    allowed = {"bundled_root", "_outside_hint"}
    found = []
    for top in ast.walk(tree):
        if not isinstance(top, ast.FunctionDef) or top.name in allowed:
            continue
        for node in ast.walk(top):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
                owner = (
                    fn.value.id if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) else ""
                )
                if name in direct and owner != "probe":
                    found.append(f"{top.name}, line {node.lineno}: {name}()")
    assert found == []


def test_an_entry_records_every_file_the_loader_read(proj: Path, cache: Path) -> None:
    (proj / "examples" / "w.yaml").write_text(
        "title: w\nbased_on: x.yaml\nremove:\n  - kind: notice_suspended\n  - kind: notice_withdrawn\n",
        "utf-8",
    )
    argv = ["status", "examples/w.yaml", "--on", "2019-08-23"]
    same_with_and_without(argv, cache)
    data = json.loads(entry_of(cache).read_text(encoding="utf-8"))
    reads = {o[1] for o in data["observations"] if o[0] == "read"}
    assert reads == {
        "examples/w.yaml",
        str(proj / "examples" / "x.yaml"),
        str(proj / "rules" / "gsomia-90.yaml"),
    }
    assert data["key"]["scenario"] == "examples/w.yaml" and data["top"] == "examples/w.yaml"
    probes = {(o[0], Path(o[1]).name) for o in data["observations"]}
    assert {
        ("is_dir", "rules"),
        ("exists", "pyproject.toml"),
        ("exists", ".git"),
    } <= probes  # the root search


def test_a_short_random_walk_of_changes(tmp_path: Path) -> None:
    """The fuzz target, bounded: edits, symlink swaps, root changes, FIFOs, damaged and forged entries."""
    assert T.cache_walk(tmp_path, random.Random(12), 40) == 40


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["--json", "--explain"])
def test_a_full_disk_on_stdout_is_reported_as_the_full_cli_reports_it(cache: Path, fmt: str) -> None:
    argv = ["status", "--on", "2019-08-23", fmt]

    def run(env: dict[str, str]) -> Any:
        with open("/dev/full", "wb") as full:
            proc = subprocess.run(
                [sys.executable, "-m", "treatylife", *argv],
                stdout=full,
                stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONIOENCODING": "utf-8", **env},
                timeout=60,
                check=False,
            )
        return proc.returncode, proc.stderr

    want = run({"TREATYLIFE_NO_CACHE": "1"})
    assert want[0] == 2 and b"standard output: cannot write: No space left" in want[1]
    _child(argv, {"TREATYLIFE_CACHE_DIR": str(cache)})  # fills the cache
    assert get_record(None, tl.__version__) is not None
    assert run({"TREATYLIFE_CACHE_DIR": str(cache)}) == want
