"""docs/api.md is run as written: every example in it is a doctest, so the API page cannot drift."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_api_page_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the page's examples name files relative to the repository root
    failures, tried = doctest.testfile(
        str(ROOT / "docs" / "api.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert tried >= 30, f"only {tried} examples found in docs/api.md"
    assert failures == 0, f"{failures} of {tried} examples in docs/api.md failed (printed above)"
