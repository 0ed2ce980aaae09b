"""Questions asked of a :class:`~treatylife.record.Record`: status on a date, next deadline, timeline.

Every answer is "as known on the date asked": a notice received on or before that date counts with the
status it had then, later events do not. Each costs the same for 2020 or 2100: the term containing a date
is computed, never iterated to.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace
from typing import Any

from treatylife.answers.results import (
    Ambiguity,
    DeadlineResult,
    Interval,
    NoticeInfo,
    NotYetInForce,
    RunningHold,
    StatusResult,
    Step,
    TermInfo,
    TimelineResult,
    WithdrawalOption,
)
from treatylife.dates import expr as X
from treatylife.dates import scalar as D
from treatylife.engine.lifecycle import IN_FORCE, PRE_FORCE, STAGES
from treatylife.model.record import (
    DeadlineClause,
    Notice,
    NoticeChange,
    Record,
    Schedule,
    WithdrawalClause,
    expression,
    hold_running,
)

__all__ = [
    "check_party",
    "may_give_notice",
    "next_deadline",
    "party_stage",
    "status",
    "term_on",
    "timeline",
]


def _other_counting(c: D.NoticeCounting) -> D.NoticeCounting:
    return (
        D.NoticeCounting.DATE_DIFFERENCE if c is D.NoticeCounting.CLEAR_DAYS else D.NoticeCounting.CLEAR_DAYS
    )


def term_on(schedule: Schedule, d: _dt.date) -> TermInfo | None:
    """The term containing ``d`` (None outside every term), counting the extensions ``schedule`` knows of.

    Pass ``schedule.as_known_on(day asked)``: an extension agreed later is not yet a term (New START on
    2021-02-04, the day after the extension was agreed, is in term 1 of 2, not the last term).
    """
    ts = schedule.terms()
    if ts is None:
        return TermInfo(None, schedule.anchor, None, None) if d >= schedule.anchor else None
    ext = schedule.extensions
    of = ts.max_terms + len(ext) if ts.max_terms is not None else None
    k = ts.index_on(d)
    if k is None:
        for i, (_, last) in enumerate(ext):
            start = D.add_days(ext[i - 1][1], 1) if i else ts.start(ts.max_terms + 1)  # type: ignore[operator]
            if start <= d <= last:
                n = (ts.max_terms or 1) + i + 1
                more = i + 1 < len(ext)
                return TermInfo(n, start, last, D.add_days(last, 1) if more else None, of, extended=more)
        return None
    renews = ts.max_terms is None or k < ts.max_terms
    if not renews and ext:  # the last term of the schedule, extended by agreement
        return TermInfo(k, ts.start(k), ts.last_day(k), ts.start(k + 1), of, extended=True)
    return TermInfo(k, ts.start(k), ts.last_day(k), ts.start(k + 1) if renews else None, of)


def _open_default(record: Record, names: list[str]) -> str:
    return (
        ", ".join(f"{n}={record.conventions[n]}" for n in names) + " (default; the rules file leaves it open)"
    )


def _rounds(s: Schedule) -> bool:
    """Can the end-of-month rule move a term boundary of this schedule at all?"""
    return s.initial is not None and (
        s.initial.is_calendar or (s.renewal is not None and s.renewal.is_calendar)
    )


def _term_ambiguity(record: Record, d: _dt.date) -> list[Ambiguity]:
    """The term containing ``d`` when it moves with the end-of-month convention and the rules leave it open."""
    s = record.schedule
    if s is None or not _rounds(s) or "end_of_month" not in record.open_conventions:
        return []
    readings: dict[str, str] = {}
    for eom in (D.EndOfMonth.ROUND_DOWN, D.EndOfMonth.ROUND_UP):
        t = term_on(replace(s, eom=eom), d)
        readings[f"end_of_month={eom.value}"] = (
            f"term {t.number}: {t.start} .. {t.last_day}" if t else "not in a term"
        )
    if len(set(readings.values())) < 2:
        return []
    return [
        Ambiguity(
            question=f"term containing {d} (terms counted from {s.anchor}, a day some months lack)",
            readings=readings,
            used=_open_default(record, ["end_of_month"]),
        )
    ]


def term_boundary_ambiguities(record: Record, first_terms: int = 5) -> list[Ambiguity]:
    """Ends of the first terms, and their notice deadlines, that move with an open convention.

    For ``treatylife check``: only terms that begin while the agreement lasts (under the reading used).
    """
    s = record.schedule
    if s is None or s.initial is None:
        return []
    eoms = [s.eom]
    if "end_of_month" in record.open_conventions and _rounds(s) and s.eom is not D.EndOfMonth.ABORT:
        eoms += [m for m in (D.EndOfMonth.ROUND_DOWN, D.EndOfMonth.ROUND_UP) if m is not s.eom]
    counting_open = "notice_counting" in record.open_conventions and bool(record.deadline_clauses)
    countings: list[D.NoticeCounting | None] = [None]
    if counting_open:
        countings = list(D.NoticeCounting)
    open_ = [n for n, on in (("notice_counting", counting_open), ("end_of_month", len(eoms) > 1)) if on]
    if not open_:
        return []
    used = replace(s, eom=s.eom).terms()
    assert used is not None
    out: list[Ambiguity] = []
    for k in range(1, first_terms + 1):
        if (used.max_terms is not None and k > used.max_terms) or (
            record.ended_on is not None and used.start(k) >= record.ended_on
        ):
            break  # no such term, or the agreement had ended (under the reading used) before it
        readings: dict[str, str] = {}
        for eom in eoms:
            ts = replace(s, eom=eom).terms()
            assert ts is not None
            renews = ts.max_terms is None or k < ts.max_terms
            for counting in countings:
                values = {"end_of_month": eom.value, "notice_counting": counting.value if counting else ""}
                key = ", ".join(f"{n}={values[n]}" for n in open_)
                text = f"last day {ts.last_day(k)}, {'renewed' if renews else 'ends'} {ts.start(k + 1)}"
                for c in record.deadline_clauses if renews else []:
                    dl = replace(c, eom=eom, counting=counting or c.counting).deadline(ts.start(k + 1))
                    text += f"; notice deadline ({c.id}) {dl}"
                readings[key] = text
        if len(set(readings.values())) > 1:
            question = f"end of term {k} (counted from {s.anchor})"
            out.append(Ambiguity(question, readings, _open_default(record, open_)))
    return out


def _notice_info(n: Notice, on: _dt.date) -> NoticeInfo | None:
    change = n.status_on(on)
    if change is None:
        return None
    return NoticeInfo(
        id=n.id,
        party=n.party,
        clause=n.clause,
        kind=n.clause_kind,
        received=n.received,
        status=change.status,
        status_since=change.date,
        term=n.term,
        deadline=n.deadline,
        timely=n.timely,
        takes_effect=(eff := n.effect_on(on)),
        last_day_in_force=D.add_days(eff, -1) if eff else None,
        rule=_rule_as_known(n, change, eff),
        article=n.article,
        caveats=list(n.caveats),
        scope=n.scope,
        late_rule=n.late_rule,
        status_cause=change.cause,
    )


def _rule_as_known(n: Notice, change: NoticeChange, effect: _dt.date | None) -> str:
    """The notice's rule in words, with the day of effect as known on the day asked: a held notice has none
    (a hold keeps it back), a moved one says where it moved and why."""
    head, sep, _ = n.rule.partition(": no longer bound on ")
    if not sep:
        # a notice of non-renewal: its rule names the term it ends; a resumption moved the day since
        if effect is not None and effect != n.effect_on(n.received):
            moved = [c for c in n.history if c.sets_effect and c.date <= change.date]
            if moved:
                return f"{n.rule}; then {moved[-1].cause}"
        return n.rule
    if change.status == "held":
        return f"{head}: held since {change.date}, no day of effect known yet ({change.cause})"
    if effect is not None and effect != n.effect_on(n.received):
        return f"{head}: no longer bound on {effect} ({change.cause})"
    return n.rule


def notice_ambiguity(n: Notice, on: _dt.date) -> list[Ambiguity]:
    """The readings of a notice that differ under a convention the rules leave open, as known on ``on``."""
    if n.alternative is None or n.received > on:
        return []
    return _readings_known(n, n.alternative, on)


def _readings_known(n: Notice, alt: dict[str, Any], on: _dt.date) -> list[Ambiguity]:
    # "earlier": the readings the notice had before a resumption replaced them (still true up to it)
    out = _readings_known(n, alt["earlier"], on) if alt.get("earlier") else []
    if alt.get("since", "") > on.isoformat():
        return out  # "since": a reading that arises only from a later event (a resumption) is not known yet
    if _settled_by_withdrawal(n, alt, on):
        return out
    if "readings" in alt:
        return [
            *out,
            Ambiguity(alt.get("question", f"effect of notice {n.id}"), dict(alt["readings"]), alt["used"]),
        ]
    return [
        *out,
        Ambiguity(
            question=f"is notice {n.id} received {n.received} timely?",
            readings={
                alt["used"].split(" ")[0]: f"deadline {n.deadline}: {'timely' if n.timely else 'late'}",
                alt["convention"]: f"deadline {alt['deadline']}: {'timely' if alt['timely'] else 'late'}",
            },
            used=alt["used"],
        ),
    ]


def _settled_by_withdrawal(n: Notice, alt: dict[str, Any], on: _dt.date) -> bool:
    """A resumed notice withdrawn before it took effect under any reading: the readings no longer differ."""
    change = n.status_on(on)
    if "effects" not in alt or change is None or change.status != "withdrawn":
        return False
    return all(d is None or change.date.isoformat() < d for d in alt["effects"].values())


def _deadline_ambiguity(
    record: Record, clause: DeadlineClause, on: _dt.date, nxt: _dt.date
) -> tuple[list[Ambiguity], _dt.date | None]:
    """The next deadline on or after ``on`` under every reading left open: under each, the renewal that
    reading's notice received on ``on`` would prevent (:func:`_terms_stoppable`), which is not always the
    renewal of ``nxt`` (the day after a clear-days deadline, date_difference still prevents the nearer one).
    Also the earliest of those deadlines (None when no reading differs)."""
    s = record.schedule
    assert s is not None
    open_ = [c for c in record.open_conventions if c in ("notice_counting", "end_of_month")]
    countings = [clause.counting]
    if "notice_counting" in open_:
        countings.append(_other_counting(clause.counting))
    eoms = [clause.eom]
    if "end_of_month" in open_ and clause.eom is not D.EndOfMonth.ABORT and _rounds(s):
        eoms += [m for m in (D.EndOfMonth.ROUND_DOWN, D.EndOfMonth.ROUND_UP) if m is not clause.eom]
    readings: dict[str, str] = {}
    earliest: _dt.date | None = None
    for eom in eoms:
        ts = replace(s, eom=eom).terms()
        assert ts is not None
        for counting in countings:
            values = {"notice_counting": counting.value, "end_of_month": eom.value}
            key = ", ".join(f"{n}={values[n]}" for n in open_)
            reading = replace(clause, counting=counting, eom=eom)
            stoppable = _terms_stoppable(reading, ts, on)
            if not stoppable or (ts.max_terms is not None and stoppable[0] >= ts.max_terms):
                readings[key] = "none (no renewal left to prevent)"
                continue
            renewal = ts.start(stoppable[0] + 1)
            dl = reading.deadline(renewal)
            readings[key] = dl.isoformat() if renewal == nxt else f"{dl} (renewal on {renewal})"
            earliest = dl if earliest is None or dl < earliest else earliest
    if len(set(readings.values())) < 2:
        return [], None
    amb = Ambiguity(f"deadline to prevent the renewal of {nxt}", readings, _open_default(record, open_))
    return [amb], earliest


def _event_step(record: Record, index: int | None, what: str | None = None) -> Step:
    if index is None:
        return Step(None, what or "")
    e = record.events[index]
    src = e.where()
    who = f" {e.party}" if e.party else (f" ({e.count} instruments)" if e.count else "")
    text = what or f"{e.kind}{who}" + (f": {e.note}" if e.note else "")
    return Step(e.date, text, None, None, src)


#: Stages of one party's participation (``status(..., party=P)``) while the agreement itself is in force.
PARTY_STAGES: dict[str, str] = {
    "not_a_party": "the agreement is in force, but not for this party (no instrument deposited)",
    "deposited": "instrument deposited; the agreement is not yet in force for this party",
    "withdrawn": "no longer a party: its withdrawal (or notice) took effect",
}


def _change_article(n: Notice, status: str) -> str | None:
    """The article behind a change in a notice's life: withdrawal is VCLT Art. 68, effect the exit clause."""
    return "VCLT Art. 68" if status == "withdrawn" else n.article if status == "effective" else None


def check_party(record: Record, party: str | None) -> None:
    """Refuse a party code the rules do not list (TL312), suggesting the closest one."""
    if party is None or party in record.parties:
        return
    import difflib

    from treatylife.errors import ScenarioError

    close = [
        c for c in list(record.parties) if c.casefold() == party.casefold()
    ] or difflib.get_close_matches(party, list(record.parties), n=1)
    raise ScenarioError(
        f"{party!r} is not a party to {record.short_title}",
        field="party",
        code="TL312",
        hint=f"did you mean {close[0]!r}?" if close else "parties: " + ", ".join(record.parties),
    )


def party_stage(
    record: Record, party: str, on: _dt.date
) -> tuple[str, _dt.date | None, _dt.date | None, str | None]:
    """(stage, since, ended, why) of a party not bound on ``on`` while the agreement is in force.

    One of PARTY_STAGES: its instrument is deposited but not yet effective, it withdrew, or it never joined.
    """
    past = [ps for ps in record.party_spans.get(party, []) if ps.end is not None and ps.end <= on]
    deposited = [
        d for d, p, _ in record.facts.standing(on) if p == party
    ]  # an instrument withdrawn no longer counts
    if deposited and (not past or deposited[-1] >= past[-1].end):  # type: ignore[operator]
        return "deposited", deposited[-1], None, None
    if past:
        return "withdrawn", past[-1].end, past[-1].end, past[-1].end_cause
    return "not_a_party", None, None, None


def status(record: Record, on: _dt.date, party: str | None = None) -> StatusResult:
    """Stage on ``on``, whether in force, the current term, notices pending and when it will end.

    With ``party``, "in force" means in force *for that party*: a multilateral agreement may be in force
    while a party has not joined yet or has withdrawn (``agreement_in_force`` answers "in force at all?").
    """
    check_party(record, party)
    span = record.span_on(on)
    in_force = span.stage in IN_FORCE
    pspan = record.party_span_on(party, on) if party is not None else None
    party_in_force = in_force if party is None else (in_force and pspan is not None)
    steps: list[Step] = []
    caveats: list[str] = []
    ambiguities: list[Ambiguity] = []
    # how we got here
    for e in record.events:
        if e.date > on:
            break
        if e.kind in (
            "approved",
            "signed",
            "notified",
            "signing_cancelled",
            "negotiations_resumed",
            "initialed",
            "condition_met",
        ):
            steps.append(_event_step(record, e.index))
    term = None
    ends = None
    end_reason = None
    notices: list[NoticeInfo] = []
    if record.schedule is not None and record.schedule.anchor <= on:
        c = record.citations["entry_into_force"]
        how = next((sp.cause for sp in record.spans if sp.stage == "in_force"), c.what)
        anchor = record.schedule.anchor
        what = f"{how}: in force from {anchor}"
        steps.append(_computed_step(record, anchor, what, record.eif_trace, record.eif_expression, c.article))
    if in_force and record.schedule is not None:
        s = record.schedule
        term = term_on(s.as_known_on(on), on)
        tc = record.citations["term"]
        rc = record.citations["renewal"]
        if term is not None and term.number is not None:
            steps.append(
                Step(
                    term.start,
                    f"term {term.number} runs {term.start} .. {term.last_day} ({tc.what}; {rc.what}; counted "
                    f"from {s.anchor})",
                    rc.article or tc.article,
                    f"end_of_month={s.eom.value}",
                )
            )
        ambiguities += _term_ambiguity(record, on)
        known = s.as_known_on(on)
        ends = known.natural_end()
        if ends is not None:
            end_reason = "the last term ends without renewal"
        for agreed, last in known.extensions:
            end_reason = f"the term as extended by agreement on {agreed} ends (last day {last})"
            steps.append(Step(agreed, f"extended by agreement to {last} ({rc.what})", rc.article))
    end_notice = None
    for n in record.notices:
        info = _notice_info(n, on)
        if info is None:
            continue
        running = _running_hold(record, n, info, on)
        if running is not None:
            hold, event = running
            info = replace(info, running_hold=hold)
            steps.append(
                Step(hold.since, hold.summary, hold.article, None, _event_step(record, event).source)
            )
        if info.status in ("pending", "suspended", "late", "void", "held") or (
            info.status == "effective" and (not in_force or (n.party == party and not party_in_force))
        ):
            notices.append(info)
        steps.append(
            Step(
                n.received,
                f"notice {n.id} by {n.party} under {n.clause}: {n.rule}",
                n.article,
                f"notice_counting={record.conventions['notice_counting']}"
                if n.deadline
                else f"end_of_month={record.conventions['end_of_month']}",
                _event_step(record, n.event).source,
            )
        )
        for ch in n.history[1:]:
            if ch.date <= on:
                steps.append(
                    Step(
                        ch.date,
                        f"notice {n.id} {ch.status}: {ch.cause}",
                        # a notification may be revoked before it takes effect (VCLT Art. 68)
                        _change_article(n, ch.status),
                        None,
                        _event_step(record, ch.event).source if ch.event is not None else None,
                    )
                )
        if (
            info.status == "pending"
            and info.takes_effect is not None
            and party_in_force
            and (n.scope == "agreement" or n.party == party)
            and (ends is None or info.takes_effect < ends)
        ):
            ends, end_reason = info.takes_effect, f"notice {n.id} by {n.party} takes effect"
            end_notice = n.id
            if n.scope == "party":
                end_reason += f" (for {n.party} only)"
        if info.status in ("pending", "suspended", "late") or (
            info.status == "effective" and _resumed(record, n, on)
        ):  # a notice that took effect after a resumption rests on the claim that it still could
            caveats.extend(n.caveats)
            caveats.extend(
                f"{n.party}'s stated position, not settled law: {ch.claim}"
                for ch in n.history
                if ch.claim and ch.date <= on
            )
        ambiguities += notice_ambiguity(n, on)
        ambiguities += _effect_day_ambiguity(record, n, info, on)
        ambiguities += _hold_day_ambiguity(record, n, info, on)
    if not in_force and span.start is not None and span.stage in ("terminated", "expired"):
        steps.append(
            _event_step(record, span.event, f"{span.stage} on {span.start}: {span.cause}")
            if span.event is not None
            else Step(span.start, f"{span.stage} on {span.start}: {span.cause}")
        )
        ends, end_reason, end_notice = span.start, span.cause, None
    stage, stage_description, since = span.stage, STAGES[span.stage], span.start
    if party is not None:
        for ps in record.party_spans.get(party, []):
            if ps.start <= on or (ps.event is not None and record.events[ps.event].date <= on):
                # bound, or deposited and waiting: when it will be bound is already known
                how = "bound" if ps.start <= on else "to be bound"
                steps.append(
                    _computed_step(
                        record,
                        ps.start,
                        f"{party} {how} from {ps.start}: {ps.cause}",
                        ps.trace,
                        record.later_expression,
                        None,
                        _event_step(record, ps.event).source,
                        steps=2,
                    )
                )
            if ps.end is not None and ps.end <= on:
                steps.append(Step(ps.end, f"{party} no longer bound from {ps.end}: {ps.end_cause}"))
        if in_force and pspan is None:
            term = None
            stage, since, ends, end_reason = party_stage(record, party, on)
            end_notice = None
            stage_description = PARTY_STAGES[stage]
        elif pspan is not None:
            since = pspan.start if span.start is None or pspan.start > span.start else span.start
    ambiguities += entry_into_force_ambiguities(record, on, party)
    missing = None
    if span.stage in PRE_FORCE and record.eif_expression is not None:
        missing = why_not_in_force(record, on)
        steps.append(
            Step(on, f"not yet in force: {missing.summary}", record.citations["entry_into_force"].article)
        )
    steps.sort(key=lambda s: s.date or _dt.date.min)
    return StatusResult(
        agreement=record.short_title,
        scenario=record.scenario,
        on=on,
        stage=stage,
        stage_description=stage_description,
        in_force=party_in_force,
        operating=party_in_force and span.stage == "in_force",
        since=since,
        term=term,
        ends=ends,
        end_reason=end_reason,
        notices=notices,
        approvals=_approvals_on(record, on),
        signed_on=record.signed_on if record.signed_on and record.signed_on <= on else None,
        caveats=caveats,
        ambiguities=ambiguities,
        explanation=steps,
        party=party,
        agreement_in_force=in_force,
        parties_bound=record.parties_bound_on(on),
        missing=missing,
        end_notice=end_notice,
    )


def _computed_step(
    record: Record,
    day: _dt.date,
    what: str,
    trace: list[X.Traced],
    expr: str | None,
    article: str | None,
    source: str | None = None,
    steps: int = 1,
) -> Step:
    """An entry into force (the agreement's, or a later party's) with the dates its clause expression was
    computed from (the evaluator's trace, as the replay met it) when it computed at least ``steps`` (a later
    party's words already name its deposit: one step would repeat them) and, when it counts months or years,
    the end_of_month convention used."""
    if sum(not t.anchor for t in trace) >= steps:
        what += f" ({'; '.join(map(str, trace))})"
        if trace[-1].value != day:
            what += f"; due on {trace[-1].value}, in force only from {day}"
    counted = bool(trace) and expr is not None and X.counts_months(expression(expr))
    conv = f"end_of_month={record.conventions['end_of_month']}" if counted else None
    return Step(day, what, article, conv, source)


def _withdrawal_clause(record: Record, n: Notice) -> WithdrawalClause | None:
    return next((c for c in record.withdrawal_clauses if c.id == n.clause), None)


def _running_hold(
    record: Record, n: Notice, info: NoticeInfo, on: _dt.date
) -> tuple[RunningHold, int | None] | None:
    """Before a withdrawal's period ends, a hold of its clause already running for its party: the answer says
    that the day of effect shown is kept back if the hold still runs then (the rule: ``hold_running``); with
    the index of its hold_started event (the explanation's file:line)."""
    wc = _withdrawal_clause(record, n)
    eff = info.takes_effect
    if wc is None or not wc.holds or info.status != "pending" or eff is None or on >= eff:
        return None
    h = hold_running(record.holds, n.party, wc.holds, on)
    if h is None:
        return None
    hold = RunningHold(
        hold=h.hold,
        party=h.party,
        since=h.start,
        period_ends=eff,
        article=wc.article,
        summary=f"{h.words} is running: if it still runs on {eff} (the end of the period), the withdrawal is "
        "held and takes effect only on the day it ends",
    )
    return hold, h.event


def _resumed(record: Record, n: Notice, on: _dt.date) -> bool:
    """Was ``n`` resumed (``notice_resumed``) on or before ``on``?"""
    return any(
        ch.event is not None and ch.date <= on and record.events[ch.event].kind == "notice_resumed"
        for ch in n.history
    )


def _effect_day_ambiguity(record: Record, n: Notice, info: NoticeInfo, on: _dt.date) -> list[Ambiguity]:
    """On the day a withdrawal counted "N months after receipt" takes effect, the two readings of
    ``effect_counting`` disagree (no longer bound that day, or only from the next): flag it when left open."""
    wc = _withdrawal_clause(record, n)
    if wc is None or not wc.counting_open or not n.counted_from_receipt or info.takes_effect is None:
        return []
    if info.status not in ("pending", "effective") or on != info.takes_effect:
        return []
    if n.effect_on(n.received) != info.takes_effect:
        return []  # moved since (extended, cut short, resumed): no longer the period counted from receipt
    lookup = record.facts.lookup()
    same = wc.takes_effect(n.received, lookup, "same_day")
    nxt = wc.takes_effect(n.received, lookup, "next_day")
    if same == nxt:
        return []  # e.g. "first day of the month after (12 months after receipt)": either way the same day
    return [
        Ambiguity(
            question=f"is {n.party} still bound on {on}, the day notice {n.id} takes effect?",
            readings={
                "effect_counting=same_day": f"no longer bound from {same} (depositary practice)",
                "effect_counting=next_day": f"bound through {D.add_days(nxt, -1)}, no longer bound from {nxt} "
                "(EU Reg. 1182/71 Art. 3)",
            },
            used="effect_counting=same_day (default; the rules file leaves it open)",
        )
    ]


def _hold_day_ambiguity(record: Record, n: Notice, info: NoticeInfo, on: _dt.date) -> list[Ambiguity]:
    """A hold of the clause that starts on the very day a withdrawal takes effect: "if, on the expiry of that
    period, the withdrawing State is engaged in an armed conflict" does not say whether a conflict of that
    day counts. The replay lets the period end first (an event on the day of effect comes after it); from that
    day until the hold ends (as known on ``on``) the other reading keeps the party bound: flag it."""
    wc = _withdrawal_clause(record, n)
    eff = info.takes_effect
    if wc is None or not wc.holds or info.status != "effective" or eff is None or on < eff:
        return []
    h = hold_running(record.holds, n.party, wc.holds, eff)
    if h is None or h.start != eff or (h.end is not None and h.end <= on):
        return []  # no hold of that very day, or it has ended by the day asked: both readings agree
    what = h.hold.replace("_", " ")
    return [
        Ambiguity(
            question=f"is {n.party} still bound on {on}? the {what} of {n.party} started on {eff}, the very day "
            f"notice {n.id} takes effect (the clause does not say whether a hold of that day counts)",
            readings={
                "the period ends first": f"the period ran out before the {what} began: no longer bound from {eff}",
                "the hold counts from its first day": f"engaged in the {what} on {eff}, the end of the period: "
                f"the withdrawal is held; still bound on {on}, no longer bound from the day the {what} ends",
            },
            used="the period ends first (treatylife's reading: an event on the day of effect comes after it; "
            "the clause text leaves it open)",
        )
    ]


def entry_into_force_ambiguities(
    record: Record, on: _dt.date | None = None, party: str | None = None
) -> list[Ambiguity]:
    """Entries into force whose date moves with an open ``end_of_month`` (a period ending on a day its month
    lacks): on ``on`` when it falls between the readings (for ``party``, or the agreement's), or all of them."""
    out = []
    for dr in record.date_readings:
        first, last = dr.window
        if on is not None and not (first <= on <= last and (dr.party is None or dr.party == party)):
            continue
        who = "the agreement" if dr.party is None else dr.party
        out.append(
            Ambiguity(
                question=f"when does {who} enter into force ({dr.rule})?",
                readings={k: f"in force from {v}" for k, v in dr.readings.items()},
                used=f"{dr.convention} (default; the rules file leaves it open)",
            )
        )
    return out


def why_not_in_force(record: Record, on: _dt.date) -> NotYetInForce:
    """What the entry into force still waits for on ``on``: signature, named parties, instruments, conditions,
    events; and the earliest day it could now happen (if everything missing happened the next day)."""
    e = expression(record.eif_expression or "")
    facts = record.facts
    signed = record.signed_on is not None and record.signed_on <= on
    lookup = facts.lookup(on)
    anchors = list(dict.fromkeys(X.anchors(e)))
    standing = facts.count(on)
    need_k = max((int(a.arg or 0) for a in anchors if a.name == "instrument"), default=0)
    parties = [str(a.arg) for a in anchors if a.name == "deposit of" and lookup(a) is None]
    conditions = [str(a.arg) for a in anchors if a.name == "condition" and lookup(a) is None]
    events = [str(a.arg) for a in anchors if a.name == "event" and lookup(a) is None]
    eom = D.EndOfMonth(record.conventions["end_of_month"])
    eom = D.EndOfMonth.ROUND_DOWN if eom is D.EndOfMonth.ABORT else eom
    due = X.evaluate(e, lookup, eom) if signed else None
    assume = D.add_days(on, 1)
    earliest = X.evaluate(e, facts.lookup(on, assume=assume), eom)
    if earliest is not None and earliest < assume and not (signed and due is not None):
        earliest = assume
    parts: list[str] = []
    if not signed:
        parts.append("signature")
    if parties:
        parts.append("the instruments of " + ", ".join(parties))
    if need_k > standing:
        parts.append(f"{need_k - standing} more instrument(s) ({standing} of {need_k} deposited)")
    parts += [f"condition {c}" for c in conditions]
    parts += [f"event {ev}" for ev in events]
    if due is not None and not parts:
        summary = f"every condition is met; it enters into force on {due} ({e})"
    else:
        summary = "waiting for " + "; ".join(parts or ["the events the clause counts from"])
        if earliest is not None:
            summary += (
                f"; the earliest it could now enter into force is {earliest}, if what is missing happened on "
                f"{assume}"
            )
    return NotYetInForce(
        signature_needed=not signed,
        parties_needed=parties,
        instruments_needed=max(0, need_k - standing),
        instruments_deposited=standing,
        instruments_required=need_k,
        conditions_needed=conditions,
        events_needed=events,
        due=due,
        earliest=earliest,
        assuming=assume if due is None else None,
        rule=str(e),
        summary=summary,
    )


def next_deadline(record: Record, on: _dt.date, party: str | None = None) -> DeadlineResult:
    """The next day by which a notice must be received to prevent a renewal, or an option to extend must be
    exercised, on or after ``on`` (whichever comes first).

    With ``party``: only a notice that party may give, and only while the agreement is in force for it.
    """
    res = _renewal_deadline(record, on, party)
    options = option_deadlines(record, on, party)
    if options and (res.deadline is None or options[0].deadline < res.deadline):  # type: ignore[operator]
        return replace(options[0], withdrawal=res.withdrawal)
    return res


def option_deadlines(record: Record, on: _dt.date, party: str | None = None) -> list[DeadlineResult]:
    """The next exercise deadline of each option to extend (rules: options), on or after ``on``, as known on
    ``on``; soonest first. The one function ``deadline``, ``deadlines`` and ``calendar`` ask for options: the
    deadline is the option clause's :meth:`~treatylife.model.record.DeadlineClause.deadline`."""
    if not record.option_clauses:
        return []
    st = status(record, on, party)
    s = record.schedule
    if not st.in_force or s is None:
        return []
    end = s.as_known_on(on).natural_end()
    if end is None:
        return []
    out = []
    for o in record.option_clauses:
        used = [d for d, oid in record.facts.exercises if oid == o.id and d <= on]
        who = may_give_notice(record, o.by, on, party)
        dl = o.deadline(end)
        if len(used) >= o.times or dl < on or not who:
            continue
        last = D.add_days(end, -1)
        extends_to = D.add_days(D.add_period(end, o.period, 1, o.eom), -1)
        c = record.citations.get(o.id)
        conv = f"notice_counting={o.counting.value}"
        step = Step(
            dl,
            f"option {o.id}: {', '.join(o.by)} may extend the term by {o.period} by notice at least {o.notice} "
            f"before it ends ({last}): last day of receipt {dl} ({len(used)} of {o.times} used)",
            c.article if c else o.article,
            conv,
        )
        out.append(
            DeadlineResult(
                agreement=record.short_title,
                scenario=record.scenario,
                on=on,
                deadline=dl,
                days_left=D.days_between(on, dl),
                prevents_renewal_of=None,
                term=st.term.number if st.term is not None else None,
                term_last_day=last,
                who=who,
                clause=o.id,
                article=o.article,
                notice_period=str(o.notice),
                convention=conv,
                reason=None,
                ambiguities=list(st.ambiguities),
                explanation=[*st.explanation, step],
                party=party,
                action="exercise_option",
                extends_to=extends_to,
                earliest_deadline=dl,
            )
        )
    return sorted(out, key=lambda r: r.deadline or _dt.date.max)


def _renewal_deadline(record: Record, on: _dt.date, party: str | None = None) -> DeadlineResult:
    """The next notice-of-non-renewal deadline (see :func:`next_deadline`)."""
    st = status(record, on, party)
    withdrawal = _withdrawal_options(record, on, party, st)

    def none(reason: str) -> DeadlineResult:
        return DeadlineResult(
            record.short_title,
            record.scenario,
            on,
            None,
            None,
            None,
            None,
            None,
            [],
            None,
            None,
            None,
            None,
            reason,
            st.ambiguities,
            st.explanation,
            party,
            withdrawal,
        )

    if not record.deadline_clauses:
        return none("the rules have no notice-of-non-renewal clause")
    s = record.schedule
    if s is None or (s.anchor > on and not st.in_force):
        if st.stage in ("terminated", "expired", "abandoned"):
            return none(f"the agreement is {st.stage}")
        return none("the agreement is not yet in force: no term to renew")
    if not st.in_force:
        if party is not None and st.agreement_in_force:
            since = f" since {st.since}" if st.since else ""
            return none(f"the agreement is not in force for {party} ({st.stage}{since})")
        return none(f"the agreement is {st.stage} since {st.since}")
    clauses = [c for c in record.deadline_clauses if may_give_notice(record, c.by, on, party)]
    if not clauses:
        return none(f"{party} may not give a notice of non-renewal under these rules")
    ts = s.terms()
    assert ts is not None and st.term is not None and st.term.number is not None
    best: DeadlineResult | None = None
    for clause in clauses:
        for kk in _terms_stoppable(clause, ts, on):
            if ts.max_terms is not None and kk >= ts.max_terms:
                break  # the last term: no renewal to prevent
            nxt = ts.start(kk + 1)
            if st.ends is not None and nxt >= st.ends:
                break
            dl = clause.deadline(nxt)
            amb = list(st.ambiguities)
            more, earliest = _deadline_ambiguity(record, clause, on, nxt)
            amb += more
            c = record.citations.get(clause.id)
            conv = f"notice_counting={clause.counting.value}"
            if clause.adjustment != "none":
                conv += f", deadline_adjustment={clause.adjustment} ({clause.working_days_of})"
            step = Step(
                dl,
                f"notice at least {clause.notice} before the end of term {kk} ({ts.last_day(kk)}): "
                f"last day of receipt {dl}",
                c.article if c else clause.article,
                conv,
            )
            cand = DeadlineResult(
                agreement=record.short_title,
                scenario=record.scenario,
                on=on,
                deadline=dl,
                days_left=D.days_between(on, dl),
                prevents_renewal_of=nxt,
                term=kk,
                term_last_day=ts.last_day(kk),
                who=may_give_notice(record, clause.by, on, party),
                clause=clause.id,
                article=clause.article,
                notice_period=str(clause.notice),
                convention=conv,
                reason=None,
                ambiguities=amb,
                explanation=[*st.explanation, step],
                party=party,
                withdrawal=withdrawal,
                earliest_deadline=min(dl, earliest) if earliest is not None else dl,
            )
            if best is None or (
                cand.deadline is not None and best.deadline is not None and cand.deadline < best.deadline
            ):
                best = cand
            break
    if best is None:
        if st.ends is not None:
            return none(f"no renewal left to prevent: the agreement ends on {st.ends} ({st.end_reason})")
        return none("no renewal left to prevent")
    return best


def _terms_stoppable(clause: DeadlineClause, ts: D.TermSchedule, on: _dt.date) -> list[int]:
    """The term whose renewal the next notice deadline on or after ``on`` protects, by the rule of the
    notice's own effect (:meth:`DeadlineClause.term_stopped`): the term a notice received on ``on`` stops;
    under ``late: void``, when that is late, the next term's (a notice then received early in it).
    Empty when no notice could stop a renewal (under ``void``, a notice period longer than a term)."""
    j = clause.term_stopped(ts, on)
    if j is None and clause.late == "void" and (k := ts.index_on(on)) is not None:
        j = clause.term_stopped(ts, ts.start(k + 1))
    return [] if j is None else [j]


def may_give_notice(record: Record, by: tuple[str, ...], on: _dt.date, party: str | None = None) -> list[str]:
    """Who may give a notice under a clause on ``on``: the parties it names that are bound that day (a party
    that has withdrawn, or not yet joined, cannot notify), in the clause's order; only ``party`` if given.

    The one answer to "who may give notice" for ``deadline``, ``calendar`` and the report.
    """
    bound = set(record.parties_bound_on(on))
    return [p for p in by if p in bound and (party is None or p == party)]


def _own_exit(record: Record, party: str, on: _dt.date) -> _dt.date | None:
    """The day ``party``'s own pending notice (one that ends only its participation) takes effect."""
    days = [
        eff
        for n in record.notices
        if n.party == party
        and n.scope == "party"
        and (eff := n.effect_on(on)) is not None
        and (ch := n.status_on(on)) is not None
        and ch.status == "pending"
    ]
    return min(days, default=None)


def _own_notice_held(record: Record, party: str, on: _dt.date) -> bool:
    """``party``'s own notice is held on ``on`` (an armed conflict, Ottawa Art. 20(3)): a new notice by it
    would be held by the same hold, so it is offered none."""
    return any(
        n.party == party
        and n.scope == "party"
        and (ch := n.status_on(on)) is not None
        and ch.status == "held"
        for n in record.notices
    )


def _withdrawal_options(
    record: Record, on: _dt.date, party: str | None, st: StatusResult
) -> list[WithdrawalOption]:
    """Under each withdrawal clause, the first day on or after ``on`` a notice may be received and the day it
    would take effect; only while the agreement is in force (for ``party``, if given).

    Parties whose first possible day differs (a clause counted from each party's own entry into force) get
    an option each; parties sharing a day share one option.
    """
    s = record.schedule
    if not st.in_force or s is None:
        return []
    ts = s.terms()
    second = ts.start(2) if ts is not None and (ts.max_terms is None or ts.max_terms >= 2) else None
    out = []
    for c in record.withdrawal_clauses:
        if c.only_after_initial_term and second is None:
            continue  # no term after the initial one: the clause never opens
        by_day: dict[_dt.date, list[str]] = {}
        for p in may_give_notice(record, c.by, on, party):
            pspan = record.party_span_on(p, on)
            since = pspan.start if pspan is not None else s.anchor
            by_day.setdefault(max(on, c.earliest_notice(since, second, s.anchor)), []).append(p)
        known = record.facts.lookup(on)
        for start, who in sorted(by_day.items()):
            effect = c.takes_effect(start, known)
            if st.ends is not None and effect >= st.ends:
                continue  # it ends earlier in any case (a notice already given, the last term)
            # a party whose own notice is pending is out earlier in any case; one whose notice is held
            # would see a new notice held alike
            who = [
                p
                for p in who
                if not _own_notice_held(record, p, on)
                and ((own := _own_exit(record, p, on)) is None or effect < own)
            ]
            if not who:
                continue
            out.append(
                WithdrawalOption(
                    clause=c.id,
                    article=c.article,
                    who=who,
                    notice_from=start,
                    takes_effect=effect,
                    effect_after=c.effect_words,
                    scope="party" if record.multilateral else "agreement",
                    convention=f"end_of_month={c.eom.value}",
                    later_date=c.later_date,
                )
            )
    return out


def _approvals_on(record: Record, on: _dt.date) -> dict[str, _dt.date]:
    """Approvals that count on ``on``: those of the round of negotiations under way then."""
    rounds = [r for r in record.approval_rounds if r.start is None or r.start <= on]
    current = rounds[-1].approvals if rounds else record.approvals
    return {p: d for p, d in current.items() if d <= on}


def timeline(record: Record, until: _dt.date | None = None, party: str | None = None) -> TimelineResult:
    """Contiguous intervals (stage, and term while in force) from the first event to ``until``.

    ``until`` defaults to the last event; the last interval is open-ended when nothing ends it. With
    ``party``, "in force" means in force for that party: while the agreement is in force but the party is
    not bound, the interval carries the party's stage (not_a_party, deposited, withdrawn) instead.
    """
    check_party(record, party)
    # no events: nothing but "not started" to show, whatever the horizon (the library never reads the clock)
    horizon = until or (record.events[-1].date if record.events else _dt.date.min)
    out: list[Interval] = []
    for span in record.spans:
        if span.start is not None and span.start > horizon:
            break
        last = D.add_days(span.end, -1) if span.end else None
        if span.stage in IN_FORCE and record.schedule is not None and record.schedule.initial is not None:
            out.extend(
                _term_intervals(
                    record, span.start or record.schedule.anchor, last, horizon, span.stage, span.cause
                )
            )
        else:
            out.append(Interval(span.start, last, span.stage, span.stage in IN_FORCE, None, span.cause))
    events = [
        {"date": e.date.isoformat(), "kind": e.kind, "party": e.party, "id": e.id, "note": e.note}
        for e in record.events
        if e.date <= horizon
    ]
    open_end = None
    last_span = record.spans[-1]
    # "after <horizon>: in force, renewing..." only when nothing changes the stage after the horizon
    # (a horizon in 2013 must not announce the entry into force of 2016 as the open end)
    if last_span.stage in IN_FORCE and record.schedule is not None and record.span_on(horizon) is last_span:
        s = record.schedule
        if s.initial is None:
            open_end = "in force for an indefinite period"
        elif s.renewal is not None and s.max_terms is None:
            open_end = f"in force, renewing every {s.renewal} unless a notice stops it"
        elif s.natural_end() is not None and s.natural_end() > horizon:  # type: ignore[operator]
            open_end = f"in force until {D.add_days(s.natural_end(), -1)}"  # type: ignore[arg-type]
    if party is not None:
        out = _party_intervals(record, party, out, horizon)
        if out and not out[-1].in_force and out[-1].stage in PARTY_STAGES:
            open_end = None
    if until is not None and out and out[-1].last_day is not None and out[-1].last_day > until:
        # asked to stop on `until`: the last interval stops there too (what comes after is `open_end`)
        out[-1] = replace(out[-1], last_day=until)
    shown = max((i.term for i in out if i.term is not None), default=0)
    # why: every event shown, and the clauses and conventions behind the state at the horizon
    said = status(record, horizon, party).explanation if record.events else []
    event_steps = [_event_step(record, e.index) for e in record.events if e.date <= horizon]
    # an event the status explains (a notice, its suspension) is shown once: the event, then the rule
    label: dict[tuple[_dt.date | None, str | None], str] = {
        (st.date, st.source): st.what.split(":", 1)[0] for st in event_steps if st.source
    }
    explained = {(st.date, st.source) for st in said if (st.date, st.source) in label}
    why = {(st.date, st.what): st for st in event_steps if (st.date, st.source) not in explained}
    for st in said:
        if (st.date, st.source) in explained:
            st = replace(st, what=f"{label[(st.date, st.source)]}: {st.what}")
        why.setdefault((st.date, st.what), st)
    return TimelineResult(
        record.short_title,
        record.scenario,
        horizon,
        out,
        events,
        list(record.changes),
        open_end,
        party,
        (term_boundary_ambiguities(record, first_terms=min(shown, 100)) if shown else [])
        # a resumed notice whose day of effect, and so an interval's end, hangs on resumed_notice left open
        + [a for n in record.notices if n.resumption_contested for a in notice_ambiguity(n, horizon)],
        sorted(why.values(), key=lambda st: st.date or _dt.date.min),
    )


def _party_intervals(
    record: Record, party: str, intervals: list[Interval], horizon: _dt.date
) -> list[Interval]:
    """Split the in-force intervals where ``party`` joins, withdraws or deposits its instrument (up to
    ``horizon``: what happens later is not shown, as for the agreement itself)."""
    spans = record.party_spans.get(party, [])
    marks = sorted(
        m
        for m in {ps.start for ps in spans}
        | {ps.end for ps in spans if ps.end is not None}
        | {d for d, p, _ in record.deposits if p == party}
        if m <= horizon
    )
    out: list[Interval] = []
    for iv in intervals:
        if not iv.in_force or iv.start is None:
            out.append(iv)
            continue
        cuts = [m for m in marks if iv.start < m and (iv.last_day is None or m <= iv.last_day)]
        starts = [iv.start, *cuts]
        for k, a in enumerate(starts):
            last = D.add_days(starts[k + 1], -1) if k + 1 < len(starts) else iv.last_day
            ps = record.party_span_on(party, a)
            if ps is not None:
                cause = ps.cause if ps.start == a and ps.start > iv.start else iv.cause
                out.append(replace(iv, start=a, last_day=last, cause=cause))
                continue
            stage, since, _, why = party_stage(record, party, a)
            if stage == "deposited":
                why = f"{party}'s instrument deposited {since}; not yet in force for it"
            elif stage == "not_a_party":
                why = f"in force for other parties; {party} has deposited no instrument"
            prev = out[-1] if out else None
            if (
                prev is not None
                and prev.stage == stage
                and prev.last_day is not None
                and D.add_days(prev.last_day, 1) == a  # the agreement renewed: still not bound
            ):
                out[-1] = replace(prev, last_day=last)
                continue
            out.append(Interval(a, last, stage, False, None, why or PARTY_STAGES[stage]))
    if out and intervals and out[-1].stage in PARTY_STAGES and intervals[-1].in_force:
        # the agreement's last term runs past the horizon; the party's being out has no such end
        out[-1] = replace(out[-1], last_day=None)
    return out


#: Most terms one timeline lists (a bound on output and time, see docs/errors.md).
MAX_TIMELINE_TERMS = 10_000


def _term_intervals(
    record: Record, start: _dt.date, last: _dt.date | None, horizon: _dt.date, stage: str, cause: str
) -> list[Interval]:
    s = record.schedule
    assert s is not None
    out: list[Interval] = []
    d = start
    first = True
    while True:
        t = term_on(s, d)
        if t is None:
            break
        t_last = t.last_day
        if last is not None and (t_last is None or t_last > last):
            t_last = last
        why = cause if first else f"renewed: term {t.number} ({record.citations['renewal'].what})"
        if d > horizon:
            break
        if t_last is not None and t_last >= horizon and last is None and t.next_renewal is not None:
            out.append(Interval(d, t_last, stage, True, t.number, why))
            break
        out.append(Interval(d, t_last, stage, True, t.number, why))
        first = False
        if t_last is None or (last is not None and t_last >= last):
            break
        if len(out) >= MAX_TIMELINE_TERMS:
            # a resource bound: daily terms up to 9999 would be millions of lines (and minutes)
            from treatylife.errors import InputError

            raise InputError(
                f"the timeline up to {horizon} has more than {MAX_TIMELINE_TERMS:,} terms",
                field="--to",
                code="TL607",
                hint=f"ask for a nearer date: term {t.number} ends {t_last}",
            )
        d = D.add_days(t_last, 1)
    return out
