"""The dates a user types on the command line: one small grammar, parsed here and nowhere else.

    2019-08-23        that day (ISO 8601)
    20190823          the same day, ISO 8601's basic form (what ``date +%Y%m%d`` prints)
    today             the CLI's today (treatylife.cli.clock)
    +90d  -2w         days or weeks from today
    +6m   -1y         calendar months or years from today, counted by the date layer
                      (31 January + 1 month = 28/29 February: the day is kept, or rounded down)
    today+90d         the same as +90d, for those who write it out

Nothing else: ``2027-08`` is refused (a month is not a day, and "the first" or "the last" would be a guess),
and so is an ISO week date such as ``2019-W34-5`` (Python's ``date.fromisoformat`` reads it; a reader of the
command line would not). The library never reads the clock: only the CLI turns words relative to today into
dates.
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = ["DAY_GRAMMAR", "GRAMMAR", "parse_day", "parse_when"]

DAY_GRAMMAR = "YYYY-MM-DD (or YYYYMMDD)"
GRAMMAR = "YYYY-MM-DD (or YYYYMMDD), today, or relative to today: +90d, -2w, +6m, +1y (today+90d)"
_RELATIVE = re.compile(r"^(?:today\s*)?([+-])\s*(\d{1,6})\s*([dwmy])$")
_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{8}$")
_WEEK = re.compile(r"^\d{4}-?w\d{2}(?:-?\d)?$")


def parse_day(text: str, grammar: str = DAY_GRAMMAR) -> _dt.date:
    """A day written out: ``YYYY-MM-DD`` or ``YYYYMMDD`` (also the grammar of ``--today``); ValueError
    otherwise, naming what was meant where that is clear."""
    t = text.strip().lower()
    if _DAY.match(t):
        try:
            return _dt.date.fromisoformat(t)
        except ValueError:
            raise ValueError(f"{text!r} is not a day that exists; write {grammar}") from None
    if _WEEK.match(t):
        raise ValueError(f"{text!r} is an ISO week, not a day: write the day as YYYY-MM-DD")
    month = _MONTH.match(t)
    if month and 1 <= int(month.group(2)) <= 12:
        import calendar

        year, mon = int(month.group(1)), int(month.group(2))
        last = calendar.monthrange(year, mon)[1] if year >= 1 else 31
        raise ValueError(
            f"{text!r} is a month, not a day: write {year:04d}-{mon:02d}-01 for its first day or "
            f"{year:04d}-{mon:02d}-{last:02d} for its last"
        )
    raise ValueError(f"{text!r} is not a date; write {grammar}")


def parse_when(text: str) -> _dt.date:
    """A date option's value as a date; ValueError (the CLI's usage error, TL001) names the grammar."""
    t = text.strip().lower()
    if t == "today":
        return _today()
    m = _RELATIVE.match(t)
    if m:
        from treatylife.dates.scalar import EndOfMonth, Period, add_period

        sign = 1 if m.group(1) == "+" else -1
        period = Period(int(m.group(2)), _UNITS[m.group(3)])
        return add_period(_today(), period, sign, EndOfMonth.ROUND_DOWN)
    if re.fullmatch(r"(?:today\s*)?\d{1,6}\s*[dwmy]", t):
        bare = t.removeprefix("today").strip()
        raise ValueError(f"{text!r} needs a sign: +{bare} (after today) or -{bare} (before)")
    return parse_day(text, GRAMMAR)


def _today() -> _dt.date:
    from treatylife.cli import clock

    return clock.today()
