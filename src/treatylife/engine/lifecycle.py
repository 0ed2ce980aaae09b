"""The lifecycle graph, declared once as data: stages, triggers, guards.

The same declaration drives the engine (a ``transitions`` machine, built once and shared by every
agreement) and the diagrams (``treatylife diagram``), so the picture cannot drift from the code.
Guards are method names; the engine's replay object implements them from the rules file.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transitions import Machine

__all__ = ["FINAL", "IN_FORCE", "PRE_FORCE", "STAGES", "TIME_TRIGGERS", "TRANSITIONS", "machine"]

#: Stages (docs/domain.md), in lifecycle order, with what each means.
STAGES: dict[str, str] = {
    "not_started": "no recorded event yet",
    "negotiating": "negotiations open",
    "negotiations_suspended": "negotiations halted (may resume)",
    "initialed": "text agreed and initialed; not binding",
    "approved": "domestic approval by at least one party",
    "signed": "signed; not yet in force",
    "in_force": "in force",
    "operation_suspended": "in force, operation suspended",
    "abandoned": "negotiations abandoned",
    "terminated": "ended by notice, withdrawal or consent",
    "expired": "ended at the end of its term, not renewed",
}

PRE_SIGNATURE = ["not_started", "negotiating", "initialed", "approved"]
PRE_FORCE = [*PRE_SIGNATURE, "negotiations_suspended", "signed"]
IN_FORCE = ["in_force", "operation_suspended"]
FINAL = ["abandoned", "terminated", "expired"]

#: Triggers fired by time, not by a scenario event.
TIME_TRIGGERS = ("enter_into_force", "terminate", "expire")

# dest None = internal transition: the stage does not change, the guard/after callbacks still run.
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "negotiations_opened", "source": ["not_started", "abandoned"], "dest": "negotiating"},
    {
        "trigger": "negotiations_suspended",
        "source": ["negotiating", "initialed", "approved"],
        "dest": "negotiations_suspended",
    },
    {
        "trigger": "negotiations_resumed",
        "source": ["negotiations_suspended", "abandoned", "not_started"],
        "dest": "negotiating",
    },
    {"trigger": "negotiations_abandoned", "source": [*PRE_FORCE], "dest": "abandoned"},
    {"trigger": "initialed", "source": ["not_started", "negotiating"], "dest": "initialed"},
    {"trigger": "approved", "source": PRE_SIGNATURE, "dest": "approved", "conditions": "approval_allowed"},
    {"trigger": "approved", "source": ["signed", *IN_FORCE], "dest": None, "conditions": "approval_allowed"},
    {
        "trigger": "signing_cancelled",
        "source": ["negotiating", "initialed", "approved"],
        "dest": "negotiations_suspended",
    },
    {"trigger": "signed", "source": PRE_SIGNATURE, "dest": "signed", "after": "check_entry_into_force"},
    {
        "trigger": "notified",
        "source": ["signed"],
        "dest": None,
        "conditions": "notification_allowed",
        "after": "check_entry_into_force",
    },
    {"trigger": "notified", "source": IN_FORCE, "dest": None, "conditions": "notification_allowed"},
    {
        "trigger": "condition_met",
        "source": ["signed"],
        "dest": None,
        "conditions": "condition_allowed",
        "after": "check_entry_into_force",
    },
    {"trigger": "enter_into_force", "source": ["signed"], "dest": "in_force", "after": "on_entry_into_force"},
    {
        "trigger": "notice_given",
        "source": IN_FORCE,
        "dest": None,
        "conditions": "notice_allowed",
        "after": "on_notice",
    },
    {
        "trigger": "notice_suspended",
        "source": IN_FORCE,
        "dest": None,
        "conditions": "notice_pending",
        "after": "on_notice_suspended",
    },
    {
        "trigger": "notice_withdrawn",
        "source": IN_FORCE,
        "dest": None,
        "conditions": "notice_revocable",
        "after": "on_notice_withdrawn",
    },
    {
        "trigger": "extended",
        "source": IN_FORCE,
        "dest": None,
        "conditions": "extension_allowed",
        "after": "on_extension",
    },
    {
        "trigger": "instrument_withdrawn",
        "source": ["signed", *IN_FORCE],
        "dest": None,
        "conditions": "revocation_allowed",
        "after": "on_revocation",
    },
    {
        "trigger": "notice_extended",
        "source": IN_FORCE,
        "dest": None,
        "conditions": "notice_extensible",
        "after": "on_notice_extended",
    },
    {
        "trigger": "notice_resumed",
        "source": IN_FORCE,
        "dest": None,
        "conditions": "notice_resumable",
        "after": "on_notice_resumed",
    },
    {"trigger": "hold_started", "source": ["signed", *IN_FORCE], "dest": None, "conditions": "hold_allowed"},
    {
        "trigger": "hold_ended",
        "source": ["signed", *IN_FORCE],
        "dest": None,
        "conditions": "hold_allowed",
        "after": "on_hold_ended",
    },
    {
        "trigger": "option_exercised",
        "source": IN_FORCE,
        "dest": None,
        "conditions": "option_allowed",
        "after": "on_option_exercised",
    },
    {"trigger": "other_instrument_in_force", "source": list(STAGES), "dest": None},
    {"trigger": "operation_suspended", "source": ["in_force"], "dest": "operation_suspended"},
    {"trigger": "operation_resumed", "source": ["operation_suspended"], "dest": "in_force"},
    {"trigger": "terminated_by_consent", "source": [*IN_FORCE, "signed"], "dest": "terminated"},
    {"trigger": "terminate", "source": IN_FORCE, "dest": "terminated"},
    {"trigger": "expire", "source": IN_FORCE, "dest": "expired"},
    {"trigger": "note", "source": list(STAGES), "dest": None},
]


@cache
def machine() -> Machine:
    """The one lifecycle machine. Models are attached per replay and detached after (PITFALLS)."""
    from transitions import Machine

    return Machine(
        model=None,
        states=list(STAGES),
        transitions=TRANSITIONS,
        initial="not_started",
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )


def allowed_from(stage: str) -> list[str]:
    """Triggers that can happen in ``stage`` (for error hints)."""
    out = []
    for t in TRANSITIONS:
        src = t["source"]
        if (stage in src if isinstance(src, list) else src == stage) and t["trigger"] not in TIME_TRIGGERS:
            out.append(t["trigger"])
    return sorted(set(out))
