"""Where two scenarios disagree: the date ranges in which "in force?" (and the stage, the term and, for a
multilateral agreement, the parties bound) differ, and the first event that makes them diverge.

Computed from each :class:`~treatylife.record.Record`'s stage spans and term schedule: the answer can only
change where a span starts, where a party joins or leaves, or (when the two schedules differ) where a term
starts, so only those dates are visited, never every day. Term starts are enumerated only when the two
schedules differ, and only up to a horizon (``end``, or the last recorded date of either scenario); beyond
it the last range is open-ended.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace

from treatylife.answers.results import ResultBase, Step
from treatylife.dates import scalar as D
from treatylife.engine.lifecycle import IN_FORCE
from treatylife.model.record import EventInfo, Record

__all__ = ["CompareResult", "DiffRange", "EventDiff", "SideState", "compare_records"]

#: Term starts visited per in-force window when the schedules differ (a bound, not a loop over days).
MAX_TERM_BREAKS = 5_000


@dataclass(frozen=True)
class SideState:
    """One scenario's answer at the start of a range."""

    stage: str
    in_force: bool
    term: int | None  # the term number while in force (None: not in force, or indefinite duration)
    #: listed parties for which it is in force (multilateral agreements; None: bilateral, not followed)
    parties: tuple[str, ...] | None = None

    def label(self) -> str:
        if self.in_force:
            return f"in force (term {self.term})" if self.term is not None else "in force"
        return self.stage


@dataclass(frozen=True)
class DiffRange:
    """Days ``start .. last_day`` (None: open-ended) on which the two scenarios give different answers."""

    start: _dt.date | None
    last_day: _dt.date | None
    a: SideState
    b: SideState
    differs: list[str]  # which answers differ: in_force, stage, term, parties
    only_a: list[str] = field(default_factory=list)  # parties for which it is in force in A only
    only_b: list[str] = field(default_factory=list)  # ... in B only

    def headline(self) -> str:
        """ "A in force (term 4), B terminated", with the parties when only they tell the two apart."""
        text = f"A {self.a.label()}, B {self.b.label()}"
        return text + (f"; {self.describe()}" if "parties" in self.differs else "")

    def describe(self) -> str:
        """``differs`` for people: "in_force, parties (A only: KOR; B only: none)"."""
        out = []
        for d in self.differs:
            if d == "parties":
                d += f" (A only: {', '.join(self.only_a) or 'none'}; B only: {', '.join(self.only_b) or 'none'})"
            out.append(d)
        return ", ".join(out)


@dataclass(frozen=True)
class EventDiff:
    """An event present in one scenario only."""

    only_in: str  # "A" or "B"
    date: _dt.date
    kind: str
    party: str | None
    id: str | None
    note: str | None
    source: str | None

    def label(self) -> str:
        who = f" {self.party}" if self.party else ""
        return f"{self.date.isoformat()} {self.kind}{who}"


@dataclass(frozen=True)
class CompareResult(ResultBase):
    a: str
    b: str
    start: _dt.date | None
    end: _dt.date | None
    same: bool
    diverge_from: _dt.date | None  # first day on which the answers differ
    cause: list[EventDiff]  # the event(s) that make them diverge
    rule_differences: list[str]  # parameters that differ between the two rule sets
    ranges: list[DiffRange]
    event_differences: list[EventDiff] = field(default_factory=list)
    changes_a: list[str] = field(default_factory=list)
    changes_b: list[str] = field(default_factory=list)
    #: the party asked about: then "in force" means in force for that party
    party: str | None = None
    #: were the parties bound compared too (a multilateral agreement on either side)?
    parties_compared: bool = False
    #: why each side answers as it does on the day they diverge: "A: ..." and "B: ..." steps
    explanation: list[Step] = field(default_factory=list)


def _state(r: Record, d: _dt.date, party: str | None, follow: bool) -> SideState:
    """One side's answer on ``d``; ``follow``: list the parties for which it is in force."""
    from treatylife.answers.query import party_stage, term_on

    span = r.span_on(d)
    stage, in_force = span.stage, span.stage in IN_FORCE
    bound = tuple(r.parties_bound_on(d)) if in_force else ()
    if in_force and party is not None and party not in bound:
        stage, in_force = party_stage(r, party, d)[0], False
    term = None
    if in_force and r.schedule is not None:
        t = term_on(r.schedule, d)
        term = t.number if t else None
    return SideState(stage, in_force, term, bound if follow else None)


def _differs(a: SideState, b: SideState) -> list[str]:
    out = []
    if a.in_force != b.in_force:
        out.append("in_force")
    if a.stage != b.stage:
        out.append("stage")
    if a.in_force and b.in_force and a.term != b.term:
        out.append("term")
    if a.parties is not None and b.parties is not None and a.parties != b.parties:
        out.append("parties")
    return out


def _party_marks(r: Record) -> set[_dt.date]:
    """Days on which some party's participation can change: joins, withdrawals, deposits."""
    out = {ps.start for spans in r.party_spans.values() for ps in spans}
    out |= {ps.end for spans in r.party_spans.values() for ps in spans if ps.end is not None}
    return out | {d for d, p, _ in r.deposits if p is not None}


def _in_force_windows(r: Record) -> list[tuple[_dt.date, _dt.date | None]]:
    """(first day, first day after) of each in-force stretch (None: open-ended)."""
    out: list[tuple[_dt.date, _dt.date | None]] = []
    for s in r.spans:
        if s.stage in IN_FORCE and s.start is not None:
            if out and out[-1][1] == s.start:
                out[-1] = (out[-1][0], s.end)
            else:
                out.append((s.start, s.end))
    return out


def _term_starts(r: Record, lo: _dt.date, hi: _dt.date) -> set[_dt.date]:
    """Starts of terms within ``lo .. hi`` (terms are computed, at most MAX_TERM_BREAKS of them)."""
    s = r.schedule
    ts = s.terms() if s is not None else None
    if ts is None:
        return set()
    out: set[_dt.date] = set()
    k = ts.index_on(lo) or 1
    for _ in range(MAX_TERM_BREAKS):
        if ts.max_terms is not None and k > ts.max_terms + 1:
            break
        start = ts.start(k)
        if start > hi:
            break
        if start >= lo:
            out.add(start)
        k += 1
    assert s is not None
    out.update(D.add_days(last, 1) for _, last in s.extensions if lo <= D.add_days(last, 1) <= hi)
    return out


def _key(e: EventInfo) -> tuple[object, ...]:
    return (e.date, e.kind, e.party, e.id, e.note)


def _event_diffs(a: Record, b: Record) -> list[EventDiff]:
    from collections import Counter

    ca, cb = Counter(_key(e) for e in a.events), Counter(_key(e) for e in b.events)
    out = []
    for side, rec, mine, other in (("A", a, ca, cb), ("B", b, cb, ca)):
        extra = mine - other
        for e in rec.events:
            k = _key(e)
            if extra[k] > 0:
                extra[k] -= 1
                out.append(EventDiff(side, e.date, e.kind, e.party, e.id, e.note, e.where()))
    out.sort(key=lambda d: (d.date, d.only_in))
    return out


def _rule_diffs(a: Record, b: Record) -> list[str]:
    out = []
    sa, sb = a.schedule, b.schedule
    if sa is not None and sb is not None:
        for name in ("initial", "renewal", "renewal_kind", "max_terms"):
            va, vb = getattr(sa, name), getattr(sb, name)
            if va != vb:
                out.append(f"{name.replace('_', ' ')}: {va} (A) vs {vb} (B)")
    for k in sorted(set(a.conventions) | set(b.conventions)):
        if a.conventions.get(k) != b.conventions.get(k):
            out.append(f"convention {k}: {a.conventions.get(k)} (A) vs {b.conventions.get(k)} (B)")
    ca = {c.id: c for c in a.deadline_clauses}
    cb = {c.id: c for c in b.deadline_clauses}
    for cid in sorted(set(ca) | set(cb)):
        x, y = ca.get(cid), cb.get(cid)
        if x is None or y is None:
            out.append(f"clause {cid}: only in {'B' if x is None else 'A'}")
            continue
        for name in ("notice", "by", "late"):
            vx, vy = getattr(x, name), getattr(y, name)
            if vx != vy:
                out.append(f"clause {cid} {name}: {vx} (A) vs {vy} (B)")
    return out


def compare_records(
    a: Record,
    b: Record,
    start: _dt.date | None = None,
    end: _dt.date | None = None,
    party: str | None = None,
) -> CompareResult:
    """The date ranges where the answers of ``a`` and ``b`` differ, within ``start .. end`` (inclusive).

    For a multilateral agreement the parties for which it is in force are compared too; with ``party``,
    "in force" means in force for that party.
    """
    from treatylife.answers.query import check_party

    if start is not None and end is not None and end < start:
        from treatylife.errors import InputError

        raise InputError(f"--to {end} is before --from {start}", field="--to", code="TL601")
    check_party(a, party)
    check_party(b, party)
    follow = (a.multilateral or b.multilateral) and party is None  # with a party, that party is the question
    breaks: set[_dt.date] = {s.start for r in (a, b) for s in r.spans if s.start is not None}
    if follow or party is not None:
        breaks |= _party_marks(a) | _party_marks(b)
    known = [d for d in breaks] + [e.date for r in (a, b) for e in r.events]
    horizon = end or max(known, default=start or _dt.date(1970, 1, 1))
    if start is not None:
        horizon = max(horizon, start)
    if a.schedule != b.schedule:
        # term numbers can differ only while both are in force: visit term starts there, up to the horizon
        for wa in _in_force_windows(a):
            for wb in _in_force_windows(b):
                lo = max(wa[0], wb[0])
                hi = min(d for d in (wa[1], wb[1], D.add_days(horizon, 1)) if d is not None)
                if lo < hi:
                    breaks |= _term_starts(a, lo, hi) | _term_starts(b, lo, hi)
    points = sorted(d for d in breaks if (start is None or d > start) and (end is None or d <= end))
    seg_starts: list[_dt.date | None] = [start, *points]
    ranges: list[DiffRange] = []
    for i, s in enumerate(seg_starts):
        # the first segment may have no start (before any recorded event): probe the day before the first break
        probe = s if s is not None else (D.add_days(points[0], -1) if points else _dt.date(1, 1, 1))
        sa, sb = _state(a, probe, party, follow), _state(b, probe, party, follow)
        diff = _differs(sa, sb)
        only_a = [p for p in sa.parties or () if p not in (sb.parties or ())] if "parties" in diff else []
        only_b = [p for p in sb.parties or () if p not in (sa.parties or ())] if "parties" in diff else []
        nxt = seg_starts[i + 1] if i + 1 < len(seg_starts) else None
        last = D.add_days(nxt, -1) if nxt is not None else end
        if not diff:
            continue
        prev = ranges[-1] if ranges else None
        if (
            prev is not None
            and prev.last_day is not None
            and s is not None
            and D.add_days(prev.last_day, 1) == s
            and prev.differs == diff
            and (prev.a.stage, prev.b.stage) == (sa.stage, sb.stage)
            and (prev.only_a, prev.only_b) == (only_a, only_b)
        ):
            # same disagreement going on (a term may have turned over on one side): one range
            ranges[-1] = DiffRange(prev.start, last, prev.a, prev.b, diff, only_a, only_b)
        else:
            ranges.append(DiffRange(s, last, sa, sb, diff, only_a, only_b))
    ev = _event_diffs(a, b)
    rules = _rule_diffs(a, b)
    diverge = ranges[0].start if ranges else None
    cause: list[EventDiff] = []
    if ranges:
        relevant = [d for d in ev if d.kind != "note" and (diverge is None or d.date <= diverge)]
        if relevant:
            last_date = relevant[-1].date
            cause = [d for d in relevant if d.date == last_date]
    explanation: list[Step] = []
    if diverge is not None:
        # why each side answers as it does on the first day they differ; steps both share are said once
        from treatylife.answers.query import status

        ea, eb = (status(r, diverge, party).explanation for r in (a, b))
        shared = {(st.date, st.what, st.article, st.convention) for st in ea}
        shared &= {(st.date, st.what, st.article, st.convention) for st in eb}
        for st in ea:
            both = (st.date, st.what, st.article, st.convention) in shared
            explanation.append(replace(st, what=f"{'A and B' if both else 'A'}: {st.what}"))
        explanation += [
            replace(st, what=f"B: {st.what}")
            for st in eb
            if (st.date, st.what, st.article, st.convention) not in shared
        ]
        explanation.sort(key=lambda st: st.date or _dt.date.min)
    return CompareResult(
        a=a.scenario,
        b=b.scenario,
        start=start,
        end=end,
        same=not ranges,
        diverge_from=diverge,
        cause=cause,
        rule_differences=rules,
        ranges=ranges,
        event_differences=ev,
        changes_a=list(a.changes),
        changes_b=list(b.changes),
        party=party,
        parties_compared=follow,
        explanation=explanation,
    )
