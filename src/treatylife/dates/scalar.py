"""Legal date arithmetic: the one module that turns clause words into dates.

Every period, term boundary and deadline treatylife reports is computed here, under a *named* convention,
because the same words ("one year", "ninety days in advance", "six months after receipt") give different
dates under different readings. Nothing else in the package does date arithmetic with ``timedelta``.
All functions are pure: same arguments, same date; no clock, no global state (the holiday calendars
are cached, but a cache changes no answer).

Conventions (see docs/conventions.md for the boundary table):

* :class:`EndOfMonth` -- what adding months/years does when the target day does not exist
  (2020-02-29 + 1 year; 2019-01-31 + 1 month).
* :class:`NoticeCounting` -- how "at least N before the end of the term" is counted.
* :class:`WorkingDayAdjustment` -- whether a deadline that falls on a non-working day of a party moves.

Ambiguity is reported, not hidden: :func:`readings` and :func:`deadline_readings` compute every reading so
the engine can say when the choice changes an answer (after Catala's ``dates_calc``).
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from enum import StrEnum
from typing import Any, NamedTuple

from treatylife.errors import AmbiguousDateError, RulesError, TreatyLifeError

__all__ = [
    "EndOfMonth",
    "NoticeCounting",
    "Period",
    "TermBounds",
    "TermSchedule",
    "WorkingDayAdjustment",
    "add_days",
    "add_period",
    "adjust_to_working_day",
    "days_between",
    "deadline_readings",
    "effect_after",
    "first_day_of_next_month",
    "is_ambiguous",
    "is_timely",
    "is_working_day",
    "notice_deadline",
    "parse_period",
    "readings",
    "subtract_period",
]

date = _dt.date
_ONE_DAY = _dt.timedelta(days=1)


class EndOfMonth(StrEnum):
    """What to do when adding months or years lands on a day the month does not have."""

    #: Clamp to the last day of the month: 2020-02-29 + 1 year = 2021-02-28 (depositary practice,
    #: ``dateutil.relativedelta``). The default.
    ROUND_DOWN = "round_down"
    #: Move to the first day of the next month: 2020-02-29 + 1 year = 2021-03-01.
    ROUND_UP = "round_up"
    #: Refuse: raise :class:`~treatylife.errors.AmbiguousDateError` (Catala's ``AbortOnRound``).
    ABORT = "abort"


class NoticeCounting(StrEnum):
    """How "notice at least N before the end of the term" is counted."""

    #: N whole days must lie strictly between the day of receipt and the start of the next term: the
    #: receipt day does not count, the last day of the term does. GSOMIA: term ends 2019-11-22, 90 days
    #: -> last day of receipt 2019-08-24. The default (the reading of the Japanese and Korean governments).
    CLEAR_DAYS = "clear_days"
    #: Naive date difference ``next_term_start - receipt >= N``: one day more lenient
    #: (GSOMIA: 2019-08-25). Use only where the text is known to mean it.
    DATE_DIFFERENCE = "date_difference"


class WorkingDayAdjustment(StrEnum):
    """Whether a deadline that falls on a non-working day (weekend, public holiday) moves."""

    #: The deadline stays where the counting puts it, working day or not. The default.
    NONE = "none"
    #: Move to the last working day before it: the conservative reading (a closed ministry cannot
    #: receive a note, so the notice must arrive earlier).
    PREVIOUS = "previous_working_day"
    #: Move to the next working day (the common rule for procedural time limits).
    NEXT = "next_working_day"


_UNITS = {
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
}
_PERIOD_RE = re.compile(r"^\s*(\d{1,6})\s*([A-Za-z]+)\s*$")


class Period(NamedTuple):
    """A span of calendar time as a text states it: ``Period(90, "days")``, ``Period(1, "years")``."""

    amount: int
    unit: str  # "days" | "weeks" | "months" | "years"

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"

    @property
    def is_calendar(self) -> bool:
        """True for months/years, whose length depends on where they start."""
        return self.unit in ("months", "years")

    def in_months(self) -> int:
        if self.unit == "years":
            return self.amount * 12
        if self.unit == "months":
            return self.amount
        raise ValueError(f"{self} is not a whole number of months")

    def in_days(self) -> int:
        if self.unit == "weeks":
            return self.amount * 7
        if self.unit == "days":
            return self.amount
        raise ValueError(f"{self} is not a whole number of days")

    def times(self, n: int) -> Period:
        return Period(self.amount * n, self.unit)


def parse_period(text: str | int | Period) -> Period:
    """Parse ``"90 days"``, ``"1 year"``, ``"6 months"``. Raises ValueError with the accepted form."""
    if isinstance(text, Period):
        return text
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ValueError("expected a period such as '90 days', '6 months' or '1 year'")
    if isinstance(text, int):
        raise ValueError(f"a period needs a unit: write '{text} days' (or weeks, months, years)")
    m = _PERIOD_RE.match(text)
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(f"{text!r} is not a period; write e.g. '90 days', '6 months', '1 year'")
    return Period(int(m.group(1)), _UNITS[m.group(2).lower()])


def _out_of_range(what: str) -> TreatyLifeError:
    return TreatyLifeError(
        f"{what} is outside the supported calendar (years 1..9999)",
        hint="ask about a date closer to the agreement's entry into force",
        code="TL501",
    )


def add_days(d: date, n: int) -> date:
    """``d`` plus ``n`` days (negative goes back). The only place days are added."""
    try:
        return d + _dt.timedelta(days=n)
    except OverflowError:
        raise _out_of_range(f"{d} + {n} days") from None


def days_between(start: date, end: date) -> int:
    """Signed number of days from ``start`` to ``end`` (``end - start``)."""
    return (end - start).days


def _add_months(d: date, months: int, eom: EndOfMonth, what: str | None = None) -> date:
    total = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(total, 12)
    month = month0 + 1
    if not 1 <= year <= 9999:
        raise _out_of_range(f"{d} + {months} months")
    last = calendar.monthrange(year, month)[1]
    if d.day <= last:
        return date(year, month, d.day)
    if eom is EndOfMonth.ROUND_DOWN:
        return date(year, month, last)
    if eom is EndOfMonth.ROUND_UP:
        return add_days(date(year, month, last), 1)
    raise AmbiguousDateError(
        f"{what or f'{d} + {months} months'} has no day {d.day} in {year}-{month:02d}: ambiguous date computation "
        f"({year}-{month:02d}-{last:02d} rounding down, {add_days(date(year, month, last), 1)} rounding up)",
        field="conventions.end_of_month",
        hint="set conventions.end_of_month to round_down or round_up",
    )


def add_period(d: date, period: Period, times: int = 1, eom: EndOfMonth = EndOfMonth.ROUND_DOWN) -> date:
    """``d`` plus ``times`` x ``period``, always counted from ``d`` (never chained, so no drift).

    >>> add_period(date(2019, 1, 31), Period(1, "months"))
    datetime.date(2019, 2, 28)
    >>> add_period(date(2019, 1, 31), Period(1, "months"), 2)  # not 2019-03-28
    datetime.date(2019, 3, 31)
    """
    if period.is_calendar:
        sign = "+" if times >= 0 else "-"
        return _add_months(d, period.in_months() * times, eom, f"{d} {sign} {period.times(abs(times))}")
    return add_days(d, period.in_days() * times)


def subtract_period(d: date, period: Period, eom: EndOfMonth = EndOfMonth.ROUND_DOWN) -> date:
    """``d`` minus ``period`` as a calendar operation (the day-of-month is kept when it exists).

    "Three months before 2021-02-28" is 2020-11-28 under any rounding, not 2020-11-30 (no end-of-month
    "stickiness"). Rounding applies only when the day does not exist: one month before 2021-03-31 is
    2021-02-28 (round_down) or 2021-03-01 (round_up). Notice deadlines do not use this function: see
    :func:`notice_deadline`.
    """
    return add_period(d, period, -1, eom)


def readings(d: date, period: Period, times: int = 1) -> dict[EndOfMonth, date]:
    """Every end-of-month reading of ``d + times x period`` (ABORT omitted: it has no date)."""
    return {e: add_period(d, period, times, e) for e in (EndOfMonth.ROUND_DOWN, EndOfMonth.ROUND_UP)}


def is_ambiguous(d: date, period: Period, times: int = 1) -> bool:
    """True when the end-of-month readings of ``d + times x period`` disagree."""
    if not period.is_calendar:
        return False
    r = readings(d, period, times)
    return r[EndOfMonth.ROUND_DOWN] != r[EndOfMonth.ROUND_UP]


def _latest_start(end: date, period: Period, eom: EndOfMonth) -> date:
    """The latest day ``s`` with ``s + period <= end`` under ``eom`` (ROUND_DOWN or ROUND_UP).

    Addition is monotone (never decreasing) in ``s`` under both roundings, so this is well defined.
    Start from the clamped calendar subtraction, which always satisfies the inequality, and step
    forward while the next day still does: rounding down maps up to three days (29..31) onto the
    last day of a short month, so at most three steps.
    """
    if not period.is_calendar:
        return add_days(end, -period.in_days())
    s = _add_months(end, -period.in_months(), EndOfMonth.ROUND_DOWN)
    for _ in range(3):
        nxt = add_days(s, 1)
        if add_period(nxt, period, 1, eom) > end:
            break
        s = nxt
    return s


def notice_deadline(
    next_term_start: date,
    notice: Period,
    counting: NoticeCounting = NoticeCounting.CLEAR_DAYS,
    eom: EndOfMonth = EndOfMonth.ROUND_DOWN,
) -> date:
    """Last day on which a notice "at least ``notice`` before the end of the term" may be received.

    The term's last day in force is the day before ``next_term_start``. A notice received on ``r`` is
    timely when the notice period, counted forward under ``eom``, fits before the next term:

    * DATE_DIFFERENCE: ``r + notice <= next_term_start``;
    * CLEAR_DAYS: the receipt day does not count, ``(r + 1 day) + notice <= next_term_start``.

    The deadline is the latest such ``r``. GSOMIA's term 3 ends 2019-11-22: for 90 days, 2019-08-24
    (clear days) or 2019-08-25 (date difference). Defining the deadline by counting *forward* (rather than
    by subtracting) guarantees that every deadline leaves the full notice period under its own reading:
    a calendar subtraction rounded up would not (one month before 2021-03-31 rounded up is 2021-03-01, but
    2021-03-01 + 1 month is 2021-04-01, after the term). Under ABORT the deadline is refused only when
    the two roundings give different deadlines, i.e. when some day's timeliness depends on the rounding.
    """
    if eom is EndOfMonth.ABORT:
        down = notice_deadline(next_term_start, notice, counting, EndOfMonth.ROUND_DOWN)
        up = notice_deadline(next_term_start, notice, counting, EndOfMonth.ROUND_UP)
        if down != up:
            raise AmbiguousDateError(
                f"the last day to give {notice}' notice before {next_term_start} is {down} rounding down "
                f"and {up} rounding up: ambiguous date computation",
                field="conventions.end_of_month",
                hint="set conventions.end_of_month to round_down or round_up",
            )
        return down
    latest = _latest_start(next_term_start, notice, eom)
    if counting is NoticeCounting.CLEAR_DAYS:
        return add_days(latest, -1)
    return latest


def is_timely(
    receipt: date,
    next_term_start: date,
    notice: Period,
    counting: NoticeCounting = NoticeCounting.CLEAR_DAYS,
    eom: EndOfMonth = EndOfMonth.ROUND_DOWN,
) -> bool:
    """Does a notice received on ``receipt`` prevent the renewal that starts ``next_term_start``?"""
    return receipt <= notice_deadline(next_term_start, notice, counting, eom)


def deadline_readings(next_term_start: date, notice: Period) -> dict[tuple[NoticeCounting, EndOfMonth], date]:
    """The notice deadline under every (counting, end-of-month) reading, ABORT omitted."""
    return {
        (c, e): notice_deadline(next_term_start, notice, c, e)
        for c in NoticeCounting
        for e in (EndOfMonth.ROUND_DOWN, EndOfMonth.ROUND_UP)
    }


def effect_after(receipt: date, period: Period, eom: EndOfMonth = EndOfMonth.ROUND_DOWN) -> date:
    """First day a notice "taking effect ``period`` after receipt" has effect.

    Depositary practice: the same calendar day ``period`` later; the party is no longer bound *on* that
    day. INF Treaty: US notice received 2019-02-02 + 6 months -> 2019-08-02 (in force through 08-01).
    """
    return add_period(receipt, period, 1, eom)


def first_day_of_next_month(d: date) -> date:
    """For compound rules such as "the first day of the month following the sixtieth day after X"."""
    return _add_months(date(d.year, d.month, 1), 1, EndOfMonth.ROUND_DOWN)


class TermBounds(NamedTuple):
    """One term: its first day, its last day in force, and the first day it no longer covers."""

    number: int
    start: date
    last_day: date  # in force until the end of this day
    ends: date  # the moment of expiry: 00:00 of this day (== start of the next term, if renewed)


class TermSchedule:
    """Contiguous terms from an anchor, computed directly for any date (no loop over years).

    Term 1 starts on ``anchor`` and lasts ``initial``; each renewal lasts ``renewal``. Term ``k`` (1-based)
    covers ``start(k) .. last_day(k)`` and ``start(k+1) == last_day(k) + 1 day``. When ``initial`` and
    ``renewal`` share a unit family, every start is counted from ``anchor`` (anniversaries of the entry into
    force, so an anchor of 31 January gives 28 February then 31 March, never drifting to the 28th);
    otherwise renewals are counted from the start of term 2.
    """

    __slots__ = ("anchor", "eom", "initial", "max_terms", "renewal")

    def __init__(
        self,
        anchor: date,
        initial: Period,
        renewal: Period | None,
        max_terms: int | None = None,
        eom: EndOfMonth = EndOfMonth.ROUND_DOWN,
    ) -> None:
        if initial.amount <= 0 or (renewal is not None and renewal.amount <= 0):
            raise ValueError("term and renewal periods must be positive")
        if max_terms is not None and max_terms < 1:
            raise ValueError("an agreement in force has at least one term")
        self.anchor = anchor
        self.initial = initial
        self.renewal = renewal
        self.eom = eom
        self.max_terms = 1 if renewal is None else max_terms

    def __repr__(self) -> str:
        return (
            f"TermSchedule({self.anchor}, initial={self.initial}, renewal={self.renewal}, "
            f"max_terms={self.max_terms}, eom={self.eom.value})"
        )

    def _same_family(self) -> bool:
        return self.renewal is not None and self.initial.is_calendar == self.renewal.is_calendar

    def start(self, k: int) -> date:
        """First day of term ``k`` (``k >= 1``); ``start(max_terms + 1)`` is the day after the last term."""
        if k < 1:
            raise ValueError("terms are numbered from 1")
        if k == 1:
            return self.anchor
        if self.renewal is None:
            if k == 2:
                return add_period(self.anchor, self.initial, 1, self.eom)
            raise ValueError("a term with no renewal has no term after the first")
        if self._same_family():
            if self.initial.is_calendar:
                months = self.initial.in_months() + self.renewal.in_months() * (k - 2)
                return add_period(self.anchor, Period(months, "months"), 1, self.eom)
            days = self.initial.in_days() + self.renewal.in_days() * (k - 2)
            return add_days(self.anchor, days)
        second = add_period(self.anchor, self.initial, 1, self.eom)
        return add_period(second, self.renewal, k - 2, self.eom)

    def last_day(self, k: int) -> date:
        """Last day of term ``k`` (the agreement is in force until the end of this day)."""
        return add_days(self.start(k + 1), -1)

    def bounds(self, k: int) -> TermBounds:
        """First day, last day in force and moment of expiry of term ``k``."""
        if self.max_terms is not None and k > self.max_terms:
            raise ValueError(f"there is no term {k}: at most {self.max_terms}")
        end = self.start(k + 1)
        return TermBounds(k, self.start(k), add_days(end, -1), end)

    def index_on(self, d: date) -> int | None:
        """Number of the term containing ``d``; None before the anchor or after the last term.

        Estimated arithmetically, then corrected by at most a couple of steps: O(1) in the distance.
        """
        if d < self.anchor:
            return None
        if d < self.start(2):
            return 1
        if self.renewal is None:
            return None
        if self.max_terms is not None and d >= self.start(self.max_terms + 1):
            return None
        second = self.start(2)
        if self.renewal.is_calendar:
            months = (d.year - second.year) * 12 + (d.month - second.month)
            k = 2 + max(0, months // self.renewal.in_months())
        else:
            k = 2 + max(0, days_between(second, d) // self.renewal.in_days())
        if self.max_terms is not None:
            k = min(k, self.max_terms)
        while k > 2 and self.start(k) > d:
            k -= 1
        while self.start(k + 1) <= d:
            k += 1
        return k

    def end(self) -> date | None:
        """First day after the last possible term (None when renewals are unlimited)."""
        if self.max_terms is None:
            return None
        return self.start(self.max_terms + 1)


# ---------------------------------------------------------------------------- working days

_HOLIDAY_CACHE: dict[tuple[str, int], Any] = {}


def _holiday_calendar(country: str, year: int) -> Any:
    key = (country, year)
    if key not in _HOLIDAY_CACHE:
        try:
            import holidays  # lazy: ~140 ms, and only rules with a working-day clause need it
        except ImportError:
            raise TreatyLifeError(
                "working days need the `holidays` package, which is not installed",
                hint="pip install holidays",
                code="TL502",
            ) from None
        try:
            _HOLIDAY_CACHE[key] = holidays.country_holidays(country, years=year)
        except NotImplementedError:
            raise RulesError(
                f"no public-holiday calendar for country {country!r}",
                field="parties.holidays",
                hint="use a country code of the `holidays` package, e.g. KR, JP, US",
                code="TL202",
            ) from None
    return _HOLIDAY_CACHE[key]


def is_working_day(d: date, country: str | None) -> bool:
    """Is ``d`` a working day of ``country``?

    Without a country, Monday to Friday. With one (a code of the ``holidays`` package: "KR", "JP"),
    neither its weekend (Saturday and Sunday in Korea and Japan; the package knows other weekends) nor
    its public holidays, including substitute holidays. The package is imported only when needed.
    """
    if country is None:
        return d.weekday() < 5
    cal = _holiday_calendar(country, d.year)
    return d.weekday() not in cal.weekend and d not in cal


def adjust_to_working_day(d: date, direction: str, country: str | None) -> date:
    """Move ``d`` to the previous or next working day when it is not one (see WorkingDayAdjustment).

    A notice deadline that falls on a Sunday moves to the Friday under "previous_working_day": the
    conservative reading, since a note cannot be received by a closed ministry.
    """
    how = WorkingDayAdjustment(direction)
    if how is WorkingDayAdjustment.NONE:
        return d
    step = -1 if how is WorkingDayAdjustment.PREVIOUS else 1
    out = d
    for _ in range(60):  # no calendar has 60 consecutive non-working days
        if is_working_day(out, country):
            return out
        out = add_days(out, step)
    raise RulesError(f"no working day within 60 days of {d} for {country}", code="TL203")
