"""``check`` over registers too: a bulk register file, or one piped on standard input (``check -``).

:func:`treatylife.answers.check.check_files` knows rules and scenario files; registers are read by this
layer, so the dispatch lives here: ``-`` is a register when its first line is a register header (CSV with
``id`` and ``rules`` columns, a JSON Lines row, Parquet or .xlsx), else a scenario, as before.
"""

from __future__ import annotations

from pathlib import Path

from treatylife.answers.results import CheckResult, FileCheck
from treatylife.errors import TreatyLifeError

__all__ = ["check_paths", "check_register", "stdin_is_register"]


def stdin_is_register() -> bool:
    """Peek at standard input (read once, bounded: the scenario reader then sees the same bytes)."""
    from treatylife.bulk.columnar import MAX_STDIN_BYTES, looks_like_register
    from treatylife.files.loader import read_stdin

    try:
        data = read_stdin(MAX_STDIN_BYTES)
    except TreatyLifeError:  # too large for any reader: the scenario reader says so
        return False
    return looks_like_register(data)


def check_register(path: Path) -> FileCheck:
    """Load a register as ``portfolio`` would, and report every bad row (each with line, field, code)."""
    from treatylife.bulk.columnar import RegisterProblems, is_stdin_register
    from treatylife.bulk.register import load_register

    name = "-" if is_stdin_register(path) else str(path)
    try:
        reg = load_register(path)
    except RegisterProblems as exc:
        errors = [{**p.to_dict(), "file": exc.file} for p in exc.bad_rows]
        return FileCheck(name, "register", False, exc.to_dict(), "", [], [], errors)
    except TreatyLifeError as exc:
        return FileCheck(name, "register", False, exc.to_dict(), "", [], [], [exc.to_dict()])
    rules = list({id(g.rules): g.rules for g in reg.groups}.values())
    from treatylife.answers.check import open_in_record

    replayed = [c for g in reg.groups for rec in g.records.values() for c in open_in_record(rec)]
    conventions = list(dict.fromkeys([*(c for r in rules for c in r.open_conventions()), *replayed]))
    n_files = len(rules)
    summary = f"register of {len(reg):,} agreement(s)"
    if n_files:
        summary += f" under {n_files} rules file(s)"
    # which file leaves what open: the union alone would blame a file that states its conventions
    open_by_file = {g.rules_path.name: g.rules.open_conventions() for g in reg.groups}
    said = [f"{f}: {', '.join(c)}" for f, c in open_by_file.items() if c]
    if said and n_files > 1:
        summary += " (left open by " + "; ".join(said) + ")"
    return FileCheck(name, "register", True, None, summary, conventions, [])


def check_paths(paths: list[Path]) -> CheckResult:
    """``treatylife check``: rules, scenarios and what-ifs as :func:`~treatylife.answers.check.check_files`
    checks them; a bulk register file (``.csv``, ``.jsonl``, ...) or a register on standard input is
    loaded as a register."""
    from treatylife.answers.check import check_files
    from treatylife.bulk.columnar import format_of

    out: list[FileCheck] = []
    for path in paths:
        piped = str(path) == "-"
        if stdin_is_register() if piped else (format_of(path) is not None and not path.is_dir()):
            out.append(check_register(path))
        else:
            out.extend(check_files([path]).files)
    return CheckResult(all(f.ok for f in out), out)
