"""Renderers turn result objects into text, JSON, Markdown, iCalendar or diagrams. They never compute."""

from __future__ import annotations

from typing import Any

__all__ = ["FORMATS", "package_version", "render"]

FORMATS = ("text", "json", "markdown")


def render(result: Any, fmt: str = "text", *, explain: bool = False) -> str:
    """Render a result (StatusResult, DeadlineResult, TimelineResult, CheckResult) in ``fmt``."""
    if fmt == "json":
        from treatylife.render.json import render_json

        return render_json(result, explain=explain)
    if fmt == "markdown":
        from treatylife.render.markdown import render_markdown

        return render_markdown(result, explain=explain)
    from treatylife.render.text import render_text

    return render_text(result, explain=explain)


def package_version() -> str:
    """The installed version, for files that name their producer (.ics PRODID). Read from the package's
    metadata because render sits below the API (``treatylife.__version__``, the same string: tested)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("treatylife")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"
