"""Typed answers. Each serializes (``to_dict``) to exactly the JSON the CLI prints with ``--json``.

Plain dataclasses rather than pydantic models: building and serializing them costs microseconds and keeps
pydantic off the query path.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from treatylife.model.record import to_jsonable

__all__ = [
    "Ambiguity",
    "CheckResult",
    "DeadlineResult",
    "Interval",
    "NoticeInfo",
    "RunningHold",
    "StatusResult",
    "Step",
    "TermInfo",
    "TimelineResult",
]


class ResultBase:
    def to_dict(self) -> dict[str, Any]:
        out = to_jsonable(self)
        assert isinstance(out, dict)
        return out


@dataclass(frozen=True)
class Step:
    """One link of an explanation: what happened or which clause applied, and where it comes from."""

    date: _dt.date | None
    what: str
    article: str | None = None
    convention: str | None = None
    source: str | None = None  # file:line of the event


@dataclass(frozen=True)
class Ambiguity:
    """An answer that changes with a convention the rules file leaves open."""

    question: str
    readings: dict[str, str]
    used: str


@dataclass(frozen=True)
class TermInfo:
    number: int | None  # None: indefinite duration
    start: _dt.date
    last_day: _dt.date | None
    next_renewal: _dt.date | None  # start of the next term, if there is one
    of: int | None = None  # total terms when limited (extensions agreed so far included)
    extended: bool = False  # the next term is an extension by agreement, not a renewal


@dataclass(frozen=True)
class RunningHold:
    """A hold of the notice's clause (an armed conflict) running for its party on the day asked, before the
    notice's period ends: if it still runs on ``period_ends``, the withdrawal is held until the hold ends."""

    hold: str  # the name the clause's ``holds`` lists: armed_conflict
    party: str
    since: _dt.date  # the day it started (hold_started)
    period_ends: _dt.date  # the day the withdrawal takes effect if no hold runs then
    article: str | None
    summary: str  # the fact in words, as every view shows it


@dataclass(frozen=True)
class NoticeInfo:
    id: str
    party: str
    clause: str
    kind: str
    received: _dt.date
    status: str
    status_since: _dt.date
    term: int | None
    deadline: _dt.date | None
    timely: bool | None
    takes_effect: _dt.date | None  # first day no longer in force, if it stands
    last_day_in_force: _dt.date | None
    rule: str
    article: str | None
    caveats: list[str] = field(default_factory=list)
    scope: str = (
        "agreement"  # agreement: its effect ends the agreement; party: only the sender's participation
    )
    late_rule: str | None = None  # a late non-renewal notice: "next_term" or "void" (which rule applied)
    status_cause: str | None = None  # why it has its status (the event or rule that gave it)
    #: pending, with a hold of its clause already running: it is held back if the hold still runs then
    running_hold: RunningHold | None = None


@dataclass(frozen=True)
class NotYetInForce:
    """Why the entry-into-force condition is unmet on the day asked, and the earliest day it could be met."""

    signature_needed: bool
    parties_needed: list[str]  # named parties whose own instruments are still needed
    instruments_needed: int  # more instruments needed (of instruments_required)
    instruments_deposited: int  # standing on the day asked (withdrawn ones do not count)
    instruments_required: int
    conditions_needed: list[str]
    events_needed: list[str]
    due: _dt.date | None  # every condition met: the day it enters into force
    earliest: _dt.date | None  # the earliest it could now enter into force
    assuming: _dt.date | None  # ... if everything missing happened on this day
    rule: str  # the clause as one expression
    summary: str


@dataclass(frozen=True)
class StatusResult(ResultBase):
    agreement: str
    scenario: str
    on: _dt.date
    stage: str
    stage_description: str
    in_force: bool
    operating: bool
    since: _dt.date | None
    term: TermInfo | None
    ends: _dt.date | None  # first day no longer in force, as known on `on`
    end_reason: str | None
    notices: list[NoticeInfo]
    approvals: dict[str, _dt.date]
    signed_on: _dt.date | None
    caveats: list[str]
    ambiguities: list[Ambiguity]
    explanation: list[Step]
    #: the party asked about (``status(..., party=P)``); then ``in_force`` means "in force for P"
    party: str | None = None
    #: is the agreement in force at all (for some party)? Equal to ``in_force`` when no party is asked
    agreement_in_force: bool | None = None
    #: listed parties bound on ``on`` (multilateral agreements follow each party)
    parties_bound: list[str] = field(default_factory=list)
    #: not yet in force: what the entry into force still waits for
    missing: NotYetInForce | None = None
    #: the notice whose effect is ``ends`` (its ``running_hold`` says when a hold may keep that end back)
    end_notice: str | None = None


@dataclass(frozen=True)
class WithdrawalOption:
    """ "If we give notice of withdrawal now, when are we out?": the first day a notice may be received under
    one withdrawal clause (on or after the day asked), and when it would take effect."""

    clause: str
    article: str | None
    who: list[str]
    notice_from: _dt.date  # first day of receipt the clause allows, on or after the day asked
    takes_effect: _dt.date  # a notice received that day: the first day no longer bound
    effect_after: str
    scope: str  # "agreement": it ends the agreement; "party": only the sender's participation
    convention: str
    later_date: bool = False  # the notice may name a later day of effect ("or on such later date ...")


@dataclass(frozen=True)
class DeadlineResult(ResultBase):
    agreement: str
    scenario: str
    on: _dt.date
    deadline: _dt.date | None
    days_left: int | None
    prevents_renewal_of: _dt.date | None
    term: int | None
    term_last_day: _dt.date | None
    who: list[str]
    clause: str | None
    article: str | None
    notice_period: str | None
    convention: str | None
    reason: str | None  # why there is no deadline, when there is none
    ambiguities: list[Ambiguity]
    explanation: list[Step]
    #: the party asked about (``deadline(..., party=P)``): only notices P may give, while bound
    party: str | None = None
    #: withdrawal clauses: when a notice may be given from the day asked, and when it would take effect
    withdrawal: list[WithdrawalOption] = field(default_factory=list)
    #: prevent_renewal (a notice of non-renewal) or exercise_option (an option to extend, rules: options)
    action: str = "prevent_renewal"
    extends_to: _dt.date | None = None  # exercise_option: the last day of the term once extended
    #: the day to act by: the next deadline under any reading of a convention the rules file leaves open
    #: (``deadline`` when no reading moves it; earlier when one does, named in ``ambiguities``)
    earliest_deadline: _dt.date | None = None


@dataclass(frozen=True)
class Interval:
    start: _dt.date | None
    last_day: _dt.date | None  # None: open-ended
    stage: str
    in_force: bool
    term: int | None
    cause: str


@dataclass(frozen=True)
class TimelineResult(ResultBase):
    agreement: str
    scenario: str
    until: _dt.date
    intervals: list[Interval]
    events: list[dict[str, Any]]
    changes: list[str]
    open_end: str | None  # what happens after `until` when the last interval runs on
    #: the party asked about (``timeline(..., party=P)``); then ``in_force`` means "in force for P"
    party: str | None = None
    #: term boundaries shown that move with a convention the rules leave open, and a resumed notice's readings
    ambiguities: list[Ambiguity] = field(default_factory=list)
    #: the events shown, and the clauses and conventions behind the state at ``until``
    explanation: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class FileCheck:
    file: str
    kind: str  # rules | scenario | whatif
    ok: bool
    error: dict[str, Any] | None
    summary: str
    open_conventions: list[str]
    ambiguous_dates: list[Ambiguity]
    #: every problem found in the file (``error`` is the first), each a dict like ``error``
    errors: list[dict[str, Any]] = field(default_factory=list)
    #: what the file means that a reader may not expect (a notice period longer than a term), in words
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CheckResult(ResultBase):
    ok: bool
    files: list[FileCheck]
