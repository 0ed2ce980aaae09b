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


def test_the_python_api_block_of_the_readme_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's first Python example, line by line, from a folder holding the bundled examples and a
    register.csv (the one example file it names that the package does not ship)."""
    import treatylife as tl

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Python API\n\n```python\n", 1)[1].split("```", 1)[0]
    data = Path(tl.__file__).parent / "data"
    (tmp_path / "examples").symlink_to(data / "examples")
    (tmp_path / "rules").symlink_to(data / "rules")
    (tmp_path / "register.csv").write_text(
        "id,rules,entry_into_force\nkr-jp,gsomia,2016-11-23\nspring,gsomia,2017-05-01\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})  # our own documentation, run as a test
