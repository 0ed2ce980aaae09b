"""Plain, stable, greppable text for people and pipes. One function per result type.

Every line goes through :func:`treatylife.render.escape.terminal` once, as the last step: a title, note or
id is data, so a control character or a newline inside it is shown as an escape (``\\x1b``, ``\\n``) and can
neither command the terminal nor forge a line that ``grep`` would read as an answer.
"""

from __future__ import annotations

from typing import Any

from treatylife.answers.results import (
    Ambiguity,
    CheckResult,
    DeadlineResult,
    NoticeInfo,
    StatusResult,
    Step,
    TimelineResult,
    WithdrawalOption,
)
from treatylife.errors import at_file
from treatylife.model.record import effect_phrase
from treatylife.render.facts import (
    check_findings,
    check_problems,
    earliest_line,
    end_line,
    notice_facts,
    stage_line,
    term_line,
)

__all__ = ["render_text", "withdrawal_line"]


def render_text(result: Any, *, explain: bool = False) -> str:
    if isinstance(result, StatusResult):
        lines = _status(result)
    elif isinstance(result, DeadlineResult):
        lines = _deadline(result)
    elif isinstance(result, TimelineResult):
        lines = _timeline(result)
    elif isinstance(result, CheckResult):
        lines = _check(result)
    elif type(result).__name__ == "CompareResult":
        lines = compare_lines(result)
    elif type(result).__name__ == "ExpectResult":
        from treatylife.render.expect import expect_lines

        lines = expect_lines(result)
    else:  # pragma: no cover - programming error
        raise TypeError(f"cannot render {type(result).__name__}")
    if explain and hasattr(result, "explanation"):
        lines += ["", "Why:", *_steps(result.explanation)]
    from treatylife.render.escape import terminal

    return "\n".join(map(terminal, lines))


def _steps(steps: list[Step]) -> list[str]:
    out = []
    for s in steps:
        date = s.date.isoformat() if s.date else " " * 10
        extra = [x for x in (s.article, s.convention, s.source) if x]
        out.append(f"  {date}  {s.what}" + (f"  [{'; '.join(extra)}]" if extra else ""))
    return out


def _ambiguities(items: list[Ambiguity]) -> list[str]:
    out = []
    for a in items:
        out.append(f"WARNING: ambiguous: {a.question}")
        for k, v in a.readings.items():
            out.append(f"  {k}: {v}")
        out.append(f"  used: {a.used}")
    return out


def _notice(n: NoticeInfo) -> list[str]:
    f = notice_facts(n)
    dl = f" (deadline {f.deadline})" if f.deadline else ""
    eff = f"; {f.effect}" if f.effect else ""
    lines = [
        f"  {f.id}: {f.party}, {f.kind} under {f.clause}, received {f.received}, {f.timely}{dl}; {f.status}{eff}"
    ]
    return lines + [f"    {w}" for w in f.why]


def _status(r: StatusResult) -> list[str]:
    head = "IN FORCE" if r.in_force else "NOT IN FORCE"
    if r.in_force and not r.operating:
        head += " (operation suspended)"
    if r.party is not None:
        head += f" for {r.party}"
        if not r.in_force and r.agreement_in_force:
            head += " (the agreement is in force for other parties)"
    lines = [f"{r.agreement} | {r.scenario}", f"On {r.on}: {head}", f"Stage: {stage_line(r)}"]
    if r.party is None and r.agreement_in_force and len(r.parties_bound) > 2:
        lines.append(f"Parties bound (followed): {', '.join(r.parties_bound)}")
    if r.term is not None:
        lines.append(f"Term: {term_line(r.term)}")
    end = end_line(r)
    if end is not None:
        lines.append(f"{end[0]}: {end[1]}")
    if r.missing is not None:
        lines.append(f"Not yet in force: {r.missing.summary}")
    if r.approvals:
        lines.append("Approved: " + ", ".join(f"{p} {d}" for p, d in r.approvals.items()))
    if r.signed_on:
        lines.append(f"Signed: {r.signed_on}")
    if r.notices:
        lines.append("Notices:")
        lines += [line for n in r.notices for line in _notice(n)]
    lines += [f"CAVEAT: {c}" for c in r.caveats]
    lines += _ambiguities(r.ambiguities)
    return lines


def _deadline(r: DeadlineResult) -> list[str]:
    lines = [f"{r.agreement} | {r.scenario}", f"From {r.on}" + (f", for {r.party}:" if r.party else ":")]
    if r.deadline is None:
        lines.append(f"No notice deadline: {r.reason}")
    elif r.action == "exercise_option":
        lines += [
            f"Next deadline: exercise option {r.clause} by {r.deadline} ({r.days_left} days left)",
            f"Extends the term: to {r.extends_to} (term {r.term} ends {r.term_last_day} otherwise)",
            f"Who may exercise it: {', '.join(r.who)}",
            f"Clause: {r.clause} ({r.article or 'no article cited'}): notice at least {r.notice_period} before "
            f"the end of the term, counted as {r.convention}",
        ]
    else:
        lines += [
            f"Next notice deadline: {r.deadline} ({r.days_left} days left)",
            f"Prevents the renewal of: {r.prevents_renewal_of} (term {r.term} ends {r.term_last_day})",
            f"Who may give notice: {', '.join(r.who)}",
            f"Clause: {r.clause} ({r.article or 'no article cited'}): at least {r.notice_period} before the "
            f"end of the term, counted as {r.convention}",
        ]
        if (early := earliest_line(r)) is not None:
            lines.append(f"{early[0]}: {early[1]}")
    lines += [f"Withdrawal: {withdrawal_line(w)}" for w in r.withdrawal]
    lines += _ambiguities(r.ambiguities)
    return lines


def withdrawal_line(w: WithdrawalOption) -> str:
    """One withdrawal option in words (shared by the text, Markdown and terminal renderers)."""
    ends = "the agreement" if w.scope == "agreement" else "the sender's participation"
    later = ", or on a later date it names" if w.later_date else ""
    return (
        f"{w.clause} ({w.article or 'no article cited'}): a notice by {', '.join(w.who)} received from "
        f"{w.notice_from} takes effect {effect_phrase(w.effect_after, w.takes_effect)}{later} (ending {ends})"
    )


def _timeline(r: TimelineResult) -> list[str]:
    lines = [f"{r.agreement} | {r.scenario}" + (f" | for {r.party}" if r.party else "")]
    lines += [f"  what-if: {c}" for c in r.changes]
    for i in r.intervals:
        start = i.start.isoformat() if i.start else "..."
        end = i.last_day.isoformat() if i.last_day else "..."
        term = f" term {i.term}" if i.term else ""
        lines.append(f"{start} .. {end:<10}  {i.stage}{term}  ({i.cause})")
    if r.open_end:
        lines.append(f"after {r.until}: {r.open_end}")
    return lines + _ambiguities(r.ambiguities)


def _check(r: CheckResult) -> list[str]:
    lines = []
    for f in r.files:
        if f.ok:
            lines.append(f"ok    {f.file}: {f.summary}")
            lines += [f"      {line}" for line in check_findings(f)]
        else:
            shared = check_problems(f)  # a line per problem, the same errors sharing one
            for p in shared:
                err = p.error
                loc = at_file(err.get("file") or f.file, p.at)  # file:12, or file: row 7 (Parquet)
                field = f" {err['field']}:" if err.get("field") else ""
                hint = f" (hint: {err['hint']})" if err.get("hint") else ""
                lines.append(f"FAIL  {loc}:{field} {err.get('message')} [{err.get('code')}]{hint}")
            total = sum(p.count for p in shared)
            if total > len(shared):
                lines.append(f"      {f.file}: {total:,} problems in all (--json lists each)")
    n_bad = sum(not f.ok for f in r.files)
    lines.append(f"{len(r.files) - n_bad} ok, {n_bad} failed")
    return lines


def compare_lines(r: Any) -> list[str]:
    """A CompareResult: the two scenarios, where they diverge and why, then the ranges that differ."""
    span = f" ({r.start or '...'} .. {r.end or '...'})" if (r.start or r.end) else ""
    lines = [f"A: {r.a}", f"B: {r.b}"] + ([f"For: {r.party}"] if r.party else [])
    lines += [f"  A what-if: {c}" for c in r.changes_a] + [f"  B what-if: {c}" for c in r.changes_b]
    if r.same:
        what = "in force, stage, term and parties bound" if r.parties_compared else "in force, stage and term"
        lines.append(f"Same answers{span}: {what} agree on every day.")
    else:
        first = r.ranges[0]
        lines.append(f"They diverge from {r.diverge_from or 'the start'} on{span}: {first.headline()}")
        for c in r.cause:
            note = f": {c.note}" if c.note else ""
            lines.append(f"Caused by: {c.label()} (only in {c.only_in}){note}")
    for d in r.rule_differences:
        lines.append(f"Rules differ: {d}")
    if r.ranges:
        rows = [
            (
                x.start.isoformat() if x.start else "...",
                x.last_day.isoformat() if x.last_day else "...",
                x.a.label(),
                x.b.label(),
                x.describe(),
            )
            for x in r.ranges
        ]
        wa = max(len("A"), *(len(row[2]) for row in rows))
        wb = max(len("B"), *(len(row[3]) for row in rows))
        lines.append(f"{'from':<10}  {'to':<10}  {'A':<{wa}}  {'B':<{wb}}  differs")
        lines += [f"{f:<10}  {t:<10}  {a:<{wa}}  {b:<{wb}}  {d}" for f, t, a, b, d in rows]
    return lines
