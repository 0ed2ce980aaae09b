"""The one place treatylife reads the clock. Only the CLI calls it; the library takes dates as arguments.

"Today" is the **local** calendar date of the machine (its ``TZ``): at the same instant
``TZ=Pacific/Kiritimati`` (UTC+14) and ``TZ=America/Adak`` (UTC-10) are on different dates, so the default
``--on`` date, the days left and a calendar's first day differ between them. Scripts and reproducible runs
say which day it is instead, and then the time zone no longer matters:

1. ``treatylife --today YYYY-MM-DD COMMAND ...`` (or ``YYYYMMDD``, as ``date +%Y%m%d`` prints) (the option may also follow the command), else
2. the environment variable ``TREATYLIFE_TODAY=YYYY-MM-DD`` (empty = unset), else
3. the local date.

An explicit ``--on``/``--from``/``--to`` still wins over any of them for that command.
"""

from __future__ import annotations

import datetime as _dt
import os

__all__ = ["ENV", "parse_today", "set_today", "today"]

ENV = "TREATYLIFE_TODAY"
_given: _dt.date | None = None  # --today, set once per command line by the CLI


def parse_today(value: str, source: str = ENV) -> _dt.date:
    """``value`` as a date; a bad one is an InputError ``TL006`` naming where it came from."""
    from treatylife.cli.when import parse_day

    try:
        return parse_day(value)
    except ValueError as exc:
        from treatylife.errors import InputError

        raise InputError(
            str(exc),
            field=source,
            code="TL006",
            hint="write the day treatylife takes as today as YYYY-MM-DD, e.g. 2026-12-01",
        ) from None


def set_today(day: _dt.date | None) -> None:
    """The day ``--today`` gave (None: not given). The CLI calls it for every command line."""
    global _given
    _given = day


def today() -> _dt.date:
    """``--today``, else ``$TREATYLIFE_TODAY``, else today's local date (tests also pin it with freezegun)."""
    if _given is not None:
        return _given
    value = os.environ.get(ENV)
    if value:
        return parse_today(value)
    return _dt.date.today()
