"""The compiled history of one agreement: what the engine's replay produces and every query reads.

Plain dataclasses on purpose: queries run on a :class:`Record` without pydantic, YAML or ``transitions``
(start-up matters: ``treatylife status`` runs in loops), and a Record is what a cache or a batch engine
stores. A Record holds everything a query needs: stage spans, the term schedule, the deadline clauses with
their conventions, notices with their life, and the citations that explain them.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Any

from treatylife.dates.scalar import (
    EndOfMonth,
    NoticeCounting,
    Period,
    TermSchedule,
    add_days,
    add_period,
    adjust_to_working_day,
    effect_after,
    notice_deadline,
)

__all__ = [
    "ApprovalRound",
    "Citation",
    "DeadlineClause",
    "EventInfo",
    "Notice",
    "NoticeChange",
    "PartySpan",
    "Record",
    "Schedule",
    "StageSpan",
    "WithdrawalClause",
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


@dataclass(frozen=True)
class WithdrawalClause:
    """A withdrawal/denunciation clause compiled with its conventions: when a notice may be given, and when
    it takes effect (for ``deadline``: "if we give notice now, when are we out?")."""

    id: str
    effect_after: Period
    by: tuple[str, ...]
    allowed_after: Period | None
    only_after_initial_term: bool
    eom: EndOfMonth
    article: str | None
    later_date: bool = False  # the notice may name a later day of effect

    def earliest_notice(self, in_force_since: _dt.date, second_term: _dt.date | None) -> _dt.date:
        """First day a notice may be received (``allowed_after`` in force; after the initial term)."""
        d = in_force_since
        if self.allowed_after is not None:
            d = max(d, add_period(in_force_since, self.allowed_after, 1, self.eom))
        if self.only_after_initial_term and second_term is not None:
            d = max(d, second_term)
        return d

    def takes_effect(self, received: _dt.date) -> _dt.date:
        """First day no longer bound by a notice received on ``received``."""
        return effect_after(received, self.effect_after, self.eom)


@dataclass(frozen=True)
class NoticeChange:
    date: _dt.date
    status: str  # pending | suspended | withdrawn | effective | void | late
    cause: str
    event: int | None = None
    claim: str | None = None  # a party's stated position made with this change (not settled law)


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
