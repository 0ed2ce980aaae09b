"""A suspended notice of non-renewal resumed: GSOMIA, had Korea resumed its 2019 notice on 2020-06-01.

Two readings (``conventions.resumed_notice``): the remaining period (the one day left at the suspension of
2019-11-22 runs from the resumption: not in force from 2020-06-02, a mid-term end) and a fresh period (the
resumption counts as a notice of non-renewal received that day: the renewal of 2020-11-23 is prevented). The
bundled rules leave the convention open: the replay follows remaining_period and every answer from the day of
the resumption shows both, marked contested. Each reading is checked on the day before, of and after its end,
through the CLI (as a user sees it) and the API.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import treatylife as tl
from treatylife.answers.results import Ambiguity
from treatylife.cli.app import app
from treatylife.model.record import Record

D = dt.date.fromisoformat
ONE = dt.timedelta(days=1)
EX = Path(str(resources.files("treatylife") / "data" / "examples"))
RESUMED = EX / "whatif-gsomia-resumed.yaml"
FRESH = EX / "whatif-gsomia-resumed-fresh.yaml"
NOTICE = "kor-2019-termination"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def around(record: Record, boundary: str) -> tuple[bool, bool, bool]:
    b = D(boundary)
    return tuple(tl.status(record, d).in_force for d in (b - ONE, b, b + ONE))  # type: ignore[return-value]


def resumed_on(day: str, *more: str) -> Record:
    """The GSOMIA record with Korea's suspended notice resumed on ``day`` (and ``more`` --set changes)."""
    return tl.whatif(
        RESUMED,
        remove=["notice_resumed"],
        add=[f"{day} notice_resumed KOR"],
        set=list(more),
    )


def contested(record: Record, on: dt.date) -> list[Ambiguity]:
    return [a for a in tl.status(record, on).ambiguities if "resumed" in a.question]


# ---------------------------------------------------------------------------- the CLI, as a user sees it


def test_status_on_the_day_of_the_resumption_shows_both_readings_marked_contested() -> None:
    with freeze_time("2020-06-01"):
        code, out, _ = run("status", str(RESUMED))
    assert code == 0
    lines = out.splitlines()
    assert lines[1:5] == [
        "On 2020-06-01: IN FORCE",
        "Stage: in force since 2016-11-23",
        "Term: 4, 2019-11-23 .. 2020-11-22; renews 2020-11-23",
        f"Ends: 2020-06-02 (last day in force 2020-06-01): notice {NOTICE} by KOR takes effect",
    ]
    assert (
        f"  {NOTICE}: KOR, notice of non-renewal under art21-3-notice, received 2019-08-23, timely (deadline "
        "2019-08-24); pending since 2020-06-01; takes effect 2020-06-02 (last day in force 2020-06-01)"
    ) in lines
    at = lines.index(
        f"WARNING: ambiguous: notice {NOTICE} resumed on 2020-06-01: does the remaining period or a fresh period "
        "run? (contested in state practice)"
    )
    assert lines[at + 1 : at + 4] == [
        "  resumed_notice=remaining_period: the 1 day left at the suspension (2019-11-22) runs from 2020-06-01: "
        "no longer in force from 2020-06-02",
        "  resumed_notice=fresh_period: counted as a notice of non-renewal received on 2020-06-01: received "
        "2020-06-01 <= deadline 2020-08-24 (90 days before the end of term 4, clear_days): term 4 ends "
        "2020-11-22 and is not renewed: no longer in force from 2020-11-23",
        "  used: resumed_notice=remaining_period (default; the rules file leaves it open)",
    ]
    # the remaining-period reading rests on Korea's claim: the answer says so
    assert any(
        line.startswith("CAVEAT: KOR's stated position, not settled law") and "at any time" in line
        for line in lines
    )


def test_status_the_day_before_knows_no_resumption() -> None:
    with freeze_time("2020-05-31"):
        code, out, _ = run("status", str(RESUMED))
    assert code == 0
    assert "On 2020-05-31: IN FORCE" in out
    assert "suspended since 2019-11-22; would have taken effect 2019-11-23" in out
    assert "Ends:" not in out and "WARNING" not in out


@pytest.mark.parametrize("day", ["2020-06-02", "2020-06-03"])
def test_status_from_the_end_under_the_reading_followed(day: str) -> None:
    with freeze_time(day):
        code, out, _ = run("status", str(RESUMED))
    assert code == 0
    assert f"On {day}: NOT IN FORCE" in out
    assert "Stage: terminated (ended by notice, withdrawal or consent) since 2020-06-02" in out
    assert (
        f"Ended: 2020-06-02 (last day in force 2020-06-01): notice {NOTICE} by KOR took effect: resumed on "
        "2020-06-01: the 1 day left at the suspension (2019-11-22) runs from 2020-06-01" in out
    )
    assert "contested in state practice" in out  # still both readings: the other says in force
    # the end rests on Korea's claim that its suspended notice could still take effect: said after it too
    assert "CAVEAT: KOR's stated position, not settled law: Korea suspends its notice" in out


def test_json_is_the_api_answer_and_carries_both_readings() -> None:
    with freeze_time("2020-06-01"):
        code, out, _ = run("status", str(RESUMED), "--json")
    assert code == 0
    got = json.loads(out)
    assert got == json.loads(json.dumps(tl.status(tl.load(RESUMED), D("2020-06-01")).to_dict()))
    (amb,) = [a for a in got["ambiguities"] if "resumed" in a["question"]]
    assert "2020-06-02" in amb["readings"]["resumed_notice=remaining_period"]
    assert "2020-11-23" in amb["readings"]["resumed_notice=fresh_period"]
    assert amb["used"].startswith("resumed_notice=remaining_period (default")
    (notice,) = got["notices"]
    assert (notice["status"], notice["takes_effect"], notice["status_since"]) == (
        "pending",
        "2020-06-02",
        "2020-06-01",
    )
    assert "then resumed on 2020-06-01" in notice["rule"]


def test_explain_cites_the_resumption_and_its_event() -> None:
    code, out, _ = run("status", str(RESUMED), "--on", "2020-06-01", "--explain")
    assert code == 0
    (step,) = [line for line in out.splitlines() if line.startswith("  2020-06-01  notice")]
    assert f"notice {NOTICE} pending: resumed on 2020-06-01" in step
    assert "whatif-gsomia-resumed.yaml:" in step  # the file:line of the event


def test_deadline_is_not_offered_for_a_renewal_the_resumed_notice_prevents() -> None:
    with freeze_time("2020-05-31"):
        code, out, _ = run("deadline", str(RESUMED))
    assert code == 0
    assert "Next notice deadline: 2020-08-24 (85 days left)" in out  # suspended: the renewal still comes
    with freeze_time("2020-06-01"):
        code, out, _ = run("deadline", str(RESUMED))
    assert code == 0
    assert (
        f"No notice deadline: no renewal left to prevent: the agreement ends on 2020-06-02 (notice {NOTICE} "
        "by KOR takes effect)" in out
    )
    assert "contested in state practice" in out
    code, out, _ = run("deadline", str(FRESH), "--on", "2020-06-01")
    assert code == 0
    assert "no renewal left to prevent: the agreement ends on 2020-11-23" in out
    assert "WARNING" not in out  # the rules file chose the reading


def test_timeline_ends_the_term_mid_way_and_flags_the_readings() -> None:
    code, out, _ = run("timeline", str(RESUMED), "--to", "2021-01-01")
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("2019-11-23 .. 2020-06-01  in_force term 4") for line in lines)
    assert any(line.startswith("2020-06-02 .. ...         terminated") for line in lines)
    assert any("resumed on 2020-06-01" in line and "contested" in line for line in lines)
    code, out, _ = run("timeline", str(FRESH), "--to", "2021-01-01")
    assert any(line.startswith("2019-11-23 .. 2020-11-22  in_force term 4") for line in out.splitlines())
    assert any(line.startswith("2020-11-23 .. ...         terminated") for line in out.splitlines())


def test_check_lists_the_open_convention_and_the_resumption() -> None:
    code, out, _ = run("check", str(RESUMED))
    assert code == 0
    assert "open conventions (defaults used): resumed_notice" in out
    assert f"WARNING: notice {NOTICE} resumed on 2020-06-01" in out
    code, out, _ = run("check", str(FRESH))
    assert code == 0 and "resumed_notice" not in out


def test_the_examples_expected_answers_hold() -> None:
    code, out, _ = run("test", str(RESUMED), str(FRESH))
    assert code == 0, out
    assert out.splitlines()[-1].endswith("0 failed")


def test_resuming_a_notice_never_suspended_is_refused_in_one_line() -> None:
    code, _, err = run(
        "status",
        str(EX / "whatif-no-suspension.yaml"),
        "--on",
        "2019-11-01",
        "--add",
        "2019-10-01 notice_resumed KOR",
    )
    assert code == 2
    assert err.strip() == (
        f"error [TL402]: --add: kind: notice '{NOTICE}' is pending (since 2019-08-23), not suspended"
    )


# ---------------------------------------------------------------------------- the API: both boundary tables


@pytest.mark.parametrize(
    ("record", "end", "last_term"),
    [
        (lambda: tl.load(RESUMED), "2020-06-02", 4),  # remaining_period, the default (flagged)
        (lambda: tl.load(FRESH), "2020-11-23", 4),  # fresh_period, chosen by the rules
        (lambda: resumed_on("2020-06-01", "conventions.resumed_notice=fresh_period"), "2020-11-23", 4),
        (lambda: resumed_on("2020-06-01", "conventions.resumed_notice=remaining_period"), "2020-06-02", 4),
    ],
)
def test_each_reading_on_the_day_before_of_and_after_its_end(
    record: object, end: str, last_term: int
) -> None:
    r = record()  # type: ignore[operator]
    assert around(r, end) == (True, False, False)
    before = tl.status(r, D(end) - ONE)
    assert before.term is not None and before.term.number == last_term
    assert before.ends == D(end)
    after = tl.status(r, D(end))
    assert after.stage == "terminated" and after.ends == D(end)
    assert [(n.id, n.status) for n in after.notices] == [(NOTICE, "effective")]
    assert any("can be terminated at any time" in c for c in after.caveats)


def test_readings_are_shown_from_the_resumption_only_and_only_when_left_open() -> None:
    r = tl.load(RESUMED)
    assert contested(r, D("2020-05-31")) == []
    (amb,) = contested(r, D("2020-06-01"))
    assert amb.used == "resumed_notice=remaining_period (default; the rules file leaves it open)"
    assert contested(r, D("2030-01-01")) == [amb]
    assert contested(tl.load(FRESH), D("2020-06-01")) == []


def test_the_record_itself_is_unchanged() -> None:
    r = tl.load(EX / "gsomia-record.yaml")
    s = tl.status(r, D("2020-06-01"))
    assert s.in_force and s.ends is None and s.ambiguities == []
    assert tl.deadline(r, D("2020-06-01")).deadline == D("2020-08-24")


@pytest.mark.parametrize(
    ("suspended", "resumed", "remaining", "fresh"),
    [
        # suspended 2019-10-01 with 53 days left, resumed before the nominal effect (2019-11-23): a fresh
        # notice on 2019-10-15 is late for 2019-11-23 and, under late: next_term, prevents the next renewal
        ("2019-10-01", "2019-10-15", "2019-12-07", "2020-11-23"),
        # resumed after the nominal effect would have passed: the 53 days run from 2019-12-01; afresh it
        # is timely for the renewal of 2020-11-23
        ("2019-10-01", "2019-12-01", "2020-01-23", "2020-11-23"),
        # the record's suspension (one day left), resumed on the deadline for 2020-11-23 and the day after
        ("2019-11-22", "2020-08-24", "2020-08-25", "2020-11-23"),
        ("2019-11-22", "2020-08-25", "2020-08-26", "2021-11-23"),
    ],
)
def test_both_readings_before_and_after_the_nominal_effect(
    suspended: str, resumed: str, remaining: str, fresh: str
) -> None:
    changes = {
        "remove": ["notice_suspended", "notice_resumed"],
        "add": [f"{suspended} notice_suspended KOR", f"{resumed} notice_resumed KOR"],
    }
    r = tl.whatif(RESUMED, **changes)  # type: ignore[arg-type]
    (amb,) = contested(r, D(resumed))
    assert amb.readings["resumed_notice=remaining_period"].endswith(f"no longer in force from {remaining}")
    assert amb.readings["resumed_notice=fresh_period"].endswith(f"no longer in force from {fresh}")
    assert around(r, remaining) == (True, False, False)
    f = tl.whatif(RESUMED, **changes, set=["conventions.resumed_notice=fresh_period"])  # type: ignore[arg-type]
    assert around(f, fresh) == (True, False, False)
    assert contested(f, D(resumed)) == []


def new_notice_on(day: str, *more: str) -> Record:
    """The record with Korea's 2019 notes dropped and a new notice given on ``day``."""
    return tl.whatif(
        EX / "whatif-no-suspension.yaml",
        remove=["notice_given"],
        add=[f"{day} notice_given KOR"],
        set=list(more),
    )


@pytest.mark.parametrize("late", ["next_term", "void"])
@pytest.mark.parametrize("day", ["2020-06-01", "2020-08-24", "2020-08-25", "2021-03-01"])
def test_afresh_a_resumed_notice_is_a_new_notice_received_that_day(day: str, late: str) -> None:
    """Timely, late under next_term, or without effect under void: as the clause decides for a new notice."""
    rules = [f"exits.art21-3-notice.late={late}"]
    fresh = resumed_on(day, "conventions.resumed_notice=fresh_period", *rules)
    new = new_notice_on(day, *rules)
    for d in (D(day), D(day) + ONE, D("2022-01-01")):
        a, b = tl.status(fresh, d), tl.status(new, d)
        assert (a.in_force, a.stage, a.ends) == (b.in_force, b.stage, b.ends), d
        da, db = tl.deadline(fresh, d), tl.deadline(new, d)
        assert (da.deadline, da.prevents_renewal_of) == (db.deadline, db.prevents_renewal_of), d
    if late == "void" and day == "2020-08-25":  # late for 2020-11-23: without effect
        (n,) = tl.status(fresh, D(day)).notices
        assert n.status == "void" and "under late: void, without effect" in (n.status_cause or "")


@settings(max_examples=25, deadline=None)
@given(st.dates(min_value=dt.date(2019, 11, 23), max_value=dt.date(2024, 11, 22)))
def test_remaining_period_is_one_day_from_any_resumption(day: dt.date) -> None:
    """Suspended with one day left: whenever resumed, in force through that day and not the next."""
    r = resumed_on(day.isoformat())
    assert tl.status(r, day).in_force and not tl.status(r, day + ONE).in_force
    assert tl.status(r, day).ends == day + ONE


# ---------------------------------------------------------------------------- withdrawn after resumed


def test_a_resumed_notice_withdrawn_before_it_takes_effect_ends_nothing() -> None:
    r = tl.whatif(FRESH, add=["2020-09-01 notice_withdrawn KOR"])
    assert around(r, "2020-11-23") == (True, True, True)
    assert tl.status(r, D("2020-08-31")).ends == D("2020-11-23")
    assert tl.status(r, D("2020-09-01")).ends is None
    assert tl.deadline(r, D("2020-09-01")).deadline == D("2021-08-24")  # the next renewal may be prevented


def test_a_withdrawal_the_day_of_the_resumption_settles_the_readings() -> None:
    r = tl.whatif(RESUMED, add=["2020-06-01 notice_withdrawn KOR"])
    assert around(r, "2020-06-02") == (True, True, True)
    assert contested(r, D("2020-06-02")) == []  # withdrawn before either reading took effect
    code, out, _ = run(
        "status", str(RESUMED), "--on", "2020-06-02", "--add", "2020-06-01 notice_withdrawn KOR"
    )
    assert code == 0 and "IN FORCE" in out and "WARNING" not in out


def test_a_withdrawal_after_the_default_reading_ended_it_is_refused() -> None:
    with pytest.raises(tl.SequenceError) as exc:
        tl.whatif(RESUMED, add=["2020-07-01 notice_withdrawn KOR"])
    assert exc.value.code == "TL401"


# ---------------------------------------------------------------------------- with the counting left open too


def test_readings_open_before_the_resumption_stay_known_up_to_it(tmp_path: Path) -> None:
    """A rules file that leaves notice_counting open: a note received 2019-08-25 is late (clear_days) or
    timely (date_difference). Suspended and resumed, that question is still shown before the resumption, and
    from it beside the resumption's own."""
    rules_dir = Path(str(resources.files("treatylife") / "data" / "rules"))
    rules = (rules_dir / "gsomia.yaml").read_text(encoding="utf-8")
    (tmp_path / "g.yaml").write_text(rules.replace("  notice_counting: clear_days\n", ""), encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        "schema: treatylife/scenario/1\ntitle: counting open, resumed\nrules: g.yaml\nevents:\n"
        "  - {date: 2016-11-23, kind: signed}\n"
        "  - {date: 2016-11-23, kind: notified, party: KOR}\n"
        "  - {date: 2016-11-23, kind: notified, party: JPN}\n"
        f"  - {{date: 2019-08-25, kind: notice_given, id: {NOTICE}, party: KOR}}\n"
        f"  - {{date: 2019-11-01, kind: notice_suspended, notice: {NOTICE}}}\n"
        f"  - {{date: 2020-06-01, kind: notice_resumed, notice: {NOTICE}}}\n",
        encoding="utf-8",
    )
    r = tl.load(tmp_path / "s.yaml")

    def questions(day: str) -> list[str]:
        return [a.question for a in tl.status(r, D(day)).ambiguities]

    timely = f"is notice {NOTICE} received 2019-08-25 timely, and when does it take effect?"
    assert questions("2019-12-01") == [timely]
    assert questions("2020-06-01") == [timely, contested(r, D("2020-06-01"))[0].question]
    (amb,) = contested(r, D("2020-06-01"))
    # late under clear_days (used): it stood for 2020-11-23, 388 days after the suspension of 2019-11-01
    assert amb.readings["resumed_notice=remaining_period"].endswith("no longer in force from 2021-06-24")
    assert amb.readings["resumed_notice=fresh_period"].endswith("no longer in force from 2020-11-23")
