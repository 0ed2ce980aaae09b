"""Legal date arithmetic: tables of boundary cases (the day before, the day of, the day after).

Every expected date here is written out by hand from the text of a clause or from DOMAIN.md §4, never
computed with the function under test.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import subprocess
import sys
from typing import Any

import pytest

from treatylife.dates import scalar as D
from treatylife.dates.scalar import EndOfMonth, NoticeCounting, Period, TermSchedule
from treatylife.errors import AmbiguousDateError, RulesError, TreatyLifeError

d = dt.date.fromisoformat
DOWN, UP, ABORT = EndOfMonth.ROUND_DOWN, EndOfMonth.ROUND_UP, EndOfMonth.ABORT
CLEAR, DIFF = NoticeCounting.CLEAR_DAYS, NoticeCounting.DATE_DIFFERENCE
YEAR, MONTH = Period(1, "years"), Period(1, "months")
NINETY = Period(90, "days")


class _Columns:
    """The columnar twin (treatylife.dates.columns), asked one date at a time through a column of three
    (the date between two others), so the boundary tables below hold for both backends."""

    name = "columns"

    @staticmethod
    def _col(x: dt.date) -> object:
        import numpy as np

        from treatylife.dates import columns as C

        return np.array([C.to_days(dt.date(2000, 1, 1)), C.to_days(x), C.to_days(dt.date(2001, 6, 15))])

    def add_period(self, x: dt.date, period: Period, times: int = 1, eom: EndOfMonth = DOWN) -> dt.date:
        from treatylife.dates import columns as C

        out = C.from_days(int(C.add_period(self._col(x), period, times, eom)[1]))
        assert out is not None
        return out

    def notice_deadline(
        self, nxt: dt.date, notice: Period, counting: NoticeCounting = CLEAR, eom: EndOfMonth = DOWN
    ) -> dt.date:
        from treatylife.dates import columns as C

        out = C.from_days(int(C.notice_deadline(self._col(nxt), notice, counting, eom)[1]))
        assert out is not None
        return out


class _Scalar:
    name = "scalar"
    add_period = staticmethod(D.add_period)
    notice_deadline = staticmethod(D.notice_deadline)


@pytest.fixture(params=[_Scalar(), _Columns()], ids=["scalar", "columns"])
def backend(request: pytest.FixtureRequest) -> object:
    """Each date operation of the boundary tables, from the scalar layer and from its columnar twin."""
    return request.param


# ---------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("90 days", Period(90, "days")),
        ("1 year", Period(1, "years")),
        ("6 months", Period(6, "months")),
        ("2 weeks", Period(2, "weeks")),
        ("  12 Months ", Period(12, "months")),
    ],
)
def test_parse_period(text: str, period: Period) -> None:
    assert D.parse_period(text) == period


@pytest.mark.parametrize("bad", ["90", "ninety days", "1 fortnight", "-1 day", "1.5 years", 90, True, None])
def test_parse_period_refuses_with_the_accepted_form(bad: object) -> None:
    with pytest.raises(ValueError, match="days"):
        D.parse_period(bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- GSOMIA notice deadline


@pytest.mark.parametrize(
    ("counting", "deadline"),
    [(CLEAR, "2019-08-24"), (DIFF, "2019-08-25")],
)
def test_gsomia_deadline_for_the_renewal_of_2019_11_23(
    counting: NoticeCounting, deadline: str, backend: Any
) -> None:
    assert backend.notice_deadline(d("2019-11-23"), NINETY, counting) == d(deadline)


@pytest.mark.parametrize(
    ("receipt", "clear_days", "date_difference"),
    [
        ("2019-08-23", True, True),  # Korea's actual note: timely either way
        ("2019-08-24", True, True),  # the deadline reported by the press
        ("2019-08-25", False, True),  # the disputed day: late under clear days
        ("2019-08-26", False, False),
    ],
)
def test_gsomia_receipt_days_around_the_deadline(
    receipt: str, clear_days: bool, date_difference: bool
) -> None:
    r = d(receipt)
    assert D.is_timely(r, d("2019-11-23"), NINETY, CLEAR) is clear_days
    assert D.is_timely(r, d("2019-11-23"), NINETY, DIFF) is date_difference
    # clear days: ninety whole days strictly between receipt and the next term (2019-08-25 .. 2019-11-22)
    assert (D.days_between(r, d("2019-11-23")) - 1 >= 90) is clear_days


def test_default_counting_is_clear_days() -> None:
    assert D.notice_deadline(d("2019-11-23"), NINETY) == d("2019-08-24")


@pytest.mark.parametrize(
    ("next_start", "notice", "counting", "eom", "deadline"),
    [
        # months: the deadline is where the notice period, counted forward, still fits
        ("2021-03-31", MONTH, DIFF, DOWN, "2021-02-28"),
        ("2021-03-31", MONTH, DIFF, UP, "2021-02-28"),  # not 2021-03-01: 03-01 + 1 month = 04-01
        ("2021-03-31", MONTH, CLEAR, UP, "2021-02-27"),
        ("2021-03-31", MONTH, DIFF, ABORT, "2021-02-28"),  # no receipt day depends on the rounding
        ("2021-03-01", MONTH, DIFF, UP, "2021-02-01"),
        # a term starting on the last day of a month: 2021-03-31 + 1 month = 2021-04-30 when rounding down
        ("2021-04-30", MONTH, DIFF, DOWN, "2021-03-31"),
        ("2021-04-30", MONTH, DIFF, UP, "2021-03-30"),
        ("2021-04-29", MONTH, DIFF, DOWN, "2021-03-29"),
        ("2021-03-01", MONTH, CLEAR, DOWN, "2021-01-31"),
        # a year's notice before 2021-02-28: 2020-02-29 + 1 year is 2021-02-28 only when rounding down
        ("2021-02-28", YEAR, DIFF, DOWN, "2020-02-29"),
        ("2021-02-28", YEAR, DIFF, UP, "2020-02-28"),
        ("2021-02-28", YEAR, CLEAR, DOWN, "2020-02-28"),
        ("2021-02-28", YEAR, CLEAR, UP, "2020-02-27"),
        ("2017-11-23", Period(6, "months"), CLEAR, DOWN, "2017-05-22"),
    ],
)
def test_notice_deadline_in_months_and_years(
    next_start: str, notice: Period, counting: NoticeCounting, eom: EndOfMonth, deadline: str, backend: Any
) -> None:
    if backend.name == "columns" and eom is ABORT:  # refusing needs the scalar layer, which names the day
        with pytest.raises(ValueError, match="scalar"):
            backend.notice_deadline(d(next_start), notice, counting, eom)
        return
    dl = backend.notice_deadline(d(next_start), notice, counting, eom)
    assert dl == d(deadline)
    # the deadline leaves the full period, and the day after it does not (checked under the same reading)
    first_counted = D.add_days(dl, 1) if counting is CLEAR else dl
    ok_eom = DOWN if eom is ABORT else eom
    assert D.add_period(first_counted, notice, 1, ok_eom) <= d(next_start)
    assert D.add_period(D.add_days(first_counted, 1), notice, 1, ok_eom) > d(next_start)


def test_notice_deadline_aborts_only_when_the_readings_disagree() -> None:
    with pytest.raises(AmbiguousDateError, match="2020-02-29 rounding down and 2020-02-28 rounding up") as e:
        D.notice_deadline(d("2021-02-28"), YEAR, DIFF, ABORT)
    assert e.value.code == "TL500"
    assert "end_of_month" in (e.value.hint or "")


def test_deadline_readings_cover_every_reading() -> None:
    r = D.deadline_readings(d("2021-02-28"), YEAR)
    assert r == {
        (CLEAR, DOWN): d("2020-02-28"),
        (CLEAR, UP): d("2020-02-27"),
        (DIFF, DOWN): d("2020-02-29"),
        (DIFF, UP): d("2020-02-28"),
    }


# ---------------------------------------------------------------------------- term boundaries


GSOMIA = TermSchedule(d("2016-11-23"), YEAR, YEAR)


@pytest.mark.parametrize(
    ("day", "term"),
    [
        ("2016-11-22", None),  # before entry into force
        ("2016-11-23", 1),
        ("2016-11-24", 1),
        ("2017-11-22", 1),  # last day of term 1
        ("2017-11-23", 2),  # first day of term 2
        ("2019-11-22", 3),
        ("2019-11-23", 4),
        ("2027-11-22", 11),
        ("2027-11-23", 12),
    ],
)
def test_gsomia_term_on_each_side_of_a_boundary(day: str, term: int | None) -> None:
    assert GSOMIA.index_on(d(day)) == term


def test_gsomia_term_bounds() -> None:
    assert GSOMIA.bounds(1) == D.TermBounds(1, d("2016-11-23"), d("2017-11-22"), d("2017-11-23"))
    assert GSOMIA.bounds(4) == D.TermBounds(4, d("2019-11-23"), d("2020-11-22"), d("2020-11-23"))
    assert GSOMIA.last_day(1) == d("2017-11-22") and GSOMIA.start(2) == d("2017-11-23")
    # the deadline to prevent the renewal of 2027-11-23 (DOMAIN.md §5)
    assert D.notice_deadline(GSOMIA.start(12), NINETY) == d("2027-08-24")


@pytest.mark.parametrize(
    ("eom", "term_2_starts", "term_1_last_day"),
    [(DOWN, "2021-02-28", "2021-02-27"), (UP, "2021-03-01", "2021-02-28")],
)
def test_leap_day_anchor_under_each_rounding(
    eom: EndOfMonth, term_2_starts: str, term_1_last_day: str
) -> None:
    ts = TermSchedule(d("2020-02-29"), YEAR, YEAR, eom=eom)
    assert ts.start(2) == d(term_2_starts)
    assert ts.last_day(1) == d(term_1_last_day)
    # anniversaries are counted from the anchor: back on 29 February in 2024, no drift to the 28th
    assert ts.start(5) == d("2024-02-29")
    assert ts.index_on(d("2021-02-28")) == (2 if eom is DOWN else 1)


def test_leap_day_anchor_aborts_on_the_first_missing_day() -> None:
    ts = TermSchedule(d("2020-02-29"), YEAR, YEAR, eom=ABORT)
    with pytest.raises(AmbiguousDateError, match="ambiguous date computation"):
        ts.start(2)
    with pytest.raises(AmbiguousDateError):
        ts.index_on(d("2020-06-01"))  # which term? it depends on where term 1 ends
    assert ts.start(5) == d("2024-02-29")  # the day exists: no question arises


@pytest.mark.parametrize(
    "ts",
    [
        GSOMIA,
        TermSchedule(d("2020-02-29"), YEAR, YEAR, eom=DOWN),
        TermSchedule(d("2020-02-29"), YEAR, YEAR, eom=UP),
        TermSchedule(d("2019-01-31"), MONTH, MONTH, eom=DOWN),
        TermSchedule(d("2019-01-31"), MONTH, Period(3, "months"), eom=UP),
        TermSchedule(d("2001-03-15"), Period(5, "years"), Period(2, "years"), max_terms=30),
        TermSchedule(d("2000-01-01"), Period(100, "days"), Period(1, "years"), eom=UP),
        TermSchedule(d("2000-01-31"), Period(1, "months"), Period(45, "days")),
        TermSchedule(d("1990-07-04"), Period(10, "weeks"), Period(10, "days")),
    ],
    ids=repr,
)
@pytest.mark.parametrize("day", ["2099-12-31", "2100-01-01", "2100-02-28", "2100-03-01", "2163-08-09"])
def test_index_on_far_ahead_equals_a_naive_loop(ts: TermSchedule, day: str) -> None:
    target = d(day)
    k = 1
    while ts.start(k + 1) <= target:  # the naive walk over every term
        k += 1
    expected = None if ts.max_terms is not None and k > ts.max_terms else k
    assert ts.index_on(target) == expected
    if expected is not None:
        assert ts.start(expected) <= target <= ts.last_day(expected)


def test_limited_schedule_ends() -> None:
    ts = TermSchedule(d("2001-03-15"), Period(5, "years"), Period(2, "years"), max_terms=3)
    assert ts.end() == d("2010-03-15")
    assert ts.index_on(d("2010-03-14")) == 3
    assert ts.index_on(d("2010-03-15")) is None
    with pytest.raises(ValueError, match="no term 4"):
        ts.bounds(4)
    assert TermSchedule(d("2001-03-15"), YEAR, None).end() == d("2002-03-15")


# ---------------------------------------------------------------------------- periods after a date


@pytest.mark.parametrize(
    ("receipt", "effect"),
    [("2019-02-01", "2019-08-01"), ("2019-02-02", "2019-08-02"), ("2019-02-03", "2019-08-03")],
)
def test_inf_treaty_six_months_after_receipt(receipt: str, effect: str, backend: Any) -> None:
    # US notice received 2019-02-02: the INF Treaty ended 2019-08-02 (in force through 2019-08-01)
    assert D.effect_after(d(receipt), Period(6, "months")) == d(effect)
    assert backend.add_period(d(receipt), Period(6, "months")) == d(effect)


@pytest.mark.parametrize(
    ("start", "period", "down", "up"),
    [
        ("2020-02-28", YEAR, "2021-02-28", "2021-02-28"),  # day before: no question
        ("2020-02-29", YEAR, "2021-02-28", "2021-03-01"),  # the leap day
        ("2020-03-01", YEAR, "2021-03-01", "2021-03-01"),  # day after
        ("2020-02-29", Period(4, "years"), "2024-02-29", "2024-02-29"),
        ("2020-02-29", Period(12, "months"), "2021-02-28", "2021-03-01"),
        ("2019-01-30", MONTH, "2019-02-28", "2019-03-01"),
        ("2019-01-31", MONTH, "2019-02-28", "2019-03-01"),  # 31 January + 1 month
        ("2019-02-01", MONTH, "2019-03-01", "2019-03-01"),
        ("2020-01-31", MONTH, "2020-02-29", "2020-03-01"),  # in a leap year
        ("2019-03-31", MONTH, "2019-04-30", "2019-05-01"),
        ("2019-12-31", Period(2, "months"), "2020-02-29", "2020-03-01"),
    ],
)
def test_adding_to_a_day_the_month_lacks(
    start: str, period: Period, down: str, up: str, backend: Any
) -> None:
    assert backend.add_period(d(start), period, 1, DOWN) == d(down)
    assert backend.add_period(d(start), period, 1, UP) == d(up)
    assert D.readings(d(start), period) == {DOWN: d(down), UP: d(up)}
    assert D.is_ambiguous(d(start), period) is (down != up)
    if down == up:
        assert D.add_period(d(start), period, 1, ABORT) == d(down)
    else:
        with pytest.raises(AmbiguousDateError, match=f"no day {d(start).day}"):
            D.add_period(d(start), period, 1, ABORT)


def test_default_rounding_is_round_down() -> None:
    assert D.add_period(d("2020-02-29"), YEAR) == d("2021-02-28")


def test_repeated_periods_count_from_the_start_never_chained(backend: Any) -> None:
    # relativedelta's trap: 31 Jan + 1 month + 1 month = 28 Mar; counted from the start it is 31 Mar
    assert backend.add_period(d("2019-01-31"), MONTH, 2) == d("2019-03-31")
    assert backend.add_period(backend.add_period(d("2019-01-31"), MONTH), MONTH) == d("2019-03-28")


@pytest.mark.parametrize(
    ("end", "period", "down", "up"),
    [
        ("2021-02-27", Period(3, "months"), "2020-11-27", "2020-11-27"),
        ("2021-02-28", Period(3, "months"), "2020-11-28", "2020-11-28"),  # not 2020-11-30
        ("2021-03-01", Period(3, "months"), "2020-12-01", "2020-12-01"),
        ("2021-03-31", MONTH, "2021-02-28", "2021-03-01"),
        ("2021-02-28", YEAR, "2020-02-28", "2020-02-28"),
        ("2019-11-23", NINETY, "2019-08-25", "2019-08-25"),
    ],
)
def test_period_before_a_date(end: str, period: Period, down: str, up: str, backend: Any) -> None:
    assert D.subtract_period(d(end), period, DOWN) == d(down)
    assert D.subtract_period(d(end), period, UP) == d(up)
    assert backend.add_period(d(end), period, -1, DOWN) == d(down)
    assert backend.add_period(d(end), period, -1, UP) == d(up)
    if down == up:
        assert D.subtract_period(d(end), period, ABORT) == d(down)
    else:
        with pytest.raises(AmbiguousDateError):
            D.subtract_period(d(end), period, ABORT)


@pytest.mark.parametrize(
    ("day", "first"),
    [("2019-01-31", "2019-02-01"), ("2019-12-01", "2020-01-01"), ("2020-02-29", "2020-03-01")],
)
def test_first_day_of_next_month(day: str, first: str) -> None:
    # "the first day of the month following the sixtieth day after X"
    assert D.first_day_of_next_month(d(day)) == d(first)


def test_first_day_of_the_month_after_the_sixtieth_day() -> None:
    # 2019-11-01 + 60 days = 2019-12-31; 2019-11-02 + 60 days = 2020-01-01
    assert D.first_day_of_next_month(D.add_days(d("2019-11-01"), 60)) == d("2020-01-01")
    assert D.first_day_of_next_month(D.add_days(d("2019-11-02"), 60)) == d("2020-02-01")


def test_dates_beyond_the_calendar_are_a_user_error() -> None:
    with pytest.raises(TreatyLifeError) as e:
        D.add_period(d("9999-12-01"), MONTH)
    assert e.value.code == "TL501"
    with pytest.raises(TreatyLifeError):
        D.add_days(d("9999-12-31"), 1)


# ---------------------------------------------------------------------------- working days


def test_the_holidays_package_knows_the_days_used_below() -> None:
    import holidays

    kr = holidays.country_holidays("KR", years=2019)
    jp = holidays.country_holidays("JP", years=2019)
    assert kr.get(d("2019-08-15")) == "Liberation Day" and d("2019-08-15").weekday() == 3  # a Thursday
    assert {d("2019-09-12"), d("2019-09-13"), d("2019-09-14")} <= set(kr)  # Chuseok, Thu..Sat
    assert d("2019-08-12") in jp and d("2019-08-12") not in kr  # Japan: substitute for Mountain Day
    assert d("2019-08-24").weekday() == 5  # GSOMIA's 2019 deadline was a Saturday


@pytest.mark.parametrize(
    ("day", "country", "previous", "next_"),
    [
        ("2019-08-14", "KR", "2019-08-14", "2019-08-14"),  # Wednesday: a working day
        ("2019-08-15", "KR", "2019-08-14", "2019-08-16"),  # Liberation Day (Thursday)
        ("2019-08-16", "KR", "2019-08-16", "2019-08-16"),
        ("2019-08-15", "JP", "2019-08-15", "2019-08-15"),  # not a holiday in Japan
        ("2019-08-15", None, "2019-08-15", "2019-08-15"),  # weekends only
        ("2019-08-24", "KR", "2019-08-23", "2019-08-26"),  # Saturday
        ("2019-08-25", "KR", "2019-08-23", "2019-08-26"),  # Sunday
        ("2019-08-24", None, "2019-08-23", "2019-08-26"),
        ("2019-09-14", "KR", "2019-09-11", "2019-09-16"),  # Chuseok Saturday, after Thu-Fri holidays
        ("2019-08-10", "KR", "2019-08-09", "2019-08-12"),
        ("2019-08-10", "JP", "2019-08-09", "2019-08-13"),  # Sun 11 Mountain Day, Mon 12 substitute
        ("2019-12-31", "KR", "2019-12-31", "2019-12-31"),
        ("2022-12-31", "KR", "2022-12-30", "2023-01-02"),  # across a year: two calendars
    ],
)
def test_working_day_adjustment(day: str, country: str | None, previous: str, next_: str) -> None:
    assert D.adjust_to_working_day(d(day), "previous_working_day", country) == d(previous)
    assert D.adjust_to_working_day(d(day), "next_working_day", country) == d(next_)
    assert D.adjust_to_working_day(d(day), "none", country) == d(day)
    assert D.is_working_day(d(day), country) is (previous == day)


def test_unknown_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="sideways"):
        D.adjust_to_working_day(d("2019-08-24"), "sideways", None)


def test_unknown_country_is_a_rules_error() -> None:
    with pytest.raises(RulesError, match="no public-holiday calendar for country 'XX'") as e:
        D.is_working_day(d("2019-08-15"), "XX")
    assert e.value.code == "TL202"


def test_missing_holidays_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(D, "_HOLIDAY_CACHE", {})
    monkeypatch.setitem(sys.modules, "holidays", None)  # import holidays -> ImportError
    with pytest.raises(TreatyLifeError, match="need the `holidays` package") as e:
        D.is_working_day(d("2019-08-15"), "KR")
    assert e.value.code == "TL502" and e.value.hint == "pip install holidays"


def test_importing_treatylife_does_not_import_heavy_packages() -> None:
    code = (
        "import sys, treatylife, treatylife.dates.scalar; "
        "print(sorted(m for m in ('holidays', 'pydantic', 'yaml', 'typer', 'transitions') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------- through the engine and CLI
# Answers that depend on a convention the rules file leaves open must say so: in JSON a field, in text
# a visible warning, and `treatylife check` lists them.

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from typer.testing import CliRunner  # noqa: E402

import treatylife as tl  # noqa: E402
from treatylife.cli.app import app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LEAP = str(ROOT / "examples" / "whatif-leap-day.yaml")
LATE = str(ROOT / "examples" / "whatif-late-notice.yaml")
runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_notice_received_2019_08_25_is_late_with_the_reason() -> None:
    s = tl.status(LATE, d("2019-09-01"))
    (n,) = s.notices
    assert (n.received, n.timely, n.deadline) == (d("2019-08-25"), False, d("2019-08-24"))
    assert "after the deadline 2019-08-24" in n.rule and "clear_days" in n.rule
    assert n.takes_effect == d("2020-11-23")  # late: next_term, so the renewal of 2020-11-23 is prevented
    assert s.ambiguities == []  # the GSOMIA rules file names both conventions
    code, out = cli("status", LATE, "--on", "2019-09-01")
    assert code == 0
    assert "received 2019-08-25, late (deadline 2019-08-24)" in out
    assert (
        "why late: received 2019-08-25 after the deadline 2019-08-24 for term 3 (90 days, clear_days)" in out
    )
    assert "WARNING" not in out


def test_gsomia_answers_carry_no_ambiguity() -> None:
    record = tl.load()
    for day in ("2016-11-23", "2019-08-23", "2019-08-24", "2019-08-25", "2027-01-01"):
        assert tl.status(record, d(day)).ambiguities == []
        assert tl.deadline(record, d(day)).ambiguities == []
    assert tl.check([str(ROOT / "examples" / "gsomia-record.yaml")]).files[0].ambiguous_dates == []


@pytest.fixture(scope="module")
def leap() -> tl.Record:
    return tl.load(LEAP)


def test_leap_day_rules_leave_end_of_month_open(leap: tl.Record) -> None:
    assert leap.open_conventions == ["end_of_month"]
    assert leap.in_force_from == d("2020-02-29")


def test_leap_day_status_flags_the_term_and_the_notice(leap: tl.Record) -> None:
    s = tl.status(leap, d("2020-12-01"))
    assert s.term is not None and (s.term.start, s.term.last_day) == (d("2020-02-29"), d("2021-02-27"))
    (n,) = s.notices
    assert (n.timely, n.deadline, n.takes_effect) == (False, d("2020-11-29"), d("2022-02-28"))
    term, notice = s.ambiguities
    assert term.readings == {
        "end_of_month=round_down": "term 1: 2020-02-29 .. 2021-02-27",
        "end_of_month=round_up": "term 1: 2020-02-29 .. 2021-02-28",
    }
    assert notice.readings == {
        "end_of_month=round_down": "deadline 2020-11-29: late; no longer in force from 2022-02-28",
        "end_of_month=round_up": "deadline 2020-11-30: timely; no longer in force from 2021-03-01",
    }
    assert notice.used == "end_of_month=round_down (default; the rules file leaves it open)"
    # JSON: a field
    code, out = cli("status", LEAP, "--on", "2020-12-01", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["ambiguities"] == s.to_dict()["ambiguities"]
    assert data["ambiguities"][1]["readings"]["end_of_month=round_up"].startswith(
        "deadline 2020-11-30: timely"
    )
    # text: a visible warning
    code, out = cli("status", LEAP, "--on", "2020-12-01")
    assert "WARNING: ambiguous: is notice kor-2020-termination received 2020-11-30 timely" in out
    assert "  end_of_month=round_up: deadline 2020-11-30: timely; no longer in force from 2021-03-01" in out
    assert "  used: end_of_month=round_down (default; the rules file leaves it open)" in out


@pytest.mark.parametrize(
    ("day", "flagged"),
    [
        ("2020-02-28", []),  # not yet in force: nothing to round
        ("2020-02-29", ["term"]),  # where does term 1 end?
        ("2020-11-29", ["term"]),  # the notice is not received yet
        ("2020-11-30", ["term", "notice"]),
        ("2024-02-29", ["notice"]),  # ended under every reading, but on which day depends on it
    ],
)
def test_leap_day_status_flags_only_where_rounding_matters(
    leap: tl.Record, day: str, flagged: list[str]
) -> None:
    s = tl.status(leap, d(day))
    assert ["term" if a.question.startswith("term") else "notice" for a in s.ambiguities] == flagged
    assert s.in_force is (day not in ("2020-02-28", "2024-02-29"))


def test_leap_day_deadline_gives_each_reading(leap: tl.Record) -> None:
    r = tl.deadline(leap, d("2020-06-01"))
    assert (r.deadline, r.prevents_renewal_of) == (d("2020-11-29"), d("2021-02-28"))
    dl = next(a for a in r.ambiguities if a.question.startswith("deadline"))
    assert dl.readings == {
        "end_of_month=round_down": "2020-11-29",
        "end_of_month=round_up": "2020-11-30 (renewal on 2021-03-01)",
    }
    code, out = cli("deadline", LEAP, "--on", "2020-06-01")
    assert code == 0 and "WARNING: ambiguous: deadline to prevent the renewal of 2021-02-28" in out


def test_check_lists_every_date_that_depends_on_the_open_convention() -> None:
    result = tl.check([LEAP, str(ROOT / "rules" / "leapday-example.yaml")])
    scen, rules = result.files
    assert result.ok and rules.open_conventions == ["end_of_month"] == scen.open_conventions
    questions = [a.question for a in scen.ambiguous_dates]
    assert [q.split(" (")[0] for q in questions] == [
        "end of term 1",
        "end of term 2",  # the agreement ends after term 2 under the reading used
        "is notice kor-2020-termination received 2020-11-30 timely, and when does it take effect?",
    ]
    assert scen.ambiguous_dates[0].readings["end_of_month=round_up"] == (
        "last day 2021-02-28, renewed 2021-03-01; notice deadline (art21-3-notice) 2020-11-30"
    )
    code, out = cli("check", LEAP)
    assert code == 0
    assert "open conventions (defaults used): end_of_month" in out
    assert out.count("WARNING:") == 3
    code, out = cli("check", LEAP, "--json")
    data = json.loads(out)
    assert data["files"][0]["ambiguous_dates"] == result.to_dict()["files"][0]["ambiguous_dates"]


def test_rounding_that_the_rules_file_fixes_is_not_flagged(tmp_path: Path) -> None:
    rules = (ROOT / "rules" / "leapday-example.yaml").read_text(encoding="utf-8")
    rules = rules.replace(
        "  notice_counting: clear_days\n", "  notice_counting: clear_days\n  end_of_month: round_up\n"
    )
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "leap.yaml").write_text(rules, encoding="utf-8")
    scen = Path(LEAP).read_text(encoding="utf-8").replace("../rules/leapday-example.yaml", "rules/leap.yaml")
    (tmp_path / "s.yaml").write_text(scen, encoding="utf-8")
    s = tl.status(str(tmp_path / "s.yaml"), d("2020-12-01"))
    assert s.ambiguities == []
    (n,) = s.notices
    assert (n.timely, n.deadline, n.takes_effect) == (True, d("2020-11-30"), d("2021-03-01"))


def test_open_notice_counting_flags_the_disputed_day(tmp_path: Path) -> None:
    rules = (ROOT / "rules" / "gsomia.yaml").read_text(encoding="utf-8")
    rules = rules.replace("  notice_counting: clear_days\n", "")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "g.yaml").write_text(rules, encoding="utf-8")
    scen = Path(ROOT / "examples" / "gsomia-record.yaml").read_text(encoding="utf-8")
    scen = scen.replace("../rules/gsomia.yaml", "rules/g.yaml").replace(
        "date: 2019-08-23\n", "date: 2019-08-25\n"
    )
    (tmp_path / "s.yaml").write_text(scen, encoding="utf-8")
    record = tl.load(str(tmp_path / "s.yaml"))
    assert record.open_conventions == ["notice_counting"]
    s = tl.status(record, d("2019-09-01"))
    (amb,) = s.ambiguities
    assert amb.readings == {
        "notice_counting=clear_days": "deadline 2019-08-24: late; no longer in force from 2020-11-23",
        "notice_counting=date_difference": "deadline 2019-08-25: timely; no longer in force from 2019-11-23",
    }
    r = tl.deadline(record, d("2019-01-01"))
    assert r.deadline == d("2019-08-24")
    assert r.ambiguities[-1].readings == {
        "notice_counting=clear_days": "2019-08-24",
        "notice_counting=date_difference": "2019-08-25",
    }


def test_working_day_clause_moves_the_gsomia_deadline_off_a_saturday(tmp_path: Path) -> None:
    (tmp_path / "wd.yaml").write_text(
        "schema: treatylife/scenario/1\ntitle: working days\n"
        "based_on: gsomia-record\n"  # a bundled name: works from any folder, editable or wheel
        "overrides:\n  conventions:\n    deadline_adjustment: previous_working_day\n    working_days_of: KOR\n",
        encoding="utf-8",
    )
    r = tl.deadline(str(tmp_path / "wd.yaml"), d("2019-01-01"))
    assert r.deadline == d("2019-08-23")  # 2019-08-24 is a Saturday
    assert r.convention == "notice_counting=clear_days, deadline_adjustment=previous_working_day (KOR)"


def test_abort_refuses_the_leap_day_through_the_cli(tmp_path: Path) -> None:
    rules = (ROOT / "rules" / "leapday-example.yaml").read_text(encoding="utf-8")
    rules = rules.replace(
        "  notice_counting: clear_days\n", "  notice_counting: clear_days\n  end_of_month: abort\n"
    )
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "leap.yaml").write_text(rules, encoding="utf-8")
    scen = Path(LEAP).read_text(encoding="utf-8").replace("../rules/leapday-example.yaml", "rules/leap.yaml")
    (tmp_path / "s.yaml").write_text(scen, encoding="utf-8")
    code, out = cli("status", str(tmp_path / "s.yaml"), "--on", "2020-06-01", "--json")
    assert code == 2
    err = json.loads(out)["error"]
    assert err["code"] == "TL500" and err["field"] == "conventions.end_of_month"
    assert "2021-02-28 rounding down, 2021-03-01 rounding up" in err["message"]


def _console_blocks(text: str) -> list[tuple[list[str], list[str]]]:
    blocks = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        first, *rest = block.rstrip("\n").split("\n")
        assert first.startswith("$ treatylife ")
        blocks.append((shlex.split(first[len("$ treatylife ") :]), rest))
    return blocks


def test_docs_conventions_show_real_output() -> None:
    """Every ``$ treatylife ...`` block in docs/conventions.md is what the command prints ('...' elides)."""
    doc = (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    blocks = _console_blocks(doc)
    assert len(blocks) >= 3
    for args, shown in blocks:
        code, out = cli(*[str(ROOT / a) if a.startswith("examples/") else a for a in args])
        assert code == 0
        lines = out.replace(str(ROOT) + "/", "").rstrip("\n").split("\n")
        if "..." in shown:
            it = iter(lines)
            for want in (s for s in shown if s != "..."):
                assert any(line == want for line in it), want
        else:
            assert lines == shown


def test_docs_conventions_json_is_real() -> None:
    doc = (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    (shown,) = re.findall(r"```json\n(.*?)```", doc, flags=re.S)
    code, out = cli("status", LEAP, "--on", "2020-12-01", "--json")
    assert code == 0 and json.loads(shown) in json.loads(out)["ambiguities"]


def test_check_lists_deadlines_that_depend_on_open_notice_counting(tmp_path: Path) -> None:
    rules = (ROOT / "rules" / "gsomia.yaml").read_text(encoding="utf-8")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "g.yaml").write_text(
        rules.replace("  notice_counting: clear_days\n", ""), encoding="utf-8"
    )
    scen = (ROOT / "examples" / "gsomia-record.yaml").read_text(encoding="utf-8")
    (tmp_path / "s.yaml").write_text(scen.replace("../rules/gsomia.yaml", "rules/g.yaml"), encoding="utf-8")
    (f,) = tl.check([str(tmp_path / "s.yaml")]).files
    assert f.ok and f.open_conventions == ["notice_counting"]
    first = f.ambiguous_dates[0]
    assert first.question == "end of term 1 (counted from 2016-11-23)"
    assert first.readings == {
        "notice_counting=clear_days": "last day 2017-11-22, renewed 2017-11-23; notice deadline (art21-3-notice) 2017-08-24",
        "notice_counting=date_difference": "last day 2017-11-22, renewed 2017-11-23; notice deadline (art21-3-notice) 2017-08-25",
    }
    assert [a.question for a in f.ambiguous_dates] == [
        f"end of term {k} (counted from 2016-11-23)" for k in range(1, 6)
    ]
    # Korea's real note (2019-08-23) is timely under both counts: not listed


@pytest.mark.parametrize(
    "period", [MONTH, YEAR, Period(3, "months"), Period(18, "months"), NINETY, Period(2, "weeks")]
)
@pytest.mark.parametrize("eom", [DOWN, UP])
def test_the_columnar_twin_equals_the_scalar_layer_on_every_day_of_five_years(
    period: Period, eom: EndOfMonth
) -> None:
    import numpy as np

    from treatylife.dates import columns as C

    days = [dt.date(2019, 1, 1) + dt.timedelta(n) for n in range(366 * 5)]
    col = np.array([C.to_days(x) for x in days])
    for times in (1, 2, -1):
        got = C.add_period(col, period, times, eom)
        assert [C.from_days(int(v)) for v in got] == [D.add_period(x, period, times, eom) for x in days]
    for counting in (CLEAR, DIFF):
        got = C.notice_deadline(col, period, counting, eom)
        assert [C.from_days(int(v)) for v in got] == [
            D.notice_deadline(x, period, counting, eom) for x in days
        ]
