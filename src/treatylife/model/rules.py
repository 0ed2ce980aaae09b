"""Rules files: an agreement's final clauses as declarative, validated data.

A rules file says *which* clause kinds an agreement has, with *which* periods and *which* counting
conventions, and cites the article each comes from. It is data, never code: it is read with a safe YAML
loader (see :mod:`treatylife.files.loader`) and validated here. The JSON Schema of this model is published by
``treatylife schema rules``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from treatylife.dates.scalar import EndOfMonth, NoticeCounting, Period, parse_period

__all__ = [
    "AfterKthNotification",
    "Conventions",
    "EntryIntoForce",
    "ExitClause",
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

PeriodField = Annotated[
    Period,
    PlainValidator(parse_period),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*\d{1,6}\s*(day|days|week|weeks|month|months|year|years)\s*$",
            "examples": ["90 days", "6 months", "1 year"],
        }
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


class _Floored(Cited):
    not_before: IsoDate | None = Field(
        None,
        description="'but in no case earlier than ...': the entry into force is never before this date "
        "(CWC Art. XXI(1): two years after opening for signature, 1995-01-13).",
    )


class OnSignature(_Floored):
    kind: Literal["on_signature"]
    delay: PeriodField | None = Field(None, description="e.g. '30 days' for 'on the thirtieth day after'.")


class FixedDate(Cited):
    kind: Literal["fixed_date"]
    date: IsoDate


class LastNotification(_Floored):
    """In force on the date of the last party's written notification (GSOMIA Art. 21(1))."""

    kind: Literal["last_notification"]
    delay: PeriodField | None = None
    align: Literal["none", "first_of_next_month"] = Field(
        "none", description="Compound rules: 'the first day of the month following ...'."
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


EntryIntoForce = Annotated[
    OnSignature | FixedDate | LastNotification | AfterKthNotification, Field(discriminator="kind")
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
    """Withdrawal/denunciation taking effect ``effect_after`` the notice is received."""

    kind: Literal["withdrawal"]
    id: str = "withdrawal"
    effect_after: PeriodField
    by: Literal["any"] | list[PartyCode] = "any"
    allowed_after: PeriodField | None = Field(
        None,
        description="Notice may be given only once the agreement has been in force this long (for a "
        "multilateral agreement: in force for the party giving notice). Receipt on the anniversary counts.",
    )
    only_after_initial_term: bool = Field(
        False, description="Notice may be given only once the initial term is over (from the first renewal)."
    )
    later_date: bool = Field(
        False,
        description="'or on such later date as may be specified in the notification' (Paris Art. 28(2)): a "
        "notice may name, in its `effective` field, a later day on which it takes effect.",
    )


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
        elif self.other_parties:
            raise ValueError(
                "other_parties: only an entry into force after_kth_notification can count parties that are not "
                "listed"
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
                if clause.effect_after.amount < 0:
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
        return [
            name
            for name in ("notice_counting", "end_of_month")
            if name not in self.conventions.model_fields_set
        ]


def json_schema() -> dict[str, Any]:
    """JSON Schema of rules files (validation mode: what a file may contain)."""
    schema = Rules.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
