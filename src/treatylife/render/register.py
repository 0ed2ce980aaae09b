"""Register answers (portfolio, deadlines) as text tables, JSON or CSV; and a terminal progress bar.

A register is thousands of rows other people wrote: its text cells go through
:func:`treatylife.render.escape.terminal`, its CSV text cells through :func:`~treatylife.render.escape.csv_cell`
(a leading ``= + - @`` cannot become a spreadsheet formula), its JSON through
:func:`~treatylife.render.escape.json_text`. Each check is one scan of a whole column; only the distinct
values that need it are rewritten.
"""

from __future__ import annotations

import re
import sys
from typing import Any, TextIO

__all__ = ["REGISTER_FORMATS", "TerminalProgress", "render_csv", "render_register"]

REGISTER_FORMATS = ("text", "json", "csv")
_FORMULA = re.compile("\x00[=+\\-@\t\r]")

_PORTFOLIO_TEXT = (
    ("id", "id"),
    ("stage", "stage"),
    ("term", "term"),
    ("term_last_day", "term ends"),
    ("ends", "ends"),
    ("notice", "notice"),
    ("deadline", "next deadline"),
    ("days_left", "days"),
)
_DEADLINES_TEXT = (
    ("deadline", "deadline"),
    ("days_left", "days"),
    ("id", "id"),
    ("agreement", "agreement"),
    ("prevents_renewal_of", "prevents renewal of"),
    ("who", "who may give notice"),
)


def _safe_column(col: list[str], cell: Any) -> list[str]:
    """``cell`` applied to the values of ``col`` that need it (one C-level scan decides the usual case)."""
    from treatylife.render.escape import UNSAFE

    # a NUL inside a value is found by the first scan, so it may separate values in the second
    if not UNSAFE.search("".join(col)) and not _FORMULA.search("\x00" + "\x00".join(col)):
        return col
    fixed = {v: cell(v) for v in set(col)}
    return [fixed[v] for v in col]


def _terminal_column(col: list[str]) -> list[str]:
    from treatylife.render.escape import UNSAFE, terminal

    if not UNSAFE.search("".join(col)):
        return col
    fixed = {v: terminal(v) for v in set(col)}
    return [fixed[v] for v in col]


def _csv_column(col: list[str]) -> list[str]:
    """Text cells: OWASP-neutralised (:func:`csv_cell`), then quoted where RFC 4180 needs it."""
    from treatylife.render.escape import csv_cell

    col = _safe_column(col, csv_cell)
    joined = "\x00".join(col)
    if not any(c in joined for c in ',"\r\n'):
        return col  # the usual case, decided by four C-level scans
    special = {v for v in set(col) if any(c in v for c in ',"\r\n')}
    q = {v: '"' + v.replace('"', '""') + '"' for v in special}
    return [q.get(v, v) for v in col]


def render_csv(table: Any, names: tuple[str, ...]) -> str:
    """RFC 4180 CSV (quoted only where needed), header first; text cells made safe for spreadsheets."""
    from treatylife.bulk.register import OUTPUT

    cols = []
    for n in names:
        col = table.strings(n)
        cols.append(_csv_column(col) if OUTPUT[n] == "str" else col)
    return "\n".join([",".join(names), *map(",".join, zip(*cols, strict=True))])


def _table(result: Any, spec: tuple[tuple[str, str], ...]) -> list[str]:
    cols = [[head, *_terminal_column(result.table.strings(name))] for name, head in spec]
    widths = [max(map(len, c)) for c in cols]
    out = []
    for row in zip(*cols, strict=True):
        out.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return out


def render_register(result: Any, fmt: str) -> str:
    """A PortfolioResult or DeadlinesResult as ``text``, ``json`` or ``csv``."""
    from treatylife.bulk.register import DEADLINE_COLUMNS, PORTFOLIO_COLUMNS, PortfolioResult
    from treatylife.render.escape import terminal

    portfolio = isinstance(result, PortfolioResult)
    if fmt == "json":
        import json

        from treatylife.render.escape import json_text

        return json_text(json.dumps(result.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    if fmt == "csv":
        return render_csv(result.table, PORTFOLIO_COLUMNS if portfolio else DEADLINE_COLUMNS)
    if portfolio:
        summary = ", ".join(f"{n:,} {s}" for s, n in sorted(result.summary().items(), key=lambda x: -x[1]))
        head = f"{terminal(str(result.register))} on {result.on}: {result.count:,} agreements" + (
            f" ({summary})" if summary else ""
        )
        return "\n".join([head, *(_table(result, _PORTFOLIO_TEXT) if result.count else [])])
    head = (
        f"{terminal(str(result.register))}: notice deadlines from {result.start} to {result.until} ({result.within}): "
        f"{result.count:,}"
    )
    return "\n".join([head, *(_table(result, _DEADLINES_TEXT) if result.count else [])])


class TerminalProgress:
    """``label [#####.....] 512/1,000`` redrawn in place on a terminal; silent when not a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.active = False

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        width = 30
        filled = width * done // total
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done:,}/{total:,}")
        self.active = True
        if done >= total:
            self.close()
        self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.active = False

    @classmethod
    def for_terminal(cls, label: str) -> TerminalProgress | None:
        """A progress bar when standard error is a terminal, else None (pipes and files stay clean)."""
        return cls(label) if sys.stderr.isatty() else None
