"""The compiled history of one agreement: what the engine's replay produces and every query reads.

Plain dataclasses on purpose: queries run on a :class:`Record` without pydantic, YAML or ``transitions``
(start-up matters: ``treatylife status`` runs in loops), and a Record is what a cache or a batch engine
stores. A Record holds everything a query needs: stage spans, the term schedule, the deadline clauses with
their conventions, notices with their life, and the citations that explain them.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum
from functools import lru_cache
from typing import Any

from treatylife.dates import expr as X
from treatylife.dates.scalar import (
    EndOfMonth,
    NoticeCounting,
    Period,
    TermSchedule,
    add_days,
    adjust_to_working_day,
    effect_after,
    notice_deadline,
    parse_period,
)

__all__ = [
    "MAX_TERMS_AHEAD",
    "ApprovalRound",
    "Citation",
    "DeadlineClause",
    "EventInfo",
    "HoldSpan",
    "Notice",
    "NoticeChange",
    "OptionClause",
    "PartySpan",
    "Record",
    "ScenarioFacts",
    "Schedule",
    "StageSpan",
    "WithdrawalClause",
    "effect_phrase",
    "hold_running",
    "to_jsonable",
]


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from: a clause of the rules file (with its article) or an event."""

    what: str
    article: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class EventInfo:
    """An event as the explanation shows it."""

    index: int
    date: _dt.date
    kind: str
    party: str | None
    id: str | None
    note: str | None
    source: str | None
    file: str | None
    line: int | None
    claim: str | None = None
    count: int | None = None  # notified without party: instruments of states counted, not followed

    def label(self) -> str:
        who = f" {self.party}" if self.party else (f" ({self.count} instruments)" if self.count else "")
        return f"{self.date.isoformat()} {self.kind}{who}"

    def where(self) -> str | None:
        """``file:line`` of the event, or just ``--add`` for one given on the command line."""
        return f"{self.file}:{self.line}" if self.file and self.line else self.file


@dataclass
class StageSpan:
    """A stage held from ``start`` up to (not including) ``end``; ``end`` None = still held."""

    stage: str
    start: _dt.date | None  # None: since before the first recorded event
    end: _dt.date | None
    cause: str
    event: int | None = None  # index into Record.events

    def contains(self, d: _dt.date) -> bool:
        return (self.start is None or self.start <= d) and (self.end is None or d < self.end)


@dataclass
class PartySpan:
    """One party bound by the agreement from ``start`` up to (not including) ``end`` (None: still bound).

    A party that withdraws and later rejoins has two spans. In a bilateral agreement both parties share the
    agreement's own span.
    """

    party: str
    start: _dt.date
    end: _dt.date | None
    cause: str  # why it became bound (entry into force, its own deposit)
    end_cause: str | None = None
    event: int | None = None  # index of the deposit event (None: the agreement's entry into force)
    end_event: int | None = None
    #: a later party's own entry into force: the dates its expression was computed from (``--explain``)
    trace: list[X.Traced] = field(default_factory=list)

    def contains(self, d: _dt.date) -> bool:
        return self.start <= d and (self.end is None or d < self.end)


@dataclass(frozen=True)
class Schedule:
    """Terms of the agreement in force: anchor (entry into force), initial term, renewals."""

    anchor: _dt.date
    initial: Period | None  # None: indefinite duration
    renewal: Period | None
    renewal_kind: str
    max_terms: int | None
    eom: EndOfMonth
    article: str | None = None
    extensions: tuple[tuple[_dt.date, _dt.date], ...] = ()  # (agreed on, new last day) by agreement

    def terms(self) -> TermSchedule | None:
        if self.initial is None:
            return None
        return TermSchedule(self.anchor, self.initial, self.renewal, self.max_terms, self.eom)

    def as_known_on(self, d: _dt.date) -> Schedule:
        """The schedule without the extensions agreed after ``d`` (answers are "as known on" a date)."""
        kept = tuple(x for x in self.extensions if x[0] <= d)
        if kept == self.extensions:
            return self
        return Schedule(**{**self.__dict__, "extensions": kept})

    def natural_end(self) -> _dt.date | None:
        """First day no longer in force when no notice intervenes (None: runs on indefinitely)."""
        ts = self.terms()
        if ts is None:
            return None
        end = ts.end()
        if end is not None and self.extensions:
            return add_days(self.extensions[-1][1], 1)
        return end


#: How many terms past the one a notice is received in :meth:`DeadlineClause.term_stopped` looks (a notice
#: period of ten years on daily terms needs 3,653): a bound on time, not a legal rule.
MAX_TERMS_AHEAD = 10_000


@dataclass(frozen=True)
class DeadlineClause:
    """A notice-of-non-renewal clause compiled with its conventions."""

    id: str
    notice: Period
    counting: NoticeCounting
    eom: EndOfMonth
    by: tuple[str, ...]
    late: str
    adjustment: str
    working_days_of: str | None
    holidays: str | None
    counting_open: bool
    article: str | None
    text: str | None

    def deadline(self, next_term_start: _dt.date, counting: NoticeCounting | None = None) -> _dt.date:
        """Last day of receipt of a notice that prevents the renewal starting ``next_term_start``."""
        d = notice_deadline(next_term_start, self.notice, counting or self.counting, self.eom)
        if self.adjustment != "none":
            d = adjust_to_working_day(d, self.adjustment, self.holidays)
        return d

    def term_stopped(self, ts: TermSchedule, received: _dt.date) -> int | None:
        """The term a notice received on ``received`` makes the last (the renewal after it does not happen).

        Timely (received by the deadline of the term it is received in): that term. Late: under
        ``late: next_term`` the first later term whose deadline it still meets, which is the next term unless
        the notice period is longer than a term (a monthly contract with 90 days' notice: three terms on);
        under ``late: void`` none. None also outside every term, or when the terms run out first.

        The one rule behind a notice's effect (the replay), the next deadline (``deadline``, ``deadlines``,
        ``calendar``, the report) and, on columns, the batch engine.
        """
        k = ts.index_on(received)
        if k is None:
            return None
        j = k
        while received > self.deadline(ts.start(j + 1)):
            if self.late != "next_term" or (ts.max_terms is not None and j >= ts.max_terms):
                return None
            if j - k >= MAX_TERMS_AHEAD:
                return None
            j += 1
        return j

    def terms_ahead(self, ts: TermSchedule) -> int:
        """How many terms after the one it is received in a notice received on the first day of a renewed
        term stops (0: the current term; 2 for a monthly contract with 90 days' notice), for ``check``."""
        first = ts.start(2)
        k = ts.index_on(first)
        j = replace(self, late="next_term").term_stopped(ts, first)
        return MAX_TERMS_AHEAD if j is None or k is None else j - k


@dataclass(frozen=True)
class OptionClause(DeadlineClause):
    """A one-party option to extend the term, compiled: its exercise deadline is counted exactly as a notice
    of non-renewal's (the same :meth:`DeadlineClause.deadline`), so every answer that lists deadlines sees it
    through one function."""

    period: Period
    times: int


@lru_cache(maxsize=512)
def expression(text: str) -> X.Expr:
    """A clause expression, parsed once (records keep them as text, which the cache stores as is)."""
    return X.parse_expr(text)


@dataclass(frozen=True)
class WithdrawalClause:
    """A withdrawal/denunciation clause compiled with its conventions: when a notice may be given, and when
    it takes effect (for ``deadline``: "if we give notice now, when are we out?")."""

    id: str
    effect_after: Period | None
    by: tuple[str, ...]
    allowed_after: Period | None
    only_after_initial_term: bool
    eom: EndOfMonth
    article: str | None
    later_date: bool = False  # the notice may name a later day of effect
    effect: str = ""  # the effect as an expression of `receipt` (effect_after expands to one)
    notice_from: str | None = None  # first day of receipt allowed, as an expression
    holds: tuple[str, ...] = ()  # conditions that hold the effect back (armed conflict)
    effect_counting: str = "same_day"  # same_day | next_day (conventions.effect_counting)
    counting_open: bool = False  # the rules file leaves effect_counting open: the effect day is flagged

    @property
    def effect_words(self) -> str:
        """The effect in words for answers: "6 months" (after receipt) or the expression."""
        return str(self.effect_after) if self.effect_after is not None else self.effect

    def earliest_notice(
        self,
        in_force_since: _dt.date,
        second_term: _dt.date | None,
        agreement_since: _dt.date | None = None,
    ) -> _dt.date:
        """First day a notice may be received (``notice_from``, e.g. N years in force for the agreement or for
        the party; after the initial term)."""
        d = in_force_since
        if self.notice_from:
            since = {
                "entry into force for the party": in_force_since,
                "entry into force": agreement_since or in_force_since,
            }
            opens = X.evaluate(expression(self.notice_from), lambda a: since.get(a.name), self.eom)
            if opens is not None:
                d = max(d, opens)
        if self.only_after_initial_term and second_term is not None:
            d = max(d, second_term)
        return d

    def takes_effect(
        self, received: _dt.date, lookup: X.Lookup | None = None, counting: str | None = None
    ) -> _dt.date:
        """First day no longer bound by a notice received on ``received`` (as known: an ``earlier of`` whose
        other side has not happened yet takes the side that is known)."""
        e = expression(self.effect)
        if (counting or self.effect_counting) == "next_day":
            e = X.day_after_periods_of(e, "receipt")

        def find(a: X.Anchor) -> _dt.date | None:
            if a.name == "receipt":
                return received
            return lookup(a) if lookup is not None else None

        d = X.known_part(e, find, self.eom)
        return (
            d if d is not None else effect_after(received, self.effect_after or Period(0, "days"), self.eom)
        )


def effect_phrase(effect: str, day: _dt.date) -> str:
    """When a notice takes effect, in words, after "takes effect": a period reads "6 months later, on
    2019-08-02"; a clause written as an expression "on 2021-02-01 (first day of month after (12 months after
    receipt))". ``effect`` is a withdrawal clause's ``effect_words``."""
    try:
        parse_period(effect)
    except ValueError:
        return f"on {day} ({effect})"
    return f"{effect} later, on {day}"


@dataclass
class ScenarioFacts:
    """The dated events a clause expression can count from, as the replay met them (and the record keeps
    them, so ``status`` can say what an unmet entry into force still waits for)."""

    signed_on: _dt.date | None = None
    #: (date, party or None, count): every instrument deposited
    deposits: list[tuple[_dt.date, str | None, int]] = field(default_factory=list)
    #: (date, party): instruments withdrawn (a ratification revoked) before they took effect
    revocations: list[tuple[_dt.date, str]] = field(default_factory=list)
    conditions: dict[str, _dt.date] = field(default_factory=dict)  # condition number -> date met
    events: dict[str, _dt.date] = field(default_factory=dict)  # event id -> date
    exercises: list[tuple[_dt.date, str]] = field(default_factory=list)  # options exercised: (date, option)

    def standing(self, on: _dt.date | None = None) -> list[tuple[_dt.date, str | None, int]]:
        """Instruments deposited (on or before ``on``) and not withdrawn since."""
        out = [d for d in self.deposits if on is None or d[0] <= on]
        for when, party in self.revocations:
            if on is not None and when > on:
                continue
            for i in range(len(out) - 1, -1, -1):
                if out[i][1] == party and out[i][0] <= when:
                    del out[i]
                    break
        return out

    def count(self, on: _dt.date | None = None) -> int:
        return sum(n for _, _, n in self.standing(on))

    def lookup(self, on: _dt.date | None = None, assume: _dt.date | None = None) -> X.Lookup:
        """What each entry-into-force anchor is, as known on ``on``; ``assume``: missing events happen then
        (for "the earliest date it could now happen")."""
        standing = self.standing(on)
        dates = sorted(d for d, _, n in standing for _ in range(n))
        first = {p: d for d, p, _ in reversed(standing) if p is not None}

        def known(d: _dt.date | None) -> _dt.date | None:
            if d is not None and (on is None or d <= on):
                return d
            return assume

        def find(a: X.Anchor) -> _dt.date | None:
            if a.name == "signature":
                return known(self.signed_on)
            if a.name == "instrument":
                k = int(a.arg or 0)
                if k <= len(dates):
                    return dates[k - 1]
                return assume
            if a.name == "deposit of":
                return known(first.get(str(a.arg)))
            if a.name == "condition":
                return known(self.conditions.get(str(a.arg)))
            if a.name == "event":
                return known(self.events.get(str(a.arg)))
            return None

        return find


@dataclass(frozen=True)
class NoticeChange:
    date: _dt.date
    status: str  # pending | suspended | withdrawn | effective | void | late
    cause: str
    event: int | None = None
    claim: str | None = None  # a party's stated position made with this change (not settled law)
    #: the change moves the notice's effect to this day (extended, cut short, held, resumed); None with
    #: ``sets_effect``: no day known (held until a condition ends)
    effect: _dt.date | None = None
    sets_effect: bool = False


@dataclass
class Notice:
    """A notice under an exit clause, with a life of its own (VCLT Art. 67-68)."""

    id: str
    party: str
    clause: str
    clause_kind: str  # non_renewal_notice | withdrawal
    received: _dt.date
    event: int
    term: int | None
    deadline: _dt.date | None
    timely: bool | None
    effect: _dt.date | None  # first day the agreement is no longer in force because of it
    rule: str  # how the effect date was computed, in words
    article: str | None
    history: list[NoticeChange] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    alternative: dict[str, Any] | None = None  # another counting reading that disagrees
    #: "agreement": its effect ends the agreement (bilateral); "party": it ends only the sender's
    #: participation (multilateral), unless too few parties remain (rules: minimum_parties).
    scope: str = "agreement"
    #: for a late notice of non-renewal: which rule applied ("next_term" or "void"); None when timely.
    late_rule: str | None = None
    #: a withdrawal whose effect is a period counted from receipt (conventions.effect_counting applies)
    counted_from_receipt: bool = False

    @property
    def resumption_contested(self) -> bool:
        """Was it resumed with readings that differ under a ``resumed_notice`` the rules leave open?"""
        return self.alternative is not None and "since" in self.alternative

    def effect_on(self, d: _dt.date) -> _dt.date | None:
        """The first day no longer bound, as known on ``d`` (a later extension is not known then)."""
        out = self.effect
        moved = [c for c in self.history if c.sets_effect and c.date <= d]
        if moved:
            out = moved[-1].effect
        return out

    def status_on(self, d: _dt.date) -> NoticeChange | None:
        current = None
        for change in self.history:
            if change.date <= d:
                current = change
        return current


@dataclass
class ApprovalRound:
    """Domestic approvals given in one round of negotiations (a resumption starts a new round)."""

    start: _dt.date | None  # None: from the first recorded event
    approvals: dict[str, _dt.date] = field(default_factory=dict)


@dataclass(frozen=True)
class HoldSpan:
    """A hold of one party (``hold_started`` .. ``hold_ended``), e.g. an armed conflict: a withdrawal clause
    that lists it (``holds``) does not take effect while it runs."""

    party: str
    hold: str  # the name a withdrawal clause's ``holds`` lists (armed_conflict)
    start: _dt.date
    end: _dt.date | None = None  # the day it ended; None: not ended (as far as the scenario goes)
    event: int | None = None  # index of the hold_started event

    def running_on(self, d: _dt.date) -> bool:
        """Started on or before ``d`` and not ended by then (a hold that ends on ``d`` no longer runs)."""
        return self.start <= d and (self.end is None or d < self.end)

    @property
    def words(self) -> str:
        """In answers: the armed conflict of LTU (since 2025-01-10)."""
        return f"the {self.hold.replace('_', ' ')} of {self.party} (since {self.start})"


def hold_running(
    holds: list[HoldSpan], party: str, names: tuple[str, ...] | list[str], d: _dt.date
) -> HoldSpan | None:
    """The first hold of ``names`` (a withdrawal clause's ``holds``, in its order) running for ``party`` on
    ``d``. The one rule of holds: on the day a withdrawal's period ends, a running hold keeps the notice
    back until the hold ends (the replay asks it then; ``status`` asks it before, to say so)."""
    for name in names:
        for h in holds:
            if h.party == party and h.hold == name and h.running_on(d):
                return h
    return None


@dataclass(frozen=True)
class DateReading:
    """An entry into force (``party`` None: the agreement's) whose date moves with an open convention."""

    party: str | None
    rule: str  # the expression, in words
    used: _dt.date  # the date under the reading used
    readings: dict[str, _dt.date]  # "end_of_month=round_up" -> date
    convention: str  # the reading used, "end_of_month=round_down"

    @property
    def window(self) -> tuple[_dt.date, _dt.date]:
        """The days on which the readings give different answers (the first reading's day to the last's)."""
        return min(self.readings.values()), max(self.readings.values())


@dataclass
class Record:
    """Everything known about one agreement under one scenario."""

    agreement_id: str
    title: str
    short_title: str
    parties: dict[str, str]
    scenario: str
    scenario_path: str
    rules_path: str
    is_whatif: bool
    changes: list[str]
    events: list[EventInfo]
    spans: list[StageSpan]
    schedule: Schedule | None
    in_force_from: _dt.date | None
    ended_on: _dt.date | None
    end_reason: str | None
    deadline_clauses: list[DeadlineClause]
    notices: list[Notice]
    approvals: dict[str, _dt.date]  # of the last round of negotiations
    notifications: dict[str, _dt.date]
    signed_on: _dt.date | None
    citations: dict[str, Citation]
    conventions: dict[str, str]
    open_conventions: list[str]
    approval_rounds: list[ApprovalRound] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: per-party participation; every listed party has a (possibly empty) list
    party_spans: dict[str, list[PartySpan]] = field(default_factory=dict)
    multilateral: bool = False
    other_parties: int = 0  # states counted, not followed one by one
    minimum_parties: int | None = None
    #: every deposit (ratification, acceptance, accession, notification): (date, party or None, count)
    deposits: list[tuple[_dt.date, str | None, int]] = field(default_factory=list)
    withdrawal_clauses: list[WithdrawalClause] = field(default_factory=list)
    option_clauses: list[OptionClause] = field(default_factory=list)
    #: the entry-into-force clause as one expression (its kind expanded), and the events it counts from
    eif_expression: str | None = None
    facts: ScenarioFacts = field(default_factory=ScenarioFacts)
    date_readings: list[DateReading] = field(default_factory=list)
    #: every hold recorded (hold_started .. hold_ended), in the order they started
    holds: list[HoldSpan] = field(default_factory=list)
    #: how the entry into force was computed: each anchor and intermediate date of ``eif_expression``
    eif_trace: list[X.Traced] = field(default_factory=list)
    #: when a later party is bound, as one expression of ``own deposit`` (None: bound from the entry into force)
    later_expression: str | None = None

    def span_on(self, d: _dt.date) -> StageSpan:
        for span in reversed(self.spans):
            if span.contains(d):
                return span
        return self.spans[0]

    def party_span_on(self, party: str, d: _dt.date) -> PartySpan | None:
        """The span in which ``party`` is bound on ``d`` (None: not bound that day)."""
        for span in self.party_spans.get(party, []):
            if span.contains(d):
                return span
        return None

    def parties_bound_on(self, d: _dt.date) -> list[str]:
        """Listed parties bound on ``d``, in the rules file's order."""
        return [p for p in self.parties if self.party_span_on(p, d) is not None]


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, dates, enums and periods to JSON-ready values (sorted, stable)."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in fields(obj) if not f.name.startswith("_")}
    if isinstance(obj, Period):
        return str(obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (_dt.date, _dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    return obj
