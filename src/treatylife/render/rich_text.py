"""Aligned tables (rich) for a terminal. Used only when standard output is a terminal: piped output stays
the plain, stable text of :mod:`treatylife.render.text`, which scripts and tests read."""

from __future__ import annotations

from typing import Any

from treatylife.answers.results import CheckResult, DeadlineResult, StatusResult, Step, TimelineResult

__all__ = ["print_rich"]


def _t(value: Any) -> Any:
    """User text as a ``Text``: never parsed as rich markup (a note may contain "[/bold]" or "[link=...]"),
    and its control characters shown as escapes (:func:`treatylife.render.escape.terminal`)."""
    from rich.text import Text

    from treatylife.render.escape import terminal

    return value if isinstance(value, Text) else Text(terminal("" if value is None else str(value)))


def _m(markup: str) -> Any:
    """Markup written here (styles around dates and fixed words); never give it user text."""
    from rich.text import Text

    return Text.from_markup(markup)


def _titled(title: str | None, table: Any) -> Any:
    """A table under its heading. Not the table's own title: rich wraps that at the table's width (a short
    status table is ~50 columns), so on a 120-column terminal the heading broke in two. A heading of its
    own is as wide as the terminal."""
    if title is None:
        return table
    from rich.console import Group

    heading = _t(title)
    heading.style = "table.title"
    return Group(heading, table)


def _kv(rows: list[tuple[str, Any]], title: str | None = None) -> Any:
    from rich.table import Table

    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column(overflow="fold")
    for k, v in rows:
        t.add_row(_t(k), _t(v))
    return _titled(title, t)


def _steps(steps: list[Step]) -> Any:
    from rich.table import Table

    t = Table(show_lines=False)
    for col in ("date", "what", "article", "convention", "source"):
        t.add_column(col, overflow="fold", no_wrap=col == "date")
    for s in steps:
        t.add_row(*map(_t, (s.date.isoformat() if s.date else "", s.what, s.article, s.convention, s.source)))
    return _titled("Why", t)


def _status(r: StatusResult) -> list[Any]:

    head = "[bold green]IN FORCE[/]" if r.in_force else "[bold red]NOT IN FORCE[/]"
    if r.in_force and not r.operating:
        head += " (operation suspended)"
    from treatylife.render.facts import end_line, notice_facts, stage_line, term_line

    if r.party is not None:
        head += f" for {r.party}"
        if not r.in_force and r.agreement_in_force:
            head += " (the agreement is in force for other parties)"
    rows: list[tuple[str, Any]] = [("On", _m(f"{r.on}: {head}")), ("Stage", stage_line(r))]
    if r.party is None and r.agreement_in_force and len(r.parties_bound) > 2:
        rows.append(("Parties bound", ", ".join(r.parties_bound)))
    if r.term is not None:
        rows.append(("Term", term_line(r.term)))
    end = end_line(r)
    if end is not None:
        rows.append(end)
    if r.missing is not None:
        rows.append(("Not yet in force", r.missing.summary))
    if r.approvals:
        rows.append(("Approved", ", ".join(f"{p} {d}" for p, d in r.approvals.items())))
    if r.signed_on:
        rows.append(("Signed", str(r.signed_on)))
    if r.party is not None:
        rows.insert(0, ("For", r.party))
    out: list[Any] = [_kv(rows, f"{r.agreement} | {r.scenario}")]
    if r.notices:
        for n in r.notices:  # one small table each: every fact, readable at 80 columns
            f = notice_facts(n)
            rows_n: list[tuple[str, Any]] = [
                ("party", f.party),
                ("kind", f"{f.kind} under {f.clause}"),
                (
                    "received",
                    f"{f.received}, {f.timely}" + (f" (deadline {f.deadline})" if f.deadline else ""),
                ),
                ("status", f.status),
            ]
            if f.effect:
                rows_n.append(("effect", f.effect))
            rows_n += [("", w) for w in f.why]  # "why late: ...", "may be held: ...": they say what they are
            out.append(_kv(rows_n, f"Notice {f.id}"))
    out += [_m("[yellow]CAVEAT:[/] ") + _t(c) for c in r.caveats]
    out += _ambiguities(r.ambiguities)
    return out


def _ambiguities(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for a in items:
        out.append(_m("[bold yellow]WARNING: ambiguous:[/] ") + _t(a.question))
        out += [_t(f"  {k}: {v}") for k, v in a.readings.items()]
        out.append(_t(f"  used: {a.used}"))
    return out


def _deadline(r: DeadlineResult) -> list[Any]:
    if r.deadline is None:
        rows: list[tuple[str, Any]] = [("From", str(r.on)), ("Deadline", f"none: {r.reason}")]
    else:
        rows = [
            ("From", str(r.on)),
            ("Deadline", _m(f"[bold]{r.deadline}[/] ({r.days_left} days left)")),
            ("Prevents renewal of", f"{r.prevents_renewal_of} (term {r.term} ends {r.term_last_day})"),
            ("Who", ", ".join(r.who)),
            ("Clause", f"{r.clause} ({r.article or 'no article cited'}), at least {r.notice_period}"),
            ("Counted as", r.convention or ""),
        ]
        from treatylife.render.facts import earliest_line

        if (early := earliest_line(r)) is not None:
            rows.append(early)
    if r.party is not None:
        rows.insert(0, ("For", r.party))
    if r.withdrawal:
        from treatylife.render.text import withdrawal_line

        rows += [("Withdrawal", withdrawal_line(w)) for w in r.withdrawal]
    return [_kv(rows, f"{r.agreement} | {r.scenario}"), *_ambiguities(r.ambiguities)]


def _timeline(r: TimelineResult) -> list[Any]:
    from rich.table import Table

    title = f"{r.agreement} | {r.scenario}" + (f" | for {r.party}" if r.party else "")
    t = Table()
    for col in ("from", "to", "stage", "term", "cause"):
        t.add_column(col, overflow="fold", no_wrap=col in ("from", "to"))
    for i in r.intervals:
        style = "green" if i.in_force else None
        t.add_row(
            *map(_t, (i.start or "...", i.last_day or "...", i.stage, i.term or "", i.cause)), style=style
        )
    out: list[Any] = [_t(f"what-if: {c}") for c in r.changes] + [_titled(title, t)]
    if r.open_end:
        out.append(_t(f"after {r.until}: {r.open_end}"))
    return out + _ambiguities(r.ambiguities)


def _compare(r: Any) -> list[Any]:
    from rich.table import Table

    from treatylife.render.text import compare_lines

    head = [line for line in compare_lines(r) if not line.startswith(("from ", "2", "..."))]
    out: list[Any] = [_t(line) for line in head]
    if r.ranges:
        t = Table()
        for col in ("from", "to", "A", "B", "differs"):
            t.add_column(col)
        for x in r.ranges:
            t.add_row(
                *map(
                    _t,
                    (x.start or "...", x.last_day or "...", x.a.label(), x.b.label(), x.describe()),
                )
            )
        out.append(_titled("Where they differ", t))
    return out


def _check(r: CheckResult) -> list[Any]:
    from rich.table import Table

    t = Table()
    for col in ("file", "result", "detail"):
        t.add_column(col, overflow="fold")
    for f in r.files:
        if f.ok:
            t.add_row(_t(f.file), _m("[green]ok[/]"), _t(f.summary))
            from treatylife.render.facts import check_findings

            for x in check_findings(f):
                word = x.split(":", 1)[0] if x.startswith(("WARNING:", "NOTE:")) else ""
                t.add_row(_t(""), _m(f"[yellow]{word.lower()}[/]") if word else _t(""), _t(x))
        else:
            from treatylife.render.facts import check_at, check_problems

            shared = check_problems(f)
            for p in shared:  # a row per problem, the same errors sharing one
                err = p.error
                at = f"{check_at(p)}: " if p.at else ""
                field = f"{err['field']}: " if err.get("field") else ""
                t.add_row(
                    _t(f.file),
                    _m("[red]FAIL[/] ") + _t(err.get("code")),
                    _t(f"{at}{field}{err.get('message')}"),
                )
            total = sum(p.count for p in shared)
            if total > len(shared):
                t.add_row(
                    _t(f.file), _m("[red]FAIL[/]"), _t(f"{total:,} problems in all (--json lists each)")
                )
    return [_titled("check", t)]


def print_rich(result: Any, *, explain: bool = False, console: Any = None) -> None:
    """Print ``result`` as tables to the terminal (falls back to plain text for other results); ``console``
    (a ``rich.console.Console``) lets tests print to a simulated terminal."""
    if console is None:
        from rich.console import Console

        console = Console(highlight=False)
    if isinstance(result, StatusResult):
        parts = _status(result)
    elif isinstance(result, DeadlineResult):
        parts = _deadline(result)
    elif isinstance(result, TimelineResult):
        parts = _timeline(result)
    elif isinstance(result, CheckResult):
        parts = _check(result)
    elif type(result).__name__ == "CompareResult":
        parts = _compare(result)
    else:
        from treatylife.render.text import render_text

        console.print(render_text(result, explain=explain), markup=False)
        return
    if explain and getattr(result, "explanation", None):
        parts.append(_steps(result.explanation))
    for part in parts:
        console.print(_t(part) if isinstance(part, str) else part)
