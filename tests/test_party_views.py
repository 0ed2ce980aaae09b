"""Per-party answers beyond ``status``: ``deadline``, ``timeline`` and ``compare`` with ``--party``, and
``compare`` of a multilateral agreement listing the parties for which only one scenario has it in force.

The reference for every per-party answer is ``status(record, day, party)``: the other views must agree
with it on any day (hypothesis), not merely on the days written here.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app
from treatylife.model.record import Record

D = dt.date.fromisoformat
PARIS = "examples/paris-record.yaml"
GSOMIA = "examples/gsomia-record.yaml"
#: the United States never withdraws in 2019 and so never needs to accept again in 2021
NO_US_EXIT = ["2019-11-04 notice_given", "2021-01-20 notified"]

_CACHE: dict[str, Record] = {}


def _paris() -> Record:
    if "paris" not in _CACHE:
        _CACHE["paris"] = tl.load(PARIS)
        _CACHE["no-exit"] = tl.whatif(PARIS, remove=NO_US_EXIT)
    return _CACHE["paris"]


def _no_exit() -> Record:
    _paris()
    return _CACHE["no-exit"]


def _interval_on(result: tl.TimelineResult, day: dt.date) -> tl.Interval | None:
    for i in result.intervals:
        if (i.start is None or i.start <= day) and (i.last_day is None or day <= i.last_day):
            return i
    return None


THREE = textwrap.dedent(
    """\
    schema: treatylife/rules/1
    id: renewing-three
    title: A three-party agreement renewed every five years
    parties: [{code: AAA, name: A}, {code: BBB, name: B}, {code: CCC, name: C}]
    conventions: {notice_counting: clear_days, end_of_month: round_down}
    entry_into_force: {kind: last_notification}
    term: {initial: 5 years}
    renewal: {kind: automatic, period: 5 years}
    exits: [{kind: non_renewal_notice, notice: 6 months, by: [AAA, BBB]}]
    """
)
THREE_EVENTS = textwrap.dedent(
    """\
    schema: treatylife/scenario/1
    title: BBB does not renew
    rules: rules.yaml
    events:
      - {date: 2020-01-01, kind: signed}
      - {date: 2020-01-01, kind: notified, party: AAA}
      - {date: 2020-01-01, kind: notified, party: BBB}
      - {date: 2020-01-01, kind: notified, party: CCC}
      - {date: 2024-03-01, kind: notice_given, party: BBB}
    """
)


@pytest.fixture()
def three(tmp_path: Path) -> Record:
    (tmp_path / "rules.yaml").write_text(THREE, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(THREE_EVENTS, encoding="utf-8")
    return tl.load(tmp_path / "s.yaml")


# ---------------------------------------------------------------------------- timeline --party


def test_timeline_for_the_united_states_shows_it_out_and_back_in() -> None:
    t = tl.timeline(_paris(), D("2022-01-01"), party="USA")
    rows = [(i.start, i.last_day, i.stage, i.in_force) for i in t.intervals if i.start is not None]
    assert rows[-4:] == [
        (D("2016-11-04"), D("2020-11-03"), "in_force", True),
        (D("2020-11-04"), D("2021-01-19"), "withdrawn", False),
        (D("2021-01-20"), D("2021-02-18"), "deposited", False),
        (D("2021-02-19"), None, "in_force", True),  # the 2025 notice is after the horizon: not shown
    ]
    assert t.party == "USA"
    # the agreement's own timeline has one unbroken in-force interval
    whole = tl.timeline(_paris(), D("2022-01-01"))
    assert [(i.start, i.stage) for i in whole.intervals][-1] == (D("2016-11-04"), "in_force")


def test_timeline_for_a_party_after_its_last_withdrawal_is_not_open_ended_in_force() -> None:
    t = tl.timeline(_paris(), D("2026-12-01"), party="USA")
    last = t.intervals[-1]
    assert (last.start, last.last_day, last.stage, last.in_force) == (
        D("2026-01-27"),
        None,
        "withdrawn",
        False,
    )
    assert t.open_end is None  # "in force for an indefinite period" is true of the agreement, not of the USA


@settings(max_examples=40, deadline=None)
@given(st.dates(dt.date(2015, 1, 1), dt.date(2027, 12, 31)), st.sampled_from(["USA", "CHN", "EU", "RUS"]))
def test_party_timeline_agrees_with_party_status_on_any_day(day: dt.date, party: str) -> None:
    t = tl.timeline(_paris(), D("2027-12-31"), party=party)
    i = _interval_on(t, day)
    s = tl.status(_paris(), day, party)
    assert i is not None
    assert (i.in_force, i.stage) == (s.in_force, s.stage)


def test_renewals_while_a_party_is_out_are_one_interval(three: Record) -> None:
    t = tl.timeline(three, D("2040-01-01"), party="BBB")
    rows = [(i.start, i.last_day, i.stage, i.term) for i in t.intervals if i.start is not None]
    assert rows == [
        (D("2020-01-01"), D("2024-12-31"), "in_force", 1),
        (D("2025-01-01"), None, "withdrawn", None),
    ]
    # for AAA the same agreement renews: term 5 begins on 2040-01-01
    aaa = [i.term for i in tl.timeline(three, D("2040-01-01"), party="AAA").intervals if i.in_force]
    assert aaa == [1, 2, 3, 4, 5]


def test_bilateral_timeline_for_a_party_is_the_agreements() -> None:
    r = tl.load(GSOMIA)
    assert tl.timeline(r, D("2026-11-22"), party="KOR").intervals == tl.timeline(r, D("2026-11-22")).intervals


def test_timeline_lists_term_boundaries_that_move_with_an_open_convention() -> None:
    t = tl.timeline(tl.load("examples/whatif-leap-day.yaml"), D("2024-06-01"))
    assert [a.question for a in t.ambiguities] == [
        "end of term 1 (counted from 2020-02-29)",
        "end of term 2 (counted from 2020-02-29)",
    ]
    assert "last day 2021-02-28" in t.ambiguities[0].readings["end_of_month=round_up"]
    assert tl.timeline(tl.load(GSOMIA), D("2026-11-22")).ambiguities == []  # no day that a month lacks


# ---------------------------------------------------------------------------- deadline --party


def test_deadline_for_a_party_that_withdrew_is_none(three: Record) -> None:
    r = tl.deadline(three, D("2025-06-01"), party="BBB")
    assert r.deadline is None and r.party == "BBB"
    assert r.reason == "the agreement is not in force for BBB (withdrawn since 2025-01-01)"
    # the others still have one: at least six months before the end of term 2 (2029-12-31)
    a = tl.deadline(three, D("2025-06-01"), party="AAA")
    assert (a.deadline, a.prevents_renewal_of, a.term) == (D("2029-06-30"), D("2030-01-01"), 2)


def test_deadline_for_a_party_the_clause_does_not_name_is_none(three: Record) -> None:
    r = tl.deadline(three, D("2021-01-01"), party="CCC")
    assert r.deadline is None
    assert r.reason == "CCC may not give a notice of non-renewal under these rules"
    assert tl.deadline(three, D("2021-01-01")).deadline == D("2024-06-30")  # AAA or BBB may


def test_deadline_boundary_days_for_a_party(three: Record) -> None:
    # six clear months before the renewal of 2025-01-01 (as GSOMIA's 90 clear days before 2019-11-23 give
    # 2019-08-24): receipt on 2024-06-30 at the latest
    for on, expected in (("2024-06-29", "2024-06-30"), ("2024-06-30", "2024-06-30"), ("2024-07-01", None)):
        r = tl.deadline(three, D(on), party="AAA")
        if expected is None:  # term 1's deadline has passed: the next is term 2's
            assert r.deadline == D("2029-06-30")
        else:
            assert r.deadline == D(expected) and r.days_left == (D(expected) - D(on)).days


def test_gsomia_deadline_for_korea_equals_the_agreements() -> None:
    r = tl.load(GSOMIA)
    k = tl.deadline(r, D("2019-08-01"), party="KOR")
    assert (k.deadline, k.prevents_renewal_of, k.party) == (D("2019-08-24"), D("2019-11-23"), "KOR")
    assert k.deadline == tl.deadline(r, D("2019-08-01")).deadline


# ---------------------------------------------------------------------------- compare, per party


def test_compare_lists_the_parties_bound_in_one_scenario_only() -> None:
    c = tl.compare(_paris(), _no_exit())
    assert c.parties_compared and not c.same
    assert [(x.start, x.last_day, x.differs, x.only_a, x.only_b) for x in c.ranges] == [
        (D("2020-11-04"), D("2021-02-18"), ["parties"], [], ["USA"])
    ]
    assert c.ranges[0].a.in_force and c.ranges[0].b.in_force  # in force at all in both: not the question
    assert [e.label() for e in c.cause] == ["2019-11-04 notice_given USA"]


def test_compare_for_one_party() -> None:
    c = tl.compare(_paris(), _no_exit(), party="USA")
    assert c.party == "USA" and not c.parties_compared
    assert [(x.start, x.last_day, x.a.stage, x.b.stage, x.differs) for x in c.ranges] == [
        (D("2020-11-04"), D("2021-01-19"), "withdrawn", "in_force", ["in_force", "stage"]),
        (D("2021-01-20"), D("2021-02-18"), "deposited", "in_force", ["in_force", "stage"]),
    ]
    assert tl.compare(_paris(), _no_exit(), party="CHN").same


@settings(max_examples=40, deadline=None)
@given(st.dates(dt.date(2015, 1, 1), dt.date(2027, 12, 31)))
def test_party_ranges_are_the_days_the_parties_bound_differ(day: dt.date) -> None:
    c = tl.compare(_paris(), _no_exit())
    inside = any(
        (x.start is None or x.start <= day) and (x.last_day is None or day <= x.last_day) for x in c.ranges
    )
    a, b = tl.status(_paris(), day), tl.status(_no_exit(), day)
    assert inside == ((a.in_force, a.stage, a.parties_bound) != (b.in_force, b.stage, b.parties_bound))


def test_compare_of_a_bilateral_agreement_does_not_follow_parties() -> None:
    c = tl.compare(GSOMIA, "examples/whatif-no-suspension.yaml")
    assert not c.parties_compared
    assert all("parties" not in x.differs and x.a.parties is None for x in c.ranges)


# ---------------------------------------------------------------------------- CLI


def test_cli_deadline_timeline_compare_take_party() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["deadline", GSOMIA, "--on", "2019-08-01", "--party", "JPN"])
    assert out.exit_code == 0, out.output
    assert "From 2019-08-01, for JPN:" in out.output and "Next notice deadline: 2019-08-24" in out.output

    out = runner.invoke(app, ["timeline", PARIS, "--to", "2022-01-01", "--party", "USA", "--json"])
    data = json.loads(out.output)
    assert data["party"] == "USA"
    assert {"start": "2020-11-04", "last_day": "2021-01-19", "stage": "withdrawn"}.items() <= next(
        i for i in data["intervals"] if i["start"] == "2020-11-04"
    ).items()

    args = ["compare", PARIS] + [x for sel in NO_US_EXIT for x in ("--remove", sel)]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    assert "parties (A only: none; B only: USA)" in out.output
    out = runner.invoke(app, [*args, "--party", "USA", "--format", "markdown"])
    assert out.exit_code == 0, out.output
    assert (
        "## Comparison for USA" in out.output
        and "| 2020-11-04 | 2021-01-19 | withdrawn | in force |" in out.output
    )


@pytest.mark.parametrize("command", ["deadline", "timeline", "compare"])
def test_cli_unknown_party_is_exit_2_with_a_suggestion(command: str) -> None:
    args = [command, PARIS, "--party", "USX"]
    if command == "compare":
        args += [x for sel in NO_US_EXIT for x in ("--remove", sel)]
    out = CliRunner().invoke(app, [*args, "--json"])
    assert out.exit_code == 2
    error = json.loads(out.output)["error"]
    assert (error["code"], error["field"], error["hint"]) == ("TL312", "party", "did you mean 'USA'?")
