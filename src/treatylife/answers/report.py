"""Everything the one-page HTML report draws, computed here (the renderer only draws).

A :class:`ReportResult` gathers, for a scenario and optionally a base to draw it against: the timeline of
stages and terms, the notice windows and deadlines of each term in view, the events, the status and next
deadline as of a date with their explanations, and the comparison with the base.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from treatylife.answers.compare import CompareResult, compare_records
from treatylife.answers.results import DeadlineResult, ResultBase, StatusResult, TimelineResult
from treatylife.dates import scalar as D
from treatylife.engine.lifecycle import IN_FORCE
from treatylife.model.record import Record

__all__ = ["NoticeWindow", "ReportResult", "Track", "build_report"]

MAX_WINDOWS = 500


@dataclass(frozen=True)
class NoticeWindow:
    """Notices received ``start .. deadline`` stop the renewal of ``renewal`` (the term ends ``term_last_day``)."""

    term: int
    start: _dt.date
    deadline: _dt.date
    term_last_day: _dt.date
    renewal: _dt.date
    clause: str
    article: str | None


@dataclass(frozen=True)
class NoticeMark:
    id: str
    party: str
    received: _dt.date
    takes_effect: _dt.date | None
    final_status: str
    history: list[str]


@dataclass(frozen=True)
class Track:
    """One scenario drawn as rows of a timeline."""

    scenario: str
    changes: list[str]
    timeline: TimelineResult
    windows: list[NoticeWindow]
    notices: list[NoticeMark]
    #: a multilateral agreement: each listed party's own timeline (a lane each)
    parties: list[TimelineResult] = field(default_factory=list)
    #: the next notice deadline as of the report's date, in this scenario (labelled on the timeline)
    next_deadline: _dt.date | None = None


@dataclass(frozen=True)
class ReportResult(ResultBase):
    agreement: str
    title: str
    on: _dt.date
    start: _dt.date
    until: _dt.date
    track: Track
    base: Track | None
    comparison: CompareResult | None
    status: StatusResult
    deadline: DeadlineResult
    conventions: dict[str, str] = field(default_factory=dict)
    party: str | None = None  # answers (status, deadline, timeline, comparison) for this party


def _windows(r: Record, start: _dt.date, until: _dt.date) -> list[NoticeWindow]:
    s = r.schedule
    ts = s.terms() if s is not None else None
    if s is None or ts is None or not r.deadline_clauses:
        return []
    out: list[NoticeWindow] = []
    in_force = [(sp.start, sp.end) for sp in r.spans if sp.stage in IN_FORCE and sp.start is not None]
    k = ts.index_on(max(start, s.anchor)) or 1
    while len(out) < MAX_WINDOWS:
        if ts.max_terms is not None and k >= ts.max_terms:
            break
        t_start = ts.start(k)
        if t_start > until:
            break
        renewal = ts.start(k + 1)
        # only terms the agreement actually ran (a window after the end is no window)
        if any(a <= t_start and (b is None or t_start < b) for a, b in in_force):
            for c in r.deadline_clauses:
                dl = c.deadline(renewal)
                out.append(NoticeWindow(k, t_start, dl, ts.last_day(k), renewal, c.id, c.article))
        k += 1
    return out


def _track(r: Record, start: _dt.date, until: _dt.date, on: _dt.date, party: str | None = None) -> Track:
    from treatylife.answers.query import next_deadline, timeline

    notices = [
        NoticeMark(
            n.id,
            n.party,
            n.received,
            n.effect,
            n.history[-1].status if n.history else "pending",
            [f"{h.date} {h.status}: {h.cause}" for h in n.history],
        )
        for n in r.notices
    ]
    lanes = [timeline(r, until, p) for p in r.parties if party in (None, p)] if r.multilateral else []
    return Track(
        r.scenario,
        list(r.changes),
        timeline(r, until, party),
        _windows(r, start, until),
        notices,
        lanes,
        next_deadline(r, on, party).deadline,
    )


def build_report(
    record: Record,
    on: _dt.date,
    base: Record | None = None,
    until: _dt.date | None = None,
    party: str | None = None,
) -> ReportResult:
    """The report of ``record`` as known on ``on``; drawn to ``until`` (default: a year after the later of
    ``on`` and the last event); ``base`` is drawn beneath it and compared with it."""
    from treatylife.answers.query import next_deadline, status

    firsts = [r.events[0].date for r in (record, base) if r is not None and r.events]
    lasts = [r.events[-1].date for r in (record, base) if r is not None and r.events]
    start = min(firsts, default=on)
    if until is None:
        until = D.add_period(max([on, *lasts]), D.Period(1, "years"))
    if until < start:
        from treatylife.errors import InputError

        raise InputError(f"--to {until} is before the first event ({start})", field="--to", code="TL606")
    return ReportResult(
        agreement=record.short_title,
        title=record.title,
        on=on,
        start=start,
        until=until,
        track=_track(record, start, until, on, party),
        base=_track(base, start, until, on, party) if base is not None else None,
        comparison=compare_records(base, record, start, until, party) if base is not None else None,
        status=status(record, on, party),
        deadline=next_deadline(record, on, party),
        conventions=dict(record.conventions),
        party=party,
    )
