"""The CLI as a user drives it: exact output, exit codes, --json equal to the API's to_dict()."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_status_on_2019_08_23_exact_text() -> None:
    code, out, _ = run("status", "--on", "2019-08-23")
    assert code == 0
    assert out.splitlines()[:5] == [
        "GSOMIA (Japan–Korea, 2016) | GSOMIA — the record, 2012–2023",
        "On 2019-08-23: IN FORCE",
        "Stage: in force since 2016-11-23",
        "Term: 3, 2018-11-23 .. 2019-11-22; renews 2019-11-23",
        "Ends: 2019-11-23 (last day in force 2019-11-22): notice kor-2019-termination by KOR takes effect",
    ]
    assert "timely (deadline 2019-08-24)" in out


def test_status_defaults_to_today() -> None:
    with freeze_time("2026-11-22"):
        code, out, _ = run("status")
    assert code == 0
    assert "On 2026-11-22: IN FORCE" in out
    assert "Term: 10, 2025-11-23 .. 2026-11-22; renews 2026-11-23" in out


def test_deadline_from_today() -> None:
    with freeze_time("2026-11-22"):
        code, out, _ = run("deadline")
    assert code == 0
    assert "Next notice deadline: 2027-08-24 (275 days left)" in out
    assert "Prevents the renewal of: 2027-11-23" in out


def test_deadline_2019() -> None:
    code, out, _ = run("deadline", "--on", "2019-08-01")
    assert code == 0
    assert "Next notice deadline: 2019-08-24 (23 days left)" in out


def test_status_json_equals_api() -> None:
    code, out, _ = run("status", "examples/whatif-no-suspension.yaml", "--on", "2019-11-23", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["in_force"] is False and data["stage"] == "terminated"
    api = tl.status("examples/whatif-no-suspension.yaml", dt.date(2019, 11, 23)).to_dict()
    assert data == api


def test_explain_lists_articles() -> None:
    code, out, _ = run("status", "--on", "2019-08-23", "--explain")
    assert code == 0
    why = out.split("Why:")[1]
    assert "[Art. 21(1)]" in why and "Art. 21(3)" in why
    assert "notice_counting=clear_days" in why


def test_timeline_to_date() -> None:
    code, out, _ = run("timeline", "--to", "2019-12-31")
    assert code == 0
    lines = out.splitlines()
    assert "2016-11-23 .. 2017-11-22  in_force term 1" in out
    assert lines[-1] == "after 2019-12-31: in force, renewing every 1 year unless a notice stops it"


def test_check_all_examples() -> None:
    files = ["rules/gsomia.yaml", *sorted(str(p) for p in Path("examples").glob("*.yaml"))]
    code, out, _ = run("check", *files)
    assert code == 0, out
    assert out.splitlines()[-1] == f"{len(files)} ok, 0 failed"


def test_bad_date_option_is_exit_2() -> None:
    code, out, err = run("status", "--on", "2019-02-30")
    assert code == 2
    assert "Traceback" not in out + err


def test_unknown_event_kind_suggests_closest(tmp_path: Path) -> None:
    bad = ROOT / "tests" / "_tmp_unknown_kind.yaml"
    bad.write_text(
        "schema: treatylife/scenario/1\ntitle: t\nrules: ../rules/gsomia.yaml\nevents:\n"
        "  - date: 2016-11-23\n    kind: sigend\n",
        encoding="utf-8",
    )
    try:
        before = bad.read_bytes()
        code, out, err = run("status", str(bad), "--on", "2020-01-01")
        assert code == 2
        assert "_tmp_unknown_kind.yaml:6" in err
        assert "events[0].kind" in err
        assert "did you mean 'signed'?" in err
        assert "Traceback" not in out + err
        assert bad.read_bytes() == before
    finally:
        bad.unlink()


def test_json_errors_are_json() -> None:
    code, out, _ = run("status", "does-not-exist.yaml", "--json")
    assert code == 2
    err = json.loads(out)["error"]
    assert err["code"] == "TL103" and err["file"] == "does-not-exist.yaml"


@pytest.mark.parametrize("cwd", ["/", "tmp"])
def test_console_script_uses_bundled_scenario_from_any_directory(cwd: str, tmp_path: Path) -> None:
    where = tmp_path if cwd == "tmp" else Path(cwd)
    exe = Path(sys.executable).parent / "treatylife"
    proc = subprocess.run(
        [str(exe), "status", "--on", "2019-08-23"], cwd=where, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "On 2019-08-23: IN FORCE" in proc.stdout
