"""Scenario files: dated events under a rules file, or a what-if overlay on another scenario.

A what-if (``based_on``) adds, removes or replaces events of its base and may override rule parameters, so
"Korea never suspended its notice" is three lines, not a copy of the record (after OpenFisca's reforms).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from treatylife.model.rules import IsoDate, PartyCode, PeriodField

__all__ = [
    "NOTICE_STATUSES",
    "Event",
    "EventKind",
    "EventMatch",
    "Expectation",
    "Replacement",
    "ScenarioFile",
]

SCENARIO_SCHEMA = "treatylife/scenario/1"


class EventKind(StrEnum):
    """What can happen to an agreement. Each is a trigger of the lifecycle machine."""

    NEGOTIATIONS_OPENED = "negotiations_opened"
    NEGOTIATIONS_SUSPENDED = "negotiations_suspended"
    NEGOTIATIONS_RESUMED = "negotiations_resumed"
    NEGOTIATIONS_ABANDONED = "negotiations_abandoned"
    INITIALED = "initialed"
    APPROVED = "approved"  # party: domestic approval (cabinet, parliament)
    SIGNING_CANCELLED = "signing_cancelled"  # a planned signing called off; talks halt
    SIGNED = "signed"
    NOTIFIED = "notified"  # party: internal procedures complete / ratification deposited
    NOTICE_GIVEN = "notice_given"  # party: notice under an exit clause, dated on receipt
    NOTICE_SUSPENDED = "notice_suspended"
    NOTICE_WITHDRAWN = "notice_withdrawn"
    TERMINATED_BY_CONSENT = "terminated_by_consent"
    EXTENDED = "extended"  # extension by agreement (renewal.kind: by_agreement)
    OPERATION_SUSPENDED = "operation_suspended"
    OPERATION_RESUMED = "operation_resumed"
    CONDITION_MET = "condition_met"  # a further entry-into-force condition is met (rules: conditions)
    INSTRUMENT_WITHDRAWN = "instrument_withdrawn"  # party: its instrument revoked before it took effect
    NOTICE_EXTENDED = "notice_extended"  # a pending notice's period extended by agreement
    NOTICE_RESUMED = "notice_resumed"  # a suspended notice revived
    HOLD_STARTED = "hold_started"  # party: a condition that holds a withdrawal back begins (armed conflict)
    HOLD_ENDED = "hold_ended"
    OPTION_EXERCISED = "option_exercised"  # party: an option to extend the term exercised (rules: options)
    OTHER_INSTRUMENT_IN_FORCE = "other_instrument_in_force"  # another agreement enters into force (its `id`)
    NOTE = "note"  # context with no legal effect (e.g. a related arrangement)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Event(_Model):
    """One dated event. Dates of notices are dates of *receipt* (VCLT Art. 78)."""

    date: IsoDate
    kind: EventKind
    id: str | None = Field(None, description="Name other events (and what-ifs) use to refer to this one.")
    party: PartyCode | None = None
    clause: str | None = Field(
        None, description="notice_given: id of the exit clause invoked; option_exercised: id of the option."
    )
    notice: str | None = Field(
        None, description="notice_suspended/withdrawn/extended/resumed: id of the notice."
    )
    period: PeriodField | None = Field(
        None, description="extended, notice_extended: length of the extension."
    )
    effective: IsoDate | None = Field(
        None,
        description="notice_given under a withdrawal clause with `later_date: true`: the later day the "
        "notification names for its effect (not earlier than the clause's own); notice_extended: the new "
        "day of effect agreed.",
    )
    count: int | None = Field(
        None,
        ge=1,
        description="notified without `party`: number of instruments deposited that day by states not "
        "followed one by one (rules: other_parties).",
    )
    condition: str | None = Field(
        None,
        description="condition_met: which of the rules' conditions (its number, 1, 2, ..., or its words).",
    )
    hold: str | None = Field(
        None,
        description="hold_started/hold_ended: which of a withdrawal clause's `holds` (e.g. armed_conflict).",
    )
    claim: str | None = Field(
        None, description="A party's stated position that is not settled law; repeated as a caveat."
    )
    note: str | None = None
    source: str | None = None

    # Where the event was written, for error messages; not part of the data.
    _file: str | None = PrivateAttr(None)
    _line: int | None = PrivateAttr(None)

    def located(self, file: str | None, line: int | None) -> Event:
        self._file, self._line = file, line
        return self

    @property
    def file(self) -> str | None:
        return self._file

    @property
    def line(self) -> int | None:
        return self._line

    def label(self) -> str:
        who = f" {self.party}" if self.party else ""
        return f"{self.date.isoformat()} {self.kind.value}{who}"


class EventMatch(_Model):
    """Selects events of a base scenario: every field given must be equal."""

    date: IsoDate | None = None
    kind: EventKind | None = None
    id: str | None = None
    party: PartyCode | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> EventMatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of date, kind, id, party to select events")
        return self

    def matches(self, event: Event) -> bool:
        return all(getattr(self, f) == getattr(event, f) for f in self.model_fields_set)


class Replacement(_Model):
    match: EventMatch
    with_: Event = Field(alias="with")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


#: What a notice can be on a date (the ``status`` of a notice in ``treatylife status``).
NOTICE_STATUSES = ("pending", "suspended", "withdrawn", "effective", "void", "late", "held")
NoticeStatus = Literal["pending", "suspended", "withdrawn", "effective", "void", "late", "held"]
_EXPECTED = ("in_force", "stage", "term", "ends", "deadline", "notice_status")


class Expectation(_Model):
    """An answer a domain expert expects on a date, written in the scenario (after OpenFisca's YAML tests):
    ``treatylife test`` checks it, and so does ``pytest`` (the treatylife plugin)."""

    date: IsoDate = Field(description="The day asked about (as `--on`).")
    party: PartyCode | None = Field(None, description="Ask for this party (as `--party`).")
    in_force: bool | None = Field(None, description="In force on `date` (for `party`, if given)?")
    stage: str | None = Field(None, description="The lifecycle stage on `date`, e.g. in_force, terminated.")
    term: int | None = Field(None, ge=1, description="The number of the term running on `date`.")
    ends: IsoDate | None = Field(
        None, description="The first day no longer in force, as known on `date` (null: no end known)."
    )
    deadline: IsoDate | None = Field(
        None, description="The next notice deadline on or after `date` (null: there is none)."
    )
    notice: str | None = Field(None, description="The id of a notice whose `notice_status` is expected.")
    notice_status: NoticeStatus | None = Field(None, description="That notice's status on `date`.")
    why: str | None = Field(None, description="Why this is the answer (shown when it fails).")

    _file: str | None = PrivateAttr(None)
    _line: int | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _expects_something(self) -> Expectation:
        if not any(f in self.model_fields_set for f in _EXPECTED):
            raise ValueError("an expectation names at least one of " + ", ".join(_EXPECTED))
        if ("notice" in self.model_fields_set) != ("notice_status" in self.model_fields_set):
            raise ValueError("`notice` (an id) and `notice_status` go together")
        return self

    def located(self, file: str | None, line: int | None) -> Expectation:
        self._file, self._line = file, line
        return self

    @property
    def file(self) -> str | None:
        return self._file

    @property
    def line(self) -> int | None:
        return self._line

    def expected(self) -> dict[str, Any]:
        """The answers given, by name (a ``null`` written out is expected too: "no deadline")."""
        return {f: getattr(self, f) for f in _EXPECTED if f in self.model_fields_set}


class ScenarioFile(_Model):
    """A scenario (``rules`` + ``events``) or a what-if (``based_on`` + ``add``/``remove``/...)."""

    schema_: Annotated[str, Field(alias="schema", pattern=r"^treatylife/scenario/1$")] = SCENARIO_SCHEMA
    title: str
    description: str | None = None
    rules: str | None = Field(None, description="Path of the rules file, relative to this file.")
    events: list[Event] = []
    based_on: str | None = Field(None, description="What-if: path of the base scenario.")
    add: list[Event] = []
    remove: list[EventMatch] = []
    replace: list[Replacement] = []
    overrides: dict[str, Any] = Field(
        {}, description="What-if: rule parameters to change, as a partial rules file (merged over the base)."
    )
    expect: list[Expectation] = Field(
        [], description="Answers expected on given dates: checked by `treatylife test` and by pytest."
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_shape(self) -> ScenarioFile:
        if self.based_on is None:
            if self.rules is None:
                raise ValueError("a scenario needs `rules` (a rules file) or `based_on` (a base scenario)")
            if self.add or self.remove or self.replace or self.overrides:
                raise ValueError("add/remove/replace/overrides are only for what-ifs (with `based_on`)")
        elif self.events:
            raise ValueError("a what-if lists changes (add/remove/replace), not `events`")
        return self

    @property
    def is_whatif(self) -> bool:
        return self.based_on is not None


def json_schema() -> dict[str, Any]:
    """JSON Schema of scenario and what-if files (validation mode: what a file may contain)."""
    schema = ScenarioFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
