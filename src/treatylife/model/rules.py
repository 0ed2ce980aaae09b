"""Rules files: an agreement's final clauses as declarative, validated data.

A rules file says *which* clause kinds an agreement has, with *which* periods and *which* counting
conventions, and cites the article each comes from. It is data, never code: it is read with a safe YAML
loader (see :mod:`treatylife.files.loader`) and validated here. The JSON Schema of this model is published by
``treatylife schema rules``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic_core import core_schema

from treatylife.dates import expr as X
from treatylife.dates.scalar import EndOfMonth, NoticeCounting, Period, parse_period

__all__ = [
    "AfterKthNotification",
    "Conventions",
    "DateExprField",
    "EifPlan",
    "EntryIntoForce",
    "ExitClause",
    "ExpressionEntry",
    "ExtensionOption",
    "FirstOfMonthAfterKth",
    "FixedDate",
    "LastNotification",
    "NonRenewalNotice",
    "OnSignature",
    "Party",
    "PeriodField",
    "Renewal",
    "Rules",
    "Term",
    "Withdrawal",
]

RULES_SCHEMA = "treatylife/rules/1"


class _Parsed:
    """A field read from text by ``parse`` and written back with ``str``, its JSON schema given. What
    pydantic's ``PlainValidator`` + ``PlainSerializer`` + ``WithJsonSchema`` do, without building (and then
    discarding) a schema for the parsed type: for an expression that is the whole expression tree, 17-21 ms
    a model at import, a tenth of treatylife's start-up without the cache."""

    def __init__(self, parse: Any, json_schema: dict[str, Any]) -> None:
        self.parse = parse
        self.json_schema = json_schema

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, return_schema=core_schema.str_schema()
            ),
        )

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return dict(self.json_schema)


PeriodField = Annotated[
    Period,
    _Parsed(
        parse_period,
        {
            "type": "string",
            "pattern": r"^\s*\d{1,6}\s*(day|days|week|weeks|month|months|year|years)\s*$",
            "examples": ["90 days", "6 months", "1 year"],
        },
    ),
]


def _parse_expr(value: Any) -> X.Expr:
    if isinstance(value, _dt.date):
        return X.Literal(value)
    return X.parse_expr(value)


DateExprField = Annotated[
    X.Expr,
    _Parsed(
        _parse_expr,
        {
            "type": "string",
            "minLength": 1,
            "description": "A date in words (docs/clauses.md#date-expressions): 'N days|months|years after X', "
            "'first day of month after X', 'first day of 3rd month after X', 'end of month of X', 'later of X "
            "and Y', 'earlier of X and Y', 'X not before YYYY-MM-DD'; X is signature, instrument K, deposit of "
            "CODE, own deposit, condition N, receipt, entry into force [for the party], event ID, or a date.",
            "examples": [
                "first day of month after (3 months after instrument 3)",
                "later of (12 months after receipt) and (5 years after entry into force)",
            ],
        },
    ),
]
PartyCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_-]{1,15}$", examples=["JPN", "KOR"])]


def _iso_date_only(value: Any) -> Any:
    """Dates come from YAML as text: accept YYYY-MM-DD only. pydantic's lax mode would read the number
    0 as 1970-01-01 and 86400 as 1970-01-02: a silently wrong date."""
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value  # pydantic checks that the day exists (2019-02-30 is refused with its location)
    from pydantic_core import PydanticCustomError

    raise PydanticCustomError("iso_date", "Input should be a date written YYYY-MM-DD")


#: A calendar date written YYYY-MM-DD (no numbers, no times).
IsoDate = Annotated[_dt.date, BeforeValidator(_iso_date_only)]


class _Model(BaseModel):
    # Lax mode (ISO date strings from YAML become dates) but no unknown keys: a typo must not vanish.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Model):
    """A clause as the text states it: the article it comes from and, optionally, its words."""

    article: str | None = Field(None, description="Where the clause is, e.g. 'Art. 21(3)'.")
    text: str | None = Field(None, description="The clause's words, quoted in explanations.")


class Party(_Model):
    code: PartyCode = Field(description="Short code used in scenario files, e.g. ISO 3166 alpha-3.")
    name: str
    holidays: str | None = Field(
        None, description="Country code for public holidays (the `holidays` package), e.g. 'KR', 'JP'."
    )


class Conventions(_Model):
    """How the clause words are counted. Defaults follow the most common reading in treaty practice."""

    notice_counting: NoticeCounting = Field(
        NoticeCounting.CLEAR_DAYS,
        description="clear_days: the receipt day does not count (GSOMIA 90 days -> 24 August); "
        "date_difference: next_term_start - receipt >= N (25 August).",
    )
    end_of_month: EndOfMonth = Field(
        EndOfMonth.ROUND_DOWN,
        description="Adding months/years to a day the target month lacks: round_down (29 Feb + 1 year = "
        "28 Feb), round_up (1 Mar), or abort.",
    )
    deadline_adjustment: Literal["none", "previous_working_day", "next_working_day"] = Field(
        "none", description="Move a notice deadline that falls on a non-working day of `working_days_of`."
    )
    working_days_of: PartyCode | None = Field(
        None, description="Party whose weekends and public holidays define working days."
    )
    effect_counting: Literal["same_day", "next_day"] = Field(
        "same_day",
        description="A withdrawal taking effect 'N months/years after receipt': same_day (depositary "
        "practice: no longer bound on the same calendar day N later; INF 2019-02-02 + 6 months -> "
        "2019-08-02) or next_day (EU Reg. 1182/71 Art. 3: the period ends at the end of that day, so the "
        "first day no longer bound is the day after). Left open, answers on the boundary day show both.",
    )
    resumed_notice: Literal["remaining_period", "fresh_period"] = Field(
        "remaining_period",
        description="A suspended notice later resumed: only the remainder of its period runs from the "
        "resumption (remaining_period: for a notice of non-renewal, a mid-term end), or the period runs afresh "
        "(fresh_period: a withdrawal's whole period again; a notice of non-renewal counted as received on the "
        "day of the resumption, timely or late like a new one). Contested in state practice: left open, "
        "answers show both readings.",
    )


@dataclass(frozen=True)
class EifPlan:
    """An entry-into-force clause expanded into date expressions: what the engine evaluates.

    Every clause kind is a readable shorthand for one plan (its ``plan()`` is the one place that says what
    the kind means); the engine, ``status`` ("why not yet in force") and the explanations read only plans.
    """

    date: X.Expr  #: the day of entry into force; no value while an event it counts from has not happened
    #: for a party depositing later (an expression with ``own deposit``); None: every party from the start
    later: X.Expr | None
    later_from: str  #: conditions_met | entry_into_force: who counts as a later party
    words: str  #: "entered into force {words}"
    later_words: str | None = None  #: the period a later party waits, in the words of the explanation

    @property
    def per_party(self) -> bool:
        """Does each party's own deposit decide when it is bound (a multilateral threshold)?"""
        return self.later is not None

    @property
    def conditions(self) -> X.Expr | None:
        """The day the last event the clause counts from happened (who is "later" is decided against it)."""
        return X.latest_anchor(self.date)


def _floor(e: X.Expr, not_before: _dt.date | None) -> X.Expr:
    return e if not_before is None else X.NotBefore(e, not_before)


def _later_of(parts: list[X.Expr]) -> X.Expr:
    out = parts[0]
    for p in parts[1:]:
        out = X.LaterOf(out, p)
    return out


def _after(period: Period | None, e: X.Expr) -> X.Expr:
    return e if period is None else X.After(period, e)


def _own_deposit(delay: Period | None) -> X.Expr:
    return X.After(delay or Period(0, "days"), X.Anchor("own deposit"))


class _Floored(Cited):
    not_before: IsoDate | None = Field(
        None,
        description="'but in no case earlier than ...': the entry into force is never before this date "
        "(CWC Art. XXI(1): two years after opening for signature, 1995-01-13).",
    )


class OnSignature(_Floored):
    kind: Literal["on_signature"]
    delay: PeriodField | None = Field(None, description="e.g. '30 days' for 'on the thirtieth day after'.")

    def plan(self, rules: Rules) -> EifPlan:
        """``{delay} after signature``, ``not before`` the floor."""
        date = _floor(_after(self.delay, X.Anchor("signature")), self.not_before)
        return EifPlan(date, None, "conditions_met", "on signature", str(self.delay or Period(0, "days")))


class FixedDate(Cited):
    kind: Literal["fixed_date"]
    date: IsoDate

    def plan(self, rules: Rules) -> EifPlan:
        """``later of {date} and signature``: signed late, it enters into force on signature."""
        return EifPlan(
            X.LaterOf(X.Literal(self.date), X.Anchor("signature")),
            None,
            "conditions_met",
            "on the fixed date",
            "0 days",
        )


class LastNotification(_Floored):
    """In force on the date of the last party's written notification (GSOMIA Art. 21(1))."""

    kind: Literal["last_notification"]
    delay: PeriodField | None = None
    align: Literal["none", "first_of_next_month"] = Field(
        "none", description="Compound rules: 'the first day of the month following ...'."
    )

    def plan(self, rules: Rules) -> EifPlan:
        """``later of`` every party's ``deposit``, plus ``delay``, moved to the first of the next month."""
        last = _later_of([X.Anchor("deposit of", c) for c in rules.party_codes()])
        date = _after(self.delay, last)
        if self.align == "first_of_next_month":
            date = X.FirstDayOfMonth(1, date)
        words = "on the date of the last party's written notification"
        return EifPlan(
            _floor(date, self.not_before), None, "conditions_met", words, str(self.delay or Period(0, "days"))
        )


class AfterKthNotification(_Floored):
    """N days after the k-th ratification/acceptance; for a later party, N days after its own deposit.

    Counting starts on the day the last condition is met: the ``count``-th deposit, the deposit of every
    party in ``required``, and each of ``conditions`` (recorded by a ``condition_met`` event, since
    treatylife does not compute, e.g., shares of emissions). A later party is bound ``later_parties_delay``
    (default: ``delay``) after its own deposit, and never before the entry into force; who is "later" is
    ``later_parties_from``: a party depositing after the conditions are met (Paris, Kyoto) or only after the
    entry into force itself (CWC Art. XXI(2): a deposit in between makes an original party).
    """

    kind: Literal["after_kth_notification"]
    count: int = Field(
        ge=1, description="Number of instruments (ratification, acceptance, accession) needed."
    )
    delay: PeriodField = Field(description="'30 days' for 'on the thirtieth day after'.")
    later_parties_delay: PeriodField | None = Field(
        None, description="For a party depositing later (see `later_parties_from`); default: `delay`."
    )
    later_parties_from: Literal["conditions_met", "entry_into_force"] = Field(
        "conditions_met",
        description="Who is a later party: one depositing after the conditions are met ('after the "
        "conditions for entry into force have been fulfilled', Paris Art. 21(3)), or only one depositing "
        "after the day of entry into force ('subsequent to the entry into force', CWC Art. XXI(2)); a party "
        "depositing in between is then bound on the day of entry into force.",
    )
    required: list[PartyCode] = Field(
        [], description="Parties whose own instruments are required (e.g. depositaries, Annex 2 states)."
    )
    conditions: list[str] = Field(
        [],
        description="Further conditions stated in words (e.g. '55% of global emissions'); each is met on the "
        "date of a `condition_met` event naming it by its position (1, 2, ...) or its words.",
    )

    def plan(self, rules: Rules) -> EifPlan:
        """``{delay} after (later of instrument {count}, each required deposit, each condition)``."""
        met: list[X.Expr] = [X.Anchor("instrument", self.count)]
        met += [X.Anchor("deposit of", c) for c in self.required]
        met += [X.Anchor("condition", i + 1) for i in range(len(self.conditions))]
        extra = ""
        if self.required:
            extra += f", including those of {', '.join(self.required)}"
        if self.conditions:
            extra += " and once " + "; ".join(self.conditions)
        words = f"{self.delay} after the deposit of the {X._ordinal(self.count)} instrument{extra}"
        later = self.later_parties_delay or self.delay
        return EifPlan(
            _floor(X.After(self.delay, _later_of(met)), self.not_before),
            _own_deposit(later),
            self.later_parties_from,
            words,
            str(later),
        )


class FirstOfMonthAfterKth(_Floored):
    """The Hague Conference form, as a shorthand: "on the first day of the month following the expiration of
    ``after`` after the deposit of the ``count``-th instrument", and for each later State the same from the
    deposit of its own (HCCH 1996 Art. 61; 2007 Child Support Art. 60)."""

    kind: Literal["first_of_month_after_kth"]
    count: int = Field(ge=1, description="Number of instruments needed (the third: 3).")
    after: PeriodField = Field(description="'three months' in 'the expiration of three months after'.")

    def plan(self, rules: Rules) -> EifPlan:
        """``first day of month after ({after} after instrument {count})``; later States from ``own deposit``."""
        date = X.FirstDayOfMonth(1, X.After(self.after, X.Anchor("instrument", self.count)))
        later = X.FirstDayOfMonth(1, X.After(self.after, X.Anchor("own deposit")))
        words = (
            f"on the first day of the month following the expiration of {self.after} after the deposit of the "
            f"{X._ordinal(self.count)} instrument"
        )
        return EifPlan(_floor(date, self.not_before), later, "conditions_met", words, None)


class ExpressionEntry(_Floored):
    """Entry into force on a date written as an expression (docs/clauses.md#date-expressions).

    Hague Conference conventions: "on the first day of the month following the expiration of three months
    after the deposit of the third instrument", and for a later State the same from its own deposit.
    """

    kind: Literal["expression"]
    date: DateExprField = Field(
        description="When the agreement enters into force, e.g. 'first day of month "
        "after (3 months after instrument 3)'."
    )
    for_later_parties: DateExprField | None = Field(
        None,
        description="For a party depositing later (see `later_parties_from`): its own date, counted from "
        "`own deposit`; never before the entry into force. None: every party is bound from the entry into "
        "force.",
    )
    later_parties_from: Literal["conditions_met", "entry_into_force"] = Field(
        "conditions_met",
        description="Who is a later party: one depositing after the last event `date` counts from, or only "
        "one depositing after the entry into force itself.",
    )
    conditions: list[str] = Field(
        [], description="Further conditions in words, referred to in `date` as `condition 1`, `condition 2`."
    )

    def plan(self, rules: Rules) -> EifPlan:
        """The expressions as written (the agreement must be signed, as for every kind)."""
        date = _floor(self.date, self.not_before)
        return EifPlan(date, self.for_later_parties, self.later_parties_from, f"on {self.date}", None)


EntryIntoForce = Annotated[
    OnSignature
    | FixedDate
    | LastNotification
    | AfterKthNotification
    | FirstOfMonthAfterKth
    | ExpressionEntry,
    Field(discriminator="kind"),
]


class Term(Cited):
    initial: PeriodField | Literal["indefinite"] = Field(
        description="Length of the first term, or 'indefinite'."
    )


class Renewal(Cited):
    kind: Literal["automatic", "by_agreement", "none"] = "none"
    period: PeriodField | None = None
    max_renewals: int | None = Field(None, ge=1, description="Automatic renewals allowed; none = unlimited.")
    max_extension: PeriodField | None = Field(
        None, description="by_agreement: the longest extension the clause allows."
    )
    max_extensions: int | None = Field(
        None, ge=1, description="by_agreement: how many extensions the clause allows; none = no limit."
    )

    @model_validator(mode="after")
    def _period_needed(self) -> Renewal:
        if self.kind == "automatic" and self.period is None:
            raise ValueError("period: an automatic renewal needs a period, e.g. period: 1 year")
        if self.period is not None and self.period.amount <= 0:
            raise ValueError(f"period: the renewal period must be longer than zero (got {self.period})")
        if self.max_extension is not None and self.max_extension.amount <= 0:
            raise ValueError(f"max_extension: must be longer than zero (got {self.max_extension})")
        if self.kind != "by_agreement" and (
            self.max_extension is not None or self.max_extensions is not None
        ):
            raise ValueError("kind: max_extension/max_extensions need kind: by_agreement")
        if self.kind != "automatic" and self.max_renewals is not None:
            raise ValueError("kind: max_renewals needs kind: automatic")
        return self


class NonRenewalNotice(Cited):
    """Notice of non-renewal/termination at least ``notice`` before the current term ends."""

    kind: Literal["non_renewal_notice"]
    id: str = "non_renewal"
    notice: PeriodField
    by: Literal["any"] | list[PartyCode] = "any"
    late: Literal["next_term", "void"] = Field(
        "next_term",
        description="A late notice takes effect at the end of the following term (next_term) or has no "
        "effect (void).",
    )


class Withdrawal(Cited):
    """Withdrawal/denunciation taking effect ``effect_after`` the notice is received (or on ``effect``)."""

    kind: Literal["withdrawal"]
    id: str = "withdrawal"
    effect_after: PeriodField | None = Field(
        None, description="'six months after receipt': shorthand for `effect: 6 months after receipt`."
    )
    effect: DateExprField | None = Field(
        None,
        description="When a notice takes effect, as an expression of `receipt` (and other events): e.g. "
        "'earlier of (12 months after receipt) and event successor' for a period cut short when another "
        "instrument enters into force first. Give this or `effect_after`.",
    )
    by: Literal["any"] | list[PartyCode] = "any"
    allowed_after: PeriodField | None = Field(
        None,
        description="Notice may be given only once the agreement has been in force this long (for a "
        "multilateral agreement: in force for the party giving notice). Receipt on the anniversary counts. "
        "Shorthand for `notice_from: N after entry into force for the party`.",
    )
    notice_from: DateExprField | None = Field(
        None,
        description="First day a notice may be received, e.g. '5 years after entry into force' ('after the "
        "Treaty has been in force for five years': the agreement's own entry into force) or '5 years after "
        "entry into force for the party' ('for that Party').",
    )
    only_after_initial_term: bool = Field(
        False, description="Notice may be given only once the initial term is over (from the first renewal)."
    )
    later_date: bool = Field(
        False,
        description="'or on such later date as may be specified in the notification' (Paris Art. 28(2)): a "
        "notice may name, in its `effective` field, a later day on which it takes effect.",
    )
    holds: list[str] = Field(
        [],
        description="Conditions that hold the effect back: 'if at the end of that period the State is engaged "
        "in an armed conflict, the withdrawal shall not take effect before the end of the armed conflict'. "
        "Each is started and ended by `hold_started`/`hold_ended` events (with `hold:` and `party:`).",
    )

    @model_validator(mode="after")
    def _one_effect(self) -> Withdrawal:
        if (self.effect_after is None) == (self.effect is None):
            raise ValueError(
                "effect_after: give effect_after (e.g. 6 months) or effect (an expression), not both"
            )
        if self.effect is not None and "receipt" not in {a.name for a in X.anchors(self.effect)}:
            raise ValueError(
                "effect: the expression must count from receipt (e.g. '12 months after receipt')"
            )
        return self

    def effect_expr(self) -> X.Expr:
        """The clause's effect as an expression of ``receipt`` (``effect_after`` expands to one)."""
        if self.effect is not None:
            return self.effect
        assert self.effect_after is not None
        return X.After(self.effect_after, X.Anchor("receipt"))

    def notice_from_expr(self) -> X.Expr | None:
        """First day of receipt allowed (``allowed_after`` expands to N after the party's entry into force)."""
        parts: list[X.Expr] = []
        if self.allowed_after is not None:
            parts.append(X.After(self.allowed_after, X.Anchor("entry into force for the party")))
        if self.notice_from is not None:
            parts.append(self.notice_from)
        return _later_of(parts) if parts else None


class ExtensionOption(Cited):
    """One party may extend the term by notice before a deadline: "the Customer may extend the term once by
    one year by notice at least 90 days before expiry". The deadline is counted like a notice of non-renewal
    (conventions.notice_counting); only the named parties may exercise it."""

    kind: Literal["extension_option"]
    id: str = "extension_option"
    by: list[PartyCode] = Field(min_length=1, description="Who may exercise the option.")
    period: PeriodField = Field(description="Length of each extension, e.g. '1 year'.")
    notice: PeriodField = Field(
        description="Exercise at least this long before the term ends, e.g. '90 days'."
    )
    times: int = Field(1, ge=1, description="How many times the option may be exercised.")


ExitClause = Annotated[NonRenewalNotice | Withdrawal, Field(discriminator="kind")]


class Rules(_Model):
    """An agreement's lifecycle clauses."""

    schema_: Literal["treatylife/rules/1"] = Field("treatylife/rules/1", alias="schema")
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: str
    short_title: str | None = None
    source: str | None = Field(None, description="Where the text comes from.")
    parties: list[Party] = Field(min_length=2)
    conventions: Conventions = Conventions()
    entry_into_force: EntryIntoForce
    term: Term
    renewal: Renewal = Renewal()
    other_parties: int = Field(
        0,
        ge=0,
        description="Multilateral: states that may become parties but are not followed one by one; their "
        "instruments are counted with `notified` events carrying `count`.",
    )
    minimum_parties: int | None = Field(
        None,
        ge=1,
        description="Multilateral: the agreement ends when fewer parties remain bound (VCLT Art. 55: without "
        "such a clause it does not end for that reason). A bilateral agreement ends with either party's exit.",
    )
    exits: list[ExitClause] = []
    options: list[ExtensionOption] = Field(
        [], description="One-party options to extend the term by notice before a deadline."
    )
    consent_termination: Cited = Cited(article="VCLT Art. 54(b)")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _coherent(self) -> Rules:
        codes = [p.code for p in self.parties]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"party codes must be unique; repeated: {', '.join(dupes)}")
        indefinite = self.term.initial == "indefinite"
        if not indefinite and self.term.initial.amount <= 0:  # type: ignore[union-attr]
            raise ValueError(f"term.initial: must be longer than zero (got {self.term.initial})")
        if indefinite and self.renewal.kind != "none":
            raise ValueError("renewal.kind: an agreement of indefinite duration cannot have a renewal clause")
        total = len(codes) + self.other_parties
        eif = self.entry_into_force
        if isinstance(eif, AfterKthNotification):
            if eif.count > total:
                raise ValueError(
                    f"entry_into_force.count: the threshold ({eif.count}) is larger than the number of parties "
                    f"({len(codes)} listed + {self.other_parties} other_parties = {total})"
                )
            unknown = [c for c in eif.required if c not in codes]
            if unknown:
                raise ValueError(f"entry_into_force.required: not parties: {', '.join(unknown)}")
            if len(eif.required) > eif.count:
                raise ValueError(
                    f"entry_into_force.required: {len(eif.required)} required instruments but count is {eif.count}"
                )
        elif self.other_parties and not any(a.name == "instrument" for a in X.anchors(eif.plan(self).date)):
            raise ValueError(
                "other_parties: only an entry into force after_kth_notification (or one counting `instrument K`) "
                "can count parties that are not listed"
            )
        if self.minimum_parties is not None and self.minimum_parties > total:
            raise ValueError(
                f"minimum_parties: {self.minimum_parties} is larger than the number of parties ({total})"
            )
        ids = [e.id for e in self.exits]
        if len(set(ids)) != len(ids):
            raise ValueError("exits: exit clause ids must be unique; give each an `id`")
        for i, clause in enumerate(self.exits):
            if clause.by != "any":
                unknown = [c for c in clause.by if c not in codes]
                if unknown:
                    raise ValueError(
                        f"exits[{i}].by: clause {clause.id!r} names non-parties: {', '.join(unknown)}"
                    )
            if isinstance(clause, NonRenewalNotice) and self.renewal.kind != "automatic":
                raise ValueError(
                    f"exits[{i}].kind: clause {clause.id!r} is a notice of non-renewal but the agreement does not "
                    "renew automatically (renewal.kind is " + self.renewal.kind + ")"
                )
            if isinstance(clause, Withdrawal):
                _check_anchors(clause.effect_expr(), f"exits[{i}].effect", codes, total, notice=True)
                if clause.notice_from is not None:
                    _check_anchors(clause.notice_from, f"exits[{i}].notice_from", codes, total, notice=True)
                if clause.effect_after is not None and clause.effect_after.amount < 0:
                    raise ValueError(f"exits[{i}].effect_after: must not be negative")
                if clause.only_after_initial_term and indefinite:
                    raise ValueError(
                        f"exits[{i}].only_after_initial_term: the agreement is of indefinite duration: it has "
                        "no initial term to wait for"
                    )
                if clause.only_after_initial_term and self.renewal.kind == "none":
                    raise ValueError(
                        f"exits[{i}].only_after_initial_term: the agreement does not renew, so withdrawal "
                        "would never be possible"
                    )
                if clause.allowed_after is not None and not indefinite and self.renewal.kind == "none":
                    from treatylife.dates.scalar import add_period

                    anchor = _dt.date(2001, 1, 1)
                    if add_period(anchor, clause.allowed_after) >= add_period(anchor, self.term.initial):  # type: ignore[arg-type]
                        raise ValueError(
                            f"exits[{i}].allowed_after: {clause.allowed_after} is not shorter than the only "
                            f"term ({self.term.initial}): withdrawal would never be possible"
                        )
        for i, opt in enumerate(self.options):
            unknown = [c for c in opt.by if c not in codes]
            if unknown:
                raise ValueError(f"options[{i}].by: not parties: {', '.join(unknown)}")
            if indefinite or self.renewal.kind == "automatic":
                raise ValueError(
                    f"options[{i}].kind: an option to extend needs a fixed term that does not renew "
                    "automatically"
                )
        if len({o.id for o in self.options} | set(ids)) != len(self.options) + len(ids):
            raise ValueError("options: option ids must be unique (and differ from exit clause ids)")
        if isinstance(eif, ExpressionEntry):
            _check_anchors(eif.date, "entry_into_force.date", codes, total, notice=False)
            if eif.for_later_parties is not None:
                _check_anchors(
                    eif.for_later_parties,
                    "entry_into_force.for_later_parties",
                    codes,
                    total,
                    notice=False,
                    later=True,
                )
            conds = [a.arg for a in X.anchors(eif.date) if a.name == "condition"]
            if any(int(c or 0) > len(eif.conditions) for c in conds):
                raise ValueError(
                    f"entry_into_force.date: refers to condition {max(int(c or 0) for c in conds)} but "
                    f"`conditions` lists {len(eif.conditions)}"
                )
        # every kind: what its expansion counts from must be able to happen (a threshold above the parties ...)
        _check_anchors(eif.plan(self).date, "entry_into_force", codes, total, notice=False)
        wd = self.conventions.working_days_of
        if wd is not None and wd not in codes:
            raise ValueError(f"conventions.working_days_of: {wd!r} is not a party")
        if self.conventions.deadline_adjustment != "none" and wd is None:
            raise ValueError("conventions.deadline_adjustment needs conventions.working_days_of")
        return self

    def party_codes(self) -> list[str]:
        return [p.code for p in self.parties]

    @property
    def is_multilateral(self) -> bool:
        """More than two parties (listed or counted): one party's exit ends only its own participation."""
        return len(self.parties) + self.other_parties > 2

    def exit(self, clause_id: str) -> NonRenewalNotice | Withdrawal | None:
        return next((e for e in self.exits if e.id == clause_id), None)

    def open_conventions(self) -> list[str]:
        """Conventions the file leaves to the default: answers that depend on them are flagged."""
        names = ["notice_counting", "end_of_month"]
        if any(isinstance(c, Withdrawal) for c in self.exits):
            names.append("effect_counting")  # only a withdrawal's effect is counted from a receipt
        return [name for name in names if name not in self.conventions.model_fields_set]

    def readings(self, *also: str) -> list[dict[str, str]]:
        """Every combination of readings of the conventions the file leaves open, the one used first.

        ``also`` adds conventions that only some agreements meet (``resumed_notice``: a resumed notice),
        when the file leaves them open too. An answer that differs between readings is contested: callers
        answer under each (:meth:`under`) and show the difference rather than choose silently."""
        names = [*self.open_conventions()]
        names += [a for a in also if a not in names and a not in self.conventions.model_fields_set]
        combos: list[dict[str, str]] = [{}]
        for name in names:
            used = str(getattr(self.conventions, name))  # a StrEnum's text is its value
            values = [used, *(v for v in READINGS[name] if v != used)]
            combos = [{**c, name: v} for c in combos for v in values]
        return combos

    def under(self, reading: dict[str, str]) -> Rules:
        """The same agreement with conventions read as ``reading`` says (one of :meth:`readings`)."""
        conv = Conventions.model_validate({**self.conventions.model_dump(exclude_unset=True), **reading})
        return self.model_copy(update={"conventions": conv})


#: The readings of each convention a rules file may leave open (``end_of_month: abort`` refuses to count: a
#: file says it, it is not a reading). The default, used when a file leaves the convention open, is one of them.
READINGS: dict[str, tuple[str, ...]] = {
    "notice_counting": tuple(c.value for c in NoticeCounting),
    "end_of_month": (EndOfMonth.ROUND_DOWN.value, EndOfMonth.ROUND_UP.value),
    "effect_counting": ("same_day", "next_day"),
    "resumed_notice": ("remaining_period", "fresh_period"),
}


#: Anchors that make sense where: an entry into force cannot count from itself or from a notice's receipt.
_NOTICE_ONLY = {"receipt", "entry into force", "entry into force for the party"}


def _check_anchors(
    e: X.Expr, where: str, codes: list[str], total: int, *, notice: bool, later: bool = False
) -> None:
    """Refuse anchors that cannot happen here, naming the field (``where: message``)."""
    for a in X.anchors(e):
        if not notice and a.name in _NOTICE_ONLY:
            raise ValueError(f"{where}: {a} cannot decide an entry into force (it happens after it)")
        if a.name == "own deposit" and not (later or notice):
            raise ValueError(f"{where}: 'own deposit' is for `for_later_parties` (a party's own date)")
        if a.name == "deposit of" and a.arg not in codes:
            raise ValueError(f"{where}: 'deposit of {a.arg}': not a party ({', '.join(codes)})")
        if a.name == "instrument" and int(a.arg or 0) > total:
            raise ValueError(f"{where}: 'instrument {a.arg}': more than the {total} parties there can be")


def json_schema() -> dict[str, Any]:
    """JSON Schema of rules files (validation mode: what a file may contain)."""
    schema = Rules.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
