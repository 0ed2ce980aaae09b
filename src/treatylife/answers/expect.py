"""Expected answers written in scenario files (``expect:``), checked against the engine's answers.

After OpenFisca's YAML tests: a domain expert writes what the agreement's text means on a date ("in force
on 2019-11-23", "the deadline is 2019-08-24") next to the events, and ``treatylife test`` (or ``pytest``, with
the treatylife plugin) says where the engine disagrees. The answers come from the same queries as
``status`` and ``deadline``: nothing here computes a date.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from treatylife.answers.results import ResultBase
from treatylife.errors import TreatyLifeError

if TYPE_CHECKING:
    from treatylife.model.record import Record
    from treatylife.model.scenario import Expectation

__all__ = ["ExpectResult", "FileExpectations", "Outcome", "check_expectation", "run_expectations"]


@dataclass(frozen=True)
class Outcome:
    """One expected answer (one field of one ``expect:`` entry) and what the engine answers."""

    file: str | None
    line: int | None
    date: _dt.date
    party: str | None
    what: str  # in_force | stage | term | ends | deadline | notice_status
    expected: Any
    got: Any
    why: str | None = None
    notice: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.expected == self.got)

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file and self.line else (self.file or "<expect>")

    def line_text(self) -> str:
        """``file:line: on DATE [for P]: WHAT: expected X, got Y`` (one line per failure)."""
        who = f" for {self.party}" if self.party else ""
        what = f"notice {self.notice} status" if self.what == "notice_status" else self.what
        why = f" ({self.why})" if self.why else ""
        return f"{self.where()}: on {self.date}{who}: {what}: expected {_shown(self.expected)}, got {_shown(self.got)}{why}"


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class FileExpectations:
    file: str
    ok: bool  # read, and every expectation met
    error: dict[str, Any] | None  # the file could not be read or replayed (bad input, exit code 2)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


@dataclass(frozen=True)
class ExpectResult(ResultBase):
    """What ``treatylife test`` prints: each file's expectations, the failures one line each."""

    ok: bool
    files: list[FileExpectations]
    checked: int  # expected answers compared
    failed: int
    bad_files: int  # files that could not be read: bad input

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for f, fd in zip(self.files, out["files"], strict=True):
            for o, od in zip(f.outcomes, fd["outcomes"], strict=True):
                od["ok"] = o.ok
        return out


def check_expectation(record: Record, x: Expectation) -> list[Outcome]:
    """Every answer one ``expect:`` entry names, compared with the engine's (status/deadline on its date)."""
    from treatylife.answers.query import next_deadline, status

    expected = x.expected()
    got: dict[str, Any] = {}
    if expected.keys() - {"deadline"}:
        s = status(record, x.date, x.party)
        got.update(in_force=s.in_force, stage=s.stage, ends=s.ends)
        got["term"] = s.term.number if s.term is not None else None
        if x.notice is not None:
            found = [n for n in s.notices if n.id == x.notice]
            got["notice_status"] = found[0].status if found else f"no notice {x.notice!r} known on {x.date}"
    if "deadline" in expected:
        got["deadline"] = next_deadline(record, x.date, x.party).deadline
    return [
        Outcome(x.file, x.line, x.date, x.party, what, value, got[what], x.why, x.notice)
        for what, value in expected.items()
    ]


def run_expectations(paths: list[Path]) -> ExpectResult:
    """Check the ``expect:`` entries of scenario files (directories: every scenario under them; rules files
    are skipped). A file that cannot be read is reported, and the others are still checked."""
    from treatylife.answers.check import expand_paths, looks_like_rules
    from treatylife.engine.replay import replay
    from treatylife.files.loader import display_path, is_stdin, load_scenario

    out: list[FileExpectations] = []
    for path in expand_paths(paths):
        if not is_stdin(path) and looks_like_rules(path):
            continue
        shown = "<stdin>" if is_stdin(path) else display_path(path)
        try:
            loaded = load_scenario(path)
            record = replay(loaded)
            outcomes = [o for x in loaded.expect for o in check_expectation(record, x)]
        except TreatyLifeError as exc:
            out.append(FileExpectations(shown, False, exc.to_dict()))
            continue
        out.append(FileExpectations(shown, all(o.ok for o in outcomes), None, outcomes))
    checked = sum(len(f.outcomes) for f in out)
    failed = sum(len(f.failures) for f in out)
    bad = sum(f.error is not None for f in out)
    return ExpectResult(failed == 0 and bad == 0, out, checked, failed, bad)
