"""Markdown for memos: the same facts as the plain text, as headings, lists and tables (GitHub flavour).

Every value put into the page goes through :func:`_md` (:func:`treatylife.render.escape.markdown`): a title,
note, claim or id is data, so a newline in it cannot start a heading and ``![x](...)``, ``[x](...)``,
``<script>`` or ``|`` in it show as written. The markup around the values is this module's own.
"""

from __future__ import annotations

from typing import Any

from treatylife.answers.results import (
    Ambiguity,
    CheckResult,
    DeadlineResult,
    StatusResult,
    Step,
    TimelineResult,
)

__all__ = ["render_markdown"]


def _md(value: object) -> str:
    """One value as inline Markdown text (never markup)."""
    from treatylife.render.escape import markdown

    return markdown("" if value is None else str(value))


_cell = _md


def _table(head: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _for(r: Any) -> str:
    """ " for P" when the answer is about one party of a multilateral agreement."""
    return f" for {_md(r.party)}" if getattr(r, "party", None) else ""


def _steps(steps: list[Step]) -> list[str]:
    return [
        "",
        "### Why",
        "",
        *_table(
            ["date", "what", "article", "convention", "source"],
            [[s.date, s.what, s.article, s.convention, s.source] for s in steps],
        ),
    ]


def _ambiguities(items: list[Ambiguity]) -> list[str]:
    out: list[str] = []
    for a in items:
        out += ["", f"> **Ambiguous:** {_md(a.question)}"]
        out += [f"> - {_md(k)}: {_md(v)}" for k, v in a.readings.items()]
        out.append(f"> - used: {_md(a.used)}")
    return out


def _status(r: StatusResult) -> list[str]:
    head = "in force" if r.in_force else "not in force"
    if r.in_force and not r.operating:
        head += " (operation suspended)"
    lines = [f"## {_md(r.agreement)}: {head}{_for(r)} on {r.on}", "", f"*Scenario: {_md(r.scenario)}*", ""]
    from treatylife.render.facts import end_line, notice_facts, stage_line, term_line

    if r.party is not None and not r.in_force and r.agreement_in_force:
        lines.append("- the agreement is in force for other parties")
    lines.append(f"- **Stage:** {_md(stage_line(r))}")
    if r.party is None and r.agreement_in_force and len(r.parties_bound) > 2:
        lines.append(f"- **Parties bound:** {_md(', '.join(r.parties_bound))}")
    if r.term is not None:
        lines.append(f"- **Term:** {_md(term_line(r.term))}")
    end = end_line(r)
    if end is not None:
        lines.append(f"- **{end[0]}:** {_md(end[1])}")
    if r.missing is not None:
        lines.append(f"- **Not yet in force:** {_md(r.missing.summary)}")
    if r.approvals:
        lines.append("- **Approved:** " + ", ".join(f"{_md(p)} {d}" for p, d in r.approvals.items()))
    if r.signed_on:
        lines.append(f"- **Signed:** {r.signed_on}")
    if r.notices:
        lines += ["", "### Notices", ""]
        facts = [notice_facts(n) for n in r.notices]
        lines += _table(
            ["id", "party", "kind", "received", "timely", "status", "effect"],
            [
                [
                    f.id,
                    f.party,
                    f"{f.kind} under {f.clause}",
                    f.received,
                    f"{f.timely} (deadline {f.deadline})" if f.deadline else f.timely,
                    f.status,
                    f.effect,
                ]
                for f in facts
            ],
        )
        whys = [f"- {_md(f.id)}: {_md(w)}" for f in facts for w in f.why]
        lines += ["", *whys] if whys else []
    if r.caveats:
        lines += ["", *[f"> **Caveat:** {_md(c)}" for c in r.caveats]]
    lines += _ambiguities(r.ambiguities)
    return lines


def _deadline(r: DeadlineResult) -> list[str]:
    lines = [
        f"## {_md(r.agreement)}: next notice deadline{_for(r)} from {r.on}",
        "",
        f"*Scenario: {_md(r.scenario)}*",
        "",
    ]
    if r.deadline is None:
        lines.append(f"No notice deadline: {_md(r.reason)}")
    else:
        lines += [
            f"- **Deadline (last day of receipt):** {r.deadline} ({r.days_left} days left)",
            f"- **Prevents the renewal of:** {r.prevents_renewal_of} (term {r.term} ends {r.term_last_day})"
            if r.action != "exercise_option"
            else f"- **Exercising option {_md(r.clause or '')} extends the term to:** {r.extends_to} (term {r.term} "
            f"ends {r.term_last_day} otherwise)",
            f"- **Who may give notice:** {_md(', '.join(r.who))}",
            f"- **Clause:** {_md(r.clause)} ({_md(r.article or 'no article cited')}), at least "
            f"{_md(r.notice_period)} before the end of the term",
            f"- **Counted as:** {_md(r.convention)}",
        ]
        from treatylife.render.facts import earliest_line

        if (early := earliest_line(r)) is not None:
            lines.append(f"- **{early[0]}:** {_md(early[1])}")
    if r.withdrawal:
        from treatylife.render.text import withdrawal_line

        lines += ["", *[f"- **Withdrawal:** {_md(withdrawal_line(w))}" for w in r.withdrawal]]
    lines += _ambiguities(r.ambiguities)
    return lines


def _timeline(r: TimelineResult) -> list[str]:
    lines = [
        f"## {_md(r.agreement)}: timeline{_for(r)} to {r.until}",
        "",
        f"*Scenario: {_md(r.scenario)}*",
        "",
    ]
    lines += [f"- what-if: {_md(c)}" for c in r.changes]
    if r.changes:
        lines.append("")
    lines += _table(
        ["from", "to", "stage", "term", "cause"],
        [[i.start or "...", i.last_day or "...", i.stage, i.term or "", i.cause] for i in r.intervals],
    )
    if r.open_end:
        lines += ["", f"After {r.until}: {_md(r.open_end)}."]
    return lines + _ambiguities(r.ambiguities)


def _compare(r: Any) -> list[str]:
    lines = [f"## Comparison{_for(r)}", "", f"- **A:** {_md(r.a)}", f"- **B:** {_md(r.b)}"]
    lines += [f"  - A what-if: {_md(c)}" for c in r.changes_a] + [
        f"  - B what-if: {_md(c)}" for c in r.changes_b
    ]
    lines.append("")
    if r.same:
        what = "in force, stage, term and parties bound" if r.parties_compared else "in force, stage and term"
        lines.append(f"Same answers: {what} agree on every day.")
    else:
        first = r.ranges[0]
        lines.append(f"**They diverge from {r.diverge_from or 'the start'} on:** {_md(first.headline())}.")
        for c in r.cause:
            note = f": {_md(c.note)}" if c.note else ""
            lines.append(f"- caused by {_md(c.label())} (only in {_md(c.only_in)})" + note)
    if r.rule_differences:
        lines += ["", "Rules differ:", *[f"- {_md(d)}" for d in r.rule_differences]]
    if r.ranges:
        lines += [
            "",
            *_table(
                ["from", "to", "A", "B", "differs"],
                [
                    [x.start or "...", x.last_day or "...", x.a.label(), x.b.label(), x.describe()]
                    for x in r.ranges
                ],
            ),
        ]
    return lines


def _check(r: CheckResult) -> list[str]:
    rows: list[list[object]] = []
    for f in r.files:
        if f.ok:
            rows.append([f.file, "ok", f.summary])
        else:
            from treatylife.render.facts import check_at, check_problems

            shared = check_problems(f)
            for p in shared:  # a row per problem, the same errors sharing one
                err = p.error
                at = f"{check_at(p)}: " if p.at else ""
                field = f"{err['field']}: " if err.get("field") else ""
                rows.append([f.file, f"FAIL [{err.get('code')}]", f"{at}{field}{err.get('message')}"])
            total = sum(p.count for p in shared)
            if total > len(shared):
                rows.append([f.file, "FAIL", f"{total:,} problems in all (--json lists each)"])
    from treatylife.render.facts import check_findings

    found = [f"- `{_md(f.file)}`: {_md(x)}" for f in r.files if f.ok for x in check_findings(f)]
    return [
        "## Check",
        "",
        *_table(["file", "result", "detail"], rows),
        *(["", "### Findings", "", *found] if found else []),
    ]


def render_markdown(result: Any, *, explain: bool = False) -> str:
    if isinstance(result, StatusResult):
        lines = _status(result)
    elif isinstance(result, DeadlineResult):
        lines = _deadline(result)
    elif isinstance(result, TimelineResult):
        lines = _timeline(result)
    elif isinstance(result, CheckResult):
        lines = _check(result)
    elif type(result).__name__ == "CompareResult":
        lines = _compare(result)
    elif type(result).__name__ == "ExpectResult":
        from treatylife.render.expect import expect_markdown

        lines = expect_markdown(result)
    else:  # pragma: no cover - programming error
        raise TypeError(f"cannot render {type(result).__name__} as Markdown")
    if explain and getattr(result, "explanation", None):
        lines += _steps(result.explanation)
    return "\n".join(lines) + "\n"
