"""Habits people bring from other command-line tools (issue 13): --version, -h, completion, help without
type noise, ``-`` for standard input, directories and every error in ``check``, dates relative to today."""

from __future__ import annotations

import json
import shutil
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
EXAMPLES = ROOT / "examples"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("args", [["--version"], ["status", "--version"], ["deadlines", "--version"]])
def test_version_on_the_app_and_every_command(args: list[str]) -> None:
    code, out, _ = run(*args)
    assert (code, out) == (0, f"treatylife {tl.__version__}\n")


def test_version_from_the_console_script() -> None:
    exe = Path(sys.executable).with_name("treatylife")
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (0, f"treatylife {tl.__version__}\n")


@pytest.mark.parametrize("command", [[], ["status"], ["check"], ["calendar"], ["portfolio"]])
def test_dash_h_is_help_without_type_noise(command: list[str]) -> None:
    code, out, _ = run(*command, "-h")
    assert code == 0
    assert "Usage: treatylife" in out
    assert "-h" in out and "--version" in out
    assert "<bool>" not in out and "<list[" not in out and "<path>" not in out


def test_shell_completion_is_typers_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # with shellingham installed typer detects the shell from the parent processes, which differ between a
    # terminal, CI and a test runner; typer's own switch makes `--show-completion SHELL` take the name given
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    code, out, _ = run("--help")
    assert code == 0 and "--install-completion" in out and "--show-completion" in out
    code, out, _ = run("--show-completion", "bash")
    assert code == 0 and "_treatylife_completion" in out


def test_scenario_on_standard_input() -> None:
    text = (EXAMPLES / "gsomia-record.yaml").read_text(encoding="utf-8").replace("../rules/", "")
    text = text.replace("rules: gsomia.yaml", "rules: gsomia")  # a bundled name: works from any folder
    code, out, _ = run("status", "-", "--on", "2019-08-23", stdin=text)
    assert code == 0
    assert out.splitlines()[1] == "On 2019-08-23: IN FORCE"


def test_whatif_on_standard_input_resolves_from_the_current_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(EXAMPLES)
    text = (EXAMPLES / "whatif-no-suspension.yaml").read_text(encoding="utf-8")
    code, out, _ = run("status", "-", "--on", "2019-11-23", stdin=text)
    assert code == 0, out
    assert "What if — Korea never suspended its 2019 notice" in out
    assert "On 2019-11-23: NOT IN FORCE" in out


def test_standard_input_errors_name_stdin_and_the_line() -> None:
    code, _, err = run(
        "status", "-", stdin="title: t\nrules: gsomia\nevents:\n  - {date: 2019-02-30, kind: signed}\n"
    )
    assert code == 2
    assert err.startswith("error [TL322]: <stdin>:4: events[0].date:")


def test_standard_input_is_read_with_the_file_limit() -> None:
    code, _, err = run("status", "-", stdin="#" * (2 * 1024 * 1024 + 10))
    assert code == 2 and err.startswith(
        f"error [TL102]: <stdin>: standard input holds more than {2 * 1024 * 1024:,} bytes, the limit"
    )


def test_check_a_directory_reports_every_error_of_a_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.yml").write_text(
        "title: two problems\nrules: gsomia\nevents:\n"
        "  - {date: 2019-13-01, kind: signed}\n"
        "  - {date: 2019-08-23, kind: notise_given, party: KOR}\n",
        encoding="utf-8",
    )
    (tmp_path / "good.yaml").write_text(
        "title: fine\nrules: gsomia\nevents:\n  - {date: 2016-11-23, kind: signed}\n", encoding="utf-8"
    )
    (tmp_path / "notes.txt").write_text("not YAML", encoding="utf-8")
    code, out, _ = run("check", str(tmp_path))
    assert code == 2
    fails = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 2
    assert ":4: events[0].date:" in fails[0] and "[TL322]" in fails[0]
    assert ":5: events[1].kind: 'notise_given'" in fails[1] and "did you mean 'notice_given'?" in fails[1]
    assert out.splitlines()[-1] == "1 ok, 1 failed"
    code, out, _ = run("check", str(tmp_path), "--json")
    bad = [f for f in json.loads(out)["files"] if not f["ok"]]
    assert [e["code"] for e in bad[0]["errors"]] == ["TL322", "TL323"]


def test_check_the_bundled_directories() -> None:
    code, out, _ = run("check", str(ROOT / "rules"), str(EXAMPLES))
    assert code == 0
    n = len(list((ROOT / "rules").glob("*.yaml"))) + len(list(EXAMPLES.glob("*.yaml")))
    assert out.splitlines()[-1] == f"{n} ok, 0 failed"


def test_copied_example_outside_the_project_names_the_bundled_rules(tmp_path: Path) -> None:
    copy = tmp_path / "mine.yaml"
    copy.write_text((EXAMPLES / "gsomia-record.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = run("status", str(copy), "--on", "2019-08-23")
    assert code == 2
    assert "[TL301]" in err and "`rules: gsomia` names the bundled rules file gsomia.yaml" in err


def test_bundled_files_cite_docs_of_the_project() -> None:
    data = ROOT / "src" / "treatylife" / "data"
    for path in [*data.rglob("*.yaml"), *(ROOT / "rules").glob("*.yaml"), *EXAMPLES.glob("*.yaml")]:
        text = path.read_text(encoding="utf-8")
        assert "shared/" not in text and "DOMAIN.md" not in text, path
        for cited in {w.strip('(),."') for w in text.split() if w.startswith(("docs/", "(docs/"))}:
            assert (ROOT / cited.lstrip("(")).is_file(), f"{path.name} cites {cited}"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("today", "2026-11-22"),
        ("+90d", "2027-02-20"),
        ("-2w", "2026-11-08"),
        ("+6m", "2027-05-22"),
        ("+1y", "2027-11-22"),
        ("2019-08-23", "2019-08-23"),
        ("20190823", "2019-08-23"),
        ("today+90d", "2027-02-20"),
        ("TODAY - 2w", "2026-11-08"),
    ],
)
def test_relative_dates(typed: str, meant: str) -> None:
    with freeze_time("2026-11-22"):
        code, out, _ = run("status", "--on", typed, "--json")
    assert code == 0
    assert json.loads(out)["on"] == meant


def test_months_from_today_are_counted_by_the_date_layer() -> None:
    with freeze_time("2027-01-31"):
        code, out, _ = run("deadline", "--on", "+1m", "--json")
    assert code == 0 and json.loads(out)["on"] == "2027-02-28"


def test_relative_dates_on_every_date_option() -> None:
    with freeze_time("2026-11-22"):
        code, out, _ = run("timeline", "--to", "-1y", "--json")
        assert code == 0 and json.loads(out)["until"] == "2025-11-22"
        code, out, _ = run(
            "compare",
            str(EXAMPLES / "gsomia-record.yaml"),
            "--remove",
            "notice_suspended",
            "--remove",
            "notice_withdrawn",
            "--from",
            "-10y",
            "--to",
            "today",
            "--json",
        )
        assert code == 0 and (json.loads(out)["start"], json.loads(out)["end"]) == (
            "2016-11-22",
            "2026-11-22",
        )


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        (
            "2027-08",
            "'2027-08' is a month, not a day: write 2027-08-01 for its first day or 2027-08-31 for its last",
        ),
        ("90d", "'90d' needs a sign: +90d (after today) or -90d (before)"),
        ("soon", "'soon' is not a date"),
        ("today90d", "'today90d' needs a sign: +90d (after today) or -90d (before)"),
        ("2019-W34-5", "'2019-W34-5' is an ISO week, not a day: write the day as YYYY-MM-DD"),
        ("2019W34", "'2019W34' is an ISO week, not a day"),
        ("20190230", "'20190230' is not a day that exists"),
        ("2019-8-23", "'2019-8-23' is not a date; write YYYY-MM-DD (or YYYYMMDD), today"),
    ],
)
def test_unclear_dates_are_refused(typed: str, says: str) -> None:
    code, _, err = run("status", "--on", typed)
    assert code == 2
    assert err.startswith("error [TL001]:") and says in err
    assert "+90d, -2w, +6m, +1y" in err


def test_relative_dates_count_from_the_cli_today_override(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run("status", "--on", "+90d", "--today", "2026-01-01", "--json")
    assert code == 0 and json.loads(out)["on"] == "2026-04-01"
    monkeypatch.setenv("TREATYLIFE_TODAY", "2026-01-31")
    code, out, _ = run("deadline", "--on", "+1m", "--json")
    assert code == 0 and json.loads(out)["on"] == "2026-02-28"
    code, out, _ = run("status", "--on", "today", "--today", "20260101", "--json")
    assert code == 0 and json.loads(out)["on"] == "2026-01-01"
    code, _, err = run("status", "--today", "2026-W01")
    assert code == 2 and err.startswith(
        "error [TL001]: Invalid value for '--today': '2026-W01' is an ISO week"
    )
    monkeypatch.setenv("TREATYLIFE_TODAY", "20260131")
    code, out, _ = run("deadline", "--on", "today", "--json")
    assert code == 0 and json.loads(out)["on"] == "2026-01-31"
    monkeypatch.setenv("TREATYLIFE_TODAY", "+90d")  # today cannot be relative to itself
    code, _, err = run("deadline", "--on", "+1m")
    assert code == 2 and err.startswith(
        "error [TL006]: TREATYLIFE_TODAY: '+90d' is not a date; write YYYY-MM-DD"
    )
    monkeypatch.setenv("TREATYLIFE_TODAY", "soon")
    code, _, err = run("deadline", "--on", "+1m")
    assert code == 2 and err.startswith("error [TL006]: TREATYLIFE_TODAY: 'soon' is not a date")


def test_check_lists_every_party_and_id_problem_of_a_file(tmp_path: Path) -> None:
    f = tmp_path / "parties.yaml"
    f.write_text(
        "title: parties\nrules: gsomia\nevents:\n  - {date: 2016-11-23, kind: signed}\n"
        "  - {date: 2016-11-23, kind: notified, party: KOX}\n"
        "  - {date: 2016-11-23, kind: notified, party: JPX, id: a}\n"
        "  - {date: 2016-11-24, kind: note, id: a}\n",
        encoding="utf-8",
    )
    code, out, _ = run("check", str(f))
    assert code == 2
    assert [line.split("[")[-1].split("]")[0] for line in out.splitlines() if line.startswith("FAIL")] == [
        "TL310",
        "TL310",
        "TL311",
    ]
    code, _, err = run("status", str(f))  # a query stops at the first, and says how many more
    assert code == 2 and "[and 2 more problem(s)]" in err and err.count("\n") == 1


def test_check_a_scenario_on_standard_input() -> None:
    code, out, _ = run(
        "check", "-", stdin="title: t\nrules: gsomia\nevents:\n  - {date: 2016-11-23, kind: signed}\n"
    )
    assert code == 0 and out.startswith("ok    -: 1 events under gsomia-jpn-kor-2016")


# ---------------------------------------------------------------------------- a register on standard input

REGISTER = (
    "id,rules,entry_into_force,notice_party,notice_received,owner\n"
    "kr-jp,gsomia,2016-11-23,KOR,2019-08-23,treaty office\n"
    "plain,gsomia,2016-11-23,,,legal\n"
)


def test_portfolio_reads_a_csv_register_on_standard_input(tmp_path: Path) -> None:
    reg = tmp_path / "reg.csv"
    reg.write_text(REGISTER, encoding="utf-8")
    code, piped, _ = run("portfolio", "-", "--on", "2019-10-01", "--format", "csv", stdin=REGISTER)
    assert code == 0
    assert piped == run("portfolio", str(reg), "--on", "2019-10-01", "--format", "csv")[1]
    code, out, _ = run("portfolio", "-", "--on", "2019-10-01", stdin=REGISTER)
    assert code == 0
    assert out.splitlines()[0] == "<stdin> on 2019-10-01: 2 agreements (2 in_force)"
    assert [line.split()[0] for line in out.splitlines()[2:]] == ["kr-jp", "plain"]


def test_deadlines_read_json_lines_on_standard_input() -> None:
    lines = "\n".join(
        json.dumps(row)
        for row in [
            {"id": "kr-jp", "rules": "gsomia", "entry_into_force": "2016-11-23"},
            {"id": "later", "rules": "gsomia", "signed": "2018-01-10", "notified": "2018-01-10"},
        ]
    )
    code, out, _ = run(
        "deadlines", "-", "--from", "2020-06-01", "--within", "90d", "--json", stdin="\n  " + lines + "\n"
    )
    assert code == 0, out
    got = json.loads(out)
    assert got["register"] == "<stdin>"
    assert [(r["id"], r["deadline"]) for r in got["deadlines"]] == [("kr-jp", "2020-08-24")]


def test_a_parquet_register_on_standard_input(tmp_path: Path) -> None:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    reg = tmp_path / "reg.csv"
    reg.write_text(REGISTER, encoding="utf-8")
    pq.write_table(pcsv.read_csv(reg), tmp_path / "reg.parquet")
    result = runner.invoke(
        app, ["portfolio", "-", "--on", "2019-10-01", "--json"], input=(tmp_path / "reg.parquet").read_bytes()
    )
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in json.loads(result.stdout)["agreements"]] == ["kr-jp", "plain"]


def test_relative_rules_of_a_piped_register_resolve_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    shutil.copy(ROOT / "rules" / "gsomia.yaml", tmp_path / "rules" / "mine.yaml")
    piped = "id,rules,entry_into_force\nx,rules/mine.yaml,2016-11-23\n"
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("portfolio", "-", "--on", "2019-10-01", "--json", stdin=piped)
    assert code == 0, out
    assert json.loads(out)["agreements"][0]["stage"] == "in_force"
    monkeypatch.chdir(tmp_path / "rules")  # the same rows from another folder: not found, and said where
    code, _, err = run("portfolio", "-", "--on", "2019-10-01", stdin=piped)
    assert code == 2
    assert err.startswith("error [TL302]: <stdin>:2: rules: rules file 'rules/mine.yaml' not found")


def test_a_piped_register_never_lets_the_output_replace_its_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    mine = tmp_path / "rules" / "mine.yaml"
    shutil.copy(ROOT / "rules" / "gsomia.yaml", mine)
    before = mine.read_bytes()
    monkeypatch.chdir(tmp_path)
    piped = "id,rules,entry_into_force\nx,rules/mine.yaml,2016-11-23\n"
    code, _, err = run(
        "portfolio", "-", "--on", "2019-10-01", "--format", "csv", "-o", str(mine), stdin=piped
    )
    assert code == 2 and "[TL005]" in err and mine.read_bytes() == before
    code, _, err = run(
        "portfolio", "-", "--on", "2019-10-01", "--format", "text", "-o", str(mine), stdin=piped
    )
    assert code == 2 and "[TL005]" in err and mine.read_bytes() == before  # answered whole, the same
    (tmp_path / "reg.csv").write_text(piped, encoding="utf-8")  # and a register file, streamed
    code, _, err = run("portfolio", "reg.csv", "--on", "2019-10-01", "--format", "csv", "-o", str(mine))
    assert code == 2 and "[TL005]" in err and mine.read_bytes() == before
    code, _, err = run("portfolio", "-", "--on", "2019-10-01", "-o", "answers.csv", stdin=piped)
    assert code == 0 and err.startswith("wrote csv to answers.csv")
    assert (tmp_path / "answers.csv").read_text(encoding="utf-8").splitlines()[1].startswith('"x",')


def test_errors_of_a_piped_register_name_stdin_line_and_field() -> None:
    bad = REGISTER + "late,gsomia,2016-13-01,,,\nx,gsomia,2016-11-23,KXR,2019-01-01,\n"
    code, out, err = run("portfolio", "-", "--on", "2019-10-01", stdin=bad)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "error [TL137]: <stdin>:4: entry_into_force: not a date: '2016-13-01' (hint: dates are written "
        "YYYY-MM-DD and must exist)",
        "error [TL310]: <stdin>:5: notice_party: 'KXR' is not a party to GSOMIA (Japan–Korea, 2016) "
        "(hint: parties: JPN, KOR)",
        "error [TL130]: <stdin>: 2 bad rows",  # two codes: the register's generic one
    ]
    assert "Traceback" not in err
    code, _, err = run("portfolio", "-", stdin=REGISTER + "kr-jp,gsomia,2016-11-23,,,\n")
    assert (code, err) == (2, "error [TL136]: <stdin>:4: id: id 'kr-jp' is used twice in the register\n")
    code, _, err = run("deadlines", "-", stdin="")
    assert code == 2 and err == "error [TL131]: <stdin>:1: standard input is empty (no register)\n"


def test_a_piped_register_is_read_with_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from treatylife.bulk import columnar

    monkeypatch.setattr(columnar, "MAX_STDIN_BYTES", 4096)
    code, _, err = run("portfolio", "-", stdin=REGISTER + "plain2,gsomia,2016-11-23,,,x\n" * 200)
    assert code == 2
    assert err.startswith("error [TL102]: <stdin>: standard input holds more than 4,096 bytes, the limit")
    assert "give the register as a file" in err


def test_check_recognises_a_register_on_standard_input() -> None:
    code, out, _ = run("check", "-", stdin=REGISTER)
    assert (code, out) == (0, "ok    -: register of 2 agreement(s) under 1 rules file(s)\n1 ok, 0 failed\n")
    code, out, _ = run("check", "-", stdin='{"id": "a", "rules": "gsomia", "signed": "2016-11-31"}\n')
    assert code == 2
    assert out.splitlines()[0].startswith("FAIL  <stdin>:1: signed: not a date: '2016-11-31' [TL137]")
    semicolons = REGISTER.replace(",", ";").replace("KOR;", "KXR;")
    code, out, _ = run("check", "-", stdin=semicolons)
    assert code == 2
    assert out.splitlines()[0].startswith("FAIL  <stdin>:2: notice_party: 'KXR' is not a party to GSOMIA")


def test_check_still_reads_a_scenario_on_standard_input_as_yaml_or_json() -> None:
    as_json = json.dumps(
        {"title": "t", "rules": "gsomia", "events": [{"date": "2016-11-23", "kind": "signed"}]}
    )
    for text in (as_json, "title: id,rules\nrules: gsomia\nevents:\n  - {date: 2016-11-23, kind: signed}\n"):
        code, out, _ = run("check", "-", stdin=text)
        assert code == 0 and out.startswith("ok    -: 1 events under gsomia-jpn-kor-2016"), (text, out)


def test_check_a_register_file_lists_its_bad_rows(tmp_path: Path) -> None:
    reg = tmp_path / "reg.csv"
    reg.write_text(REGISTER + "late,gsomia,2016-02-30,,,\n", encoding="utf-8")
    code, out, _ = run("check", str(reg), str(EXAMPLES / "gsomia-record.yaml"))
    assert code == 2
    lines = out.splitlines()
    assert lines[0].startswith(f"FAIL  {reg}:4: entry_into_force: not a date: '2016-02-30' [TL137]")
    assert lines[1].startswith(f"ok    {EXAMPLES / 'gsomia-record.yaml'}:")
    assert lines[-1] == "1 ok, 1 failed"


def test_the_api_reads_a_register_on_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(REGISTER.encode("utf-8"))))
    reg = tl.load_register("-")
    rows = tl.rows(tl.portfolio(reg, "2019-10-01"))
    assert [(r.id, r.in_force, r.extra) for r in rows] == [
        ("kr-jp", True, {"owner": "treaty office"}),
        ("plain", True, {"owner": "legal"}),
    ]


@pytest.mark.parametrize("fmt", ["csv", "text"])  # streamed batch by batch, and answered whole
def test_skipped_rows_of_a_piped_register_name_stdin(fmt: str) -> None:
    bad = REGISTER + "late,gsomia,2016-13-01,,,\n"
    code, out, err = run("portfolio", "-", "--on", "2019-10-01", "--format", fmt, "--skip-invalid", stdin=bad)
    assert code == 0
    assert err.splitlines() == [
        "skipped [TL137]: <stdin>:4: entry_into_force: not a date: '2016-13-01' (hint: dates are written "
        "YYYY-MM-DD and must exist)",
        "skipped 1 bad row(s) of <stdin> (--skip-invalid)",
    ]
    assert "kr-jp" in out and "plain" in out and "late" not in out


def test_a_scenario_piped_into_portfolio_gets_a_hint_to_use_status() -> None:
    text = (Path(tl.__file__).parent / "data" / "examples" / "gsomia-record.yaml").read_text(encoding="utf-8")
    r = CliRunner().invoke(app, ["portfolio", "-", "--on", "2020-01-01"], input=text)
    assert r.exit_code == 2
    assert "TL136" in r.stderr and "looks like a scenario file" in r.stderr and "status -" in r.stderr
