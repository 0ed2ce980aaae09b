"""A register row whose notice was suspended and resumed (``notice_resumed``): the single engine answers it,
under the reading the rules choose, exactly as the scenario with the same events; a resumption without a
suspension is refused with its line. The what-ifs compared with are the bundled GSOMIA ones."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import treatylife as tl
from treatylife.bulk.columnar import RegisterProblems
from treatylife.cli.app import app

D = dt.date.fromisoformat
EXAMPLES = Path(__file__).parent.parent / "examples"
HEADER = (
    "id,rules,entry_into_force,notice_party,notice_received,notice_suspended,notice_resumed,notice_withdrawn"
)
RESUMED = "2016-11-23,KOR,2019-08-23,2019-11-22,2020-06-01,"
DAYS = ["2020-05-31", "2020-06-01", "2020-06-02", "2020-06-03", "2020-11-22", "2020-11-23", "2020-11-24"]


def _register(tmp: Path, rules: str) -> Path:
    reg = tmp / "reg.csv"
    rows = [
        f"kor-resumed,{rules},{RESUMED}",
        f"kor-suspended,{rules},2016-11-23,KOR,2019-08-23,2019-11-22,,",
        f"plain,{rules},2016-11-23,,,,,",
    ]
    reg.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return reg


def _fresh_rules(tmp: Path) -> str:
    """The bundled GSOMIA rules choosing ``resumed_notice: fresh_period`` (the fresh what-if's override)."""
    data = yaml.safe_load((Path(tl.__file__).parent / "data" / "rules" / "gsomia.yaml").read_text("utf-8"))
    data["conventions"]["resumed_notice"] = "fresh_period"
    (tmp / "gsomia-fresh.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return "gsomia-fresh.yaml"


@pytest.mark.parametrize(
    ("reading", "scenario"),
    [
        ("remaining_period", "whatif-gsomia-resumed.yaml"),
        ("fresh_period", "whatif-gsomia-resumed-fresh.yaml"),
    ],
)
def test_a_resumed_row_is_answered_as_the_scenario_with_the_same_events(
    tmp_path: Path, reading: str, scenario: str
) -> None:
    rules = "gsomia" if reading == "remaining_period" else _fresh_rules(tmp_path)
    reg = _register(tmp_path, rules)
    for day in DAYS:
        row = tl.portfolio(reg, D(day)).rows()[0]
        want = tl.status(EXAMPLES / scenario, D(day))
        assert (row["in_force"], row["stage"]) == (want.in_force, want.stage), (reading, day)
        assert row["ends"] == (want.ends.isoformat() if want.ends else None), (reading, day)


def test_the_resumed_row_ends_on_the_boundary_days_of_each_reading(tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    (tmp_path / "f").mkdir()
    remaining = _register(tmp_path / "r", "gsomia")
    fresh = _register(tmp_path / "f", _fresh_rules(tmp_path / "f"))
    in_force = {
        day: (
            tl.portfolio(remaining, D(day)).rows()[0]["in_force"],
            tl.portfolio(fresh, D(day)).rows()[0]["in_force"],
        )
        for day in DAYS
    }
    assert in_force == {
        "2020-05-31": (True, True),
        "2020-06-01": (True, True),
        "2020-06-02": (False, True),  # remaining_period: the one day left runs from the resumption
        "2020-06-03": (False, True),
        "2020-11-22": (False, True),
        "2020-11-23": (False, False),  # fresh_period: a notice received 2020-06-01 prevents this renewal
        "2020-11-24": (False, False),
    }


def test_streamed_in_memory_and_single_engine_answers_agree(
    tmp_path: Path,
) -> None:
    reg = _register(tmp_path, "gsomia")
    runner = CliRunner()
    for day in ("2020-06-01", "2020-06-02"):
        r = runner.invoke(app, ["portfolio", str(reg), "--on", day, "--format", "jsonl"])
        assert r.exit_code == 0, r.output
        streamed = [json.loads(x) for x in r.stdout.splitlines()]
        assert streamed == tl.portfolio(reg, D(day)).rows()
        assert streamed == tl.portfolio(reg, D(day), engine="single").rows()
    # the suspended row (never resumed) is answered as before: still suspended, the agreement renews
    assert tl.portfolio(reg, D("2020-06-02")).rows()[1]["notice"] == "suspended"


def test_a_resumption_without_a_suspension_is_refused_with_its_line(tmp_path: Path) -> None:
    reg = tmp_path / "reg.csv"
    reg.write_text(HEADER + "\nbad,gsomia,2016-11-23,KOR,2019-08-23,,2020-06-01,\n", encoding="utf-8")
    with pytest.raises(RegisterProblems) as exc:
        tl.portfolio(reg, D("2020-06-02"))
    assert "reg.csv:2: notice_resumed: only a suspended notice can be resumed" in str(exc.value)
    r = CliRunner().invoke(app, ["portfolio", str(reg), "--on", "2020-06-02", "--format", "csv"])
    assert r.exit_code == 2 and "error [TL135]: " in r.stderr and "notice_resumed" in r.stderr


def test_a_resumption_before_its_suspension_is_refused_with_its_line(tmp_path: Path) -> None:
    reg = tmp_path / "reg.csv"
    reg.write_text(
        HEADER + "\nearly,gsomia,2016-11-23,KOR,2019-08-23,2019-11-22,2019-10-01,\n", encoding="utf-8"
    )
    with pytest.raises(RegisterProblems) as exc:
        tl.portfolio(reg, D("2020-06-02"))
    assert "reg.csv:2: notice_resumed: is before notice_suspended" in str(exc.value)


def test_check_of_a_register_lists_resumed_notice_as_scenario_check_does(tmp_path: Path) -> None:
    reg = _register(tmp_path, "gsomia")
    r = CliRunner().invoke(app, ["check", str(reg), "--json"])
    assert r.exit_code == 0, r.output
    listed = json.loads(r.stdout)["files"][0]["open_conventions"]
    scenario = CliRunner().invoke(app, ["check", str(EXAMPLES / "whatif-gsomia-resumed.yaml"), "--json"])
    assert "resumed_notice" in listed
    assert "resumed_notice" in json.loads(scenario.stdout)["files"][0]["open_conventions"]
