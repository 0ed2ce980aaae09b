"""One small error hierarchy: every error a user can cause has a stable code and says where.

The CLI turns any :class:`TreatyLifeError` into one readable line and exit code 2; anything else is a bug
(exit code 1). Codes are stable: scripts and tests match on them, never on message wording.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: ``import treatylife`` stays light
if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Sequence
    from typing import TypeVar

    T = TypeVar("T")

__all__ = [
    "SHARED_LINES",
    "AmbiguousDateError",
    "InputError",
    "RulesError",
    "ScenarioError",
    "SequenceError",
    "TreatyLifeError",
    "at_file",
    "places",
    "shared_lines",
]

#: problems with the very same error are listed one by one up to this many; more share one line
SHARED_LINES = 5


def shared_lines(problems: Sequence[T], same: Callable[[T], Hashable]) -> list[list[T]]:
    """The lines that list ``problems`` (in file order): a line each, except that where more than
    :data:`SHARED_LINES` have the very same error (``same`` of each is equal: a rules file not found, named
    by 100,000 rows), they share the line of the first of them. Every reader of a long list of bad rows
    (the error of ``portfolio``, ``check`` in every format) groups them by this one rule."""
    groups: dict[Hashable, list[T]] = {}
    for p in problems:
        groups.setdefault(same(p), []).append(p)
    lines: list[list[T]] = []
    for p in problems:
        group = groups[same(p)]
        if len(group) <= SHARED_LINES:
            lines.append([p])
        elif p is group[0]:
            lines.append(group)
    return lines


def places(lines: Sequence[int | None], rows: Sequence[int | None]) -> str:
    """Where the problems of one line are: their lines (``12``; ``6, 12, 53, 111, 170 and 10 more``), or
    their rows where no line is known (``row 7``; ``rows 5, 11 and 3 more``: a Parquet register). The first
    :data:`SHARED_LINES` are named, then how many more."""
    if all(x is not None for x in lines):
        where = [str(x) for x in lines]
        head = ""
    elif all(x is None for x in lines) and all(r is not None for r in rows):
        where = [str(r) for r in rows]
        head = "row " if len(rows) == 1 else "rows "
    else:  # some lines unknown: name what is known, count them all
        pairs = zip(lines, rows, strict=True)
        where = [str(x) if x is not None else f"row {r}" for x, r in pairs if x is not None or r is not None]
        head = ""
    shown = where[:SHARED_LINES]
    if not shown:  # nowhere known: the file alone
        return ""
    more = len(lines) - len(shown)
    return head + ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")


def at_file(file: str, where: str) -> str:
    """``file:12`` for lines, ``file: rows 5, 11`` for rows (:func:`places`), ``file`` for nowhere."""
    if not where:
        return file
    return f"{file}:{where}" if where[0].isdigit() else f"{file}: {where}"


class TreatyLifeError(Exception):
    """Base class: a problem with the user's input or question, never a bug."""

    code = "TL000"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint
        if code is not None:
            self.code = code
        #: Every problem found in the same input, this one's first (validation finds several at once);
        #: empty when this is the only one. ``treatylife check`` reports each on its own line.
        self.problems: list[TreatyLifeError] = []

    def location(self) -> str:
        """``file:line`` (or as much of it as is known)."""
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def __str__(self) -> str:
        parts = []
        loc = self.location()
        if loc:
            parts.append(f"{loc}:")
        if self.field:
            parts.append(f"{self.field}:")
        parts.append(self.message)
        text = " ".join(parts)
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "hint": self.hint,
        }


class InputError(TreatyLifeError):
    """A file cannot be read or parsed (missing, too large, not UTF-8, not YAML)."""

    code = "TL100"


class RulesError(TreatyLifeError):
    """A rules file is read but does not describe a valid agreement."""

    code = "TL200"


class ScenarioError(TreatyLifeError):
    """A scenario file is read but its content is invalid (fields, references, what-if overlays)."""

    code = "TL300"


class SequenceError(ScenarioError):
    """The events cannot have happened in this order under these rules."""

    code = "TL400"


class AmbiguousDateError(TreatyLifeError):
    """A date computation has no single answer and the rules ask to refuse rather than round."""

    code = "TL500"
