"""Test files for experts (issue 13): `expect:` entries in scenarios, `treatylife test`, and pytest."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

SCENARIO = """\
title: GSOMIA with expectations, some wrong
rules: gsomia
events:
  - {date: 2016-11-23, kind: signed}
  - {date: 2016-11-23, kind: notified, party: KOR}
  - {date: 2016-11-23, kind: notified, party: JPN}
  - {date: 2019-08-23, kind: notice_given, id: kor-notice, party: KOR, clause: art21-3-notice}
expect:
  - {date: 2016-11-23, in_force: true, term: 1}
  - {date: 2019-08-23, ends: 2019-11-23, notice: kor-notice, notice_status: pending}
  - {date: 2019-11-23, in_force: true, why: "not suspended in this file"}
  - {date: 2019-11-23, party: KOR, stage: in_force, ends: null}
  - {date: 2019-08-01, deadline: 2019-08-24}
"""


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    (tmp_path / "wrong.yaml").write_text(SCENARIO, encoding="utf-8")
    good = "\n".join(SCENARIO.splitlines()[:-3]) + "\n"  # the entries that hold
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "right.yml").write_text(good.replace("some wrong", "right"), encoding="utf-8")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_one_line_per_failure_and_exit_code_3(scenarios: Path) -> None:
    code, out, _ = run("test", str(scenarios / "wrong.yaml"))
    assert code == 3
    shown = str(scenarios / "wrong.yaml")
    assert out.splitlines() == [
        f"FAIL  {shown}:11: on 2019-11-23: in_force: expected true, got false (not suspended in this file)",
        f"FAIL  {shown}:12: on 2019-11-23 for KOR: stage: expected in_force, got terminated",
        f"FAIL  {shown}:12: on 2019-11-23 for KOR: ends: expected none, got 2019-11-23",
        "8 expected answers in 1 files: 5 ok, 3 failed",
    ]


def test_directories_and_passing_files(scenarios: Path) -> None:
    code, out, _ = run("test", str(scenarios / "sub"))
    assert code == 0
    assert out.splitlines() == [
        f"ok    {scenarios / 'sub' / 'right.yml'}: 4 expected answers",
        "4 expected answers in 1 files: 4 ok, 0 failed",
    ]
    code, out, _ = run("test", str(scenarios), "--json")
    data = json.loads(out)
    assert code == 3 and (data["checked"], data["failed"], data["ok"]) == (12, 3, False)


def test_a_bad_file_is_bad_input_exit_2(scenarios: Path) -> None:
    (scenarios / "bad.yaml").write_text(
        SCENARIO.replace("2019-08-01, deadline", "2019-08-32, deadline"), encoding="utf-8"
    )
    code, out, _ = run("test", str(scenarios / "bad.yaml"), str(scenarios / "sub"))
    assert code == 2
    assert out.splitlines()[0].startswith(f"ERROR {scenarios / 'bad.yaml'}:13: expect[4].date:")
    assert "[TL322]" in out.splitlines()[0]


def test_expectations_are_validated_by_the_scenario_model(scenarios: Path) -> None:
    bad = scenarios / "nothing.yaml"
    bad.write_text(SCENARIO + "  - {date: 2019-08-01, party: KOR}\n", encoding="utf-8")
    code, _, err = run("status", str(bad))
    assert code == 2
    assert err.startswith("error [TL325]:")
    assert "nothing.yaml:14: expect[5]: an expectation names at least one of in_force" in err


def test_the_bundled_examples_meet_their_expectations() -> None:
    code, out, _ = run("test", str(ROOT / "examples"))
    assert code == 0, out
    last = out.splitlines()[-1]
    assert last.endswith(" 0 failed") and int(last.split()[0]) >= 100


def test_api() -> None:
    result = tl.test([ROOT / "examples" / "gsomia-record.yaml"])
    assert result.ok and result.failed == 0 and result.checked >= 10


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # the plugin below, whether installed or not
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "treatylife.cli.pytest_plugin",
            "-p",
            "no:cacheprovider",
            *args,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_pytest_collects_expectations(scenarios: Path) -> None:
    done = _pytest("-q", "-rN", str(scenarios), cwd=scenarios)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("2 failed, 5 passed")  # one item per entry
    assert "\nwrong.yaml:12: on 2019-11-23 for KOR: stage: expected in_force, got terminated\n" in done.stdout


def test_pytest_runs_the_bundled_examples() -> None:
    done = _pytest("-q", str(ROOT / "examples"), cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]


def test_the_plugin_is_declared_for_pytest() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points.pytest11]\ntreatylife = "treatylife.cli.pytest_plugin"' in text


def test_readme_first_screen_shows_what_the_commands_print() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.split("## A worked example")[0]
    code, out, _ = run("--version")
    assert code == 0 and "$ treatylife --version  " in first and f"\n{out}" in first
    code, out, _ = run("test", str(ROOT / "examples"))
    # the README shows the shape of the summary (its counts grow with every bundled example: not pinned)
    pattern = r"\n\d+ expected answers in \d+ files: \d+ ok, 0 failed\n"
    assert code == 0 and re.search(pattern, first) and re.search(pattern, "\n" + out)
