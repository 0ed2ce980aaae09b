"""``treatylife check``: validate files and list every answer that hangs on an open convention."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from treatylife.answers.results import Ambiguity, CheckResult, FileCheck
from treatylife.errors import TreatyLifeError

if TYPE_CHECKING:
    from treatylife.files.loader import Loaded
    from treatylife.model.record import Record
    from treatylife.model.rules import Rules

__all__ = ["check_files", "check_text", "expand_paths", "looks_like_rules", "notice_reach", "open_in_record"]

YAML_SUFFIXES = (".yaml", ".yml")


def open_in_record(record: Record) -> list[str]:
    """The conventions a replayed scenario leaves open and depends on: the rules' own, and resumed_notice
    when a resumption's readings differ (only then is it worth listing). ``check`` of a scenario and of a
    register both list these."""
    out = list(record.open_conventions)
    if "resumed_notice" not in out and any(n.resumption_contested for n in record.notices):
        out.append("resumed_notice")
    return out


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a directory stands for every ``*.yaml``/``*.yml`` file under it, in sorted order."""
    out: list[Path] = []
    for path in paths:
        if str(path) != "-" and path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
            out.extend(found)
        else:
            out.append(path)
    return out


def looks_like_rules(path: Path) -> bool:
    """A peek at the first 4 KiB of a regular file. Anything else (a FIFO, which would block on open,
    /dev/zero, a directory) is left to the loader, which refuses it with TL101 without reading; a file
    of any size costs one bounded read here (the loader refuses one over its limit, TL102)."""
    import stat

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return False
    return "entry_into_force:" in head or "treatylife/rules/" in head


def check_files(paths: list[Path]) -> CheckResult:
    """Check each file independently; one bad file does not hide the others, and one problem in a file
    does not hide the others in it (every validation problem is listed). Directories are searched for
    YAML files; ``-`` is a scenario on standard input."""
    from treatylife.files.loader import load_rules, load_scenario

    out = [
        _check_one(
            str(path),
            "rules" if str(path) != "-" and looks_like_rules(path) else "scenario",
            partial(load_rules, path),
            partial(load_scenario, path),
        )
        for path in expand_paths(paths)
    ]
    return CheckResult(all(f.ok for f in out), out)


def check_text(text: str | bytes, name: str = "posted.yaml") -> CheckResult:
    """``check`` of a rules or scenario file given as text (a web request's body): nothing is read from disk
    but the bundled files a scenario names (``rules: gsomia``)."""
    from treatylife.files.loader import load_rules_text, load_scenario_text

    head = (text if isinstance(text, str) else text.decode("utf-8", errors="replace"))[:4096]
    kind = "rules" if "entry_into_force:" in head or "treatylife/rules/" in head else "scenario"
    one = _check_one(
        name, kind, partial(load_rules_text, text, name), partial(load_scenario_text, text, name)
    )
    return CheckResult(one.ok, [one])


def _check_one(
    name: str, kind: str, rules_of: Callable[[], Rules], scenario_of: Callable[[], Loaded]
) -> FileCheck:
    """One file's check, however it is read (a path, standard input, a request's text)."""
    from treatylife.engine.replay import replay

    try:
        if kind == "rules":
            rules = rules_of()
            exits = ", ".join(e.kind for e in rules.exits) or "none (VCLT Art. 56 default)"
            summary = (
                f"rules {rules.id}: {len(rules.parties)} parties, entry into force {rules.entry_into_force.kind}, "
                f"term {rules.term.initial}, renewal {rules.renewal.kind}, exits: {exits}"
            )
            return FileCheck(name, kind, True, None, summary, rules.open_conventions(), [])
        loaded = scenario_of()
        record = replay(loaded)
        kind = "whatif" if loaded.is_whatif else "scenario"
        summary = f"{len(loaded.events)} events under {record.agreement_id}; "
        summary += f"in force from {record.in_force_from}" if record.in_force_from else "never in force"
        if record.ended_on:
            summary += f", ended {record.ended_on}"
        return FileCheck(
            name,
            kind,
            True,
            None,
            summary,
            open_in_record(record),
            _ambiguous(record),
            notes=notice_reach(record),
        )
    except TreatyLifeError as exc:
        problems = [p.to_dict() for p in exc.problems] or [exc.to_dict()]
        return FileCheck(name, kind, False, exc.to_dict(), "", [], [], problems)


def notice_reach(record: object) -> list[str]:
    """Notice clauses whose period is longer than a term: a notice stops a renewal several terms on (or,
    under ``late: void``, can never be timely). The count comes from the rule every answer uses
    (:meth:`~treatylife.model.record.DeadlineClause.term_stopped`)."""
    from treatylife.model.record import MAX_TERMS_AHEAD, Record

    assert isinstance(record, Record)
    ts = record.schedule.terms() if record.schedule is not None else None
    if ts is None or (ts.max_terms is not None and ts.max_terms < 2):
        return []
    out = []
    for c in record.deadline_clauses:
        ahead = c.terms_ahead(ts)
        if ahead < 1:
            continue
        renewal = record.schedule.renewal if record.schedule is not None else None
        head = f"clause {c.id}: the notice period ({c.notice}) is longer than a term ({renewal}): "
        if c.late == "void":
            out.append(head + "under late: void no notice can ever be timely, so no renewal can be prevented")
        elif ahead >= MAX_TERMS_AHEAD:
            out.append(head + f"a notice stops no renewal within {MAX_TERMS_AHEAD:,} terms")
        else:
            out.append(
                head + f"a notice received on the first day of a term ends the agreement after {ahead} more "
                "term(s), not at the end of that term (deadline, status and calendar count it so)"
            )
    return out


def _ambiguous(record: object) -> list[Ambiguity]:
    """Dates in a replayed scenario whose answer depends on an open convention."""
    from treatylife.answers.query import (
        entry_into_force_ambiguities,
        notice_ambiguity,
        term_boundary_ambiguities,
    )
    from treatylife.model.record import Record

    assert isinstance(record, Record)
    # the first few term ends show whether (and how) rounding moves the boundaries and their deadlines
    found: list[Ambiguity] = entry_into_force_ambiguities(record) + term_boundary_ambiguities(record, 5)
    for n in record.notices:
        # as finally known: a reading that arises only later (a resumption) is listed too
        found += notice_ambiguity(n, _dt.date.max)
    # de-duplicate, keep order
    seen: set[str] = set()
    unique = []
    for a in found:
        if a.question not in seen:
            seen.add(a.question)
            unique.append(a)
    return unique
