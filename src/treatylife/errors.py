"""One small error hierarchy: every error a user can cause has a stable code and says where.

The CLI turns any :class:`TreatyLifeError` into one readable line and exit code 2; anything else is a bug
(exit code 1). Codes are stable: scripts and tests match on them, never on message wording.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousDateError",
    "InputError",
    "RulesError",
    "ScenarioError",
    "SequenceError",
    "TreatyLifeError",
]


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
