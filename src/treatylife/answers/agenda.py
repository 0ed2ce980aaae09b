"""Upcoming dates people put in a calendar: notice deadlines, renewals, ends; for one scenario or many.

Each date comes from the same queries the CLI answers (:func:`~treatylife.answers.query.next_deadline`,
:func:`~treatylife.answers.query.status`) and the term schedule, visited deadline by deadline and term by term (a
few per year), never day by day. :mod:`treatylife.render.ics` writes the result as an iCalendar file.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field

from treatylife.answers.results import ResultBase
from treatylife.dates import scalar as D
from treatylife.engine.lifecycle import FINAL, IN_FORCE
from treatylife.model.record import Record

__all__ = ["AgendaItem", "CalendarResult", "agenda"]

MAX_ITEMS_PER_SCENARIO = 2_000


@dataclass(frozen=True)
class AgendaItem:
    date: _dt.date
    kind: str  # notice_deadline | withdrawal_opens | renewal | end | expiry
    agreement: str
    scenario: str
    summary: str
    description: str
    article: str | None
    uid: str  # stable: same inputs, same UID (calendar clients update rather than duplicate)
    alarm: bool  # reminders are set on actionable dates (deadlines, ends), not on renewals


@dataclass(frozen=True)
class CalendarResult(ResultBase):
    start: _dt.date
    end: _dt.date  # last day covered
    remind_weeks: list[int]
    items: list[AgendaItem]
    scenarios: list[str] = field(default_factory=list)


def _uid(agreement_id: str, scenario: str, kind: str, d: _dt.date) -> str:
    h = hashlib.sha256(f"{agreement_id}|{scenario}|{kind}|{d.isoformat()}".encode()).hexdigest()[:16]
    return f"{kind}-{d.isoformat()}-{h}@treatylife"


def _items(r: Record, start: _dt.date, end: _dt.date) -> list[AgendaItem]:
    from treatylife.answers.query import next_deadline

    out: list[AgendaItem] = []

    def add(d: _dt.date, kind: str, summary: str, description: str, article: str | None, alarm: bool) -> None:
        out.append(
            AgendaItem(
                d,
                kind,
                r.short_title,
                r.scenario,
                summary,
                description,
                article,
                _uid(r.agreement_id, r.scenario, kind, d),
                alarm,
            )
        )

    who = r.short_title
    # notice deadlines, one after the other
    on = start
    while on <= end and len(out) < MAX_ITEMS_PER_SCENARIO:
        dl = next_deadline(r, on)
        if dl.deadline is None:
            # nothing to prevent as known on `on` (say a notice is pending); a later event of the scenario
            # (the notice suspended or withdrawn) may bring deadlines back: look again from there
            later = [e.date for e in r.events if e.date > on]
            if not later:
                break
            on = later[0]
            continue
        if dl.deadline > end:
            break
        add(
            dl.deadline,
            "notice_deadline",
            f"{who}: last day for notice to prevent the renewal of {dl.prevents_renewal_of}",
            f"A notice by {' or '.join(dl.who)} under {dl.clause} ({dl.article or 'no article cited'}; at "
            f"least {dl.notice_period}) must be received on or before {dl.deadline} to stop the renewal of "
            f"{dl.prevents_renewal_of} (term {dl.term} ends {dl.term_last_day}); counted as {dl.convention}. "
            f"Scenario: {r.scenario}.",
            dl.article,
            True,
        )
        on = D.add_days(dl.deadline, 1)
    # the first day a withdrawal clause lets a notice be given (after some time in force, or the initial term)
    for w in next_deadline(r, start).withdrawal:
        if start < w.notice_from <= end:
            named = " (or on a later date the notification names)" if w.later_date else ""
            add(
                w.notice_from,
                "withdrawal_opens",
                f"{who}: notice of withdrawal possible from today under {w.clause}",
                f"From {w.notice_from} a notice by {' or '.join(w.who)} under {w.clause} "
                f"({w.article or 'no article cited'}) may be given; received that day, it takes effect "
                f"{w.effect_after} later, on {w.takes_effect}{named}. Scenario: {r.scenario}.",
                w.article,
                True,
            )
    # renewals and ends, as the scenario has them (its events after ``start`` included: a what-if may plan
    # a notice); renewals are term starts on which the agreement is still in force
    s = r.schedule
    ts = s.terms() if s is not None else None
    if ts is not None:
        k = ts.index_on(start)
        k = (k + 1) if k is not None else (2 if start < ts.anchor else None)
        while k is not None and len(out) < MAX_ITEMS_PER_SCENARIO:
            if ts.max_terms is not None and k > ts.max_terms:
                break
            d = ts.start(k)
            if d > end:
                break
            if (
                d >= start
                and r.span_on(d).stage in IN_FORCE
                and r.span_on(D.add_days(d, -1)).stage in IN_FORCE
            ):
                add(
                    d,
                    "renewal",
                    f"{who}: renews for term {k} unless a timely notice stops it",
                    f"Term {k} begins {d} ({r.citations['renewal'].what}). Scenario: {r.scenario}.",
                    r.citations["renewal"].article,
                    False,
                )
            k += 1
    for span in r.spans:
        if span.stage in FINAL and span.start is not None and start <= span.start <= end:
            kind = "expiry" if span.stage == "expired" else "end"
            add(
                span.start,
                kind,
                f"{who}: no longer in force (last day {D.add_days(span.start, -1)})",
                f"{span.cause}. First day no longer in force: {span.start}. Scenario: {r.scenario}.",
                None,
                True,
            )
    return out


def agenda(
    records: list[Record], start: _dt.date, years: int = 2, remind_weeks: list[int] | None = None
) -> CalendarResult:
    """Upcoming dates of each record from ``start`` for ``years`` years, sorted by date."""
    from treatylife.errors import InputError

    if years < 1 or years > 100:
        raise InputError(f"--years must be between 1 and 100 (got {years})", field="--years", code="TL602")
    weeks = sorted(set(remind_weeks if remind_weeks is not None else [4, 1]), reverse=True)
    if any(w < 0 or w > 104 for w in weeks):
        raise InputError("--remind takes weeks between 0 and 104", field="--remind", code="TL603")
    end = D.add_days(D.add_period(start, D.Period(years, "years")), -1)
    items = [i for r in records for i in _items(r, start, end)]
    items.sort(key=lambda i: (i.date, i.agreement, i.scenario, i.kind))
    return CalendarResult(start, end, weeks, items, [r.scenario for r in records])
