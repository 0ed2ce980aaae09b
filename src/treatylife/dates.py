"""Legal date arithmetic: the one module that turns clause words into dates.

Every period, term boundary and deadline treatylife reports is computed here, under a *named* convention,
because the same words ("one year", "ninety days in advance", "six months after receipt") give different
dates under different readings. Nothing else in the package does date arithmetic with ``timedelta``.

Conventions (see docs/conventions.md for the boundary table):

* :class:`EndOfMonth` -- what adding months/years does when the target day does not exist
  (2020-02-29 + 1 year; 2019-01-31 + 1 month).
* :class:`NoticeCounting` -- how "at least N before the end of the term" is counted.

Ambiguity is reported, not hidden: :func:`readings` computes every end-of-month reading so the engine can
say when the choice changes an answer (after Catala's ``dates_calc``).
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from enum import StrEnum
from typing import NamedTuple

from treatylife.errors import AmbiguousDateError

__all__ = [
    "EndOfMonth",
    "NoticeCounting",
    "Period",
    "TermSchedule",
    "add_days",
    "add_period",
    "adjust_to_working_day",
    "days_between",
    "effect_after",
    "first_day_of_next_month",
    "is_ambiguous",
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


def add_days(d: date, n: int) -> date:
    """``d`` plus ``n`` days (negative goes back). The only place days are added."""
    return d + _dt.timedelta(days=n)


def days_between(start: date, end: date) -> int:
    """Signed number of days from ``start`` to ``end`` (``end - start``)."""
    return (end - start).days


def _add_months(d: date, months: int, eom: EndOfMonth) -> date:
    total = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(total, 12)
    month = month0 + 1
    if not 1 <= year <= 9999:
        raise OverflowError(f"{d} + {months} months is outside the supported calendar (years 1..9999)")
    last = calendar.monthrange(year, month)[1]
    if d.day <= last:
        return date(year, month, d.day)
    if eom is EndOfMonth.ROUND_DOWN:
        return date(year, month, last)
    if eom is EndOfMonth.ROUND_UP:
        return date(year, month, last) + _ONE_DAY
    raise AmbiguousDateError(
        f"{d} + {months} months has no day {d.day} in {year}-{month:02d}: ambiguous date computation",
        hint="set conventions.end_of_month to round_down or round_up",
    )


def add_period(d: date, period: Period, times: int = 1, eom: EndOfMonth = EndOfMonth.ROUND_DOWN) -> date:
    """``d`` plus ``times`` x ``period``, always counted from ``d`` (never chained, so no drift)."""
    if period.is_calendar:
        return _add_months(d, period.in_months() * times, eom)
    return add_days(d, period.in_days() * times)


def subtract_period(d: date, period: Period, eom: EndOfMonth = EndOfMonth.ROUND_DOWN) -> date:
    """``d`` minus ``period``: "three months before 2021-02-28" is 2020-11-28 under any rounding."""
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


def notice_deadline(
    next_term_start: date,
    notice: Period,
    counting: NoticeCounting = NoticeCounting.CLEAR_DAYS,
    eom: EndOfMonth = EndOfMonth.ROUND_DOWN,
) -> date:
    """Last day on which a notice "at least ``notice`` before the end of the term" may be received.

    The term's last day in force is the day before ``next_term_start``. Under CLEAR_DAYS the whole
    notice period must lie after the day of receipt: GSOMIA's term 3 ends 2019-11-22, so the last day of
    receipt for 90 days is 2019-08-24. DATE_DIFFERENCE gives 2019-08-25.
    """
    latest = subtract_period(next_term_start, notice, eom)
    if counting is NoticeCounting.CLEAR_DAYS:
        return add_days(latest, -1)
    return latest


def effect_after(receipt: date, period: Period, eom: EndOfMonth = EndOfMonth.ROUND_DOWN) -> date:
    """First day a notice "taking effect ``period`` after receipt" has effect.

    Depositary practice: the same calendar day ``period`` later; the party is no longer bound *on* that
    day. INF Treaty: US notice received 2019-02-02 + 6 months -> 2019-08-02 (in force through 08-01).
    """
    return add_period(receipt, period, 1, eom)


def first_day_of_next_month(d: date) -> date:
    """For compound rules such as "the first day of the month following the sixtieth day after X"."""
    return _add_months(date(d.year, d.month, 1), 1, EndOfMonth.ROUND_DOWN)


class TermSchedule:
    """Contiguous terms from an anchor, computed directly for any date (no loop over years).

    Term 1 starts on ``anchor`` and lasts ``initial``; each renewal lasts ``renewal``. Term ``k`` (1-based)
    covers ``start(k) .. last_day(k)`` and ``start(k+1) == last_day(k) + 1 day``. When ``initial`` and
    ``renewal`` share a unit family, every start is counted from ``anchor`` (anniversaries of the entry into
    force); otherwise renewals are counted from the start of term 2.
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
        self.anchor = anchor
        self.initial = initial
        self.renewal = renewal
        self.eom = eom
        self.max_terms = 1 if renewal is None else max_terms

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
        second = self.start(2)
        if self.renewal.is_calendar:
            months = (d.year - second.year) * 12 + (d.month - second.month)
            k = 2 + max(0, months // self.renewal.in_months())
        else:
            k = 2 + max(0, days_between(second, d) // self.renewal.in_days())
        while k > 2 and self.start(k) > d:
            k -= 1
        while self.start(k + 1) <= d:
            k += 1
        if self.max_terms is not None and k > self.max_terms:
            return None
        return k

    def end(self) -> date | None:
        """First day after the last possible term (None when renewals are unlimited)."""
        if self.max_terms is None:
            return None
        return self.start(self.max_terms + 1)


def is_working_day(d: date, country: str | None) -> bool:
    """Saturday and Sunday are not working days; nor are the public holidays of ``country``.

    ``country`` is a code of the ``holidays`` package ("KR", "JP"); it is imported only when needed.
    """
    if d.weekday() >= 5:
        return False
    if country is None:
        return True
    return d not in _holiday_calendar(country, d.year)


_HOLIDAY_CACHE: dict[tuple[str, int], object] = {}


def _holiday_calendar(country: str, year: int) -> object:
    key = (country, year)
    if key not in _HOLIDAY_CACHE:
        import holidays  # lazy: ~140 ms, and only rules with a working-day clause need it

        try:
            _HOLIDAY_CACHE[key] = holidays.country_holidays(country, years=year)
        except NotImplementedError:
            raise ValueError(f"no public-holiday calendar for country {country!r}") from None
    return _HOLIDAY_CACHE[key]


def adjust_to_working_day(d: date, direction: str, country: str | None) -> date:
    """Move ``d`` to the previous or next working day when it is not one (``direction``: previous|next).

    A notice deadline that falls on a Sunday moves to the Friday under "previous_working_day": the
    conservative reading, since a note cannot be received by a closed ministry.
    """
    if direction == "none":
        return d
    step = -1 if direction.startswith("previous") else 1
    out = d
    for _ in range(60):  # no calendar has 60 consecutive non-working days
        if is_working_day(out, country):
            return out
        out = add_days(out, step)
    raise ValueError(f"no working day within 60 days of {d}")
