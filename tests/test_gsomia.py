"""The GSOMIA record (DOMAIN.md §5): every telling answer, and the day before and after each boundary."""

from __future__ import annotations

import datetime as dt

import pytest

import treatylife as tl
from treatylife.model.record import Record

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def record() -> Record:
    return tl.load()  # the bundled default scenario


@pytest.fixture(scope="module")
def no_suspension() -> Record:
    return tl.load("examples/whatif-no-suspension.yaml")


@pytest.mark.parametrize(
    ("day", "in_force", "stage"),
    [
        ("2012-06-25", False, "not_started"),
        ("2012-06-26", False, "approved"),
        ("2012-06-29", False, "negotiations_suspended"),
        ("2016-10-27", False, "negotiating"),
        ("2016-11-14", False, "initialed"),
        ("2016-11-22", False, "approved"),
        ("2016-11-23", True, "in_force"),
        ("2016-11-24", True, "in_force"),
        ("2019-11-22", True, "in_force"),
        ("2019-11-23", True, "in_force"),
        ("2100-01-01", True, "in_force"),
    ],
)
def test_stage_on_each_boundary(record: Record, day: str, in_force: bool, stage: str) -> None:
    s = tl.status(record, D(day))
    assert (s.in_force, s.stage) == (in_force, stage)


def test_2016_11_22_approved_by_korea_not_signed(record: Record) -> None:
    s = tl.status(record, D("2016-11-22"))
    assert not s.in_force
    assert s.approvals == {"KOR": D("2016-11-22")}
    assert s.signed_on is None
    assert s.term is None


def test_2016_11_23_in_force_term_1(record: Record) -> None:
    s = tl.status(record, D("2016-11-23"))
    assert s.in_force and s.signed_on == D("2016-11-23")
    assert s.term is not None
    assert (s.term.number, s.term.start, s.term.last_day) == (1, D("2016-11-23"), D("2017-11-22"))
    assert s.term.next_renewal == D("2017-11-23")


@pytest.mark.parametrize(
    ("day", "term", "start", "last"),
    [
        ("2017-11-22", 1, "2016-11-23", "2017-11-22"),
        ("2017-11-23", 2, "2017-11-23", "2018-11-22"),
        ("2018-11-22", 2, "2017-11-23", "2018-11-22"),
        ("2018-11-23", 3, "2018-11-23", "2019-11-22"),
        ("2019-11-23", 4, "2019-11-23", "2020-11-22"),
        ("2026-11-22", 10, "2025-11-23", "2026-11-22"),
        ("2026-11-23", 11, "2026-11-23", "2027-11-22"),
    ],
)
def test_terms_renew_each_23_november(record: Record, day: str, term: int, start: str, last: str) -> None:
    t = tl.status(record, D(day)).term
    assert t is not None
    assert (t.number, t.start, t.last_day) == (term, D(start), D(last))


def test_2019_08_23_timely_notice_pending(record: Record) -> None:
    s = tl.status(record, D("2019-08-23"))
    assert s.in_force and s.term is not None and s.term.number == 3
    assert (s.term.start, s.term.last_day) == (D("2018-11-23"), D("2019-11-22"))
    [n] = s.notices
    assert (n.party, n.status, n.timely, n.deadline) == ("KOR", "pending", True, D("2019-08-24"))
    assert n.takes_effect == D("2019-11-23") and n.last_day_in_force == D("2019-11-22")
    assert s.ends == D("2019-11-23")
    # later events (the suspension, its condition) do not leak into an earlier answer
    assert s.caveats == []


def test_notice_is_not_known_the_day_before_it_is_received(record: Record) -> None:
    s = tl.status(record, D("2019-08-22"))
    assert s.notices == [] and s.ends is None


def test_2019_11_23_in_force_term_4_notice_suspended(record: Record) -> None:
    s = tl.status(record, D("2019-11-23"))
    assert s.in_force and s.term is not None and s.term.number == 4
    [n] = s.notices
    assert n.status == "suspended" and n.status_since == D("2019-11-22")
    assert s.ends is None
    # Korea's claim that the suspended notice may take effect "at any time" is flagged as unsettled
    assert any("not settled law" in c and "at any time" in c for c in s.caveats)


def test_2023_03_21_notice_withdrawn(record: Record) -> None:
    before = tl.status(record, D("2023-03-20"))
    assert [n.status for n in before.notices] == ["suspended"]
    after = tl.status(record, D("2023-03-21"))
    assert after.in_force and after.notices == [] and after.caveats == []


@pytest.mark.parametrize(
    ("on", "deadline", "renewal", "days_left"),
    [
        ("2019-08-01", "2019-08-24", "2019-11-23", 23),
        ("2018-08-24", "2018-08-24", "2018-11-23", 0),
        ("2018-08-25", "2019-08-24", "2019-11-23", 364),
        ("2026-11-22", "2027-08-24", "2027-11-23", 275),
        ("2027-08-24", "2027-08-24", "2027-11-23", 0),
        ("2027-08-25", "2028-08-24", "2028-11-23", 365),
    ],
)
def test_next_deadline(record: Record, on: str, deadline: str, renewal: str, days_left: int) -> None:
    r = tl.deadline(record, D(on))
    assert (r.deadline, r.prevents_renewal_of, r.days_left) == (D(deadline), D(renewal), days_left)
    assert r.who == ["JPN", "KOR"] and r.clause == "art21-3-notice" and r.article == "Art. 21(3)"


def test_no_deadline_while_a_timely_notice_stands(record: Record) -> None:
    r = tl.deadline(record, D("2019-09-01"))
    assert r.deadline is None
    assert r.reason is not None and "2019-11-23" in r.reason


def test_deadline_before_entry_into_force(record: Record) -> None:
    r = tl.deadline(record, D("2016-01-01"))
    assert r.deadline is None and r.reason is not None and "not yet in force" in r.reason


@pytest.mark.parametrize(
    ("day", "in_force", "stage"),
    [("2019-11-21", True, "in_force"), ("2019-11-22", True, "in_force"), ("2019-11-23", False, "terminated")],
)
def test_whatif_no_suspension(no_suspension: Record, day: str, in_force: bool, stage: str) -> None:
    s = tl.status(no_suspension, D(day))
    assert (s.in_force, s.stage) == (in_force, stage)


def test_whatif_no_suspension_says_why(no_suspension: Record) -> None:
    s = tl.status(no_suspension, D("2030-01-01"))
    assert s.ends == D("2019-11-23")
    assert s.end_reason is not None and "kor-2019-termination" in s.end_reason
    assert no_suspension.changes == [
        "removed 2019-11-22 notice_suspended KOR",
        "removed 2023-03-21 notice_withdrawn KOR",
    ]


def test_whatif_signed_2012() -> None:
    r = tl.load("examples/whatif-signed-2012.yaml")
    assert not tl.status(r, D("2012-06-28")).in_force
    s = tl.status(r, D("2012-06-29"))
    assert s.in_force and s.term is not None and s.term.last_day == D("2013-06-28")
    assert tl.deadline(r, D("2019-01-01")).deadline == D("2019-03-30")


def test_whatif_late_notice_stands_for_the_next_term() -> None:
    r = tl.load("examples/whatif-late-notice.yaml")
    s = tl.status(r, D("2019-09-01"))
    [n] = s.notices
    assert n.timely is False and n.deadline == D("2019-08-24")
    assert n.takes_effect == D("2020-11-23")
    assert "late" in n.rule
    assert tl.status(r, D("2020-11-22")).in_force
    assert not tl.status(r, D("2020-11-23")).in_force


def test_whatif_override_notice_period_180_days() -> None:
    r = tl.load("examples/whatif-japan-notice-180.yaml")
    s = tl.status(r, D("2019-05-01"))
    [n] = s.notices
    assert n.party == "JPN" and n.deadline == D("2019-05-26") and n.timely
    assert not tl.status(r, D("2019-11-23")).in_force


def test_timeline_is_contiguous(record: Record) -> None:
    t = tl.timeline(record, D("2026-11-22"))
    for a, b in zip(t.intervals, t.intervals[1:], strict=False):
        assert a.last_day is not None and b.start is not None
        assert (b.start - a.last_day).days == 1
    in_force = [i for i in t.intervals if i.in_force]
    assert in_force[0].start == D("2016-11-23") and in_force[0].term == 1
    assert [i.term for i in in_force] == list(range(1, 11))
    assert t.open_end is not None and "renewing" in t.open_end


def test_explanation_cites_articles(record: Record) -> None:
    s = tl.status(record, D("2019-08-23"))
    articles = {step.article for step in s.explanation}
    assert {"Art. 21(1)", "Art. 21(3)"} <= articles
    assert any(step.source and step.source.endswith("gsomia-record.yaml:47") for step in s.explanation)


def test_results_serialize_to_json_ready_dicts(record: Record) -> None:
    import json

    d = tl.status(record, D("2019-08-23")).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["term"] == {
        "number": 3,
        "start": "2018-11-23",
        "last_day": "2019-11-22",
        "next_renewal": "2019-11-23",
        "extended": False,
        "of": None,
    }


@pytest.mark.parametrize(
    ("day", "approvals"),
    [
        ("2012-06-25", {}),
        ("2012-06-26", {"KOR": "2012-06-26"}),
        ("2016-10-26", {"KOR": "2012-06-26"}),  # talks halted, the 2012 approval was given
        ("2016-10-27", {}),  # talks resume: a new round needs a new approval
        ("2016-11-21", {}),
        ("2016-11-22", {"KOR": "2016-11-22"}),
    ],
)
def test_approvals_are_those_of_the_round_under_way(
    record: Record, day: str, approvals: dict[str, str]
) -> None:
    assert tl.status(record, D(day)).approvals == {p: D(d) for p, d in approvals.items()}
