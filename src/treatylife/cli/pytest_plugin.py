"""A pytest plugin (entry point ``pytest11: treatylife``): scenario files with ``expect:`` entries are tests.

``pytest examples/`` (or any folder pytest is pointed at) collects each ``*.yaml``/``*.yml`` scenario that
has a top-level ``expect:`` key: one test item per entry, named ``DATE[-PARTY]:LINE``, failing with the
same ``file:line: ... expected X, got Y`` lines as ``treatylife test``. A file that cannot be read is one
failing item with its ``error [TLnnn]`` line. Other YAML files are left alone (a bounded peek at the first
64 KiB of regular files decides). Disable with ``-p no:treatylife``.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ExpectationFile", "ExpectationItem", "pytest_collect_file"]

_PEEK = 64 * 1024
_EXPECT_KEY = re.compile(r"^expect:", re.MULTILINE)
_SCENARIO_KEY = re.compile(r"^(rules|based_on|schema: treatylife/scenario/1)\b", re.MULTILINE)


def _has_expectations(path: Path) -> bool:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
        with path.open("rb") as fh:
            head = fh.read(_PEEK).decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return False
    return bool(_EXPECT_KEY.search(head) and _SCENARIO_KEY.search(head))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and _has_expectations(file_path):
        collector: pytest.Collector = ExpectationFile.from_parent(parent, path=file_path)
        return collector
    return None


class ExpectationFailed(Exception):
    """The lines ``treatylife test`` would print for this entry."""


class ExpectationFile(pytest.File):
    """A scenario file: one item per ``expect:`` entry (or one failing item if it cannot be read)."""

    def collect(self) -> Any:
        import treatylife
        from treatylife.errors import TreatyLifeError

        try:
            loaded = treatylife.load_files(self.path)
            record = treatylife.load(loaded)
        except TreatyLifeError as exc:
            yield ExpectationItem.from_parent(self, name="load", error=f"error [{exc.code}]: {exc}")
            return
        for x in loaded.expect:
            who = f"-{x.party}" if x.party else ""
            yield ExpectationItem.from_parent(
                self, name=f"{x.date}{who}:{x.line}", record=record, expectation=x
            )


class ExpectationItem(pytest.Item):
    def __init__(
        self, *, record: Any = None, expectation: Any = None, error: str | None = None, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.record, self.expectation, self.error = record, expectation, error

    def runtest(self) -> None:
        if self.error is not None:
            raise ExpectationFailed(self.error)
        from treatylife.answers.expect import check_expectation

        failed = [o for o in check_expectation(self.record, self.expectation) if not o.ok]
        if failed:
            raise ExpectationFailed("\n".join(o.line_text() for o in failed))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ExpectationFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.expectation.line if self.expectation is not None else None
        return self.path, (line - 1 if line else None), f"expect: {self.name}"
