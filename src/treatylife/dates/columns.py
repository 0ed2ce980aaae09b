"""The date arithmetic of :mod:`treatylife.dates.scalar` on whole NumPy columns (the batch engine's twin).

Same definitions, same conventions, same answers: ``tests/test_dates.py`` runs its boundary tables against
both backends. Dates are ``int64`` day numbers since 1970-01-01 (NumPy's ``datetime64[D]`` and Arrow's
``date32`` representation); :data:`NONE` (NumPy's NaT) marks an absent date. Civil conversions use integer
arithmetic (H. Hinnant's ``civil_from_days`` / ``days_from_civil``), several times faster than NumPy's
``datetime64`` unit conversions and free of Python objects, so the kernels release the GIL.

Only ``round_down`` and ``round_up`` are defined here; ``abort`` (refuse an ambiguous computation) needs the
scalar backend, which raises with the computation named.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

from treatylife.dates.scalar import EndOfMonth, NoticeCounting, Period

__all__ = [
    "NONE",
    "YMD",
    "add_months",
    "add_period",
    "civil",
    "from_civil",
    "from_days",
    "month_length",
    "notice_deadline",
    "to_days",
]

NONE = np.iinfo(np.int64).min  # == NumPy's NaT for datetime64
_EPOCH = _dt.date(1970, 1, 1).toordinal()

YMD = tuple[np.ndarray, np.ndarray, np.ndarray]


def to_days(d: _dt.date) -> int:
    """A date as a day number (days since 1970-01-01)."""
    return d.toordinal() - _EPOCH


def from_days(n: int) -> _dt.date | None:
    """A day number as a date (``None`` for :data:`NONE`)."""
    return None if n == NONE else _dt.date.fromordinal(int(n) + _EPOCH)


def civil(days: np.ndarray) -> YMD:
    """Day numbers to (year, month, day) columns."""
    z = np.asarray(days, dtype=np.int64) + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d


def from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """(year, month, day) columns to day numbers; the inverse of :func:`civil`."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468  # type: ignore[no-any-return]


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def month_length(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Days in month ``m`` of year ``y`` (proleptic Gregorian)."""
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    return _MONTH_DAYS[m] + ((m == 2) & leap)  # type: ignore[no-any-return]


def _round_up(eom: EndOfMonth | bool) -> bool:
    if isinstance(eom, bool):
        return eom
    if eom is EndOfMonth.ABORT:
        raise ValueError("end_of_month: abort needs the scalar backend (treatylife.dates.scalar)")
    return eom is EndOfMonth.ROUND_UP


def add_months(
    days: np.ndarray, months: np.ndarray | int, eom: EndOfMonth | bool, ymd: YMD | None = None
) -> np.ndarray:
    """``scalar._add_months`` on columns: the same calendar day ``months`` later, else the end-of-month rule
    (round_down: the month's last day; round_up: the first day of the next month). ``eom`` may be given as
    ``round_up`` (a bool); ``ymd`` is the civil form of ``days`` when already known."""
    up = _round_up(eom)
    y, m, d = civil(days) if ymd is None else ymd
    total = y * 12 + (m - 1) + np.asarray(months, dtype=np.int64)
    ny = total // 12
    nm = total - ny * 12 + 1
    last = month_length(ny, nm)
    out = from_civil(ny, nm, np.minimum(d, last))
    return np.where(d > last, out + 1, out) if up else out


def add_period(
    days: np.ndarray,
    period: Period,
    times: np.ndarray | int = 1,
    eom: EndOfMonth | bool = EndOfMonth.ROUND_DOWN,
    ymd: YMD | None = None,
) -> np.ndarray:
    """``scalar.add_period`` on columns: ``days`` plus ``times`` x ``period``, counted from ``days``."""
    if period.is_calendar:
        return add_months(days, np.asarray(times, dtype=np.int64) * period.in_months(), eom, ymd)
    return np.asarray(days, dtype=np.int64) + np.asarray(times, dtype=np.int64) * period.in_days()


def notice_deadline(
    next_start: np.ndarray,
    notice: Period,
    counting: NoticeCounting | bool = NoticeCounting.CLEAR_DAYS,
    eom: EndOfMonth | bool = EndOfMonth.ROUND_DOWN,
) -> np.ndarray:
    """``scalar.notice_deadline`` on columns: the latest receipt from which the notice period, counted
    forward under the rounding rule, still fits before the next term (never a subtraction).
    ``counting`` may be given as ``clear_days`` (a bool)."""
    clear = counting if isinstance(counting, bool) else counting is NoticeCounting.CLEAR_DAYS
    next_start = np.asarray(next_start, dtype=np.int64)
    if not notice.is_calendar:
        latest = next_start - notice.in_days()
    else:
        m = notice.in_months()
        latest = add_months(next_start, -m, False)
        for _ in range(3):  # month lengths differ by at most three days
            cand = latest + 1
            latest = np.where(add_months(cand, m, eom) <= next_start, cand, latest)
    return latest - 1 if clear else latest
