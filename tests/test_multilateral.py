"""Multilateral agreements: per-party status, a withdrawal ends one party's participation, rejoining.

"Is it in force for party P on date X?" (``status(..., party=P)``) and "is it in force at all?"
(``agreement_in_force``, or ``status`` without a party) are different questions.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app
from treatylife.model.record import Record

D = dt.date.fromisoformat
ONE = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def paris() -> Record:
    return tl.load("examples/paris-record.yaml")


def around(record: Record, boundary: str, party: str | None = None) -> tuple[bool, bool, bool]:
    b = D(boundary)
    return tuple(tl.status(record, d, party).in_force for d in (b - ONE, b, b + ONE))  # type: ignore[return-value]


# ---------------------------------------------------------------------------- the Paris Agreement


def test_paris_enters_into_force_thirty_days_after_the_thresholds(paris: Record) -> None:
    # both thresholds met on 5 October 2016 -> "the thirtieth day after": 4 November 2016
    assert around(paris, "2016-11-04") == (False, True, True)
    s = tl.status(paris, D("2016-11-04"))
    assert s.since == D("2016-11-04")
    assert s.parties_bound == ["USA", "CHN", "IND", "EU"]
    assert any("55th instrument" in step.what for step in s.explanation)


@pytest.mark.parametrize(
    ("boundary", "expected", "why"),
    [
        ("2016-11-04", (False, True, True), "entry into force (US acceptance of 2016-09-03)"),
        ("2020-11-04", (True, False, False), "withdrawal: one year after receipt of 2019-11-04"),
        ("2021-02-19", (False, True, True), "rejoined: thirty days after its acceptance of 2021-01-20"),
        ("2026-01-27", (True, False, False), "withdrawal: one year after receipt of 2025-01-27"),
    ],
)
def test_paris_in_force_for_the_united_states(
    paris: Record, boundary: str, expected: tuple[bool, bool, bool], why: str
) -> None:
    assert around(paris, boundary, "USA") == expected, why


@pytest.mark.parametrize("day", ["2020-11-04", "2021-01-20", "2026-01-27", "2030-01-01"])
def test_a_us_withdrawal_does_not_end_the_agreement(paris: Record, day: str) -> None:
    for_us = tl.status(paris, D(day), "USA")
    at_all = tl.status(paris, D(day))
    assert not for_us.in_force and for_us.agreement_in_force
    assert at_all.in_force and at_all.agreement_in_force and "USA" not in at_all.parties_bound


def test_us_status_between_withdrawal_and_rejoining(paris: Record) -> None:
    out = tl.status(paris, D("2020-12-01"), "USA")
    assert (out.stage, out.since, out.ends) == ("withdrawn", D("2020-11-04"), D("2020-11-04"))
    assert out.end_reason is not None and "usa-2019-withdrawal" in out.end_reason
    [n] = out.notices
    assert (n.status, n.scope, n.takes_effect) == ("effective", "party", D("2020-11-04"))
    waiting = tl.status(paris, D("2021-01-20"), "USA")
    assert (waiting.stage, waiting.since, waiting.in_force) == ("deposited", D("2021-01-20"), False)
    back = tl.status(paris, D("2021-02-19"), "USA")
    assert (back.stage, back.since, back.notices) == ("in_force", D("2021-02-19"), [])
    assert len(paris.party_spans["USA"]) == 2


def test_pending_withdrawal_ends_the_party_not_the_agreement(paris: Record) -> None:
    us = tl.status(paris, D("2019-11-04"), "USA")
    assert us.in_force and us.ends == D("2020-11-04")
    assert us.end_reason is not None and "for USA only" in us.end_reason
    at_all = tl.status(paris, D("2019-11-04"))
    assert at_all.in_force and at_all.ends is None
    [n] = at_all.notices
    assert n.scope == "party" and "not the agreement" in n.rule


@pytest.mark.parametrize(
    ("party", "boundary", "deposit"),
    [("JPN", "2016-12-08", "2016-11-08"), ("RUS", "2019-11-06", "2019-10-07")],
)
def test_later_parties_are_bound_thirty_days_after_their_own_deposit(
    paris: Record, party: str, boundary: str, deposit: str
) -> None:
    assert around(paris, boundary, party) == (False, True, True)
    before = tl.status(paris, D(boundary) - ONE, party)
    assert before.stage == "deposited" and before.since == D(deposit) and before.agreement_in_force


def test_not_yet_a_party(paris: Record) -> None:
    s = tl.status(paris, D("2017-01-01"), "RUS")
    assert (s.in_force, s.stage, s.agreement_in_force) == (False, "not_a_party", True)


def test_before_entry_into_force_every_party_has_the_agreement_stage(paris: Record) -> None:
    s = tl.status(paris, D("2016-10-10"), "USA")
    assert (s.in_force, s.stage, s.agreement_in_force) == (False, "signed", False)


# ---------------------------------------------------------------------------- impossible sequences


def _whatif(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "whatif.yaml"
    p.write_text(
        "schema: treatylife/scenario/1\ntitle: what if\nbased_on: paris-record\n" + textwrap.dedent(body),
        encoding="utf-8",
    )
    return p


def test_withdrawal_before_three_years_in_force_is_refused(tmp_path: Path) -> None:
    p = _whatif(
        tmp_path,
        """\
        replace:
          - match: {id: usa-2019-withdrawal}
            with: {date: 2019-11-03, kind: notice_given, party: USA, clause: art28-withdrawal}
        """,
    )
    with pytest.raises(tl.SequenceError, match=r"only after 3 years in force .*from 2019-11-04") as exc:
        tl.load(p)
    assert exc.value.code == "TL402"


def test_withdrawal_by_a_party_not_yet_bound_is_refused(tmp_path: Path) -> None:
    p = _whatif(tmp_path, "add:\n  - {date: 2016-11-20, kind: notice_given, party: JPN}\n")
    with pytest.raises(tl.SequenceError, match="not in force for JPN"):
        tl.load(p)


def test_a_party_cannot_deposit_again_while_bound(tmp_path: Path) -> None:
    p = _whatif(tmp_path, "add:\n  - {date: 2018-01-01, kind: notified, party: CHN}\n")
    with pytest.raises(tl.SequenceError, match="CHN already notified on 2016-09-03"):
        tl.load(p)


def test_counted_instruments_cannot_exceed_other_parties(tmp_path: Path) -> None:
    p = _whatif(tmp_path, "add:\n  - {date: 2018-01-01, kind: notified, count: 500}\n")
    with pytest.raises(tl.SequenceError, match="other_parties: 192"):
        tl.load(p)


def test_without_the_emissions_condition_it_never_enters_into_force(tmp_path: Path) -> None:
    r = tl.load(
        _whatif(
            tmp_path,
            "remove:\n  - {kind: condition_met}\n  - {kind: notice_given}\n  - {id: usa-2021-acceptance}\n",
        )
    )
    assert not tl.status(r, D("2030-01-01")).in_force


# ---------------------------------------------------------------------------- minimum number of parties


def _three_party(tmp_path: Path, extra_rules: str) -> Record:
    (tmp_path / "rules.yaml").write_text(
        textwrap.dedent(
            """\
            schema: treatylife/rules/1
            id: three
            title: A three-party agreement
            parties: [{code: AAA, name: A}, {code: BBB, name: B}, {code: CCC, name: C}]
            conventions: {notice_counting: clear_days, end_of_month: round_down}
            entry_into_force: {kind: last_notification}
            term: {initial: indefinite}
            exits: [{kind: withdrawal, effect_after: 6 months}]
            """
        )
        + extra_rules,
        encoding="utf-8",
    )
    (tmp_path / "s.yaml").write_text(
        textwrap.dedent(
            """\
            schema: treatylife/scenario/1
            title: three parties, one leaves
            rules: rules.yaml
            events:
              - {date: 2020-01-01, kind: signed}
              - {date: 2020-01-01, kind: notified, party: AAA}
              - {date: 2020-01-01, kind: notified, party: BBB}
              - {date: 2020-01-01, kind: notified, party: CCC}
              - {date: 2021-01-15, kind: notice_given, party: CCC}
            """
        ),
        encoding="utf-8",
    )
    return tl.load(tmp_path / "s.yaml")


def test_without_a_minimum_the_agreement_goes_on_for_the_others(tmp_path: Path) -> None:
    r = _three_party(tmp_path, "")
    assert around(r, "2021-07-15", "CCC") == (True, False, False)
    assert around(r, "2021-07-15") == (True, True, True)
    assert tl.status(r, D("2021-07-15")).parties_bound == ["AAA", "BBB"]


def test_below_the_minimum_number_of_parties_the_agreement_ends(tmp_path: Path) -> None:
    r = _three_party(tmp_path, "minimum_parties: 3\n")
    assert around(r, "2021-07-15") == (True, False, False)
    s = tl.status(r, D("2021-07-15"))
    assert s.stage == "terminated" and s.end_reason is not None and "fewer than 3 parties" in s.end_reason
    assert all(span[-1].end == D("2021-07-15") for span in r.party_spans.values())


def test_bilateral_one_exit_ends_the_agreement_for_both() -> None:
    r = tl.load("examples/inf-record.yaml")
    assert not r.multilateral
    for party in ("USA", "RUS"):
        assert around(r, "2019-08-02", party) == (True, False, False)
    assert [s.end for s in r.party_spans["RUS"]] == [D("2019-08-02")]


# ---------------------------------------------------------------------------- CLI


def test_cli_status_party() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["status", "examples/paris-record.yaml", "--on", "2020-11-04", "--party", "USA"])
    assert out.exit_code == 0, out.output
    assert "On 2020-11-04: NOT IN FORCE for USA (the agreement is in force for other parties)" in out.output
    assert "Stage: withdrawn" in out.output
    js = runner.invoke(
        app, ["status", "examples/paris-record.yaml", "--on", "2021-02-19", "--party", "USA", "--json"]
    )
    data = json.loads(js.output)
    assert (data["party"], data["in_force"], data["agreement_in_force"], data["since"]) == (
        "USA",
        True,
        True,
        "2021-02-19",
    )


def test_cli_status_unknown_party_is_exit_2() -> None:
    out = CliRunner().invoke(
        app, ["status", "examples/paris-record.yaml", "--on", "2020-01-01", "--party", "USX"]
    )
    assert out.exit_code == 2
    assert "TL312" in out.output and "did you mean 'USA'?" in out.output


def test_multilateral_non_renewal_notice_ends_one_party_at_the_end_of_the_term(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(
        textwrap.dedent(
            """\
            schema: treatylife/rules/1
            id: renewing-three
            title: A three-party agreement renewed every five years
            parties: [{code: AAA, name: A}, {code: BBB, name: B}, {code: CCC, name: C}]
            conventions: {notice_counting: clear_days, end_of_month: round_down}
            entry_into_force: {kind: last_notification}
            term: {initial: 5 years}
            renewal: {kind: automatic, period: 5 years}
            exits: [{kind: non_renewal_notice, notice: 6 months}]
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "s.yaml").write_text(
        textwrap.dedent(
            """\
            schema: treatylife/scenario/1
            title: one party does not renew
            rules: rules.yaml
            events:
              - {date: 2020-01-01, kind: signed}
              - {date: 2020-01-01, kind: notified, party: AAA}
              - {date: 2020-01-01, kind: notified, party: BBB}
              - {date: 2020-01-01, kind: notified, party: CCC}
              - {date: 2024-03-01, kind: notice_given, party: BBB}
            """
        ),
        encoding="utf-8",
    )
    r = tl.load(tmp_path / "s.yaml")
    # term 1: 2020-01-01 .. 2024-12-31; BBB's timely notice ends its participation, the others renew
    assert around(r, "2025-01-01", "BBB") == (True, False, False)
    assert around(r, "2025-01-01") == (True, True, True)
    s = tl.status(r, D("2025-01-01"))
    assert s.term is not None and s.term.number == 2 and s.parties_bound == ["AAA", "CCC"]
