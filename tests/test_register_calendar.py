"""``treatylife calendar REGISTER``: a treaty office's deadlines weeks ahead for every agreement of its
register, each entry naming its agreement, as the calendar of the same agreements one by one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app
from treatylife.render.json import render_json

runner = CliRunner()
REGISTER = (
    "id,rules,entry_into_force,notice_party,notice_received,owner\n"
    "kr-jp,gsomia,2016-11-23,KOR,2019-08-23,Ana\n"
    "plain,gsomia,2017-01-05,,,Bo\n"
    "local,rules/mine.yaml,2018-03-01,,,\n"
)


def _project(tmp: Path) -> Path:
    (tmp / "rules").mkdir()
    text = (Path(tl.__file__).parent / "data" / "rules" / "gsomia.yaml").read_text(encoding="utf-8")
    (tmp / "rules" / "mine.yaml").write_text(text.replace("id: gsomia", "id: mine", 1), encoding="utf-8")
    (tmp / "reg.csv").write_text(REGISTER, encoding="utf-8")
    return tmp / "reg.csv"


def test_a_register_calendar_is_the_calendar_of_its_agreements(tmp_path: Path) -> None:
    reg = _project(tmp_path)
    r = runner.invoke(app, ["calendar", str(reg), "--from", "2019-06-01", "--json"])
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)
    one_by_one = tl.calendar(tl.load_register(reg).row_records(), dt.date(2019, 6, 1))
    assert got == json.loads(render_json(one_by_one))
    assert len(got["items"]) > 0
    # three agreements under one short title: each entry names its row
    summaries = [i["summary"] for i in got["items"]]
    assert any(s.startswith("GSOMIA (Japan–Korea, 2016) (plain): ") for s in summaries)
    assert any(s.startswith("GSOMIA (Japan–Korea, 2016) (local): ") for s in summaries)
    assert not any(s.startswith("GSOMIA (Japan–Korea, 2016): ") for s in summaries)


def test_one_agreement_keeps_its_short_title(tmp_path: Path) -> None:
    r = runner.invoke(app, ["calendar", "--from", "2019-06-01", "--json"])
    assert r.exit_code == 0
    assert all(i["summary"].startswith("GSOMIA (Japan–Korea, 2016): ") for i in json.loads(r.stdout)["items"])


def test_a_register_calendar_never_replaces_the_register_or_its_rules(tmp_path: Path) -> None:
    reg = _project(tmp_path)
    before = {p: p.read_bytes() for p in (reg, tmp_path / "rules" / "mine.yaml")}
    for out in before:
        r = runner.invoke(app, ["calendar", str(reg), "-o", str(out)])
        assert r.exit_code == 2 and "[TL005]" in r.stderr
    assert {p: p.read_bytes() for p in before} == before
    r = runner.invoke(app, ["calendar", str(reg), "--from", "2019-06-01", "-o", str(tmp_path / "reg.ics")])
    assert r.exit_code == 0, r.stderr
    ics = (tmp_path / "reg.ics").read_text(encoding="utf-8")
    assert ics.count("BEGIN:VEVENT") == len(
        tl.calendar(tl.load_register(reg).row_records(), dt.date(2019, 6, 1)).items
    )
