"""Outputs people use: --explain, Markdown, rich tables on a terminal, the .ics calendar, the diagram."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "examples" / "gsomia-record.yaml"
NO_SUSPENSION = ROOT / "examples" / "whatif-no-suspension.yaml"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


# ---------------------------------------------------------------------------- --explain


def test_explain_deadline_cites_article_and_convention() -> None:
    d = tl.deadline(None, dt.date(2026, 11, 22))
    steps = {s.date: s for s in d.explanation}
    last = steps[dt.date(2027, 8, 24)]
    assert last.article == "Art. 21(3)" and last.convention == "notice_counting=clear_days"
    eif = steps[dt.date(2016, 11, 23)]
    assert any(s.article == "Art. 21(1)" for s in d.explanation if s.date == eif.date)
    # every computed date says how it was computed; every event says where it was written
    for s in d.explanation:
        assert s.date is not None
        if s.what.startswith(("term ", "notice at least")):
            assert s.article and s.convention
        if s.source:
            assert "gsomia-record.yaml:" in s.source
    withdrawn = [s for s in d.explanation if "withdrawn" in s.what]
    assert withdrawn and withdrawn[0].article == "VCLT Art. 68"


def test_explain_text_and_json() -> None:
    code, out, _ = run("deadline", "--on", "2026-11-22", "--explain")
    assert code == 0
    why = out.split("\nWhy:\n", 1)[1]
    assert "2027-08-24  notice at least 90 days before the end of term 11 (2027-11-22)" in why
    assert "[Art. 21(3); notice_counting=clear_days]" in why
    code, out, _ = run("status", "--on", "2019-08-23", "--json")  # JSON carries it without --explain
    assert code == 0 and json.loads(out)["explanation"]


# ---------------------------------------------------------------------------- markdown


def test_explain_timeline_lists_events_and_the_renewal_clause() -> None:
    t = tl.timeline(RECORD, dt.date(2020, 1, 1))
    whats = [(s.date, s.what) for s in t.explanation]
    assert whats == sorted(whats, key=lambda x: x[0] or dt.date.min)  # in date order
    by_date = {s.date: s for s in t.explanation if s.what.startswith("term 4 ")}
    assert by_date[dt.date(2019, 11, 23)].article == "Art. 21(3)"
    assert by_date[dt.date(2019, 11, 23)].convention == "end_of_month=round_down"
    assert any((s.source or "").endswith("gsomia-record.yaml:53") for s in t.explanation)  # with file:line
    assert all(s.date is None or s.date <= dt.date(2020, 1, 1) for s in t.explanation)  # nothing after
    code, out, _ = run("timeline", str(RECORD), "--to", "2020-01-01", "--explain")
    assert code == 0 and "\nWhy:\n" in out and "notice_suspended KOR" in out


def test_explain_compare_says_why_each_side_answers_as_it_does() -> None:
    c = tl.compare(RECORD, NO_SUSPENSION)
    whats = [s.what for s in c.explanation]
    assert any(w.startswith("A and B: notice kor-2019-termination by KOR") for w in whats)  # shared: once
    assert any(w.startswith("A: notice kor-2019-termination suspended") for w in whats)
    assert any(w.startswith("B: notice kor-2019-termination effective") for w in whats)
    assert all(s.date is None or s.date <= dt.date(2019, 11, 23) for s in c.explanation)
    code, out, _ = run("compare", str(RECORD), str(NO_SUSPENSION), "--explain", "--format", "markdown")
    assert code == 0 and "### Why" in out and "A: notice kor-2019-termination suspended" in out
    assert tl.compare(RECORD, RECORD).explanation == []  # nothing diverges: nothing to explain


def test_markdown_status_with_explanation() -> None:
    code, out, _ = run("status", "--on", "2019-08-23", "--format", "markdown", "--explain")
    assert code == 0
    assert out.startswith("## GSOMIA (Japan–Korea, 2016): in force on 2019-08-23\n")
    assert (
        "| kor-2019-termination | KOR | notice of non-renewal under art21-3-notice | 2019-08-23 | timely (deadline "
        "2019-08-24) | pending since 2019-08-23 | takes effect 2019-11-23 (last day in force 2019-11-22) |"
        in out
    )
    assert "### Why" in out and "| date | what | article | convention | source |" in out


def test_markdown_deadline_timeline_compare() -> None:
    _, out, _ = run("deadline", "--on", "2026-11-22", "--format", "markdown")
    assert "- **Deadline (last day of receipt):** 2027-08-24 (275 days left)" in out
    _, out, _ = run("timeline", "--to", "2018-01-01", "--format", "markdown")
    assert "| 2016-11-23 | 2017-11-22 | in_force | 1 |" in out
    _, out, _ = run("compare", str(RECORD), str(NO_SUSPENSION), "--format", "markdown")
    assert "**They diverge from 2019-11-23 on:** A in force (term 4), B terminated." in out
    assert "| 2019-11-23 | ... | in force (term 4) | terminated | in_force, stage |" in out


def test_markdown_escapes_pipes() -> None:
    from treatylife.render.markdown import _cell

    assert _cell("a | b\nc") == "a \\| b c"


# ---------------------------------------------------------------------------- rich on a terminal


def test_piped_output_is_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run("status", "--on", "2019-08-23")
    assert code == 0 and "┃" not in out and "\x1b[" not in out


def test_rich_tables_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from treatylife.render.rich_text import print_rich

    print_rich(tl.status(None, dt.date(2019, 11, 23)), explain=True)
    out = capsys.readouterr().out
    assert "IN FORCE" in out and "Notice kor-2019-termination" in out and "Why" in out
    assert "would have taken effect 2019-11-23" in out  # suspended: not "takes effect"
    assert "kor-2019-" in out and "2019-11-22" in out
    print_rich(tl.compare(RECORD, NO_SUSPENSION))
    out = capsys.readouterr().out
    assert "They diverge from 2019-11-23 on" in out and "terminated" in out


@pytest.mark.parametrize(
    ("compute", "heading"),
    [
        (
            lambda: tl.status(None, dt.date(2026, 12, 1)),
            "GSOMIA (Japan–Korea, 2016) | GSOMIA — the record, 2012–2023",
        ),
        (
            lambda: tl.deadline(None, dt.date(2012, 1, 1)),
            "GSOMIA (Japan–Korea, 2016) | GSOMIA — the record, 2012–2023",
        ),
        (
            lambda: tl.timeline(None, dt.date(2012, 6, 1), party="JPN"),
            "GSOMIA (Japan–Korea, 2016) | GSOMIA — the record, 2012–2023 | for JPN",
        ),
    ],
)
def test_rich_headings_use_the_terminal_width(
    compute: Any, heading: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A short table (a status with no notice) once wrapped its heading at the table's width (~50 columns)
    on a 120-column terminal: the heading is a line of its own, as wide as the terminal."""
    from treatylife.render.rich_text import print_rich

    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich takes this as a terminal, as on a real one
    print_rich(compute())
    lines = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out).splitlines()  # styles, as a terminal shows
    assert lines[0].rstrip() == heading
    assert not lines[1].startswith(heading.split()[-1])  # nothing of it carried over to a second line


def test_rich_does_not_read_user_text_as_markup(capsys: pytest.CaptureFixture[str]) -> None:
    from treatylife.render.rich_text import _t

    assert _t("[bold]x[/bold] [/]").plain == "[bold]x[/bold] [/]"


# ---------------------------------------------------------------------------- calendar (.ics)


def test_ics_acceptance_roundtrip(tmp_path: Path) -> None:
    import icalendar

    out = tmp_path / "gsomia.ics"
    code, _, err = run("calendar", "--from", "2026-11-22", "--years", "2", "-o", str(out))
    assert code == 0 and "wrote" in err
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    events = list(cal.walk("VEVENT"))
    deadlines = [e for e in events if e.decoded("dtstart") == dt.date(2027, 8, 24)]
    assert len(deadlines) == 1
    ev = deadlines[0]
    assert "2027-11-23" in str(ev["summary"])
    alarms = list(ev.walk("VALARM"))
    assert sorted(a.decoded("trigger") for a in alarms) == [dt.timedelta(weeks=-4), dt.timedelta(weeks=-1)]
    assert all(str(a["action"]) == "DISPLAY" for a in alarms)
    # renewals are there too, without alarms
    renewals = [e for e in events if "renews" in str(e["summary"])]
    assert {e.decoded("dtstart") for e in renewals} == {dt.date(2026, 11, 23), dt.date(2027, 11, 23)}
    assert all(not list(e.walk("VALARM")) for e in renewals)
    assert all(str(e["uid"]).endswith("@treatylife") for e in events)


def test_ics_marks_the_day_a_withdrawal_clause_opens(tmp_path: Path) -> None:
    import icalendar

    # Japan-US treaty, Art. X: notice only after ten years in force (from 1970-06-23), effective a year later
    out = tmp_path / "usj.ics"
    usj = str(ROOT / "examples" / "us-japan-security-record.yaml")
    code, _, _ = run("calendar", usj, "--from", "1965-01-01", "--years", "10", "-o", str(out))
    assert code == 0
    (ev,) = [e for e in icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")]
    assert ev.decoded("dtstart") == dt.date(1970, 6, 23)
    assert "notice of withdrawal possible from today" in str(ev["summary"])
    assert "on 1971-06-23" in str(ev["description"]) and list(ev.walk("VALARM"))
    # once the clause is open there is nothing to announce
    assert tl.calendar([usj], dt.date(1971, 1, 1), 5).items == []


def test_ics_is_deterministic_and_uids_stable() -> None:
    from treatylife.render.ics import render_ics

    a = render_ics(tl.calendar([None], dt.date(2026, 11, 22), 3))
    b = render_ics(tl.calendar([None], dt.date(2026, 11, 22), 3))
    assert a == b
    # the stamp comes from the inputs (the record's last event, 2023-03-21), not from the start asked
    assert b"DTSTAMP:20230321T000000Z" in a and b"DTSTAMP:20261122" not in a
    # a later start: the same deadline keeps its UID (a calendar client updates instead of duplicating)
    later = tl.calendar([None], dt.date(2027, 1, 1), 1)
    first = tl.calendar([None], dt.date(2026, 11, 22), 3)
    uid = {i.date: i.uid for i in first.items if i.kind == "notice_deadline"}
    assert any(uid.get(i.date) == i.uid for i in later.items if i.kind == "notice_deadline")


def test_ics_remind_option_and_several_scenarios(tmp_path: Path) -> None:
    import icalendar

    out = tmp_path / "two.ics"
    code, _, _ = run(
        "calendar",
        str(RECORD),
        str(NO_SUSPENSION),
        "--from",
        "2019-06-01",
        "--years",
        "1",
        "--remind",
        "6",
        "-o",
        str(out),
    )
    assert code == 0
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    events = list(cal.walk("VEVENT"))
    # the record: deadline 2019-08-24; the what-if: the same deadline, and the agreement ends 2019-11-23
    assert sum(e.decoded("dtstart") == dt.date(2019, 8, 24) for e in events) == 2
    ends = [e for e in events if "no longer in force" in str(e["summary"])]
    assert [e.decoded("dtstart") for e in ends] == [dt.date(2019, 11, 23)]
    assert [a.decoded("trigger") for a in ends[0].walk("VALARM")] == [dt.timedelta(weeks=-6)]
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_calendar_json_and_bad_years() -> None:
    code, out, _ = run("calendar", "--from", "2026-11-22", "--json")
    assert code == 0
    data = json.loads(out)
    assert data == tl.calendar([None], dt.date(2026, 11, 22), 2).to_dict()
    assert "2027-08-24" in [i["date"] for i in data["items"]]
    code, _, _ = run("calendar", "--from", "2026-11-22", "--years", "0")
    assert code == 2


# ---------------------------------------------------------------------------- diagram


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_diagram_has_every_transition(fmt: str) -> None:
    from treatylife.engine.lifecycle import STAGES, TRANSITIONS

    code, out, _ = run("diagram", "--format", fmt)
    assert code == 0
    for stage in STAGES:
        assert stage in out
    arrow = " --> " if fmt == "mermaid" else " -> "
    edge_lines = [line for line in out.splitlines() if arrow in line]
    for t in TRANSITIONS:
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        for src in sources:
            dest = t["dest"] or src
            lines = [line for line in edge_lines if line.strip().startswith(f"{src}{arrow}{dest}")]
            assert lines, (fmt, src, dest)
            assert any(t["trigger"] in line for line in lines), (fmt, t["trigger"], src, dest)


def test_diagram_mermaid_from_transitions_and_json() -> None:
    code, out, _ = run("diagram")
    assert code == 0 and "stateDiagram-v2" in out and "[*] --> not_started" in out
    assert "s_active" not in out.split("classDef s_active", 1)[1]  # no stage drawn as "current"
    code, out, _ = run("diagram", "--format", "dot", "--json")
    data = json.loads(out)
    assert data["format"] == "dot" and data["text"].startswith("digraph")
    code, _, err = run("diagram", "--format", "png")
    assert code == 2 and "TL605" in err
