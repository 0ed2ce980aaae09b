"""The facts a view shows, in words, taken from the result object once for every view.

The plain text, the terminal tables and Markdown differ in layout, never in what they say: each takes the
stage, term, end, notices (with "would have taken effect", "last day in force", "why late") and check
findings from these functions, then lays them out and escapes them its own way. A fact missing from one
view is then a bug in layout, which ``tests/test_views_agree.py`` compares field by field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from treatylife.answers.results import DeadlineResult, FileCheck, NoticeInfo, StatusResult, TermInfo
from treatylife.errors import places, shared_lines

__all__ = [
    "CheckProblem",
    "NoticeFacts",
    "check_at",
    "check_findings",
    "check_problems",
    "earliest_line",
    "end_line",
    "kind_words",
    "notice_facts",
    "stage_line",
    "stage_words",
    "term_line",
]

#: exit clause kinds in words (prose never shows a snake_case name)
_KINDS = {"non_renewal_notice": "notice of non-renewal", "withdrawal": "withdrawal"}


def stage_words(stage: str, description: str) -> str:
    """``in_force`` -> "in force"; a description that says more follows in parentheses."""
    words = stage.replace("_", " ")
    if description == words:
        return words
    if description.startswith(words):
        return description
    return f"{words} ({description})"


def stage_line(r: StatusResult) -> str:
    """The stage and since when: "in force since 2016-11-23"."""
    return stage_words(r.stage, r.stage_description) + (f" since {r.since}" if r.since else "")


def kind_words(kind: str) -> str:
    return _KINDS.get(kind, kind.replace("_", " "))


def term_line(t: TermInfo) -> str:
    """The current term: "3, 2018-11-23 .. 2019-11-22; renews 2019-11-23" (or extended, or the last)."""
    if t.number is None:
        return f"indefinite, from {t.start}"
    of = f" of {t.of}" if t.of else ""
    nxt = f"; renews {t.next_renewal}" if t.next_renewal else "; last term"
    if t.extended:
        nxt = f"; extended by agreement from {t.next_renewal}"
    return f"{t.number}{of}, {t.start} .. {t.last_day}{nxt}"


def earliest_line(r: DeadlineResult) -> tuple[str, str] | None:
    """("Earliest under any reading", "2019-08-25 (0 days left): ...") when a convention the rules file
    leaves open moves the deadline earlier: the day to act by."""
    if r.earliest_deadline is None or r.deadline is None or r.earliest_deadline == r.deadline:
        return None
    from treatylife.dates.scalar import days_between

    left = days_between(r.on, r.earliest_deadline)
    return (
        "Earliest under any reading",
        f"{r.earliest_deadline} ({left} days left; another reading of a convention the rules file leaves open)",
    )


def end_line(r: StatusResult) -> tuple[str, str] | None:
    """("Ends" or "Ended", "2019-11-23 (last day in force 2019-11-22): why") when an end is known."""
    if r.ends is None:
        return None
    from treatylife.dates.scalar import add_days

    last = add_days(r.ends, -1) if r.ends > r.ends.min else "none"  # ended on 0001-01-01: no day in force
    text = f"{r.ends} (last day in force {last}): {r.end_reason}"
    hold = next((n.running_hold for n in r.notices if n.id == r.end_notice and n.running_hold), None)
    if hold is not None:
        text += f"; but {hold.summary}"
    return ("Ends" if r.in_force else "Ended", text)


@dataclass(frozen=True)
class NoticeFacts:
    """One notice in words: every view shows each of these fields."""

    id: str
    party: str
    kind: str  # "notice of non-renewal"
    clause: str
    received: str
    timely: str  # "timely", "late" or ""
    deadline: str  # "" without a deadline
    status: str  # "suspended since 2019-11-22"
    effect: str  # "takes effect 2019-11-23 (last day in force 2019-11-22)", "would have taken effect ..."
    why: list[str]  # "why late: ...", "why void: ..."


def notice_facts(n: NoticeInfo) -> NoticeFacts:
    effect = (
        f"takes effect {n.takes_effect} (last day in force {n.last_day_in_force})" if n.takes_effect else ""
    )
    if n.status in ("suspended", "withdrawn", "void"):
        # it will not take effect (or it did not): the day it would have is history, not the answer
        effect = f"would have taken effect {n.takes_effect}" if n.takes_effect else ""
    why = []
    if n.timely is False and n.rule:
        why.append(f"why late: {n.rule}")
    if n.status in ("held", "pending") and n.status_cause and n.status_since != n.received:
        why.append(f"why {n.status}: {n.status_cause}")  # held back, extended, resumed, cut short
    if n.running_hold is not None:
        why.append(f"may be held: {n.running_hold.summary}")  # a hold already runs before the period ends
    if n.status == "void" and n.late_rule != "void" and n.status_cause:
        why.append(f"why void: {n.status_cause}")  # it lapsed: the agreement ended first
    return NoticeFacts(
        id=n.id,
        party=n.party,
        kind=kind_words(n.kind),
        clause=n.clause,
        received=str(n.received),
        timely="" if n.timely is None else ("timely" if n.timely else "late"),
        deadline=str(n.deadline) if n.deadline else "",
        status=f"{n.status} since {n.status_since}",
        effect=effect,
        why=why,
    )


@dataclass(frozen=True)
class CheckProblem:
    """One line of a file that failed ``check``: the problem, and where (``at``, :func:`errors.places`:
    "12", "6, 12, 53, 111, 170 and 10 more", "row 7", or "" where only the file is known)."""

    error: dict[str, Any]
    at: str
    count: int  # problems this line stands for


def check_problems(f: FileCheck) -> list[CheckProblem]:
    """The lines that list a failed file's problems, the same errors sharing one (errors.shared_lines, as
    ``portfolio`` says them): a register with 50,000 rows naming a missing rules file is one line, not
    50,000. The three renderers list these; ``--json`` keeps every problem."""
    errors = f.errors or [f.error or {}]
    out = []
    for group in shared_lines(
        errors, lambda e: (e.get("code"), e.get("field"), e.get("message"), e.get("hint"), e.get("file"))
    ):
        lines, rows = [e.get("line") or None for e in group], [e.get("row") for e in group]
        at = places(lines, rows)
        out.append(CheckProblem(group[0], at, len(group)))
    return out


def check_at(p: CheckProblem) -> str:
    """Where, in words, for a table cell: ``line 12``, ``lines 6, 12 and 3 more``, ``row 7``."""
    if not p.at or not p.at[0].isdigit():
        return p.at
    return ("line " if p.count == 1 else "lines ") + p.at


def check_findings(f: FileCheck) -> list[str]:
    """What checking a valid file found: open conventions, every date that hangs on one (WARNING), notes.
    No view hides a warning: the three renderers list these lines."""
    out = []
    if f.open_conventions:
        out.append(f"open conventions (defaults used): {', '.join(f.open_conventions)}")
    for a in f.ambiguous_dates:
        out.append(f"WARNING: {a.question}: " + "; ".join(f"{k}: {v}" for k, v in a.readings.items()))
    out += [f"NOTE: {n}" for n in f.notes]
    return out
