"""What-if and compare: inline overlays, where two scenarios disagree and why."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
RECORD = EX / "gsomia-record.yaml"
NO_SUSPENSION = EX / "whatif-no-suspension.yaml"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


# ---------------------------------------------------------------------------- compare (library)


def test_acceptance_record_vs_no_suspension() -> None:
    r = tl.compare(RECORD, NO_SUSPENSION)
    assert not r.same
    assert r.diverge_from == dt.date(2019, 11, 23)
    assert len(r.ranges) == 1
    rng = r.ranges[0]
    assert (rng.start, rng.last_day) == (dt.date(2019, 11, 23), None)  # from then on, for good
    assert (rng.a.in_force, rng.b.in_force) == (True, False)
    assert rng.b.stage == "terminated" and rng.a.term == 4
    assert [(c.date, c.kind, c.only_in) for c in r.cause] == [
        (dt.date(2019, 11, 22), "notice_suspended", "A")
    ]
    assert r.to_dict()["diverge_from"] == "2019-11-23"


def test_acceptance_cli_text() -> None:
    code, out, _ = run("compare", str(RECORD), str(NO_SUSPENSION))
    assert code == 0
    assert "They diverge from 2019-11-23 on: A in force (term 4), B terminated" in out
    assert "Caused by: 2019-11-22 notice_suspended KOR (only in A)" in out
    assert "2019-11-23  ...         in force (term 4)  terminated  in_force, stage" in out


def test_compare_json_is_to_dict() -> None:
    code, out, _ = run("compare", str(RECORD), str(NO_SUSPENSION), "--json")
    assert code == 0
    assert json.loads(out) == tl.compare(RECORD, NO_SUSPENSION).to_dict()


def test_same_scenario_is_same() -> None:
    r = tl.compare(RECORD, RECORD)
    assert r.same and r.ranges == [] and r.diverge_from is None and r.cause == []
    code, out, _ = run("compare", str(RECORD), str(RECORD))
    assert code == 0 and "Same answers" in out


def test_window_clips_ranges() -> None:
    r = tl.compare(RECORD, NO_SUSPENSION, dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert [(x.start, x.last_day) for x in r.ranges] == [(dt.date(2020, 1, 1), dt.date(2020, 12, 31))]
    before = tl.compare(RECORD, NO_SUSPENSION, None, dt.date(2019, 11, 22))
    assert before.same


def test_to_before_from_is_an_input_error() -> None:
    code, _, err = run(
        "compare", str(RECORD), str(NO_SUSPENSION), "--from", "2020-01-01", "--to", "2019-01-01"
    )
    assert code == 2 and "TL601" in err


def test_signed_2012_terms_differ_from_2016() -> None:
    r = tl.compare(RECORD, EX / "whatif-signed-2012.yaml", None, dt.date(2030, 1, 1))
    assert r.diverge_from == dt.date(2012, 6, 29)
    assert {c.kind for c in r.cause} >= {"signed", "signing_cancelled"}
    last = r.ranges[-1]
    # both in force from 2016-11-23, but the terms run from different anchors: A's term 1 is B's term 5
    assert last.start == dt.date(2016, 11, 23) and last.differs == ["term"]
    assert (last.a.term, last.b.term) == (1, 5)


def test_rule_override_is_reported() -> None:
    r = tl.compare(RECORD, EX / "whatif-japan-notice-180.yaml")
    assert any("notice: 90 days (A) vs 180 days (B)" in d for d in r.rule_differences)
    assert r.diverge_from == dt.date(2019, 11, 23)


@settings(max_examples=25, deadline=None)
@given(st.dates(dt.date(2010, 1, 1), dt.date(2040, 12, 31)))
def test_ranges_agree_with_status_on_any_day(day: dt.date) -> None:
    """The ranges are exactly the days on which status() answers differ (no day-by-day loop inside)."""
    a, b = _records()
    r = tl.compare(a, b)
    inside = any(
        (x.start is None or x.start <= day) and (x.last_day is None or day <= x.last_day) for x in r.ranges
    )
    sa, sb = tl.status(a, day), tl.status(b, day)
    differ = (sa.in_force, sa.stage) != (sb.in_force, sb.stage) or (
        sa.in_force
        and sb.in_force
        and sa.term is not None
        and sb.term is not None
        and sa.term.number != sb.term.number
    )
    assert inside == differ


_CACHE: dict[str, object] = {}


def _records() -> tuple[tl.Record, tl.Record]:
    if "r" not in _CACHE:
        _CACHE["r"] = (tl.load(RECORD), tl.load(EX / "whatif-signed-2012.yaml"))
    return _CACHE["r"]  # type: ignore[return-value]


# ---------------------------------------------------------------------------- inline what-if


def test_inline_remove_equals_the_whatif_file() -> None:
    inline = tl.whatif(RECORD, remove=["notice_suspended", "notice_withdrawn"])
    assert tl.compare(inline, NO_SUSPENSION).same
    assert inline.changes == [
        "removed 2019-11-22 notice_suspended KOR",
        "removed 2023-03-21 notice_withdrawn KOR",
    ]


def test_inline_remove_selectors() -> None:
    for selector in (
        "2019-11-22",
        "2019-11-22 notice_suspended",
        "notice_suspended KOR",
        "kind=notice_suspended",
    ):
        rec = tl.whatif(RECORD, remove=[selector, "notice_withdrawn"])
        assert tl.status(rec, dt.date(2019, 11, 23)).in_force is False, selector
    rec = tl.whatif(RECORD, remove=["kor-2019-termination", "notice_suspended", "notice_withdrawn"])  # an id
    assert [n.id for n in rec.notices] == []
    assert tl.status(rec, dt.date(2019, 11, 23)).in_force


def test_inline_add_japan_notice() -> None:
    # Japan's notice of 2019-09-01 is late for 2019-11-23 (deadline 2019-08-24): it stands for 2020-11-23
    rec = tl.whatif(
        RECORD,
        add=["2019-09-01 notice_given JPN id=jpn-notice"],
        remove=["notice_suspended", "notice_withdrawn"],
    )
    s = tl.status(rec, dt.date(2019, 9, 2))
    assert s.in_force
    jpn = [n for n in s.notices if n.id == "jpn-notice"]
    assert jpn and jpn[0].timely is False


def test_inline_set_notice_period() -> None:
    rec = tl.whatif(RECORD, set=["exits.art21-3-notice.notice=180days"])
    d = tl.deadline(rec, dt.date(2026, 11, 22))
    assert d.notice_period == "180 days"
    assert d.deadline is not None and d.deadline < dt.date(2027, 8, 24)
    # the same question from the CLI
    code, out, _ = run("deadline", "--on", "2026-11-22", "--set", "exits.art21-3-notice.notice=180 days")
    assert code == 0 and f"Next notice deadline: {d.deadline}" in out


def test_cli_status_with_inline_whatif() -> None:
    code, out, _ = run(
        "status", "--on", "2019-11-23", "--remove", "notice_suspended", "--remove", "notice_withdrawn"
    )
    assert code == 0
    assert "On 2019-11-23: NOT IN FORCE" in out
    code, out, _ = run("status", "--on", "2019-11-23")
    assert "On 2019-11-23: IN FORCE" in out


def test_cli_compare_with_only_inline_changes() -> None:
    code, out, _ = run("compare", str(RECORD), "--remove", "notice_suspended", "--remove", "notice_withdrawn")
    assert code == 0 and "They diverge from 2019-11-23 on" in out


def test_cli_timeline_with_inline_whatif() -> None:
    code, out, _ = run(
        "timeline", "--to", "2021-01-01", "--remove", "notice_suspended", "--remove", "notice_withdrawn"
    )
    assert code == 0
    assert "2019-11-23 .. ...         terminated" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--remove", "notice_suspend"], "did you mean 'notice_suspended'"),
        (["--remove", "2031-01-01"], "matches no event"),
        (["--add", "notice_given JPN"], "needs a date and a kind"),
        (["--add", "2019-09-01 notice_given XYZ"], "'XYZ' is not a party"),
        (["--add", "2019-02-30 notice_given JPN"], "is not a date"),
        (["--set", "exits.nope.notice=1 day"], "names no clause or field"),
        (["--set", "exits.art21-3-notice.notice=soon"], "is not a period"),
        (["--set", "no-equals-sign"], "PATH=VALUE"),
    ],
)
def test_inline_whatif_errors_exit_2(args: list[str], needle: str) -> None:
    code, out, err = run("status", "--on", "2019-11-23", *args)
    assert code == 2, (out, err)
    assert "TL312" in err and needle in err


def test_inline_error_in_json_mode() -> None:
    code, out, _ = run("status", "--on", "2019-11-23", "--json", "--remove", "nothing-like-this")
    assert code == 2
    assert json.loads(out)["error"]["code"] == "TL312"


def test_impossible_inline_sequence_is_a_sequence_error() -> None:
    # suspending a notice that was never given: the engine refuses, with its own code
    code, _, err = run(
        "status", "--on", "2020-01-01", "--remove", "notice_given", "--remove", "notice_withdrawn"
    )
    assert code == 2 and "TL4" in err


def test_a_base_event_the_whatif_makes_impossible_says_how_to_drop_it() -> None:
    # removing the US withdrawal of 2019 leaves its re-acceptance of 2021 impossible (it is still bound)
    code, out, _ = run(
        "status", "examples/paris-record.yaml", "--json", "--remove", "2019-11-04 notice_given"
    )
    error = json.loads(out)["error"]
    assert code == 2 and (error["code"], error["line"]) == ("TL402", 64)
    assert error["file"].endswith("paris-record.yaml")  # the event is the base's
    assert error["hint"] == (
        "the what-if (removed 2019-11-04 notice_given USA) leaves this event of the base impossible: remove it "
        'too (--remove "2021-01-20 notified")'
    )
    # following the hint answers
    code, out, _ = run(
        "status", "examples/paris-record.yaml", "--on", "2021-03-01", "--party", "USA",
        "--remove", "2019-11-04 notice_given", "--remove", "2021-01-20 notified",
    )  # fmt: skip
    assert code == 0 and "IN FORCE for USA" in out


def test_a_notice_waiting_when_the_agreement_ends_otherwise_becomes_void() -> None:
    # Korea's notice ends the agreement on 2019-11-23; Japan's late notice (for 2020-11-23) never takes effect
    rec = tl.whatif(NO_SUSPENSION, add=["2019-09-01 notice_given JPN id=jpn"])
    before, after = (
        {n.id: n for n in tl.status(rec, dt.date.fromisoformat(d)).notices}
        for d in ("2019-11-22", "2019-11-23")
    )
    assert before["jpn"].status == "pending" and before["jpn"].takes_effect == dt.date(2020, 11, 23)
    assert (after["jpn"].status, after["jpn"].status_since) == ("void", dt.date(2019, 11, 23))
    assert (
        after["jpn"].status_cause == "without effect: the agreement ended on 2019-11-23 before it took effect"
    )
    code, out, _ = run(
        "status", str(NO_SUSPENSION), "--on", "2020-01-01", "--add", "2019-09-01 notice_given JPN id=jpn"
    )
    assert code == 0 and "why void: without effect: the agreement ended on 2019-11-23" in out
    assert after["kor-2019-termination"].status == "effective"


def test_api_functions_are_not_shadowed_by_submodules() -> None:
    """A submodule named like an API function would replace it on the package once imported."""
    import importlib

    for mod in (
        "treatylife.answers.compare",
        "treatylife.answers.report",
        "treatylife.answers.agenda",
        "treatylife.files.overlay",
    ):
        importlib.import_module(mod)
    assert callable(tl.compare) and callable(tl.report) and callable(tl.calendar) and callable(tl.whatif)
    assert tl.CompareResult.__name__ == "CompareResult" and tl.ReportResult.__name__ == "ReportResult"
