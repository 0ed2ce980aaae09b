"""``deadline`` answers "if we give notice of withdrawal now, when are we out?" for withdrawal clauses, and
a party waiting to be bound is told when it will be.

The reference is the engine itself: a notice added on the day ``deadline`` names must take effect on the day
it names, and a notice one day earlier must be refused.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app
from treatylife.errors import TreatyLifeError

D = dt.date.fromisoformat
USJ = "examples/us-japan-security-record.yaml"
INF = "examples/inf-record.yaml"
PARIS = "examples/paris-record.yaml"
_CACHE: dict[str, tl.Record] = {}


def _rec(path: str) -> tl.Record:
    if path not in _CACHE:
        _CACHE[path] = tl.load(path)
    return _CACHE[path]


@pytest.mark.parametrize(
    ("on", "notice_from", "takes_effect"),
    [
        ("1965-01-01", "1970-06-23", "1971-06-23"),  # Art. X: only after ten years in force
        ("1970-06-22", "1970-06-23", "1971-06-23"),  # the day before the clause opens
        ("1970-06-23", "1970-06-23", "1971-06-23"),  # the day it opens
        ("1970-06-24", "1970-06-24", "1971-06-24"),  # the day after: from the day asked
    ],
)
def test_us_japan_notice_allowed_only_after_ten_years(on: str, notice_from: str, takes_effect: str) -> None:
    r = tl.deadline(_rec(USJ), D(on))
    assert r.deadline is None  # no notice of non-renewal in this treaty
    (w,) = r.withdrawal
    assert (w.clause, w.article, w.who) == ("art10-notice", "Art. X", ["JPN", "USA"])
    assert (w.notice_from, w.takes_effect, w.effect_after, w.scope) == (
        D(notice_from),
        D(takes_effect),
        "1 year",
        "agreement",
    )


def test_paris_the_first_day_the_united_states_could_give_notice_is_the_day_it_did() -> None:
    # Art. 28(1): "at any time after three years from the date on which this Agreement has entered into force
    # for a Party"; the US notice was received on 2019-11-04, and took effect on 2020-11-04
    (w,) = tl.deadline(_rec(PARIS), D("2017-06-01"), party="USA").withdrawal
    assert (w.notice_from, w.takes_effect, w.scope) == (D("2019-11-04"), D("2020-11-04"), "party")


def test_no_option_once_a_notice_already_ends_it_sooner() -> None:
    assert tl.deadline(_rec(INF), D("2019-03-01")).withdrawal == []  # the US notice ends it on 2019-08-02
    (w,) = tl.deadline(_rec(INF), D("2018-01-01")).withdrawal
    assert (w.notice_from, w.takes_effect) == (D("2018-01-01"), D("2018-07-01"))  # six months


def test_no_option_while_not_in_force_or_without_a_withdrawal_clause() -> None:
    assert tl.deadline(_rec(USJ), D("1960-06-22")).withdrawal == []  # not yet in force
    assert tl.deadline(None, D("2026-11-22")).withdrawal == []  # GSOMIA: notice of non-renewal only


@settings(max_examples=30, deadline=None)
@given(st.dates(dt.date(1960, 6, 23), dt.date(2060, 12, 31)))
def test_the_engine_agrees_with_the_option(on: dt.date) -> None:
    (w,) = tl.deadline(_rec(USJ), on).withdrawal
    given_then = tl.whatif(USJ, add=[f"{w.notice_from} notice_given JPN"])
    assert tl.status(given_then, w.notice_from).ends == w.takes_effect
    assert tl.status(given_then, w.takes_effect).in_force is False
    if w.notice_from > on:  # the clause was not open yet: a notice the day before is refused
        with pytest.raises(TreatyLifeError) as err:
            tl.whatif(USJ, add=[f"{w.notice_from - dt.timedelta(days=1)} notice_given JPN"])
        assert (err.value.code, err.value.field) == ("TL402", "date")


def test_cli_deadline_prints_the_withdrawal_option() -> None:
    out = CliRunner().invoke(app, ["deadline", USJ, "--on", "1965-01-01"])
    assert out.exit_code == 0, out.output
    assert (
        "Withdrawal: art10-notice (Art. X): a notice by JPN, USA received from 1970-06-23 takes effect "
        "1 year later, on 1971-06-23 (ending the agreement)"
    ) in out.output


def test_a_waiting_party_is_told_when_it_will_be_bound() -> None:
    s = tl.status(tl.load("examples/cwc-record.yaml"), D("1997-11-20"), party="RUS")
    assert (s.in_force, s.stage) == (False, "deposited")
    step = s.explanation[-1]
    assert step.date == D("1997-12-05")
    assert (
        step.what
        == "RUS to be bound from 1997-12-05: bound 30 days after its own instrument deposited 1997-11-05"
    )


def test_add_can_count_instruments_of_states_not_followed() -> None:
    # the 65th instrument a year and a half earlier: "in no case earlier than" 1995-01-13 (not_before)
    rec = tl.whatif(
        "examples/cwc-record.yaml",
        remove=["1996-10-30", "1996-10-31"],
        add=["1994-05-31 notified count=64", "1994-06-01 notified HUN"],
    )
    assert [tl.status(rec, D(d)).in_force for d in ("1995-01-12", "1995-01-13")] == [False, True]
    why = [x.what for x in tl.status(rec, D("1995-01-13")).explanation]
    assert any(
        w.startswith("entered into force on 1995-01-13, the earliest date the clause allows") for w in why
    )


# ---------------------------------------------------------------------------- "or on such later date"

#: Paris Art. 28(2): "... or on such later date as may be specified in the notification of withdrawal"
LATER = ["2019-11-04 notice_given USA id=usa effective=2021-01-01"]


def test_a_notice_may_name_a_later_date_where_the_clause_allows() -> None:
    rec = tl.whatif(PARIS, remove=["2019-11-04 notice_given"], add=LATER)
    around = [tl.status(rec, D(d), "USA").in_force for d in ("2020-12-31", "2021-01-01", "2021-01-02")]
    assert around == [True, False, False]
    assert tl.status(rec, D("2020-11-04"), "USA").in_force  # the clause's own date no longer applies
    (n,) = [n for n in tl.status(rec, D("2020-06-01"), "USA").notices if n.id == "usa"]
    assert n.takes_effect == D("2021-01-01")
    assert n.rule is not None and "the later date the notification names" in n.rule


@pytest.mark.parametrize(
    ("scenario", "add", "needle"),
    [
        (PARIS, "2019-11-04 notice_given USA id=usa effective=2020-06-01", "it may name a later date"),
        (None, "2019-08-01 notice_given JPN effective=2020-06-01", "does not let a notice name its own date"),
        (INF, "2018-01-10 notice_given RUS effective=2019-01-01", "does not let a notice name its own date"),
    ],
)
def test_a_date_the_clause_does_not_allow_is_refused(scenario: str | None, add: str, needle: str) -> None:
    remove = ["2019-11-04 notice_given"] if scenario == PARIS else []
    with pytest.raises(TreatyLifeError) as err:
        tl.whatif(scenario, remove=remove, add=[add])
    assert (err.value.code, err.value.field) == ("TL402", "effective")
    assert needle in str(err.value)
