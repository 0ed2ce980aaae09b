"""``treatylife test`` output: one line per failed expectation (``file:line: ... expected X, got Y``)."""

from __future__ import annotations

from typing import Any

__all__ = ["expect_lines", "expect_markdown"]


def _error_line(err: dict[str, Any], file: str) -> str:
    loc = err.get("file") or file
    if err.get("line"):
        loc += f":{err['line']}"
    field = f" {err['field']}:" if err.get("field") else ""
    hint = f" (hint: {err['hint']})" if err.get("hint") else ""
    return f"ERROR {loc}:{field} {err.get('message')} [{err.get('code')}]{hint}"


def expect_lines(r: Any) -> list[str]:
    """An ExpectResult as plain lines: files that pass in one line each, failures one line each."""
    lines = []
    for f in r.files:
        if f.error is not None:
            lines.append(_error_line(f.error, f.file))
        elif not f.outcomes:
            lines.append(f"-     {f.file}: no expect: entries")
        elif f.ok:
            lines.append(f"ok    {f.file}: {len(f.outcomes)} expected answers")
        else:
            lines += [f"FAIL  {o.line_text()}" for o in f.failures]
    summary = (
        f"{r.checked} expected answers in {len(r.files)} files: {r.checked - r.failed} ok, {r.failed} failed"
    )
    if r.bad_files:
        summary += f", {r.bad_files} files unreadable"
    return [*lines, summary]


def expect_markdown(r: Any) -> list[str]:
    from treatylife.render.escape import markdown as md

    rows = []
    for f in r.files:
        if f.error is not None:
            rows.append(
                f"| {md(f.file)} | ERROR [{f.error.get('code')}] | {md(str(f.error.get('message')))} |"
            )
        for o in f.failures:
            rows.append(f"| {md(o.where())} | FAIL | {md(o.line_text().split(': ', 1)[1])} |")
        if f.ok:
            rows.append(f"| {md(f.file)} | ok | {len(f.outcomes)} expected answers |")
    head = ["## Test", "", "| file | result | detail |", "| --- | --- | --- |"]
    return [*head, *rows, "", f"{r.checked} expected answers: {r.checked - r.failed} ok, {r.failed} failed"]
