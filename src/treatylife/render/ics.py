"""iCalendar (RFC 5545) output of a :class:`~treatylife.agenda.CalendarResult`, built with ``icalendar``.

All-day events; one ``VALARM`` per reminder on deadlines and ends. The output is deterministic and
re-imports update: every event's UID names the obligation, not its date (agreement, scenario file, kind,
clause, term, party: a deadline that moves keeps its UID), and every DTSTAMP is 00:00 UTC on the latest
event date of the scenarios (derived from the inputs, neither ``--from`` nor the clock), so the same
inputs give the same bytes.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from treatylife.answers.agenda import CalendarResult

__all__ = ["render_ics"]


def render_ics(result: CalendarResult) -> bytes:
    try:
        from icalendar import Alarm, Calendar, Event
    except ImportError as exc:  # pragma: no cover - icalendar is a dependency
        from treatylife.errors import InputError

        raise InputError(
            "the calendar needs the 'icalendar' package", code="TL604", hint="pip install icalendar"
        ) from exc
    from treatylife.dates.scalar import add_days
    from treatylife.render import package_version
    from treatylife.render.escape import ics_text

    __version__ = package_version()

    stamp = _dt.datetime.combine(result.stamp, _dt.time(0, 0), tzinfo=_dt.UTC)
    cal = Calendar()
    cal.add("prodid", f"-//treatylife//treatylife {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "treatylife deadlines")
    for item in result.items:
        ev = Event()
        ev.add("uid", item.uid)
        ev.add("dtstamp", stamp)
        ev.add("dtstart", item.date)
        ev.add("dtend", add_days(item.date, 1))
        ev.add("summary", ics_text(item.summary))
        ev.add("description", ics_text(item.description))
        ev.add("categories", [item.kind])
        ev.add("transp", "TRANSPARENT")
        if item.alarm:
            for weeks in result.remind_weeks:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add(
                    "description", ics_text(f"In {weeks} week(s): {item.summary}" if weeks else item.summary)
                )
                alarm.add("trigger", _dt.timedelta(weeks=-weeks))
                ev.add_component(alarm)
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data
