"""Each clause kind on its boundary days, alone and composed; invalid combinations named by field.

Every agreement here is a small rules file plus a scenario written to a temporary folder, as a user would
write them; answers are read through the public API.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

import treatylife as tl
from treatylife.model.record import Record

D = dt.date.fromisoformat

PARTIES = "parties: [{code: AAA, name: Aland}, {code: BBB, name: Bland}]\n"


def agreement(tmp_path: Path, rules: str, events: str, parties: str = PARTIES) -> Record:
    """Write a rules file and a scenario (YAML fragments) and replay them."""
    (tmp_path / "rules.yaml").write_text(
        "schema: treatylife/rules/1\nid: test\ntitle: Test agreement\n"
        + parties
        + "conventions: {notice_counting: clear_days, end_of_month: round_down}\n"
        + textwrap.dedent(rules),
        encoding="utf-8",
    )
    (tmp_path / "scenario.yaml").write_text(
        "schema: treatylife/scenario/1\ntitle: test\nrules: rules.yaml\nevents:\n"
        + textwrap.indent(textwrap.dedent(events), "  "),
        encoding="utf-8",
    )
    return tl.load(tmp_path / "scenario.yaml")


def in_force(record: Record, day: str, party: str | None = None) -> bool:
    return tl.status(record, D(day), party).in_force


def flips(record: Record, boundary: str, party: str | None = None) -> tuple[bool, bool, bool]:
    """In force the day before, the day of, the day after ``boundary``."""
    b = D(boundary)
    days = (b - dt.timedelta(days=1), b, b + dt.timedelta(days=1))
    return tuple(tl.status(record, d, party).in_force for d in days)  # type: ignore[return-value]


BOTH_NOTIFY = """\
- {date: 2020-01-10, kind: signed}
- {date: 2020-01-20, kind: notified, party: AAA}
- {date: 2020-02-03, kind: notified, party: BBB}
"""

# ---------------------------------------------------------------------------- entry into force


def test_on_signature(tmp_path: Path) -> None:
    r = agreement(
        tmp_path, "entry_into_force: {kind: on_signature}\nterm: {initial: indefinite}\n", BOTH_NOTIFY
    )
    assert flips(r, "2020-01-10") == (False, True, True)
    assert tl.status(r, D("2020-01-10")).since == D("2020-01-10")


def test_on_signature_with_delay_thirtieth_day_after(tmp_path: Path) -> None:
    r = agreement(
        tmp_path,
        "entry_into_force: {kind: on_signature, delay: 30 days}\nterm: {initial: indefinite}\n",
        "- {date: 2020-01-10, kind: signed}\n",
    )
    # "on the thirtieth day after signature": 10 January + 30 days = 9 February
    assert flips(r, "2020-02-09") == (False, True, True)


def test_fixed_date(tmp_path: Path) -> None:
    r = agreement(
        tmp_path,
        "entry_into_force: {kind: fixed_date, date: 2020-03-01}\nterm: {initial: indefinite}\n",
        BOTH_NOTIFY,
    )
    assert flips(r, "2020-03-01") == (False, True, True)


def test_fixed_date_already_past_at_signature_means_on_signature(tmp_path: Path) -> None:
    r = agreement(
        tmp_path,
        "entry_into_force: {kind: fixed_date, date: 2019-01-01}\nterm: {initial: indefinite}\n",
        BOTH_NOTIFY,
    )
    assert flips(r, "2020-01-10") == (False, True, True)


def test_last_notification(tmp_path: Path) -> None:
    r = agreement(
        tmp_path, "entry_into_force: {kind: last_notification}\nterm: {initial: indefinite}\n", BOTH_NOTIFY
    )
    assert flips(r, "2020-02-03") == (False, True, True)


def test_last_notification_compound_first_day_of_month_after_sixtieth_day(tmp_path: Path) -> None:
    r = agreement(
        tmp_path,
        "entry_into_force: {kind: last_notification, delay: 60 days, align: first_of_next_month}\n"
        "term: {initial: indefinite}\n",
        BOTH_NOTIFY,
    )
    # 3 February + 60 days = 3 April 2020 (a leap year); the first day of the following month: 1 May
    assert flips(r, "2020-05-01") == (False, True, True)


def test_after_kth_notification_and_a_later_party(tmp_path: Path) -> None:
    four = (
        "parties: [{code: AAA, name: A}, {code: BBB, name: B}, {code: CCC, name: C}, {code: DDD, name: D}]\n"
    )
    r = agreement(
        tmp_path,
        "entry_into_force: {kind: after_kth_notification, count: 3, delay: 30 days, later_parties_delay: 10 days}\n"
        "term: {initial: indefinite}\n",
        """\
        - {date: 2020-01-01, kind: signed}
        - {date: 2020-01-05, kind: notified, party: AAA}
        - {date: 2020-01-06, kind: notified, party: BBB}
        - {date: 2020-01-10, kind: notified, party: CCC}
        - {date: 2020-03-01, kind: notified, party: DDD}
        """,
        four,
    )
    # the 3rd instrument on 10 January: in force on the thirtieth day after, 9 February, for AAA, BBB, CCC
    assert flips(r, "2020-02-09") == (False, True, True)
    assert flips(r, "2020-02-09", "AAA") == (False, True, True)
    # DDD deposits on 1 March: bound 10 days later, 11 March; the agreement was in force for the others
    assert flips(r, "2020-03-11", "DDD") == (False, True, True)
    s = tl.status(r, D("2020-03-05"), "DDD")
    assert (s.stage, s.agreement_in_force, s.since) == ("deposited", True, D("2020-03-01"))
    assert tl.status(r, D("2020-03-11")).parties_bound == ["AAA", "BBB", "CCC", "DDD"]


def test_party_depositing_between_threshold_and_entry_into_force(tmp_path: Path) -> None:
    three = "parties: [{code: AAA, name: A}, {code: BBB, name: B}, {code: CCC, name: C}]\n"
    r = agreement(
        tmp_path,
        "entry_into_force: {kind: after_kth_notification, count: 2, delay: 30 days}\nterm: {initial: indefinite}\n",
        """\
        - {date: 2020-01-01, kind: signed}
        - {date: 2020-01-05, kind: notified, party: AAA}
        - {date: 2020-01-06, kind: notified, party: BBB}
        - {date: 2020-01-20, kind: notified, party: CCC}
        """,
        three,
    )
    # threshold met 6 January -> in force 5 February; CCC deposited after: 30 days after its own deposit
    assert flips(r, "2020-02-05", "AAA") == (False, True, True)
    assert flips(r, "2020-02-19", "CCC") == (False, True, True)


# ---------------------------------------------------------------------------- term, renewal, extension


def test_fixed_term_without_renewal_expires(tmp_path: Path) -> None:
    r = agreement(
        tmp_path, "entry_into_force: {kind: last_notification}\nterm: {initial: 5 years}\n", BOTH_NOTIFY
    )
    # five years from 3 February 2020: in force through 2 February 2025
    assert flips(r, "2025-02-03") == (True, False, False)
    s = tl.status(r, D("2025-02-03"))
    assert s.stage == "expired" and s.ends == D("2025-02-03")


def test_automatic_renewal_with_a_limit(tmp_path: Path) -> None:
    r = agreement(
        tmp_path,
        "entry_into_force: {kind: last_notification}\nterm: {initial: 1 year}\n"
        "renewal: {kind: automatic, period: 1 year, max_renewals: 2}\n",
        BOTH_NOTIFY,
    )
    t = tl.status(r, D("2022-02-03")).term
    assert t is not None and (t.number, t.of, t.next_renewal) == (3, 3, None)
    assert flips(r, "2023-02-03") == (True, False, False)


def test_extension_by_agreement_within_the_maximum(tmp_path: Path) -> None:
    rules = (
        "entry_into_force: {kind: last_notification}\nterm: {initial: 2 years}\n"
        "renewal: {kind: by_agreement, max_extension: 1 year, max_extensions: 1}\n"
    )
    r = agreement(tmp_path, rules, BOTH_NOTIFY + "- {date: 2022-01-15, kind: extended, period: 6 months}\n")
    assert flips(r, "2022-08-03") == (True, False, False)  # 3 Feb 2022 + 6 months
    # as known before the extension, the agreement was to end on 3 February 2022
    assert tl.status(r, D("2022-01-14")).ends == D("2022-02-03")
    assert tl.status(r, D("2022-01-15")).ends == D("2022-08-03")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("- {date: 2022-01-15, kind: extended, period: 2 years}\n", "exceeds the clause's maximum of 1 year"),
        (
            "- {date: 2022-01-15, kind: extended, period: 6 months}\n"
            "- {date: 2022-06-01, kind: extended, period: 6 months}\n",
            "allows 1 extension",
        ),
    ],
)
def test_extension_beyond_the_clause_is_refused(tmp_path: Path, extra: str, message: str) -> None:
    rules = (
        "entry_into_force: {kind: last_notification}\nterm: {initial: 2 years}\n"
        "renewal: {kind: by_agreement, max_extension: 1 year, max_extensions: 1}\n"
    )
    with pytest.raises(tl.SequenceError, match=message) as exc:
        agreement(tmp_path, rules, BOTH_NOTIFY + extra)
    assert exc.value.line is not None


def test_extension_after_expiry_is_impossible(tmp_path: Path) -> None:
    rules = "entry_into_force: {kind: last_notification}\nterm: {initial: 2 years}\nrenewal: {kind: by_agreement}\n"
    with pytest.raises(tl.SequenceError, match="expired") as exc:
        agreement(tmp_path, rules, BOTH_NOTIFY + "- {date: 2022-02-03, kind: extended, period: 1 year}\n")
    assert exc.value.code == "TL401"


# ---------------------------------------------------------------------------- notice of non-renewal

RENEWING = """\
entry_into_force: {kind: last_notification}
term: {initial: 1 year}
renewal: {kind: automatic, period: 1 year}
exits:
  - {kind: non_renewal_notice, id: nr, notice: 3 months, late: LATE, article: Art. 9}
"""


@pytest.mark.parametrize(
    ("received", "timely"), [("2020-11-01", True), ("2020-11-02", True), ("2020-11-03", False)]
)
def test_non_renewal_notice_in_months_boundary(tmp_path: Path, received: str, timely: bool) -> None:
    # term 1: 3 Feb 2020 .. 2 Feb 2021; "at least three months before the end": three clear months must lie
    # between receipt and the start of the next term (3 Feb 2021): last day of receipt 2 November 2020
    r = agreement(
        tmp_path,
        RENEWING.replace("LATE", "void"),
        BOTH_NOTIFY + f"- {{date: {received}, kind: notice_given, party: AAA}}\n",
    )
    [n] = tl.status(r, D(received)).notices
    assert n.deadline == D("2020-11-02") and n.timely is timely
    assert in_force(r, "2021-02-02")
    assert in_force(r, "2021-02-03") is not timely


@pytest.mark.parametrize(("late", "ends"), [("next_term", "2022-02-03"), ("void", None)])
def test_late_notice_follows_the_rules_choice_and_says_which(
    tmp_path: Path, late: str, ends: str | None
) -> None:
    r = agreement(
        tmp_path,
        RENEWING.replace("LATE", late),
        BOTH_NOTIFY + "- {date: 2020-12-01, kind: notice_given, party: BBB}\n",
    )
    s = tl.status(r, D("2020-12-01"))
    [n] = s.notices
    assert n.timely is False and n.late_rule == late and f"late: {late}" in n.rule
    assert s.ends == (D(ends) if ends else None)
    assert in_force(r, "2022-02-02")
    assert in_force(r, "2022-02-03") is (ends is None)


def test_non_renewal_notice_needs_automatic_renewal(tmp_path: Path) -> None:
    rules = (
        "entry_into_force: {kind: last_notification}\nterm: {initial: 1 year}\n"
        "exits: [{kind: non_renewal_notice, notice: 90 days}]\n"
    )
    with pytest.raises(tl.RulesError, match="does not renew automatically") as exc:
        agreement(tmp_path, rules, BOTH_NOTIFY)
    assert exc.value.field == "exits[0].kind"


# ---------------------------------------------------------------------------- withdrawal


def test_withdrawal_takes_effect_a_period_after_receipt(tmp_path: Path) -> None:
    rules = (
        "entry_into_force: {kind: last_notification}\nterm: {initial: indefinite}\n"
        "exits: [{kind: withdrawal, effect_after: 6 months}]\n"
    )
    r = agreement(tmp_path, rules, BOTH_NOTIFY + "- {date: 2021-03-31, kind: notice_given, party: AAA}\n")
    # 31 March + 6 months: 30 September has no 31st -> round_down: the 30th
    assert flips(r, "2021-09-30") == (True, False, False)
    assert tl.status(r, D("2021-03-31")).ends == D("2021-09-30")


@pytest.mark.parametrize(("received", "ok"), [("2021-02-02", False), ("2021-02-03", True)])
def test_withdrawal_only_after_a_period_in_force(tmp_path: Path, received: str, ok: bool) -> None:
    rules = (
        "entry_into_force: {kind: last_notification}\nterm: {initial: indefinite}\n"
        "exits: [{kind: withdrawal, effect_after: 1 year, allowed_after: 1 year}]\n"
    )
    events = BOTH_NOTIFY + f"- {{date: {received}, kind: notice_given, party: AAA}}\n"
    if ok:
        assert flips(agreement(tmp_path, rules, events), "2022-02-03") == (True, False, False)
    else:
        with pytest.raises(tl.SequenceError, match="only after 1 year in force"):
            agreement(tmp_path, rules, events)


@pytest.mark.parametrize(("received", "ok"), [("2021-02-02", False), ("2021-02-03", True)])
def test_withdrawal_only_after_the_initial_term(tmp_path: Path, received: str, ok: bool) -> None:
    rules = (
        "entry_into_force: {kind: last_notification}\nterm: {initial: 1 year}\n"
        "renewal: {kind: automatic, period: 1 year}\n"
        "exits: [{kind: withdrawal, effect_after: 30 days, only_after_initial_term: true}]\n"
    )
    events = BOTH_NOTIFY + f"- {{date: {received}, kind: notice_given, party: AAA}}\n"
    if ok:
        assert flips(agreement(tmp_path, rules, events), "2021-03-05") == (True, False, False)
    else:
        with pytest.raises(tl.SequenceError, match="only after the initial term"):
            agreement(tmp_path, rules, events)


def test_notice_before_entry_into_force_is_refused(tmp_path: Path) -> None:
    rules = (
        "entry_into_force: {kind: last_notification}\nterm: {initial: indefinite}\n"
        "exits: [{kind: withdrawal, effect_after: 6 months}]\n"
    )
    with pytest.raises(tl.SequenceError, match=r"not yet in force|signed") as exc:
        agreement(
            tmp_path,
            rules,
            "- {date: 2020-01-10, kind: signed}\n- {date: 2020-01-11, kind: notice_given, party: AAA}\n",
        )
    assert exc.value.field == "kind" and exc.value.line == 6


def test_silent_treaty_vclt_article_56_twelve_months(tmp_path: Path) -> None:
    r = agreement(
        tmp_path,
        "entry_into_force: {kind: last_notification}\nterm: {initial: indefinite}\n",
        BOTH_NOTIFY + "- {date: 2021-05-10, kind: notice_given, party: BBB}\n",
    )
    assert flips(r, "2022-05-10") == (True, False, False)
    s = tl.status(r, D("2021-05-10"))
    [n] = s.notices
    assert n.clause == "vclt_art56" and n.article == "VCLT Art. 56(2)"
    assert any("Art. 56" in c and "implied" in c for c in s.caveats)


def test_notice_withdrawn_before_effect_has_none(tmp_path: Path) -> None:
    rules = (
        "entry_into_force: {kind: last_notification}\nterm: {initial: indefinite}\n"
        "exits: [{kind: withdrawal, effect_after: 6 months}]\n"
    )
    r = agreement(
        tmp_path,
        rules,
        BOTH_NOTIFY
        + "- {date: 2021-01-01, kind: notice_given, party: AAA, id: n1}\n"
        + "- {date: 2021-06-30, kind: notice_withdrawn, notice: n1}\n",
    )
    assert in_force(r, "2021-07-01") and in_force(r, "2030-01-01")
    assert tl.status(r, D("2021-06-29")).ends == D("2021-07-01")


# ---------------------------------------------------------------------------- consent, suspension


def test_termination_by_consent(tmp_path: Path) -> None:
    r = agreement(
        tmp_path,
        "entry_into_force: {kind: last_notification}\nterm: {initial: indefinite}\n",
        BOTH_NOTIFY + "- {date: 2024-07-01, kind: terminated_by_consent}\n",
    )
    assert flips(r, "2024-07-01") == (True, False, False)
    assert tl.status(r, D("2024-07-01")).stage == "terminated"


def test_suspension_and_resumption_of_operation(tmp_path: Path) -> None:
    r = agreement(
        tmp_path,
        "entry_into_force: {kind: last_notification}\nterm: {initial: indefinite}\n",
        BOTH_NOTIFY
        + "- {date: 2022-01-01, kind: operation_suspended}\n- {date: 2022-06-01, kind: operation_resumed}\n",
    )
    table = [(d, tl.status(r, D(d))) for d in ("2021-12-31", "2022-01-01", "2022-05-31", "2022-06-01")]
    assert [(s.in_force, s.operating) for _, s in table] == [
        (True, True),
        (True, False),
        (True, False),
        (True, True),
    ]
    assert table[1][1].stage == "operation_suspended"


# ---------------------------------------------------------------------------- invalid combinations


@pytest.mark.parametrize(
    ("rules", "field", "words"),
    [
        (
            "entry_into_force: {kind: on_signature}\nterm: {initial: 1 year}\nrenewal: {kind: automatic, period: 0 days}\n",
            "renewal.period",
            "longer than zero",
        ),
        (
            "entry_into_force: {kind: after_kth_notification, count: 3, delay: 30 days}\nterm: {initial: indefinite}\n",
            "entry_into_force.count",
            "larger than the number of parties",
        ),
        (
            "entry_into_force: {kind: on_signature}\nterm: {initial: indefinite}\n"
            "exits: [{kind: withdrawal, effect_after: 6 months, only_after_initial_term: true}]\n",
            "exits[0].only_after_initial_term",
            "no initial term",
        ),
        (
            "entry_into_force: {kind: on_signature}\nterm: {initial: 2 years}\n"
            "exits: [{kind: withdrawal, effect_after: 6 months, allowed_after: 2 years}]\n",
            "exits[0].allowed_after",
            "would never be possible",
        ),
        (
            "entry_into_force: {kind: on_signature}\nterm: {initial: indefinite}\nrenewal: {kind: automatic, period: 1 year}\n",
            "renewal.kind",
            "indefinite duration",
        ),
        (
            "entry_into_force: {kind: on_signature}\nterm: {initial: 1 year}\nrenewal: {kind: automatic, period: 1 year}\n"
            "minimum_parties: 3\n",
            "minimum_parties",
            "larger than the number of parties",
        ),
        (
            "entry_into_force: {kind: on_signature}\nterm: {initial: 1 year}\n"
            "renewal: {kind: automatic, period: 1 year, max_extension: 1 year}\n",
            "renewal.kind",
            "by_agreement",
        ),
    ],
)
def test_invalid_combinations_name_the_field(tmp_path: Path, rules: str, field: str, words: str) -> None:
    with pytest.raises(tl.RulesError) as exc:
        agreement(tmp_path, rules, BOTH_NOTIFY)
    assert exc.value.field == field
    assert words in exc.value.message
    assert exc.value.line is not None and exc.value.file is not None and exc.value.file.endswith("rules.yaml")


def test_event_from_a_non_party(tmp_path: Path) -> None:
    with pytest.raises(tl.ScenarioError) as exc:
        agreement(
            tmp_path,
            "entry_into_force: {kind: last_notification}\nterm: {initial: indefinite}\n",
            BOTH_NOTIFY + "- {date: 2021-01-01, kind: notice_given, party: CCC}\n",
        )
    assert exc.value.code == "TL310" and exc.value.field == "party"


def test_status_for_a_non_party_is_an_input_error(tmp_path: Path) -> None:
    r = agreement(
        tmp_path, "entry_into_force: {kind: last_notification}\nterm: {initial: indefinite}\n", BOTH_NOTIFY
    )
    with pytest.raises(tl.ScenarioError, match="not a party") as exc:
        tl.status(r, D("2021-01-01"), "AAB")
    assert exc.value.hint == "did you mean 'AAA'?"
