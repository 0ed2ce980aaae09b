"""Replay a scenario's events under its rules into a :class:`~treatylife.record.Record`.

Events drive the shared ``transitions`` machine (:mod:`treatylife.engine.lifecycle`); time drives the rest: entry
into force after a delay, a notice taking effect, the last term running out. Time-driven effects wait in a
queue ordered by date and fire before any later event, so the replay is one pass over the events, never a
loop over days or years. Renewals are not simulated at all: the term containing any date is computed
directly from the schedule (:class:`~treatylife.dates.TermSchedule`).
"""

from __future__ import annotations

import datetime as _dt
import heapq
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from treatylife.dates import expr as X
from treatylife.dates import scalar as D
from treatylife.engine.lifecycle import STAGES, allowed_from, machine
from treatylife.errors import AmbiguousDateError, SequenceError, TreatyLifeError
from treatylife.model.record import (
    ApprovalRound,
    Citation,
    DateReading,
    DeadlineClause,
    EventInfo,
    HoldSpan,
    Notice,
    NoticeChange,
    OptionClause,
    PartySpan,
    Record,
    ScenarioFacts,
    Schedule,
    StageSpan,
    WithdrawalClause,
    effect_phrase,
    hold_running,
)
from treatylife.model.rules import (
    AfterKthNotification,
    ExpressionEntry,
    NonRenewalNotice,
    Rules,
    Withdrawal,
)

if TYPE_CHECKING:
    from transitions import EventData

    from treatylife.files.loader import Loaded
    from treatylife.model.scenario import Event

__all__ = ["compile_deadline_clauses", "replay"]

#: VCLT Art. 56: where a treaty is silent, twelve months' notice (a right of withdrawal must be implied).
IMPLIED_WITHDRAWAL = Withdrawal(
    kind="withdrawal",
    id="vclt_art56",
    effect_after=D.Period(12, "months"),
    article="VCLT Art. 56(2)",
    text="A party shall give not less than twelve months' notice of its intention to denounce or withdraw.",
)


def compile_withdrawal(rules: Rules, c: Withdrawal) -> WithdrawalClause:
    """A withdrawal clause with its conventions resolved: the one place that says when a notice may be given
    and when it takes effect (the replay's guards and ``deadline``'s withdrawal options both ask it)."""
    opens = c.notice_from_expr()
    return WithdrawalClause(
        id=c.id,
        effect_after=c.effect_after,
        by=tuple(rules.party_codes() if c.by == "any" else c.by),
        allowed_after=c.allowed_after,
        only_after_initial_term=c.only_after_initial_term,
        eom=rules.conventions.end_of_month,
        article=c.article,
        later_date=c.later_date,
        effect=str(c.effect_expr()),
        notice_from=str(opens) if opens is not None else None,
        holds=tuple(c.holds),
        effect_counting=rules.conventions.effect_counting,
        counting_open="effect_counting" not in rules.conventions.model_fields_set,
    )


def compile_withdrawal_clauses(rules: Rules) -> list[WithdrawalClause]:
    """The withdrawal clauses of the rules, compiled (for ``deadline``'s withdrawal options)."""
    return [compile_withdrawal(rules, c) for c in rules.exits if isinstance(c, Withdrawal)]


def compile_option_clauses(rules: Rules) -> list[OptionClause]:
    """The options to extend, compiled: their exercise deadlines are counted like notices of non-renewal."""
    conv = rules.conventions
    holidays_of = {p.code: p.holidays for p in rules.parties}
    return [
        OptionClause(
            id=o.id,
            notice=o.notice,
            counting=conv.notice_counting,
            eom=conv.end_of_month,
            by=tuple(o.by),
            late="void",
            adjustment=conv.deadline_adjustment,
            working_days_of=conv.working_days_of,
            holidays=holidays_of.get(conv.working_days_of) if conv.working_days_of else None,
            counting_open="notice_counting" in rules.open_conventions(),
            article=o.article,
            text=o.text,
            period=o.period,
            times=o.times,
        )
        for o in rules.options
    ]


def compile_deadline_clauses(rules: Rules) -> list[DeadlineClause]:
    """The non-renewal clauses with their conventions resolved (for queries and the batch engine)."""
    conv = rules.conventions
    holidays_of = {p.code: p.holidays for p in rules.parties}
    out = []
    for c in rules.exits:
        if isinstance(c, NonRenewalNotice):
            out.append(
                DeadlineClause(
                    id=c.id,
                    notice=c.notice,
                    counting=conv.notice_counting,
                    eom=conv.end_of_month,
                    by=tuple(rules.party_codes() if c.by == "any" else c.by),
                    late=c.late,
                    adjustment=conv.deadline_adjustment,
                    working_days_of=conv.working_days_of,
                    holidays=holidays_of.get(conv.working_days_of) if conv.working_days_of else None,
                    counting_open="notice_counting" in rules.open_conventions(),
                    article=c.article,
                    text=c.text,
                )
            )
    return out


class _Replay:
    """The machine's model for one replay. Guards and callbacks named in lifecycle.TRANSITIONS."""

    state: str

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.reason = ""
        self.reason_field = "kind"
        self.now = _dt.date.min
        self.event_index: int | None = None
        self.approvals: dict[str, _dt.date] = {}
        self.approval_rounds: list[ApprovalRound] = [ApprovalRound(None, self.approvals)]
        self.notifications: dict[str, _dt.date] = {}
        self.signed_on: _dt.date | None = None
        self.eif_due: _dt.date | None = None
        self.eif_scheduled = False
        self.eif_trace: list[X.Traced] = []  # how eif_due was computed: every intermediate date
        self.join_traces: dict[str, list[X.Traced]] = {}  # a later party's, by its join's reference
        #: dates of entry into force (party None: the agreement's) that move with an open end_of_month
        self.date_readings: dict[str | None, DateReading] = {}
        self.schedule: Schedule | None = None
        self.notices: dict[str, Notice] = {}
        self.queue: list[tuple[_dt.date, int, str, str]] = []
        self.seq = 0
        self.clauses = {c.id: c for c in compile_deadline_clauses(rules)}
        self.warnings: list[str] = []
        # multilateral bookkeeping
        self.members: dict[str, list[PartySpan]] = {c: [] for c in rules.party_codes()}
        self.deposits: list[tuple[_dt.date, str | None, int]] = []
        self.last_deposit: dict[str, tuple[_dt.date, int | None]] = {}  # party -> (date, event index)
        self.joining: dict[str, _dt.date] = {}  # party -> day it will be bound (scheduled)
        self.other_count = 0
        self.conditions_met: dict[int, _dt.date] = {}
        self.eif_condition_date: _dt.date | None = None  # the day the last condition was met
        # the entry-into-force clause, expanded (each kind's meaning is its plan) and the facts it counts from
        self.plan = rules.entry_into_force.plan(rules)
        self.facts = ScenarioFacts(deposits=self.deposits)
        self.eif_generation = 0  # bumped when a revoked instrument unschedules the entry into force
        self.options = {o.id: o for o in compile_option_clauses(rules)}
        self.exercised: dict[str, list[_dt.date]] = {o: [] for o in self.options}
        self.holds: list[HoldSpan] = []  # every hold so far, in the order they started

    # -- helpers
    def push(self, when: _dt.date, trigger: str, ref: str = "") -> None:
        self.seq += 1
        heapq.heappush(self.queue, (when, self.seq, trigger, ref))

    @staticmethod
    def _event(ev: EventData) -> Event:
        return ev.kwargs["event"]  # type: ignore[no-any-return]

    def _refuse(self, reason: str, field: str = "kind") -> bool:
        """Refuse the event; ``field`` is the one to fix (the error names it)."""
        self.reason, self.reason_field = reason, field
        return False

    # -- guards
    def approval_allowed(self, ev: EventData) -> bool:
        e = self._event(ev)
        if e.party is None:
            return self._refuse("an approval needs `party`", "party")
        if e.party in self.approvals:
            return self._refuse(
                f"{e.party} already approved on {self.approvals[e.party]} in this round of negotiations"
            )
        self.approvals[e.party] = e.date
        return True

    def _bound(self, party: str) -> bool:
        spans = self.members.get(party) or []
        return bool(spans) and spans[-1].end is None

    def notification_allowed(self, ev: EventData) -> bool:
        e = self._event(ev)
        if e.party is None:
            if e.count is None:
                return self._refuse(
                    "a notification needs `party` (or `count`, for states not followed one by one)"
                )
            if self.other_count + e.count > self.rules.other_parties:
                return self._refuse(
                    f"{self.other_count + e.count} instruments from states not followed one by one, but the "
                    f"rules count only other_parties: {self.rules.other_parties}"
                )
            self.other_count += e.count
            self.deposits.append((e.date, None, e.count))
            return True
        if e.count is not None:
            return self._refuse("`count` is only for a notification without `party`", "count")
        if e.party in self.notifications:
            rejoining = (
                self.rules.is_multilateral
                and bool(self.members[e.party])
                and not self._bound(e.party)
                and e.party not in self.joining
            )
            if not rejoining:
                since = self.last_deposit.get(e.party, (self.notifications[e.party], None))[0]
                state = "is bound" if self._bound(e.party) else "deposited"
                return self._refuse(
                    f"{e.party} already notified on {since} and {state}; a party may deposit again only after "
                    "its withdrawal took effect (multilateral agreements)"
                )
        else:
            self.notifications[e.party] = e.date
        self.last_deposit[e.party] = (e.date, self.event_index)
        self.deposits.append((e.date, e.party, 1))
        return True

    def _condition_index(self, e: Event) -> int | None:
        eif = self.rules.entry_into_force
        conds = eif.conditions if isinstance(eif, (AfterKthNotification, ExpressionEntry)) else []
        if not conds:
            self._refuse("the entry-into-force clause lists no `conditions` to meet")
            return None
        if e.condition is None:
            if len(conds) == 1:
                return 1
            self._refuse(
                f"the clause has {len(conds)} conditions; name one with `condition:` (1..{len(conds)})"
            )
            return None
        if e.condition.isdigit() and 1 <= int(e.condition) <= len(conds):
            return int(e.condition)
        if e.condition in conds:
            return conds.index(e.condition) + 1
        self._refuse(f"condition {e.condition!r} is not one of the clause's conditions (1..{len(conds)})")
        return None

    def condition_allowed(self, ev: EventData) -> bool:
        e = self._event(ev)
        i = self._condition_index(e)
        if i is None:
            return False
        if i in self.conditions_met:
            return self._refuse(f"condition {i} was already met on {self.conditions_met[i]}")
        self.conditions_met[i] = e.date
        self.facts.conditions[str(i)] = e.date
        return True

    def _exit_clause(self, e: Event) -> NonRenewalNotice | Withdrawal | None:
        exits = list(self.rules.exits)
        if not exits:
            return IMPLIED_WITHDRAWAL
        if e.clause is not None:
            c = self.rules.exit(e.clause)
            if c is None:
                self._refuse(
                    f"no exit clause {e.clause!r} in the rules; clauses: {', '.join(x.id for x in exits)}"
                )
            return c
        if len(exits) > 1:
            self._refuse("the rules have several exit clauses; name one with `clause:`")
            return None
        return exits[0]

    def notice_allowed(self, ev: EventData) -> bool:
        e = self._event(ev)
        if e.party is None:
            return self._refuse("a notice needs `party` (the party that gives it)", "party")
        clause = self._exit_clause(e)
        if clause is None:
            return False
        if clause.by != "any" and e.party not in clause.by:
            return self._refuse(f"clause {clause.id!r} lets only {', '.join(clause.by)} give notice", "party")
        nid = e.id or f"{e.party}-{e.date.isoformat()}"
        if nid in self.notices:
            return self._refuse(f"a notice {nid!r} was already given", "id")
        assert self.schedule is not None
        if not self._bound(e.party):
            why = (
                f"its instrument takes effect on {self.joining[e.party]}"
                if e.party in self.joining
                else "it has withdrawn"
                if self.members[e.party]
                else "it has not become a party"
            )
            return self._refuse(
                f"{e.party} gives notice on {e.date} but the agreement is not in force for {e.party} ({why}): "
                "a party can withdraw only from an agreement in force for it",
                "date" if e.party in self.joining else "party",
            )
        wc = compile_withdrawal(self.rules, clause) if isinstance(clause, Withdrawal) else None
        if wc is not None:
            if wc.notice_from is not None:
                since = self.members[e.party][-1].start
                earliest = wc.earliest_notice(since, None, self.schedule.anchor)
                if e.date < earliest:
                    if (
                        wc.allowed_after is not None
                        and isinstance(clause, Withdrawal)
                        and clause.notice_from is None
                    ):
                        return self._refuse(
                            f"clause {clause.id!r} allows notice only after {wc.allowed_after} in force "
                            f"(in force for {e.party} since {since}: from {earliest})",
                            "date",
                        )
                    return self._refuse(
                        f"clause {clause.id!r} allows notice only from {earliest} ({wc.notice_from}; the agreement "
                        f"in force since {self.schedule.anchor}, for {e.party} since {since})",
                        "date",
                    )
            ts = self.schedule.terms()
            if wc.only_after_initial_term and ts is not None and e.date < ts.start(2):
                return self._refuse(
                    f"clause {clause.id!r} allows notice only after the initial term ({ts.start(2)})", "date"
                )
        if e.effective is not None:
            if wc is None or not wc.later_date:
                return self._refuse(
                    f"clause {clause.id!r} does not let a notice name its own date of effect "
                    "(a withdrawal clause with `later_date: true` does)",
                    "effective",
                )
            earliest = wc.takes_effect(e.date, self.notice_lookup(e.party))
            if e.effective < earliest:
                return self._refuse(
                    f"a notice received {e.date} takes effect {effect_phrase(wc.effect_words, earliest)} at the "
                    f"earliest; it may name a later date, not {e.effective}",
                    "effective",
                )
        return True

    def _find_notice(self, e: Event, statuses: tuple[str, ...]) -> Notice | None:
        if e.notice is not None:
            n = self.notices.get(e.notice)
            if n is None:
                known = ", ".join(self.notices) or "none"
                self._refuse(f"no notice {e.notice!r} was given before {e.date} (notices: {known})")
                return None
            candidates = [n]
        else:
            candidates = [n for n in self.notices.values() if (e.party is None or n.party == e.party)]
        live = [n for n in candidates if n.history and n.history[-1].status in statuses]
        if not live:
            if candidates:
                last = candidates[-1].history[-1]
                self._refuse(
                    f"notice {candidates[-1].id!r} is {last.status} (since {last.date}), not "
                    + " or ".join(statuses)
                )
            else:
                self._refuse(f"no notice was given before {e.date} to act on")
            return None
        return live[-1]

    def notice_pending(self, ev: EventData) -> bool:
        return self._find_notice(self._event(ev), ("pending", "late")) is not None

    def notice_revocable(self, ev: EventData) -> bool:
        return self._find_notice(self._event(ev), ("pending", "late", "suspended")) is not None

    def extension_allowed(self, ev: EventData) -> bool:
        e = self._event(ev)
        ren = self.rules.renewal
        if ren.kind != "by_agreement":
            return self._refuse("the rules have no extension by agreement (renewal.kind: by_agreement)")
        if e.period is None:
            return self._refuse("an extension needs `period`, e.g. period: 5 years")
        if ren.max_extension is not None and _longer(e.period, ren.max_extension):
            return self._refuse(
                f"extension of {e.period} exceeds the clause's maximum of {ren.max_extension}"
            )
        assert self.schedule is not None
        if self.schedule.natural_end() is None:
            return self._refuse("the agreement has no end to extend")
        if ren.max_extensions is not None and len(self.schedule.extensions) >= ren.max_extensions:
            return self._refuse(
                f"the clause allows {ren.max_extensions} extension(s); already extended on "
                + ", ".join(str(x[0]) for x in self.schedule.extensions)
            )
        return True

    # -- callbacks
    def eif_lookup(self) -> X.Lookup:
        """What the entry-into-force expression's anchors are, as met so far."""
        return self.facts.lookup()

    def check_entry_into_force(self, ev: EventData | None) -> None:
        """Evaluate the clause's expression (its kind expanded): due once every event it counts from happened."""
        if self.signed_on is None:
            return
        self.facts.signed_on = self.signed_on
        lookup = self.eif_lookup()
        due = X.evaluate(self.plan.date, lookup, self.rules.conventions.end_of_month)
        if due is not None and self.eif_condition_date is None:
            met = self.plan.conditions
            # events arrive in date order: the last condition is met today at the latest
            self.eif_condition_date = (X.evaluate(met, lookup) if met is not None else None) or self.now
        if due is not None and not self.eif_scheduled:
            self.eif_due = due
            self.eif_trace = []  # the dates it was computed from, for --explain (evaluated again, once)
            X.evaluate(self.plan.date, lookup, self.rules.conventions.end_of_month, self.eif_trace)
            self.note_readings(None, self.plan.date, lookup, due)

    def on_entry_into_force(self, ev: EventData) -> None:
        r = self.rules
        initial = None if r.term.initial == "indefinite" else r.term.initial
        ren = r.renewal
        max_terms: int | None
        if initial is None or ren.kind != "automatic":
            max_terms = 1
        else:
            max_terms = None if ren.max_renewals is None else 1 + ren.max_renewals
        self.schedule = Schedule(
            anchor=self.now,
            initial=initial,
            renewal=ren.period if ren.kind == "automatic" else None,
            renewal_kind=ren.kind,
            max_terms=max_terms,
            eom=r.conventions.end_of_month,
            article=r.term.article,
        )
        try:
            end = self.schedule.natural_end()
        except AmbiguousDateError as exc:
            exc.hint = exc.hint or "set conventions.end_of_month"
            raise
        if end is not None:
            self.push(end, "expire")
        # who is bound from today
        cause = "entry into force of the agreement"
        if self.plan.per_party:
            assert self.eif_condition_date is not None
            original_until = (
                self.now if self.plan.later_from == "entry_into_force" else self.eif_condition_date
            )
            for party, (d, idx) in self.last_deposit.items():
                if d <= original_until:
                    self.members[party].append(PartySpan(party, self.now, None, cause, event=idx))
                elif party not in self.joining:
                    self.schedule_join(party, d, idx)
        else:
            for party in r.party_codes():
                self.members[party].append(PartySpan(party, self.now, None, cause))

    def note_readings(self, party: str | None, e: X.Expr, lookup: X.Lookup, used: _dt.date) -> None:
        """Keep both end-of-month readings of an entry into force when the file leaves the convention open
        and they disagree (a period ending on a day its month lacks), for the warning of status and check."""
        self.date_readings.pop(party, None)
        if "end_of_month" not in self.rules.open_conventions():
            return
        found: dict[str, _dt.date] = {}
        for eom in (D.EndOfMonth.ROUND_DOWN, D.EndOfMonth.ROUND_UP):
            d = X.evaluate(e, lookup, eom)
            if d is not None and party is not None and self.eif_due is not None:
                d = max(d, self.eif_due)
            if d is not None:
                found[f"end_of_month={eom.value}"] = d
        if len(set(found.values())) > 1:
            self.date_readings[party] = DateReading(
                party, str(e), used, found, f"end_of_month={self.rules.conventions.end_of_month.value}"
            )

    def later_expr(self) -> X.Expr:
        """When a later party (or one rejoining) is bound: the plan's own-deposit expression."""
        if self.plan.later is not None:
            return self.plan.later
        return X.After(D.parse_period(self.plan.later_words or "0 days"), X.Anchor("own deposit"))

    def later_words(self, again: str, deposited: str) -> str:
        if self.plan.later_words is not None:
            return f"bound{again} {self.plan.later_words} after its own instrument deposited {deposited}"
        return f"bound{again} on {self.later_expr()} (its own instrument deposited {deposited})"

    def schedule_join(self, party: str, deposited: _dt.date, index: int | None) -> None:
        """A party deposits after the entry-into-force conditions were met (or rejoins after withdrawing)."""
        base = self.facts.lookup()

        def lookup(a: X.Anchor) -> _dt.date | None:
            return deposited if a.name == "own deposit" else base(a)

        trace: list[X.Traced] = []  # the dates it was computed from, for --explain
        when = X.evaluate(self.later_expr(), lookup, self.rules.conventions.end_of_month, trace)
        assert when is not None, "a later party's expression counts from its own deposit"
        if self.eif_due is not None and when < self.eif_due:
            when = self.eif_due
        self.note_readings(party, self.later_expr(), lookup, when)
        self.joining[party] = when
        ref = f"{party}|{deposited.isoformat()}|{'' if index is None else index}"
        self.join_traces[ref] = trace
        self.push(when, "join", ref)

    def after_deposit(self, e: Event, index: int) -> None:
        """Called after a `notified` event: is it a later party (or a party rejoining)?"""
        if e.party is None or self._bound(e.party) or e.party in self.joining:
            return
        from_eif = self.plan.per_party and self.plan.later_from == "entry_into_force"
        if self.state in ("in_force", "operation_suspended"):
            if from_eif and self.schedule is not None and e.date == self.schedule.anchor:
                # deposited on the day of entry into force: not "subsequent to" it, an original party
                self.members[e.party].append(
                    PartySpan(e.party, e.date, None, "entry into force of the agreement", event=index)
                )
                return
            self.schedule_join(e.party, e.date, index)
        elif not from_eif and self.eif_condition_date is not None and e.date > self.eif_condition_date:
            self.schedule_join(e.party, e.date, index)

    def join(self, when: _dt.date, ref: str) -> None:
        party, deposited, idx = ref.split("|")
        self.joining.pop(party, None)
        again = " again" if self.members[party] else ""
        self.members[party].append(
            PartySpan(
                party,
                when,
                None,
                self.later_words(again, deposited),
                event=int(idx) if idx else None,
                trace=self.join_traces.pop(ref, []),
            )
        )

    def leave(self, party: str, when: _dt.date, cause: str, index: int | None) -> None:
        spans = self.members.get(party) or []
        if spans and spans[-1].end is None:
            spans[-1].end, spans[-1].end_cause, spans[-1].end_event = when, cause, index

    def on_notice(self, ev: EventData) -> None:
        e = self._event(ev)
        clause = self._exit_clause(e)
        assert clause is not None and self.schedule is not None and e.party is not None
        nid = e.id or f"{e.party}-{e.date.isoformat()}"
        sched = self.schedule
        ts = sched.terms()
        notice = Notice(
            id=nid,
            party=e.party,
            clause=clause.id,
            clause_kind=clause.kind,
            received=e.date,
            event=self.event_index or 0,
            term=ts.index_on(e.date) if ts else None,
            deadline=None,
            timely=None,
            effect=None,
            rule="",
            article=clause.article,
            scope="party" if self.rules.is_multilateral else "agreement",
        )
        if isinstance(clause, NonRenewalNotice):
            dc = self.clauses[clause.id]
            assert ts is not None and notice.term is not None
            nr = non_renewal_effect(dc, ts, e.date)
            assert nr is not None
            notice.deadline, notice.timely, notice.effect = nr.deadline, nr.timely, nr.effect
            notice.rule, notice.late_rule = nr.rule, nr.late_rule
            notice.alternative = _notice_readings(self.rules, sched, dc, clause.late, nid, e.date)
            status = "pending" if notice.effect else "void"
        else:
            wc = compile_withdrawal(self.rules, clause)
            notice.effect = wc.takes_effect(e.date, self.notice_lookup(e.party))
            notice.counted_from_receipt = e.effective is None or e.effective <= notice.effect
            notice.deadline = None
            notice.timely = True
            notice.rule = (
                f"withdrawal takes effect {clause.effect_after} after receipt ({e.date}): "
                f"no longer bound on {notice.effect}"
                if clause.effect is None
                else f"withdrawal takes effect on {clause.effect} (received {e.date}): no longer bound on "
                f"{notice.effect}"
                + (
                    " as known on receipt (earlier if the event it names comes first)"
                    if _has_pending_event(clause.effect_expr(), self.facts)
                    else ""
                )
            )
            if e.effective is not None and e.effective > notice.effect:
                notice.rule = (
                    f"withdrawal takes effect on {e.effective}, the later date the notification names (the "
                    f"clause allows it; "
                    + (
                        f"{clause.effect_after} after receipt ({e.date})"
                        if clause.effect is None
                        else f"{clause.effect} (received {e.date})"
                    )
                    + f" would be {notice.effect})"
                )
                notice.effect = e.effective
            if (
                e.effective is None  # a date the notification names is not counted
                and clause.effect_after is not None
                and "end_of_month" in self.rules.open_conventions()
                and D.is_ambiguous(e.date, clause.effect_after)
            ):
                r = D.readings(e.date, clause.effect_after)
                notice.alternative = {
                    "question": f"when does notice {nid} received {e.date} take effect ({clause.effect_after} after)?",
                    "convention": "end_of_month",
                    "readings": {
                        f"end_of_month={k.value}": f"no longer bound from {v}" for k, v in r.items()
                    },
                    "used": f"end_of_month={sched.eom.value} (default; the rules file leaves it open)",
                }
            if clause is IMPLIED_WITHDRAWAL:
                notice.caveats.append(
                    "the rules have no exit clause: VCLT Art. 56 applies only if a right of withdrawal is implied"
                )
                if self.rules.term.initial != "indefinite":
                    notice.caveats.append(
                        "VCLT Art. 56 covers a treaty with no provision on its termination; this one has a "
                        f"fixed term ({self.rules.term.initial}), which is arguably such a provision"
                    )
            status = "pending"
        if notice.scope == "party" and notice.effect is not None:
            notice.rule += f" (it ends {e.party}'s participation, not the agreement)"
        notice.history.append(NoticeChange(e.date, status, notice.rule, self.event_index, e.claim))
        self.notices[nid] = notice
        if notice.effect is not None:
            self.push(notice.effect, "terminate", nid)

    def notice_lookup(self, party: str | None) -> X.Lookup:
        """Anchors a withdrawal clause counts from: the entry into force (the agreement's, the party's), the
        scenario's events."""
        base = self.facts.lookup()

        def find(a: X.Anchor) -> _dt.date | None:
            if a.name == "entry into force":
                return self.schedule.anchor if self.schedule is not None else None
            if a.name == "entry into force for the party":
                spans = self.members.get(party or "") or []
                return spans[-1].start if spans else None
            if a.name == "own deposit":
                return self.last_deposit.get(party or "", (None, None))[0]
            return base(a)

        return find

    def _withdrawal_clause(self, n: Notice) -> Withdrawal | None:
        c = IMPLIED_WITHDRAWAL if n.clause == IMPLIED_WITHDRAWAL.id else self.rules.exit(n.clause)
        return c if isinstance(c, Withdrawal) else None

    def move_effect(
        self, n: Notice, when: _dt.date, new: _dt.date | None, status: str, cause: str, index: int | None
    ) -> None:
        """A later event moves a pending notice's effect: recorded as a change, so an answer on an earlier date
        still sees the day known then."""
        if not n.history[0].sets_effect:
            n.history[0] = replace(n.history[0], sets_effect=True, effect=n.effect)
        n.history.append(NoticeChange(when, status, cause, index, None, new, True))
        n.effect = new
        if new is not None and status == "pending":
            self.push(new, "terminate", n.id)

    def held(self, n: Notice, when: _dt.date) -> bool:
        """At the end of its period, does a hold of the clause (armed conflict) keep the notice back?"""
        c = self._withdrawal_clause(n)
        h = hold_running(self.holds, n.party, c.holds if c is not None else [], when)
        if h is None:
            return False
        self.move_effect(
            n,
            when,
            None,
            "held",
            f"at the end of its period ({when}) the {h.hold.replace('_', ' ')} of {n.party} (since {h.start}) has not ended: "
            f"the withdrawal does not take effect before it ends",
            None,
        )
        return True

    def _open_hold(self, party: str, hold: str) -> int | None:
        """Index in ``holds`` of the hold of ``party`` that has started and not ended."""
        return next(
            (i for i, h in enumerate(self.holds) if h.party == party and h.hold == hold and h.end is None),
            None,
        )

    def hold_allowed(self, ev: EventData) -> bool:
        e = self._event(ev)
        if e.party is None or e.hold is None:
            return self._refuse(
                "a hold needs `party` and `hold` (e.g. hold: armed_conflict)", "hold" if e.party else "party"
            )
        names = {h for c in self.rules.exits if isinstance(c, Withdrawal) for h in c.holds}
        if e.hold not in names:
            return self._refuse(
                f"no withdrawal clause lists the hold {e.hold!r} (holds: {', '.join(sorted(names)) or 'none'})",
                "hold",
            )
        i = self._open_hold(e.party, e.hold)
        if e.kind.value == "hold_started":
            if i is not None:
                return self._refuse(
                    f"{e.hold} for {e.party} already started on {self.holds[i].start}", "kind"
                )
            self.holds.append(HoldSpan(e.party, e.hold, e.date, None, self.event_index))
        elif i is None:
            return self._refuse(f"{e.hold} for {e.party} has not started", "kind")
        return True

    def on_hold_ended(self, ev: EventData) -> None:
        e = self._event(ev)
        assert e.party is not None and e.hold is not None
        i = self._open_hold(e.party, e.hold)
        assert i is not None
        started = self.holds[i].start
        self.holds[i] = replace(self.holds[i], end=e.date)
        for n in self.notices.values():
            if n.party == e.party and n.history[-1].status == "held":
                c = self._withdrawal_clause(n)
                if c is not None and hold_running(self.holds, e.party, c.holds, e.date) is None:
                    self.move_effect(
                        n,
                        e.date,
                        e.date,
                        "pending",
                        f"{e.hold.replace('_', ' ')} ({started} .. {e.date}) ended: the withdrawal takes effect on {e.date}",
                        self.event_index,
                    )

    def notice_extensible(self, ev: EventData) -> bool:
        e = self._event(ev)
        n = self._find_notice(e, ("pending",))
        if n is None:
            return False
        if n.clause_kind != "withdrawal":
            return self._refuse(
                f"notice {n.id!r} is a notice of non-renewal: its effect is the end of a term; extend the term "
                "instead (`extended`)",
                "notice",
            )
        if (e.period is None) == (e.effective is None):
            return self._refuse(
                "give the extension as `period` (e.g. 3 months) or `effective` (the new day)", "period"
            )
        assert n.effect is not None
        new = (
            D.add_period(n.effect, e.period, 1, self.rules.conventions.end_of_month)
            if e.period
            else e.effective
        )
        assert new is not None
        if new <= n.effect:
            return self._refuse(
                f"notice {n.id!r} takes effect {n.effect}; an extension must move it later, not to {new}",
                "effective",
            )
        return True

    def on_notice_extended(self, ev: EventData) -> None:
        e = self._event(ev)
        n = self._find_notice(e, ("pending",))
        assert n is not None and n.effect is not None
        old = n.effect
        new = D.add_period(old, e.period, 1, self.rules.conventions.end_of_month) if e.period else e.effective
        how = f"by {e.period}" if e.period else f"to {new}"
        self.move_effect(
            n,
            e.date,
            new,
            "pending",
            f"period extended {how} by agreement on {e.date}: takes effect {new} (was {old})",
            self.event_index,
        )

    def notice_resumable(self, ev: EventData) -> bool:
        return self._find_notice(self._event(ev), ("suspended",)) is not None

    def on_notice_resumed(self, ev: EventData) -> None:
        """Remaining period or a fresh one: both computed; the rules' convention (or, left open, the default,
        flagged as contested) decides which the replay follows.

        A withdrawal afresh runs its whole period again from the resumption; a notice of non-renewal afresh
        is a notice received on the day of the resumption (timely for the next renewal, or late under the
        clause's ``late:``). The remaining period is the days that were left at the suspension, for either:
        a non-renewal notice resumed so ends the agreement mid-term, as a withdrawal does (Korea's 2019
        claim that the agreement "can be terminated at any time")."""
        e = self._event(ev)
        n = self._find_notice(e, ("suspended",))
        assert n is not None and n.effect is not None and self.schedule is not None
        suspended = next(c.date for c in reversed(n.history) if c.status == "suspended")
        left = max(0, D.days_between(suspended, n.effect))
        remaining = D.add_days(e.date, left)
        days = f"{left} day{'' if left == 1 else 's'}"
        out = (
            "no longer bound" if n.clause_kind == "withdrawal" or n.scope == "party" else "no longer in force"
        )
        fresh: _dt.date | None
        if n.clause_kind == "withdrawal":
            c = self._withdrawal_clause(n)
            assert c is not None
            fresh = compile_withdrawal(self.rules, c).takes_effect(e.date, self.notice_lookup(n.party))
            fresh_text = f"the whole period runs again from {e.date}: {out} from {fresh}"
        else:
            ts = self.schedule.terms()
            nr = non_renewal_effect(self.clauses[n.clause], ts, e.date) if ts is not None else None
            fresh = nr.effect if nr is not None else None
            fresh_text = _fresh_text(nr, e.date, out)
        texts = {
            "resumed_notice=remaining_period": f"the {days} left at the suspension ({suspended}) "
            f"{'runs' if left == 1 else 'run'} from {e.date}: {out} from {remaining}",
            "resumed_notice=fresh_period": fresh_text,
        }
        effects = {
            "resumed_notice=remaining_period": remaining.isoformat(),
            "resumed_notice=fresh_period": fresh.isoformat() if fresh else None,
        }
        conv = self.rules.conventions
        chosen = remaining if conv.resumed_notice == "remaining_period" else fresh
        key = f"resumed_notice={conv.resumed_notice}"
        readings = dict(texts)
        if n.clause_kind != "withdrawal":  # a fresh notice is counted: under each counting left open too
            fresh_key, combos = self._fresh_readings(n, e.date, fresh, out)
            if combos:  # the fresh reading above is under the counting used: say which
                readings[fresh_key] = readings.pop("resumed_notice=fresh_period")
                effects[fresh_key] = effects.pop("resumed_notice=fresh_period")
            for key_, text_, effect_ in combos:
                readings[key_], effects[key_] = text_, effect_
        if "resumed_notice" not in conv.model_fields_set and len(set(effects.values())) > 1:
            n.alternative = {
                "question": f"notice {n.id} resumed on {e.date}: does the remaining period or a fresh period run? "
                "(contested in state practice)",
                "readings": readings,
                "used": f"{key} (default; the rules file leaves it open)",
                "since": e.date.isoformat(),
                # what was open before the resumption (a counting reading) stays the answer up to it
                "earlier": n.alternative,
                # the first day of effect under each reading (None: without effect), to tell when a later
                # withdrawal settles the question (withdrawn before either reading took effect)
                "effects": effects,
            }
        self.move_effect(
            n,
            e.date,
            chosen,
            "pending" if chosen is not None else "void",
            f"resumed on {e.date}: {texts[key]}",
            self.event_index,
        )

    def _fresh_readings(
        self, n: Any, on: _dt.date, fresh: _dt.date | None, out_word: str
    ) -> tuple[str, list[tuple[str, str, str | None]]]:
        """A resumed notice of non-renewal counted afresh under each reading of ``notice_counting`` and
        ``end_of_month`` the rules leave open, where it takes effect on another day than under the reading
        used (``fresh``): the name of the reading used, and (reading, text, first day of effect) of each
        other. Its timeliness is counted, so a fresh notice received on the disputed day is timely under one
        counting and late under the other. (The remaining period is not re-counted under them.)"""
        open_ = [c for c in self.rules.open_conventions() if c in ("notice_counting", "end_of_month")]
        dc = self.clauses[n.clause]
        assert self.schedule is not None
        countings = [dc.counting, *(c for c in D.NoticeCounting if c is not dc.counting)]
        eoms = [dc.eom, *(m for m in (D.EndOfMonth.ROUND_DOWN, D.EndOfMonth.ROUND_UP) if m is not dc.eom)]
        found = []
        for eom in eoms if "end_of_month" in open_ and dc.eom is not D.EndOfMonth.ABORT else [dc.eom]:
            ts = replace(self.schedule, eom=eom).terms()
            for counting in countings if "notice_counting" in open_ else [dc.counting]:
                if (counting is dc.counting and eom is dc.eom) or ts is None:
                    continue
                nr = non_renewal_effect(replace(dc, counting=counting, eom=eom), ts, on)
                effect = nr.effect if nr is not None else None
                if effect == fresh:
                    continue
                values = {"notice_counting": counting.value, "end_of_month": eom.value}
                key = ", ".join(["resumed_notice=fresh_period", *(f"{c}={values[c]}" for c in open_)])
                found.append((key, _fresh_text(nr, on, out_word), effect.isoformat() if effect else None))
        used = {"notice_counting": dc.counting.value, "end_of_month": dc.eom.value}
        return ", ".join(["resumed_notice=fresh_period", *(f"{c}={used[c]}" for c in open_)]), found

    def option_allowed(self, ev: EventData) -> bool:
        e = self._event(ev)
        if not self.options:
            return self._refuse("the rules have no option to extend (rules: options)")
        if e.clause is None and len(self.options) > 1:
            return self._refuse("the rules have several options; name one with `clause:`", "clause")
        oid = e.clause or next(iter(self.options))
        o = self.options.get(oid)
        if o is None:
            return self._refuse(
                f"no option {oid!r} in the rules; options: {', '.join(self.options)}", "clause"
            )
        if e.party is None or e.party not in o.by:
            return self._refuse(f"option {o.id!r} may be exercised only by {', '.join(o.by)}", "party")
        if len(self.exercised[o.id]) >= o.times:
            return self._refuse(
                f"option {o.id!r} may be exercised {o.times} time(s); already on "
                + ", ".join(str(d) for d in self.exercised[o.id])
            )
        assert self.schedule is not None
        end = self.schedule.natural_end()
        if end is None:
            return self._refuse("the agreement has no end to extend")
        dl = o.deadline(end)
        if e.date > dl:
            return self._refuse(
                f"option {o.id!r} had to be exercised by {dl} (notice at least {o.notice} before the term ends "
                f"on {D.add_days(end, -1)}); received {e.date}: too late",
                "date",
            )
        return True

    def on_option_exercised(self, ev: EventData) -> None:
        e = self._event(ev)
        o = self.options[e.clause or next(iter(self.options))]
        self.exercised[o.id].append(e.date)
        self.facts.exercises.append((e.date, o.id))
        self.extend_term(e.date, o.period)

    def revocation_allowed(self, ev: EventData) -> bool:
        e = self._event(ev)
        if e.party is None:
            return self._refuse("an instrument withdrawn needs `party`", "party")
        if not any(p == e.party for _, p, _ in self.facts.standing()):
            return self._refuse(f"{e.party} has no instrument deposited to withdraw", "party")
        if self._bound(e.party):
            return self._refuse(
                f"{e.party}'s instrument has taken effect (bound since {self.members[e.party][-1].start}): it can "
                "leave only under an exit clause (notice_given)",
                "kind",
            )
        return True

    def on_revocation(self, ev: EventData) -> None:
        """An instrument withdrawn before it took effect no longer counts (VCLT Art. 68 by analogy)."""
        e = self._event(ev)
        assert e.party is not None
        self.facts.revocations.append((e.date, e.party))
        if not any(p == e.party for _, p, _ in self.facts.standing()):
            self.notifications.pop(e.party, None)
            self.last_deposit.pop(e.party, None)
        self.joining.pop(e.party, None)
        if self.state == "signed" and self.eif_due is not None:
            before = self.eif_due
            self.eif_due, self.eif_scheduled, self.eif_condition_date = None, False, None
            self.eif_generation += 1
            self.check_entry_into_force(None)
            if self.eif_due != before:
                self.warnings.append(
                    f"{e.party} withdrew its instrument on {e.date}: the entry into force due {before} "
                    + (f"moves to {self.eif_due}" if self.eif_due else "no longer follows")
                )

    def event_happened(self, e: Event, index: int) -> None:
        """An event with an id that a clause counts from ("earlier of ... and event successor"): pending notices
        whose effect depends on it are counted again (cut short when it comes first)."""
        for n in self.notices.values():
            if n.history[-1].status != "pending" or n.effect is None or n.received > e.date:
                continue
            c = self._withdrawal_clause(n)
            if c is None or not any(a.name == "event" and a.arg == e.id for a in X.anchors(c.effect_expr())):
                continue
            new = compile_withdrawal(self.rules, c).takes_effect(n.received, self.notice_lookup(n.party))
            new = max(new, e.date)
            if new < n.effect:
                self.move_effect(
                    n,
                    e.date,
                    new,
                    "pending",
                    f"{e.kind.value} {e.id} on {e.date}: takes effect {new} (was {n.effect})",
                    index,
                )

    def on_notice_suspended(self, ev: EventData) -> None:
        e = self._event(ev)
        n = self._find_notice(e, ("pending", "late"))
        assert n is not None
        n.history.append(
            NoticeChange(e.date, "suspended", e.note or "effect suspended", self.event_index, e.claim)
        )

    def on_notice_withdrawn(self, ev: EventData) -> None:
        e = self._event(ev)
        n = self._find_notice(e, ("pending", "late", "suspended"))
        assert n is not None
        n.history.append(
            NoticeChange(
                e.date,
                "withdrawn",
                e.note or "withdrawn before it took effect (VCLT Art. 68)",
                self.event_index,
                e.claim,
            )
        )

    def on_extension(self, ev: EventData) -> None:
        e = self._event(ev)
        assert e.period is not None
        self.extend_term(e.date, e.period)

    def extend_term(self, agreed: _dt.date, period: D.Period) -> None:
        """The term as it stands runs ``period`` longer (an extension by agreement, an option exercised)."""
        assert self.schedule is not None
        end = self.schedule.natural_end()
        assert end is not None
        new_end = D.add_period(end, period, 1, self.schedule.eom)
        self.schedule = Schedule(
            **{
                **self.schedule.__dict__,
                "extensions": (*self.schedule.extensions, (agreed, D.add_days(new_end, -1))),
            }
        )
        self.push(new_end, "expire")


@dataclass(frozen=True)
class NonRenewalEffect:
    """What a notice of non-renewal received on a day does: its deadline, whether it met it, the first day no
    longer in force (None: without effect) and the rule in words."""

    term: int
    deadline: _dt.date
    timely: bool
    effect: _dt.date | None
    rule: str
    late_rule: str | None


def _fresh_text(nr: NonRenewalEffect | None, on: _dt.date, out: str) -> str:
    """A resumed notice of non-renewal counted afresh, in words (under any counting)."""
    if nr is None:
        what = "outside every term, without effect"
    else:
        what = f"{nr.rule}: {out} from {nr.effect}" if nr.effect is not None else nr.rule
    return f"counted as a notice of non-renewal received on {on}: {what}"


def non_renewal_effect(dc: DeadlineClause, ts: D.TermSchedule, received: _dt.date) -> NonRenewalEffect | None:
    """A notice of non-renewal received on ``received``: the one place that turns the clause's deadline
    (:meth:`DeadlineClause.deadline`) and the term it stops (:meth:`DeadlineClause.term_stopped`) into an
    effect, for a notice given and for a resumed notice counted afresh. None outside every term."""
    k = ts.index_on(received)
    if k is None:
        return None
    next_start = ts.start(k + 1)
    deadline = dc.deadline(next_start)
    head = f"received {received}"
    if received <= deadline:
        rule = (
            f"{head} <= deadline {deadline} ({dc.notice} before the end of term {k}, {dc.counting.value}): "
            f"term {k} ends {ts.last_day(k)} and is not renewed"
        )
        if ts.max_terms is not None and k >= ts.max_terms:
            rule += " (it was the last term in any case)"
        return NonRenewalEffect(k, deadline, True, next_start, rule, None)
    late = f"{head} after the deadline {deadline} for term {k} ({dc.notice}, {dc.counting.value}): late"
    if dc.late == "next_term" and (j := dc.term_stopped(ts, received)) is not None:
        # one rule with `deadline`: the first later renewal whose deadline it still meets
        which = (
            "the following renewal"
            if j == k + 1
            else f"the first renewal it is still in time for (deadline {dc.deadline(ts.start(j + 1))})"
        )
        rule = f"{late}; under late: next_term it prevents {which}, so term {j} ends {ts.last_day(j)}"
        return NonRenewalEffect(k, deadline, False, ts.start(j + 1), rule, "next_term")
    if dc.late == "void":
        return NonRenewalEffect(
            k, deadline, False, None, f"{late} and, under late: void, without effect", "void"
        )
    rule = f"{late}, and term {k} is the last term in any case"
    return NonRenewalEffect(k, deadline, False, None, rule, "next_term")


def _notice_readings(
    rules: Rules, sched: Schedule, dc: DeadlineClause, late: str, nid: str, received: _dt.date
) -> dict[str, Any] | None:
    """A notice of non-renewal under every reading of the conventions the rules file leaves open.

    None when nothing is open or every reading gives the same answer (timely or not, and the first day
    no longer in force); otherwise the readings, for an ambiguity warning.
    """
    open_ = [c for c in rules.open_conventions() if c in ("notice_counting", "end_of_month")]
    countings = [dc.counting]
    if "notice_counting" in open_:
        countings += [c for c in D.NoticeCounting if c is not dc.counting]
    eoms = [dc.eom]
    if "end_of_month" in open_ and dc.eom is not D.EndOfMonth.ABORT:
        eoms += [m for m in (D.EndOfMonth.ROUND_DOWN, D.EndOfMonth.ROUND_UP) if m is not dc.eom]
    if len(countings) * len(eoms) == 1:
        return None
    answers: dict[str, tuple[bool, _dt.date | None] | None] = {}
    texts: dict[str, str] = {}
    used = ""
    for eom in eoms:
        ts = replace(sched, eom=eom).terms()
        assert ts is not None
        k = ts.index_on(received)
        for counting in countings:
            values = {"notice_counting": counting.value, "end_of_month": eom.value}
            key = ", ".join(f"{name}={values[name]}" for name in open_)
            if counting is dc.counting and eom is dc.eom:
                used = key
            if k is None:
                answers[key], texts[key] = None, "received outside every term"
                continue
            reading = replace(dc, counting=counting, eom=eom, late=late)
            dl = reading.deadline(ts.start(k + 1))
            timely = received <= dl
            j = reading.term_stopped(ts, received)  # the same rule as the notice's own effect
            effect = ts.start(j + 1) if j is not None else None
            answers[key] = (timely, effect)
            texts[key] = f"deadline {dl}: {'timely' if timely else 'late'}; " + (
                f"no longer in force from {effect}" if effect else "without effect"
            )
    if len(set(answers.values())) < 2:
        return None
    return {
        "question": f"is notice {nid} received {received} timely, and when does it take effect?",
        "readings": texts,
        "used": f"{used} (default; the rules file leaves it open)",
    }


def _has_pending_event(e: X.Expr, facts: ScenarioFacts) -> bool:
    """Does ``e`` count from a scenario event that has not happened yet (so it may still come first)?"""
    return any(a.name == "event" and a.arg not in facts.events for a in X.anchors(e))


def _longer(a: D.Period, b: D.Period) -> bool:
    """Is period ``a`` longer than ``b``? Compared on a fixed anchor (2001-01-01, no leap effects)."""
    anchor = _dt.date(2001, 1, 1)
    return D.add_period(anchor, a) > D.add_period(anchor, b)


def replay(loaded: Loaded) -> Record:
    """Replay the scenario's events under its rules. Raises SequenceError on impossible orders."""
    rules = loaded.rules
    m = machine()
    model = _Replay(rules)
    m.add_model(model, initial="not_started")
    try:
        return _run(loaded, model)
    finally:
        m.remove_model(model)


def _run(loaded: Loaded, model: _Replay) -> Record:
    rules = loaded.rules
    infos = [
        EventInfo(i, e.date, e.kind.value, e.party, e.id, e.note, e.source, e.file, e.line, e.claim, e.count)
        for i, e in enumerate(loaded.events)
    ]
    spans: list[StageSpan] = [StageSpan("not_started", None, None, "no recorded event yet")]
    ended_on: _dt.date | None = None
    end_reason: str | None = None

    def whatif_hint(event: Event | None, hint: str | None = None) -> str | None:
        """A base event that the what-if's changes left impossible: say so, and how to drop it too."""
        if not loaded.changes or event is None or event.file == "--add":
            return hint
        extra = (
            f"the what-if ({'; '.join(loaded.changes)}) leaves this event of the base impossible: remove it "
            f'too (--remove "{event.date} {event.kind.value}")'
        )
        return f"{hint}; {extra}" if hint else extra

    def transition(trigger: str, when: _dt.date, cause: str, event: Event | None, index: int | None) -> None:
        nonlocal ended_on, end_reason
        before = model.state
        model.now = when
        model.event_index = index
        model.reason, model.reason_field = "", "kind"
        from transitions.core import MachineError

        try:
            ok = model.trigger(trigger, event=event)  # type: ignore[attr-defined]
        except MachineError:
            stage = STAGES.get(before, before)
            raise SequenceError(
                f"{trigger} on {when} is impossible: the agreement is {before} ({stage}) then",
                file=event.file if event else None,
                line=event.line if event else None,
                field="kind",
                hint=whatif_hint(event, "possible now: " + ", ".join(allowed_from(before))),
                code="TL401",
            ) from None
        except AmbiguousDateError as exc:
            if event is not None:
                exc.file, exc.line = event.file, event.line
            else:  # a time-driven step: the rules' convention decides it
                from treatylife.files.loader import display_path

                exc.file, exc.line = display_path(loaded.rules_path), None
            raise
        except TreatyLifeError as exc:
            # e.g. TL501, a date beyond year 9999: name the event that led there
            if exc.file is None and event is not None:
                exc.file, exc.line = event.file, event.line
            raise
        if not ok:
            raise SequenceError(
                model.reason or f"{trigger} is not allowed on {when}",
                file=event.file if event else None,
                line=event.line if event else None,
                field=model.reason_field,
                code="TL402",
                hint=whatif_hint(event),
            )
        if model.state != before:
            if spans[-1].start == when and spans[-1].stage != "not_started":
                # two changes the same day: the earlier stage held for no day at all
                spans.pop()
            spans[-1].end = when
            spans.append(StageSpan(model.state, when, None, cause, index))
            if model.state in ("terminated", "expired"):
                ended_on, end_reason = when, cause
                for party in model.members:
                    model.leave(party, when, f"the agreement ended: {cause}", index)
                    model.joining.pop(party, None)
                for n in model.notices.values():
                    # a notice still waiting (or suspended) when the agreement ends otherwise never takes effect
                    if n.history[-1].status in ("pending", "suspended", "held"):
                        why = f"without effect: the agreement ended on {when} before it took effect"
                        n.history.append(NoticeChange(when, "void", why, None))

    def fire_due(until: _dt.date | None) -> None:
        while model.queue and (until is None or model.queue[0][0] <= until):
            when, _, trigger, ref = heapq.heappop(model.queue)
            if model.state not in ("in_force", "operation_suspended", "signed"):
                continue
            if trigger == "enter_into_force":
                if ref != str(model.eif_generation):
                    continue  # an instrument counted was withdrawn since: no longer due then
                transition(trigger, when, _eif_cause(model, when), None, None)
            elif trigger == "join":
                if model.joining.get(ref.split("|")[0]) != when:
                    continue  # its instrument was withdrawn before it took effect
                if model.state in ("in_force", "operation_suspended"):
                    model.join(when, ref)
            elif trigger == "terminate":
                n = model.notices[ref]
                if n.history[-1].status != "pending" or n.effect != when:
                    continue  # suspended, withdrawn or moved before it took effect
                if model.held(n, when):
                    continue
                n.history.append(NoticeChange(when, "effective", f"took effect on {when}", None))
                moved = [c for c in n.history[1:] if c.sets_effect]
                cause = f"notice {n.id} by {n.party} took effect: {moved[-1].cause if moved else n.rule}"
                if n.scope == "party":
                    model.leave(n.party, when, cause, n.event)
                    minimum = rules.minimum_parties
                    bound = sum(model._bound(p) for p in model.members) + model.other_count
                    if minimum is None or bound >= minimum:
                        continue
                    cause += f"; fewer than {minimum} parties remain ({bound}): the agreement ends"
                transition(trigger, when, cause, None, n.event)
            elif trigger == "expire":
                assert model.schedule is not None
                if model.schedule.natural_end() != when:
                    continue  # extended since
                transition(
                    trigger,
                    when,
                    f"the last term ended on {D.add_days(when, -1)} without renewal",
                    None,
                    None,
                )

    for i, e in enumerate(loaded.events):
        fire_due(e.date)
        if e.id is not None:
            model.facts.events[e.id] = e.date
        if e.kind.value == "negotiations_resumed":
            # a new round: earlier approvals stay in the record (they were true then) but no longer count
            model.approvals = {}
            model.approval_rounds.append(ApprovalRound(e.date, model.approvals))
        if e.kind.value == "signed":
            if model.signed_on is not None and model.state == "signed":
                raise SequenceError(
                    f"already signed on {model.signed_on}",
                    file=e.file,
                    line=e.line,
                    field="kind",
                    code="TL403",
                )
            model.signed_on = e.date
        transition(e.kind.value, e.date, f"{e.label()}" + (f": {e.note}" if e.note else ""), e, i)
        if model.eif_due is not None and not model.eif_scheduled:
            model.eif_scheduled = True
            due = max(model.eif_due, e.date)
            model.eif_due = due
            if due == e.date:
                transition("enter_into_force", due, _eif_cause(model, due), None, i)
            else:
                model.push(due, "enter_into_force", str(model.eif_generation))
        if e.kind.value == "notified":
            model.after_deposit(e, i)
            fire_due(e.date)  # a join due today (no delay) takes effect today
        if e.id is not None:
            model.event_happened(e, i)
    fire_due(None)

    sched = model.schedule
    citations = {
        "entry_into_force": Citation(
            "entry into force: " + rules.entry_into_force.kind,
            rules.entry_into_force.article,
            rules.entry_into_force.text,
        ),
        "term": Citation(f"term: {rules.term.initial}", rules.term.article, rules.term.text),
        "renewal": Citation(
            f"renewal: {rules.renewal.kind}"
            + (f" every {rules.renewal.period}" if rules.renewal.period else ""),
            rules.renewal.article,
            rules.renewal.text,
        ),
        "consent_termination": Citation(
            "termination by consent", rules.consent_termination.article, rules.consent_termination.text
        ),
    }
    for c in rules.exits:
        citations[c.id] = Citation(f"exit: {c.kind}", c.article, c.text)
    for o in rules.options:
        citations[o.id] = Citation(f"option: {o.kind}", o.article, o.text)
    if any(n.clause == IMPLIED_WITHDRAWAL.id for n in model.notices.values()):
        citations[IMPLIED_WITHDRAWAL.id] = Citation(
            "implied withdrawal", IMPLIED_WITHDRAWAL.article, IMPLIED_WITHDRAWAL.text
        )
    conv = rules.conventions
    return Record(
        agreement_id=rules.id,
        title=rules.title,
        short_title=rules.short_title or rules.id,
        parties={p.code: p.name for p in rules.parties},
        scenario=loaded.title,
        scenario_path=str(loaded.path),
        rules_path=str(loaded.rules_path),
        is_whatif=loaded.is_whatif,
        changes=list(loaded.changes),
        events=infos,
        spans=spans,
        schedule=sched,
        in_force_from=sched.anchor if sched else None,
        ended_on=ended_on,
        end_reason=end_reason,
        deadline_clauses=list(model.clauses.values()),
        withdrawal_clauses=compile_withdrawal_clauses(rules),
        notices=list(model.notices.values()),
        approvals=dict(model.approvals),
        approval_rounds=[ApprovalRound(r.start, dict(r.approvals)) for r in model.approval_rounds],
        notifications=dict(model.notifications),
        signed_on=model.signed_on,
        citations=citations,
        conventions={
            "notice_counting": conv.notice_counting.value,
            "end_of_month": conv.end_of_month.value,
            "deadline_adjustment": conv.deadline_adjustment,
        },
        open_conventions=rules.open_conventions(),
        warnings=model.warnings,
        party_spans=model.members,
        multilateral=rules.is_multilateral,
        other_parties=rules.other_parties,
        minimum_parties=rules.minimum_parties,
        deposits=list(model.deposits),
        option_clauses=list(model.options.values()),
        eif_expression=str(model.plan.date),
        facts=model.facts,
        date_readings=list(model.date_readings.values()),
        holds=list(model.holds),
        eif_trace=list(model.eif_trace),
        later_expression=str(model.later_expr()) if model.plan.per_party else None,
    )


def _eif_cause(model: _Replay, when: _dt.date) -> str:
    eif = model.rules.entry_into_force
    art = f" ({eif.article})" if eif.article else ""
    floor = getattr(eif, "not_before", None)
    if floor is not None and when == floor:
        return f"entered into force on {floor}, the earliest date the clause allows (not_before){art}"
    return f"entered into force {model.plan.words}{art}"
