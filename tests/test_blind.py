"""The blind test of issue 4: two agreements written from their clause text alone.

`rules/cwc.yaml` (Chemical Weapons Convention, 1993) and `rules/us-japan-security.yaml` (Treaty of Mutual
Cooperation and Security between Japan and the United States, 1960) were written from the treaties' final
clauses and the user documentation only, without reading treatylife's code. These tests ask treatylife the
historical questions on the day before, the day of and the day after every boundary, through the documented
Python API (`treatylife.status`) and, for what-ifs, the documented CLI (`--add ... --json`).

Two clauses of the CWC could not be expressed when the files were first written (a "not before" date on the
entry into force; later parties counted from the entry into force rather than from the 65th instrument), and
one historical answer was wrong (the United States, an original State Party). The tests first recorded those
answers as strict xfails; treatylife then gained `not_before` and `later_parties_from`, the rules file uses
them, and the tests below assert the historical answers plainly. See docs/blind-tests.md for the report.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "treatylife" / "data" / "examples"
RULES = ROOT / "src" / "treatylife" / "data" / "rules"
CWC = EXAMPLES / "cwc-record.yaml"
USJ = EXAMPLES / "us-japan-security-record.yaml"

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def cli():
    """Run `treatylife ARGS --json` (in-process, as the console script would) with explicit dates; return
    (exit code, parsed JSON)."""
    runner = CliRunner()

    def run(*args: str) -> tuple[int, dict]:
        result = runner.invoke(app, [*args, "--json"])
        assert result.stderr == "", result.stderr
        return result.exit_code, json.loads(result.stdout)

    return run


def in_force(scenario: Path, on: str, party: str | None = None) -> bool:
    return tl.status(str(scenario), D(on), party=party).in_force


# ---------------------------------------------------------------------------------------------------------
# Both files pass `treatylife check`.


def test_blind_files_check(cli):
    code, out = cli(
        "check",
        str(RULES / "cwc.yaml"),
        str(RULES / "us-japan-security.yaml"),
        str(CWC),
        str(USJ),
    )
    assert code == 0
    assert out["ok"] is True
    # effect_counting (the day a withdrawal takes effect) came after these files were written: check lists it
    assert all(f["ok"] and f["open_conventions"] in ([], ["effect_counting"]) for f in out["files"])
    assert all(f["ambiguous_dates"] == [] for f in out["files"])


# ---------------------------------------------------------------------------------------------------------
# Chemical Weapons Convention. Art. XXI(1): in force 180 days after the 65th instrument (Hungary,
# 1996-10-31) -> 1997-04-29. Art. XXI(2): a State depositing after the entry into force, on the 30th day
# following its deposit (Russia 1997-11-05 -> 1997-12-05; Syria 2013-09-14 -> 2013-10-14).


@pytest.mark.parametrize(
    ("on", "expected"),
    [("1997-04-28", False), ("1997-04-29", True), ("1997-04-30", True), ("2026-11-23", True)],
)
def test_cwc_entry_into_force(on, expected):
    assert in_force(CWC, on) is expected


@pytest.mark.parametrize(
    ("party", "on", "expected"),
    [
        # Hungary, the 65th instrument: bound from the entry into force.
        ("HUN", "1997-04-28", False),
        ("HUN", "1997-04-29", True),
        ("HUN", "1997-04-30", True),
        # Russian Federation, deposit 1997-11-05 (after the entry into force): 30th day following.
        ("RUS", "1997-11-05", False),
        ("RUS", "1997-12-04", False),
        ("RUS", "1997-12-05", True),
        ("RUS", "1997-12-06", True),
        # Syria, accession 2013-09-14: 30th day following.
        ("SYR", "2013-09-14", False),
        ("SYR", "2013-10-13", False),
        ("SYR", "2013-10-14", True),
        ("SYR", "2013-10-15", True),
        # United States, deposit 1997-04-25: the answers that agree with history.
        ("USA", "1997-04-24", False),
        ("USA", "1997-04-28", False),
        ("USA", "1997-05-25", True),
        ("USA", "2026-11-23", True),
    ],
)
def test_cwc_in_force_for_party(party, on, expected):
    assert in_force(CWC, on, party) is expected


def test_cwc_agreement_in_force_while_a_party_waits():
    s = tl.status(str(CWC), D("1997-12-04"), party="RUS")
    assert s.in_force is False
    assert s.to_dict()["agreement_in_force"] is True
    assert s.stage == "deposited"


# Art. XXI(2) applies only to deposits "subsequent to the entry into force" (later_parties_from:
# entry_into_force): the United States (deposit 1997-04-25, between the 65th instrument and the entry into
# force) is an original State Party, bound from 1997-04-29, not 30 days after its deposit.
@pytest.mark.parametrize("on", ["1997-04-29", "1997-04-30", "1997-05-24"])
def test_cwc_usa_original_state_party_historical(on):
    assert in_force(CWC, on, "USA") is True


def test_cwc_later_parties_from_the_threshold_would_give_the_us_thirty_days(tmp_path: Path) -> None:
    # the Paris/Kyoto reading ("after the conditions ... have been fulfilled"), for contrast
    rules = (
        (RULES / "cwc.yaml")
        .read_text(encoding="utf-8")
        .replace("later_parties_from: entry_into_force", "later_parties_from: conditions_met")
    )
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "cwc.yaml").write_text(rules, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        CWC.read_text(encoding="utf-8").replace("rules: ../rules/cwc.yaml", "rules: rules/cwc.yaml"),
        encoding="utf-8",
    )
    r = tl.load(tmp_path / "s.yaml")
    assert [tl.status(r, D(d), "USA").in_force for d in ("1997-05-24", "1997-05-25")] == [False, True]


# Art. XVI(2): withdrawal, notice 90 days in advance. No State has withdrawn: a what-if.


@pytest.mark.parametrize(
    ("on", "for_rus", "bound"),
    [
        ("2020-04-08", True, ["HUN", "USA", "RUS", "SYR"]),
        ("2020-04-09", False, ["HUN", "USA", "SYR"]),
        ("2020-04-10", False, ["HUN", "USA", "SYR"]),
    ],
)
def test_cwc_withdrawal_whatif(cli, on, for_rus, bound):
    code, out = cli("status", str(CWC), "--on", on, "--party", "RUS", "--add", "2020-01-10 notice_given RUS")
    assert code == 0
    assert out["in_force"] is for_rus
    assert out["agreement_in_force"] is True  # a withdrawal ends Russia's participation only
    assert sorted(out["parties_bound"]) == sorted(bound)
    (notice,) = out["notices"]
    assert notice["received"] == "2020-01-10"
    assert notice["takes_effect"] == "2020-04-09"  # 2020-01-10 + 90 days
    assert notice["last_day_in_force"] == "2020-04-08"


def test_cwc_withdrawal_before_in_force_for_the_party_is_refused(cli):
    code, out = cli("status", str(CWC), "--on", "1997-12-06", "--add", "1997-11-20 notice_given RUS")
    assert code == 2
    assert out["error"]["code"] == "TL402"


WHATIF_EARLY_65TH = """\
schema: treatylife/scenario/1
title: What if - the 65th instrument had been deposited on 1994-06-01
based_on: cwc-record
remove:
  - date: 1996-10-30
  - date: 1996-10-31
add:
  - {date: 1994-05-31, kind: notified, count: 64}
  - {date: 1994-06-01, kind: notified, party: HUN}
"""


@pytest.fixture
def cwc_early_65th(tmp_path: Path) -> Path:
    path = tmp_path / "whatif-cwc-early-65th.yaml"
    path.write_text(WHATIF_EARLY_65TH, encoding="utf-8")
    return path


# 1994-06-01 + 180 days = 1994-11-28, but "in no case earlier than two years after its opening for
# signature" (not_before: 1995-01-13): in force from 1995-01-13.
@pytest.mark.parametrize(
    ("on", "expected"),
    [("1994-11-28", False), ("1995-01-12", False), ("1995-01-13", True), ("1995-01-14", True)],
)
def test_cwc_two_year_floor(cli, cwc_early_65th, on, expected):
    assert cli("status", str(cwc_early_65th), "--on", on)[1]["in_force"] is expected


# ---------------------------------------------------------------------------------------------------------
# US-Japan Security Treaty, 1960. Art. VIII: in force on the exchange of ratifications (1960-06-23).
# Art. X: after ten years in force, either Party may give notice; the Treaty terminates one year later.
# No notice has ever been given.


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("1960-01-19", False),  # signed, not in force
        ("1960-06-22", False),
        ("1960-06-23", True),
        ("1960-06-24", True),
        ("1970-06-22", True),
        ("1970-06-23", True),
        ("1970-06-24", True),
        ("2026-11-23", True),  # no notice ever given: still in force
    ],
)
def test_usj_in_force(on, expected):
    assert in_force(USJ, on) is expected


def test_usj_no_end_and_both_parties_bound():
    s = tl.status(str(USJ), D("2026-11-23")).to_dict()
    assert s["ends"] is None
    assert s["notices"] == []
    assert sorted(s["parties_bound"]) == ["JPN", "USA"]
    assert s["stage"] == "in_force"
    assert s["since"] == "1960-06-23"


def test_usj_no_notice_deadline(cli):
    # An indefinite treaty with a withdrawal clause has no notice-of-non-renewal deadline.
    code, out = cli("deadline", str(USJ), "--on", "1965-01-01")
    assert code == 0
    assert out["deadline"] is None


@pytest.mark.parametrize("party", ["USA", "JPN"])
def test_usj_notice_before_ten_years_is_refused(cli, party):
    code, out = cli("status", str(USJ), "--on", "1970-06-23", "--add", f"1970-06-22 notice_given {party}")
    assert code == 2
    assert out["error"]["code"] == "TL402"


@pytest.mark.parametrize(
    ("received", "takes_effect"),
    [("1970-06-23", "1971-06-23"), ("1970-06-24", "1971-06-24"), ("2028-02-29", "2029-02-28")],
)
def test_usj_notice_allowed_and_its_effect(cli, received, takes_effect):
    code, out = cli("status", str(USJ), "--on", received, "--add", f"{received} notice_given JPN")
    assert code == 0
    assert out["in_force"] is True
    assert out["ends"] == takes_effect
    (notice,) = out["notices"]
    assert notice["timely"] is True
    assert notice["status"] == "pending"
    assert notice["takes_effect"] == takes_effect


@pytest.mark.parametrize(
    ("on", "expected", "stage"),
    [
        ("1971-06-22", True, "in_force"),
        ("1971-06-23", False, "terminated"),
        ("1971-06-24", False, "terminated"),
    ],
)
def test_usj_notice_of_1970_06_23_terminates_on_1971_06_23(cli, on, expected, stage):
    code, out = cli("status", str(USJ), "--on", on, "--add", "1970-06-23 notice_given USA")
    assert code == 0
    assert out["in_force"] is expected
    assert out["stage"] == stage


@pytest.mark.parametrize(("on", "expected"), [("2024-06-30", True), ("2024-07-01", False)])
def test_usj_termination_by_consent(cli, on, expected):
    # Art. X, first sentence: the Governments' joint opinion, modelled as termination by consent (invented).
    code, out = cli("status", str(USJ), "--on", on, "--add", "2024-07-01 terminated_by_consent")
    assert code == 0
    assert out["in_force"] is expected
