"""Dates people put in a calendar: entry into force, notice deadlines, renewals, ends; one scenario or many.

Each date comes from the same queries the CLI answers (:func:`~treatylife.answers.query.next_deadline`,
:func:`~treatylife.answers.query.status`) and the term schedule, visited deadline by deadline and term by term (a
few per year), never day by day. :mod:`treatylife.render.ics` writes the result as an iCalendar file.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from treatylife.answers.results import DeadlineResult, ResultBase
from treatylife.dates import scalar as D
from treatylife.engine.lifecycle import FINAL, IN_FORCE
from treatylife.model.record import Record, effect_phrase

__all__ = ["AgendaItem", "CalendarResult", "agenda", "deadlines_between", "next_event_after"]

MAX_ITEMS_PER_SCENARIO = 2_000


@dataclass(frozen=True)
class AgendaItem:
    date: _dt.date
    #: entry_into_force | notice_deadline | option_deadline | withdrawal_opens | renewal | party_bound |
    #: party_out | end | expiry
    kind: str
    agreement: str
    scenario: str
    summary: str
    description: str
    article: str | None
    #: stable per obligation (agreement, scenario file, kind, clause, term, party), never the date: when a
    #: deadline moves (an edit, a what-if), a re-imported calendar updates the event instead of adding one
    uid: str
    alarm: bool  # reminders are set on actionable dates (deadlines, ends), not on renewals
    party: str | None = None  # the party it concerns (multilateral agreements: one item per party)


@dataclass(frozen=True)
class CalendarResult(ResultBase):
    start: _dt.date
    end: _dt.date  # last day covered
    remind_weeks: list[int]
    items: list[AgendaItem]
    scenarios: list[str] = field(default_factory=list)
    party: str | None = None
    #: DTSTAMP of every event: 00:00 UTC on the latest event date of the scenarios (1970-01-01 without
    #: events): derived from the inputs, so the same inputs give the same bytes, whatever --from or the clock
    stamp: _dt.date = _dt.date(1970, 1, 1)
    #: why there are no dates, when there are none (so an empty calendar is never silent)
    notes: list[str] = field(default_factory=list)


def _uid(r: Record, kind: str, *parts: object) -> str:
    """The obligation's identity: agreement, scenario file, kind and what names it (clause, term, party)."""
    scenario = Path(r.scenario_path).name if r.scenario_path else r.scenario
    key = "|".join([r.agreement_id, scenario, kind, *("" if p is None else str(p) for p in parts)])
    return f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:20]}@treatylife"


def deadlines_between(
    r: Record, start: _dt.date, end: _dt.date, party: str | None = None
) -> list[DeadlineResult]:
    """Every notice deadline from ``start`` to ``end``: after each, the next is asked from the day after (as
    if no notice were given); when there is none as known on a day (a notice is pending), it is asked again
    from the scenario's next event (the notice suspended or withdrawn may bring deadlines back).

    The one rule for a window of deadlines: ``calendar`` uses it, and ``deadlines`` over a register uses
    it for the rows the single engine answers (its batch engine runs the same rounds on columns).
    """
    from treatylife.answers.query import next_deadline

    out: list[DeadlineResult] = []
    on = start
    while (r.deadline_clauses or r.option_clauses) and on <= end and len(out) < MAX_ITEMS_PER_SCENARIO:
        dl = next_deadline(r, on, party)
        if dl.deadline is None:
            later = next_event_after(r, on)
            if later is None:
                break
            on = later
            continue
        if dl.deadline > end:
            break
        out.append(dl)
        on = D.add_days(dl.deadline, 1)
    return out


def next_event_after(r: Record, on: _dt.date) -> _dt.date | None:
    """The date of the scenario's first event after ``on`` (None: nothing more happens)."""
    return next((e.date for e in r.events if e.date > on), None)


def _items(
    r: Record, start: _dt.date, end: _dt.date, party: str | None = None, name: str | None = None
) -> list[AgendaItem]:
    """The dates of one agreement; ``name`` begins each summary (the agreement's short title, or more where
    several agreements of the calendar share it)."""
    from treatylife.answers.query import next_deadline

    out: list[AgendaItem] = []

    def add(
        d: _dt.date,
        kind: str,
        summary: str,
        description: str,
        article: str | None,
        alarm: bool,
        uid: str,
        who: str | None = None,
    ) -> None:
        out.append(
            AgendaItem(d, kind, r.short_title, r.scenario, summary, description, article, uid, alarm, who)
        )

    name = name or r.short_title
    # notice deadlines, one after the other
    for dl in deadlines_between(r, start, end, party):
        assert dl.deadline is not None
        if dl.action == "exercise_option":
            add(
                dl.deadline,
                "option_deadline",
                f"{name}: last day to exercise option {dl.clause} (extends the term to {dl.extends_to})",
                f"Notice by {' or '.join(dl.who)} under {dl.clause} ({dl.article or 'no article cited'}; at least "
                f"{dl.notice_period} before the term ends on {dl.term_last_day}) must be received on or before "
                f"{dl.deadline}; counted as {dl.convention}. Scenario: {r.scenario}.",
                dl.article,
                True,
                _uid(r, "option_deadline", dl.clause, dl.term, party),
                party,
            )
            continue
        # a deadline that moves with a convention the rules leave open says so, with every reading
        other = [
            f"{k}: {v}"
            for a in dl.ambiguities
            if a.question.startswith("deadline to prevent")
            for k, v in a.readings.items()
        ]
        add(
            dl.deadline,
            "notice_deadline",
            f"{name}: last day for notice to prevent the renewal of {dl.prevents_renewal_of}",
            f"A notice by {' or '.join(dl.who)} under {dl.clause} ({dl.article or 'no article cited'}; at "
            f"least {dl.notice_period}) must be received on or before {dl.deadline} to stop the renewal of "
            f"{dl.prevents_renewal_of} (term {dl.term} ends {dl.term_last_day}); counted as {dl.convention}. "
            + (
                f"The rules file leaves the counting open; the deadline under each reading: {'; '.join(other)}. "
                if other
                else ""
            )
            + f"Scenario: {r.scenario}.",
            dl.article,
            True,
            _uid(r, "notice_deadline", dl.clause, dl.term, party),
            party,
        )
    # the first day a withdrawal clause lets a notice be given (after some time in force, or the initial
    # term): in a multilateral agreement for each party, from each time it becomes bound
    asked = [party] if party is not None else (list(r.parties) if r.multilateral else [None])
    seen: set[tuple[str, str | None, _dt.date]] = set()
    for p in asked:
        spans = r.party_spans.get(p, []) if p is not None else []
        days = [
            (i, max(start, ps.start))
            for i, ps in enumerate(spans)
            if ps.start <= end and (ps.end is None or ps.end > start)
        ]
        for i, day in days if p is not None else [(0, start)]:
            for w in next_deadline(r, day, p).withdrawal:
                if not (start < w.notice_from <= end) or (w.clause, p, w.notice_from) in seen:
                    continue
                seen.add((w.clause, p, w.notice_from))
                named = " (or on a later date the notification names)" if w.later_date else ""
                add(
                    w.notice_from,
                    "withdrawal_opens",
                    f"{name}: notice of withdrawal possible from today under {w.clause}"
                    + (f" ({p})" if p else ""),
                    f"From {w.notice_from} a notice by {' or '.join(w.who)} under {w.clause} "
                    f"({w.article or 'no article cited'}) may be given; received that day, it takes effect "
                    f"{effect_phrase(w.effect_after, w.takes_effect)}{named}"
                    + (" (for that party only)" if w.scope == "party" else "")
                    + f". Scenario: {r.scenario}.",
                    w.article,
                    True,
                    _uid(r, "withdrawal_opens", w.clause, p, i),
                    p,
                )
    # the agreement's own entry into force (for a multilateral one asked for a party: its party_bound below)
    eif = r.in_force_from
    if eif is not None and start <= eif <= end and (party is None or not r.multilateral):
        how = next((sp.cause for sp in r.spans if sp.stage == "in_force" and sp.start == eif), None)
        bound = [p for p in r.parties if any(ps.start == eif for ps in r.party_spans.get(p, []))]
        add(
            eif,
            "entry_into_force",
            f"{name}: enters into force today",
            (f"{how}. " if how else "")
            + f"First day in force: {eif}."
            + (
                f" In force from that day for {', '.join(bound)} (the parties followed)."
                if r.multilateral
                else ""
            )
            + f" Scenario: {r.scenario}.",
            r.citations["entry_into_force"].article,
            False,
            _uid(r, "entry_into_force", party),
            party,
        )
    # a party becoming bound (from the entry into force, or later), or no longer bound (its withdrawal taking
    # effect), inside the window
    for p in asked if r.multilateral else []:
        for i, ps in enumerate(r.party_spans.get(p or "", [])):
            if start <= ps.start <= end:
                add(
                    ps.start,
                    "party_bound",
                    f"{name}: in force for {p} from today",
                    f"{ps.cause}. Scenario: {r.scenario}.",
                    None,
                    False,
                    _uid(r, "party_bound", p, i),
                    p,
                )
            if ps.end is not None and start <= ps.end <= end and r.span_on(ps.end).stage in IN_FORCE:
                add(
                    ps.end,
                    "party_out",
                    f"{name}: no longer in force for {p} (last day {D.add_days(ps.end, -1)})",
                    f"{ps.end_cause or 'no longer bound'}. First day {p} is no longer bound: {ps.end}. "
                    f"Scenario: {r.scenario}.",
                    None,
                    True,
                    _uid(r, "party_out", p, i),
                    p,
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
                and (party is None or r.party_span_on(party, d) is not None)
            ):
                add(
                    d,
                    "renewal",
                    f"{name}: renews for term {k} unless a timely notice stops it",
                    f"Term {k} begins {d} ({r.citations['renewal'].what}). Scenario: {r.scenario}.",
                    r.citations["renewal"].article,
                    False,
                    _uid(r, "renewal", k, party),
                    party,
                )
            k += 1
    for span in r.spans:
        if span.stage in FINAL and span.start is not None and start <= span.start <= end:
            kind = "expiry" if span.stage == "expired" else "end"
            add(
                span.start,
                kind,
                f"{name}: no longer in force (last day {D.add_days(span.start, -1)})",
                f"{span.cause}. First day no longer in force: {span.start}. Scenario: {r.scenario}.",
                None,
                True,
                _uid(r, "end", party),
                party,
            )
    return out


def _why_empty(r: Record, start: _dt.date, end: _dt.date) -> str:
    """One line saying why a scenario gives no date in the window."""
    last = r.spans[-1]
    if last.stage in FINAL and last.start is not None and last.start < start:
        return f"{r.scenario}: no longer in force since {last.start}"
    if not r.deadline_clauses and not r.withdrawal_clauses:
        return f"{r.scenario}: no notice clause, and nothing ends or renews between {start} and {end}"
    return f"{r.scenario}: no deadline, renewal, withdrawal or end falls between {start} and {end}"


def _name(r: Record, records: list[Record]) -> str:
    """How a calendar entry names its agreement: the short title, and the scenario's own title too where
    another agreement of the same calendar has that short title (a register of contracts on one template:
    "Fisheries Agreement (GBR–NOR, 2019) (fish-2020)"), so that no two agreements read alike."""
    if r.scenario != r.short_title and sum(x.short_title == r.short_title for x in records) > 1:
        return f"{r.short_title} ({r.scenario})"
    return r.short_title


def agenda(
    records: list[Record],
    start: _dt.date,
    years: int = 2,
    remind_weeks: list[int] | None = None,
    party: str | None = None,
) -> CalendarResult:
    """Upcoming dates of each record from ``start`` for ``years`` years, sorted by date (with ``party``: the
    dates that concern that party: its deadlines, its withdrawal, the renewals and ends while it is bound)."""
    from treatylife.answers.query import check_party
    from treatylife.errors import InputError

    if years < 1 or years > 100:
        raise InputError(f"--years must be between 1 and 100 (got {years})", field="--years", code="TL602")
    weeks = sorted(set(remind_weeks if remind_weeks is not None else [4, 1]), reverse=True)
    if any(w < 0 or w > 104 for w in weeks):
        raise InputError("--remind takes weeks between 0 and 104", field="--remind", code="TL603")
    end = D.add_days(D.add_period(start, D.Period(years, "years")), -1)
    for r in records:
        check_party(r, party)
    per = [_items(r, start, end, party, _name(r, records)) for r in records]
    items = [i for found in per for i in found]
    items.sort(key=lambda i: (i.date, i.agreement, i.scenario, i.kind, i.party or ""))
    notes = [_why_empty(r, start, end) for r, found in zip(records, per, strict=True) if not found]
    stamp = max((e.date for r in records for e in r.events), default=_dt.date(1970, 1, 1))
    return CalendarResult(start, end, weeks, items, [r.scenario for r in records], party, stamp, notes)
