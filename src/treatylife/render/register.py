"""Register answers (portfolio, deadlines) as text tables, JSON or CSV; and a terminal progress bar."""

from __future__ import annotations

import sys
from typing import Any, TextIO

__all__ = ["REGISTER_FORMATS", "TerminalProgress", "render_register"]

REGISTER_FORMATS = ("text", "json", "csv")

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


def _table(result: Any, spec: tuple[tuple[str, str], ...]) -> list[str]:
    cols = [[head, *result.table.strings(name)] for name, head in spec]
    widths = [max(map(len, c)) for c in cols]
    out = []
    for row in zip(*cols, strict=True):
        out.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return out


def render_register(result: Any, fmt: str) -> str:
    """A PortfolioResult or DeadlinesResult as ``text``, ``json`` or ``csv``."""
    from treatylife.bulk.register import DEADLINE_COLUMNS, PORTFOLIO_COLUMNS, PortfolioResult

    portfolio = isinstance(result, PortfolioResult)
    if fmt == "json":
        import json

        return json.dumps(result.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
    if fmt == "csv":
        return str(result.table.csv(PORTFOLIO_COLUMNS if portfolio else DEADLINE_COLUMNS))
    if portfolio:
        summary = ", ".join(f"{n:,} {s}" for s, n in sorted(result.summary().items(), key=lambda x: -x[1]))
        head = f"{result.register} on {result.on}: {result.count:,} agreements" + (
            f" ({summary})" if summary else ""
        )
        return "\n".join([head, *(_table(result, _PORTFOLIO_TEXT) if result.count else [])])
    head = (
        f"{result.register}: notice deadlines from {result.start} to {result.until} ({result.within}): "
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
