"""Every view says the same facts (issue 13): plain text, the terminal's tables, Markdown, the HTML report
and JSON render one result object, and each fact of it (render/facts.py: stage, term, end, and for each
notice its kind, receipt, timeliness and deadline, status, effect, "why late") appears in every view.

A suspended notice is the case that went wrong: the terminal said "takes effect 2019-11-23" while the
agreement renewed that day; the piped text said "would have taken effect".
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import json
import re
from pathlib import Path

import pytest

import treatylife as tl
from treatylife.answers.results import StatusResult
from treatylife.render.facts import end_line, notice_facts, stage_line, term_line

ROOT = Path(__file__).resolve().parent.parent
D = dt.date.fromisoformat
CASES = [
    (None, "2019-08-23", None),  # a notice pending, timely
    (None, "2019-11-23", None),  # suspended: it would have taken effect, the agreement renewed
    ("examples/whatif-late-notice.yaml", "2019-12-01", None),  # late: why late
    ("examples/whatif-no-suspension.yaml", "2019-11-23", None),  # ended
    ("examples/new-start-record.yaml", "2021-02-04", None),  # extended by agreement
    ("examples/paris-record.yaml", "2020-11-04", "USA"),  # one party out
    ("tests/blind2/examples/whatif-ccm-h1.yaml", "2025-03-05", "LTU"),  # a hold runs before the period ends
]


def _facts(st: StatusResult) -> list[str]:
    out = [stage_line(st)]
    if st.term is not None:
        out.append(term_line(st.term))
    end = end_line(st)
    if end is not None:
        out.append(end[1])
    for n in st.notices:
        f = notice_facts(n)
        out += [f.id, f.party, f"{f.kind} under {f.clause}", f.received, f.timely, f.status, *f.why]
        out += [f.deadline] if f.deadline else []
        out += [f.effect] if f.effect else []
    return [x for x in out if x]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _views(st: StatusResult, report_html: str | None) -> dict[str, str]:
    from rich.console import Console

    from treatylife.render import render
    from treatylife.render.rich_text import _status

    console = Console(file=io.StringIO(), width=400, highlight=False, record=True)
    for part in _status(st):
        console.print(part)
    md = re.sub(r"\\(.)", r"\1", render(st, "markdown"))
    views = {"text": render(st, "text"), "rich": console.export_text(), "markdown": md}
    if report_html is not None:
        views["html"] = html_lib.unescape(re.sub(r"<[^>]+>", " ", report_html))
    return {k: _flat(v) for k, v in views.items()}


@pytest.mark.parametrize(("scenario", "on", "party"), CASES)
def test_every_view_shows_every_fact(scenario: str | None, on: str, party: str | None) -> None:
    from treatylife.render.html import render_html

    path = str(ROOT / scenario) if scenario else None
    st = tl.status(path, D(on), party)
    page = render_html(tl.report(path, D(on))) if party is None else None
    views = _views(st, page)
    for fact in _facts(st):
        for name, text in views.items():
            assert _flat(fact) in text, f"{name} does not say {fact!r}"
    # JSON is the result itself
    from treatylife.render.json import render_json

    assert json.loads(render_json(st)) == st.to_dict()


def test_a_suspended_notice_never_takes_effect_in_any_view() -> None:
    st = tl.status(None, D("2019-11-23"))
    for name, text in _views(st, None).items():
        assert "would have taken effect 2019-11-23" in text, name
        assert "takes effect 2019-11-23" not in text, name


def test_prose_has_no_snake_case_stage() -> None:
    for name, text in _views(tl.status(None, D("2019-08-23")), None).items():
        assert "in force since 2016-11-23" in text and "in_force" not in text, name
        assert "non_renewal_notice" not in text, name
