"""Clauses that compose: date expressions in rules files, the shapes they make expressible, and "why not yet
in force". Each shape is checked on its boundary days (the day before, of and after), on a bundled example
and on small files written as a user would write them.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import textwrap
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app
from treatylife.dates.expr import parse_expr
from treatylife.model.record import Record

D = dt.date.fromisoformat
ONE = dt.timedelta(days=1)
DATA = Path(str(resources.files("treatylife") / "data"))
EX = DATA / "examples"
runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def around(record: Record, boundary: str, party: str | None = None) -> tuple[bool, bool, bool]:
    b = D(boundary)
    return tuple(tl.status(record, d, party).in_force for d in (b - ONE, b, b + ONE))  # type: ignore[return-value]


def plus(scenario: str, event: str) -> str:
    """A scenario's text with one more event (before its `expect:` entries, which stay as they are)."""
    head, sep, tail = scenario.partition("\nexpect:\n")
    return f"{head.rstrip()}\n  - {event}\n{sep.lstrip()}{tail}"


def write(tmp_path: Path, rules: str, events: str) -> Path:
    (tmp_path / "rules.yaml").write_text(
        "schema: treatylife/rules/1\nid: t\ntitle: Test\n" + textwrap.dedent(rules), encoding="utf-8"
    )
    (tmp_path / "s.yaml").write_text(
        "schema: treatylife/scenario/1\ntitle: t\nrules: rules.yaml\nevents:\n"
        + textwrap.indent(textwrap.dedent(events), "  "),
        encoding="utf-8",
    )
    return tmp_path / "s.yaml"


HAGUE_RULES = """\
parties: [{code: AAA, name: A}, {code: BBB, name: B}, {code: CCC, name: C}, {code: DDD, name: D}]
conventions: {notice_counting: clear_days, end_of_month: round_down}
entry_into_force:
  kind: expression
  date: first day of month after (3 months after instrument 3)
  for_later_parties: first day of month after (3 months after own deposit)
term: {initial: indefinite}
"""


def hague(tmp_path: Path, third: str, later: str = "2030-01-01") -> Record:
    return tl.load(
        write(
            tmp_path,
            HAGUE_RULES,
            f"""\
            - {{date: 2019-01-01, kind: signed}}
            - {{date: 2019-02-01, kind: notified, party: AAA}}
            - {{date: 2019-03-01, kind: notified, party: BBB}}
            - {{date: {third}, kind: notified, party: CCC}}
            - {{date: {later}, kind: notified, party: DDD}}
            """,
        )
    )


# ---------------------------------------------------------------------------- the expression grammar


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (
            "the first day of the month following the expiration of three months after instrument 3",
            "first day of month after (3 months after instrument 3)",
        ),
        ("first day of the sixth month after instrument 40", "first day of 6th month after instrument 40"),
        ("later of 2009-01-01 and (first day of month after instrument 27)", None),
        ("earlier of (2 years after receipt) and event withdrawal_agreement", None),
        ("30 days after own deposit not before 1995-01-13", None),
        ("end of month of (6 months after receipt)", None),
        ("20 years after entry into force for the party", None),
    ],
)
def test_expressions_read_like_the_clause_and_print_canonically(text: str, canonical: str | None) -> None:
    e = parse_expr(text)
    assert str(e) == (canonical or text)
    assert parse_expr(str(e)) == e


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("3 monts after receipt", "at 'monts' (character 3): expected a unit"),
        ("later of signature", "at the end: expected 'and'"),
        ("(receipt", "expected ')'"),
        ("first day of month after", "at the end: expected a date, an event"),
        ("2019-02-30", "2019-02-30 is not a calendar date"),
        ("__import__('os')", 'unexpected "\'"'),
    ],
)
def test_a_mistake_in_an_expression_names_the_word(text: str, words: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_expr(text)
    assert words in str(exc.value)


def test_a_bad_expression_in_a_rules_file_is_one_line_with_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path, HAGUE_RULES.replace("3 months after instrument 3", "3 monts after instrument 3"), ""
    )
    code, out = cli("check", str(tmp_path / "rules.yaml"))
    assert code == 2
    (line,) = [x for x in out.splitlines() if "rules.yaml:" in x]
    assert "rules.yaml:8: entry_into_force.expression.date:" in line and "'monts' (character 29)" in line
    assert path.exists()


@pytest.mark.parametrize(
    ("date", "field", "words"),
    [
        ("3 months after receipt", "entry_into_force.date", "cannot decide an entry into force"),
        ("3 months after deposit of ZZZ", "entry_into_force.date", "not a party"),
        ("3 months after instrument 9", "entry_into_force.date", "more than the 4 parties"),
    ],
)
def test_anchors_that_cannot_happen_are_refused_by_field(
    tmp_path: Path, date: str, field: str, words: str
) -> None:
    write(tmp_path, HAGUE_RULES.replace("first day of month after (3 months after instrument 3)", date), "")
    code, out = cli("check", str(tmp_path / "rules.yaml"))
    assert code == 2 and f"{field}:" in out and words in out


def test_expressions_are_in_the_json_schema() -> None:
    schema = tl.json_schema("rules")
    kinds = {json.dumps(d) for d in schema["$defs"].values()}
    assert any('"expression"' in k and "first day of month after" in k for k in kinds)
    assert "effect_counting" in json.dumps(schema["$defs"]["Conventions"])


# ---------------------------------------------------------------------------- month-aligned entry into force


@pytest.mark.parametrize(
    ("third", "eif"),
    [
        ("2019-08-31", "2019-12-01"),  # + 3 months = 2019-11-30: the month following is December
        ("2019-09-01", "2020-01-01"),  # + 3 months = 2019-12-01: the month following is January
        ("2019-11-30", "2020-03-01"),  # 2020-02-29 (clamped; leap year): March
        ("2019-12-31", "2020-04-01"),  # 2020-03-31: April
    ],
)
def test_first_day_of_the_month_following_three_months_after_the_third_instrument(
    tmp_path: Path, third: str, eif: str
) -> None:
    assert around(hague(tmp_path, third), eif) == (False, True, True)


def test_a_later_state_counts_the_same_from_its_own_deposit(tmp_path: Path) -> None:
    r = hague(tmp_path, "2019-09-01", later="2020-03-31")  # 2020-06-30 -> 2020-07-01
    assert around(r, "2020-07-01", "DDD") == (False, True, True)
    assert tl.status(r, D("2020-06-30"), "DDD").stage == "deposited"
    assert around(r, "2020-01-01", "AAA") == (False, True, True)


def test_hague_1996_convention_record() -> None:
    r = tl.load(EX / "hague-child-protection-record.yaml")
    assert around(r, "2002-01-01") == (False, True, True)  # third instrument 2001-09-05
    assert around(r, "2002-12-01", "MAR") == (False, True, True)  # 2002-08-22 + 3 months = 2002-11-22
    assert around(r, "2003-08-01", "AUS") == (False, True, True)  # 2003-04-29 + 3 months = 2003-07-29


def test_first_day_of_the_sixth_month_after_the_40th_instrument_ottawa() -> None:
    r = tl.load(EX / "ottawa-record.yaml")
    assert around(r, "1999-03-01") == (False, True, True)  # 40th instrument 1998-09-16
    assert around(r, "2003-11-01", "LTU") == (False, True, True)  # deposit 2003-05-12
    assert around(r, "2006-06-01", "UKR") == (False, True, True)  # deposit 2005-12-27


def test_lisbon_on_a_fixed_date_or_failing_that_the_month_after_the_last_deposit() -> None:
    r = tl.load(EX / "brexit-record.yaml")
    assert around(r, "2009-12-01") == (False, True, True)  # the Czech instrument, 2009-11-13


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)), min_size=3, max_size=3),
    st.sampled_from(["30 days", "3 months", "1 year"]),
)
def test_a_kind_means_exactly_its_expansion(
    tmp_path_factory: pytest.TempPathFactory, days: list[dt.date], delay: str
) -> None:
    """after_kth_notification is shorthand for `{delay} after instrument k`: same answers, any dates."""
    days = sorted(days)
    events = "- {date: 1999-01-01, kind: signed}\n" + "".join(
        f"- {{date: {d}, kind: notified, party: {p}}}\n"
        for d, p in zip(days, ["AAA", "BBB", "CCC"], strict=True)
    )
    parties = "parties: [{code: AAA, name: A}, {code: BBB, name: B}, {code: CCC, name: C}]\n"
    conv = (
        "conventions: {notice_counting: clear_days, end_of_month: round_down}\nterm: {initial: indefinite}\n"
    )
    kind = write(
        tmp_path_factory.mktemp("kind"),
        parties + conv + f"entry_into_force: {{kind: after_kth_notification, count: 2, delay: {delay}}}\n",
        events,
    )
    expr = write(
        tmp_path_factory.mktemp("expr"),
        parties
        + conv
        + f"entry_into_force: {{kind: expression, date: {delay} after instrument 2, for_later_parties: "
        f"{delay} after own deposit}}\n",
        events,
    )
    a, b = tl.load(kind), tl.load(expr)
    assert a.in_force_from == b.in_force_from
    assert a.party_spans["CCC"][0].start == b.party_spans["CCC"][0].start


# ---------------------------------------------------------------------------- in force for N years: whose


def test_after_the_treaty_has_been_in_force_for_twenty_years_counts_from_the_treaty() -> None:
    r = tl.load(EX / "nato-record.yaml")
    (w,) = tl.deadline(r, D("1960-01-01"), party="GRC").withdrawal
    assert w.notice_from == D("1969-08-24")  # the Treaty's own entry into force, not Greece's (1952-02-18)
    assert w.takes_effect == D("1970-08-24")


@pytest.mark.parametrize(
    ("text", "received", "ok"),
    [
        ("20 years after entry into force", "1969-08-23", False),
        ("20 years after entry into force", "1969-08-24", True),
        ("20 years after entry into force for the party", "1969-08-24", False),
        ("20 years after entry into force for the party", "1972-02-17", False),
        ("20 years after entry into force for the party", "1972-02-18", True),
    ],
)
def test_whose_entry_into_force_as_the_text_says(tmp_path: Path, text: str, received: str, ok: bool) -> None:
    shutil.copy(DATA / "rules" / "nato.yaml", tmp_path / "nato.yaml")
    rules = (tmp_path / "nato.yaml").read_text(encoding="utf-8")
    (tmp_path / "nato.yaml").write_text(
        rules.replace("20 years after entry into force", text), encoding="utf-8"
    )
    scen = (EX / "nato-record.yaml").read_text(encoding="utf-8").replace("../rules/nato.yaml", "nato.yaml")
    scen = plus(scen, f"{{date: {received}, kind: notice_given, party: GRC}}")
    (tmp_path / "s.yaml").write_text(scen, encoding="utf-8")
    if ok:
        assert tl.load(tmp_path / "s.yaml").notices[0].effect is not None
    else:
        code, out = cli("status", str(tmp_path / "s.yaml"), "--on", "1990-01-01")
        assert code == 2 and "s.yaml:" in out and "allows notice only from" in out


# ---------------------------------------------------------------------------- periods moved by later events


def test_an_extended_period_is_known_only_from_the_day_it_was_agreed() -> None:
    r = tl.load(EX / "brexit-record.yaml")
    # as known on 2019-03-21 the UK leaves at the end of 2019-03-29; from 2019-03-22 at the end of 04-12
    assert tl.status(r, D("2019-03-21"), "GBR").ends == D("2019-03-30")
    assert tl.status(r, D("2019-03-22"), "GBR").ends == D("2019-04-13")
    assert tl.status(r, D("2019-04-11"), "GBR").ends == D("2019-11-01")
    assert tl.status(r, D("2019-10-29"), "GBR").ends == D("2020-02-01")
    assert around(r, "2020-02-01", "GBR") == (True, False, False)
    assert around(r, "2020-02-01") == (True, True, True)  # the others go on


def test_a_period_cut_short_when_another_instrument_enters_into_force_first() -> None:
    r = tl.load(EX / "whatif-brexit-early-agreement.yaml")
    assert around(r, "2019-06-01", "GBR") == (True, False, False)
    assert tl.status(r, D("2019-05-31"), "GBR").ends == D("2019-11-01")  # not known before it happens


def test_an_extension_that_moves_the_effect_earlier_is_refused(tmp_path: Path) -> None:
    scen = (EX / "brexit-record.yaml").read_text(encoding="utf-8").replace("../rules", str(DATA / "rules"))
    scen = scen.replace("effective: 2019-04-13", "effective: 2019-03-01")
    (tmp_path / "s.yaml").write_text(scen, encoding="utf-8")
    code, out = cli("status", str(tmp_path / "s.yaml"))
    assert code == 2 and "an extension must move it later" in out and "s.yaml:" in out


# ---------------------------------------------------------------------------- holds


def test_a_withdrawal_held_back_by_an_armed_conflict() -> None:
    r = tl.load(EX / "ottawa-record.yaml")
    assert around(r, "2025-12-27", "LTU") == (True, False, False)  # six months after 2025-06-27
    assert around(r, "2025-12-30", "UKR") == (True, True, True)  # held: engaged in armed conflict
    s = tl.status(r, D("2025-12-30"), "UKR")
    (n,) = [n for n in s.notices if n.party == "UKR"]
    assert n.status == "held" and n.takes_effect is None
    assert tl.status(r, D("2025-12-29"), "UKR").notices[0].takes_effect == D("2025-12-30")
    code, out = cli("status", str(EX / "ottawa-record.yaml"), "--on", "2026-01-01", "--party", "UKR")
    assert code == 0 and "held since 2025-12-30" in out and "armed conflict of UKR (since 2022-02-24)" in out


def test_the_withdrawal_takes_effect_when_the_hold_ends() -> None:
    r = tl.load(EX / "whatif-ottawa-resumed.yaml")
    assert around(r, "2026-06-30", "UKR") == (True, False, False)


def test_a_hold_that_ended_before_the_end_of_the_period_changes_nothing(tmp_path: Path) -> None:
    scen = (EX / "ottawa-record.yaml").read_text(encoding="utf-8").replace("../rules", str(DATA / "rules"))
    scen = plus(scen, "{date: 2025-12-29, kind: hold_ended, party: UKR, hold: armed_conflict}")
    (tmp_path / "s.yaml").write_text(scen, encoding="utf-8")
    assert around(tl.load(tmp_path / "s.yaml"), "2025-12-30", "UKR") == (True, False, False)


# ---------------------------------------------------------------------------- resumed notices


def test_a_resumed_notice_shows_both_readings_and_marks_them_contested() -> None:
    r = tl.load(EX / "whatif-ottawa-resumed.yaml")
    before = tl.status(r, D("2025-10-31"), "LTU")
    assert before.ambiguities == [] and before.notices[0].status == "suspended"
    s = tl.status(r, D("2025-11-01"), "LTU")
    (amb,) = [a for a in s.ambiguities if "resumed" in a.question]
    assert "contested" in amb.question
    assert "2026-02-26" in amb.readings["resumed_notice=remaining_period"]  # 117 days left, from 11-01
    assert "2026-05-01" in amb.readings["resumed_notice=fresh_period"]  # six months afresh
    assert "default" in amb.used
    assert around(r, "2026-02-26", "LTU") == (True, False, False)


@pytest.mark.parametrize(
    ("reading", "effect"), [("fresh_period", "2026-05-01"), ("remaining_period", "2026-02-26")]
)
def test_the_rules_file_may_choose_the_reading(tmp_path: Path, reading: str, effect: str) -> None:
    rules = (DATA / "rules" / "ottawa.yaml").read_text(encoding="utf-8")
    rules = rules.replace(
        "  end_of_month: round_down\n", f"  end_of_month: round_down\n  resumed_notice: {reading}\n"
    )
    (tmp_path / "ottawa.yaml").write_text(rules, encoding="utf-8")
    base = (
        (EX / "ottawa-record.yaml").read_text(encoding="utf-8").replace("../rules/ottawa.yaml", "ottawa.yaml")
    )
    (tmp_path / "ottawa-record.yaml").write_text(base, encoding="utf-8")
    shutil.copy(EX / "whatif-ottawa-resumed.yaml", tmp_path / "w.yaml")
    r = tl.load(tmp_path / "w.yaml")
    assert around(r, effect, "LTU") == (True, False, False)
    assert not [a for a in tl.status(r, D("2025-11-02"), "LTU").ambiguities if "resumed" in a.question]


# ---------------------------------------------------------------------------- options


def test_an_option_deadline_is_a_deadline() -> None:
    r = tl.load(EX / "contract-option-record.yaml")
    dl = tl.deadline(r, D("2026-01-01"))
    assert (dl.action, dl.deadline, dl.who, dl.extends_to) == (
        "exercise_option",
        D("2026-10-16"),
        ["CUS"],
        D("2028-01-14"),
    )
    assert tl.deadline(r, D("2026-01-01"), party="SUP").action != "exercise_option"
    assert around(r, "2028-01-15") == (True, False, False)  # extended once by a year
    cal = tl.calendar([r], D("2026-01-01"), years=1)
    assert [(i.date, i.kind) for i in cal.items if i.kind == "option_deadline"] == [
        (D("2026-10-16"), "option_deadline")
    ]
    assert tl.deadline(r, D("2026-10-17")).action != "exercise_option"  # used, and too late anyway


def test_the_register_sees_option_deadlines(tmp_path: Path) -> None:
    shutil.copy(DATA / "rules" / "contract-option.yaml", tmp_path / "contract-option.yaml")
    scen = (EX / "contract-option-record.yaml").read_text(encoding="utf-8")
    (tmp_path / "c.yaml").write_text(scen.replace("../rules/", ""), encoding="utf-8")
    out = tl.deadlines(tl.load_register(tmp_path), D("2026-09-01"), "90 days").to_dict()
    assert "2026-10-16" in json.dumps(out)


@pytest.mark.parametrize(
    ("date", "party", "words"),
    [
        ("2026-10-17", "CUS", "had to be exercised by 2026-10-16"),
        ("2026-10-16", "SUP", "may be exercised only by CUS"),
    ],
)
def test_a_late_or_foreign_exercise_is_refused(tmp_path: Path, date: str, party: str, words: str) -> None:
    scen = (
        (EX / "contract-option-record.yaml")
        .read_text(encoding="utf-8")
        .replace("../rules", str(DATA / "rules"))
    )
    scen = scen.replace("date: 2026-10-16", f"date: {date}").replace("party: CUS", f"party: {party}")
    (tmp_path / "s.yaml").write_text(scen, encoding="utf-8")
    code, out = cli("status", str(tmp_path / "s.yaml"))
    assert code == 2 and words in out and "s.yaml:" in out


def test_the_option_is_exercised_once(tmp_path: Path) -> None:
    scen = (
        (EX / "contract-option-record.yaml")
        .read_text(encoding="utf-8")
        .replace("../rules", str(DATA / "rules"))
    )
    scen = plus(scen, "{date: 2027-06-01, kind: option_exercised, party: CUS}")
    (tmp_path / "s.yaml").write_text(scen, encoding="utf-8")
    code, out = cli("status", str(tmp_path / "s.yaml"))
    assert code == 2 and "may be exercised 1 time(s); already on 2026-10-16" in out


# ---------------------------------------------------------------------------- revoked instruments


def test_an_instrument_withdrawn_before_entry_into_force_no_longer_counts() -> None:
    r = tl.load(EX / "whatif-hague-revoked.yaml")
    assert around(r, "2002-01-01") == (False, False, False)
    assert around(r, "2002-12-01") == (False, True, True)  # Morocco's is now the third
    assert tl.status(r, D("2003-01-01"), "MCO").stage == "not_a_party"
    assert tl.status(r, D("2003-01-01"), "MAR").in_force


def test_an_instrument_that_took_effect_cannot_be_withdrawn(tmp_path: Path) -> None:
    scen = (
        (EX / "hague-child-protection-record.yaml")
        .read_text(encoding="utf-8")
        .replace("../rules", str(DATA / "rules"))
    )
    scen = plus(scen, "{date: 2003-01-01, kind: instrument_withdrawn, party: CZE}")
    (tmp_path / "s.yaml").write_text(scen, encoding="utf-8")
    code, out = cli("status", str(tmp_path / "s.yaml"))
    assert code == 2 and "has taken effect" in out and "exit clause" in out


# ---------------------------------------------------------------------------- counting after receipt


def test_n_months_after_receipt_left_open_shows_both_readings_on_the_day_only() -> None:
    r = tl.load(EX / "ottawa-record.yaml")  # effect_counting left open
    day = [a for a in tl.status(r, D("2025-12-27"), "LTU").ambiguities if "still bound" in a.question]
    assert len(day) == 1 and set(day[0].readings) == {"effect_counting=same_day", "effect_counting=next_day"}
    for other in ("2025-12-26", "2025-12-28"):
        assert not [a for a in tl.status(r, D(other), "LTU").ambiguities if "still bound" in a.question]


def test_next_day_counting_ends_the_period_at_the_end_of_the_same_date() -> None:
    r = tl.load(EX / "brexit-record.yaml")  # effect_counting: next_day
    assert tl.status(r, D("2018-01-01"), "GBR").ends == D("2019-03-30")  # 2017-03-29 + 2 years, then a day
    assert not [a for a in tl.status(r, D("2019-03-30"), "GBR").ambiguities if "still bound" in a.question]


# ---------------------------------------------------------------------------- why not yet in force


def test_status_says_how_many_instruments_are_still_needed_and_the_earliest_date(tmp_path: Path) -> None:
    r = hague(tmp_path, "2019-09-01")
    m = tl.status(r, D("2019-03-15")).missing
    assert m is not None
    assert (m.instruments_needed, m.instruments_deposited, m.instruments_required) == (1, 2, 3)
    assert (m.assuming, m.earliest) == (D("2019-03-16"), D("2019-07-01"))  # 2019-06-16 -> July
    done = tl.status(r, D("2019-09-01")).missing
    assert done is not None and done.instruments_needed == 0 and done.due == D("2020-01-01")
    assert tl.status(r, D("2020-01-01")).missing is None


def test_status_names_the_parties_still_needed() -> None:
    r = tl.load(EX / "nato-record.yaml")
    m = tl.status(r, D("1949-06-01")).missing
    assert m is not None and m.parties_needed == ["BEL", "CAN", "FRA", "LUX", "NLD", "GBR", "USA"]
    assert m.earliest == D("1949-06-02") and not m.signature_needed


def test_why_not_in_force_in_every_output() -> None:
    gsomia = str(EX / "gsomia-record.yaml")
    code, out = cli("status", gsomia, "--on", "2016-11-22")
    assert code == 0
    assert (
        "Not yet in force: waiting for signature; the instruments of JPN, KOR; the earliest it could now"
        in out
    )
    code, out = cli("status", gsomia, "--on", "2016-11-22", "--json")
    data = json.loads(out)
    assert data["missing"]["parties_needed"] == ["JPN", "KOR"] and data["missing"]["earliest"] == "2016-11-23"
    code, out = cli("status", gsomia, "--on", "2016-11-22", "--explain")
    assert "not yet in force: waiting for signature" in out
    code, out = cli("status", gsomia, "--on", "2016-11-22", "--format", "markdown")
    assert "**Not yet in force:** waiting for signature" in out


# ---------------------------------------------------------------------------- one more kind: rules.py only


@pytest.mark.parametrize(
    ("third", "eif"),
    [("2019-08-31", "2019-12-01"), ("2019-09-01", "2020-01-01"), ("2019-11-30", "2020-03-01")],
)
def test_first_of_month_after_kth_is_the_hague_form_as_a_shorthand(
    tmp_path: Path, third: str, eif: str
) -> None:
    """The kind added last (it touched src/treatylife/model/rules.py only) means its expansion exactly."""
    rules = HAGUE_RULES.replace(
        """  kind: expression
  date: first day of month after (3 months after instrument 3)
  for_later_parties: first day of month after (3 months after own deposit)
""",
        "  kind: first_of_month_after_kth\n  count: 3\n  after: 3 months\n",
    )
    events = f"""\
    - {{date: 2019-01-01, kind: signed}}
    - {{date: 2019-02-01, kind: notified, party: AAA}}
    - {{date: 2019-03-01, kind: notified, party: BBB}}
    - {{date: {third}, kind: notified, party: CCC}}
    - {{date: 2020-03-31, kind: notified, party: DDD}}
    """
    r = tl.load(write(tmp_path, rules, events))
    assert around(r, eif) == (False, True, True)
    assert around(r, "2020-07-01", "DDD") == (False, True, True)  # its own deposit 2020-03-31 + 3 months
    assert "following the expiration of 3 months after the deposit of the 3rd instrument" in r.spans[-1].cause
    m = tl.status(r, D("2019-03-15")).missing
    assert m is not None and m.instruments_needed == 1


def test_first_of_month_after_kth_refuses_a_threshold_above_the_parties(tmp_path: Path) -> None:
    rules = HAGUE_RULES.replace(
        """  kind: expression
  date: first day of month after (3 months after instrument 3)
  for_later_parties: first day of month after (3 months after own deposit)
""",
        "  kind: first_of_month_after_kth\n  count: 9\n  after: 3 months\n",
    )
    write(tmp_path, rules, "")
    code, out = cli("check", str(tmp_path / "rules.yaml"))
    assert code == 2 and "instrument 9" in out and "more than the 4 parties" in out
