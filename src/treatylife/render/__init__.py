"""Renderers turn result objects into text, JSON, Markdown, iCalendar or diagrams. They never compute."""

from __future__ import annotations

from typing import Any

__all__ = ["FORMATS", "render"]

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
