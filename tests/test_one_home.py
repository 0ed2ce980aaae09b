"""One home per legal rule (issue 11): each disagreement found between two paths that answered the same
question is a test here that asks both paths and compares them.

1. ``deadlines`` (a register) and ``calendar`` on the same facts: a notice given, then withdrawn;
2. a what-if from a file and the same what-if from ``--add``: one composer, the same refusals;
3. "who may give notice" without ``--party`` and with each party;
4. ``deadline``, ``status`` and ``check`` on a monthly renewal with 90 days' notice;
5. New START's term and its end, the day after the extension was agreed;
6. ``calendar`` of a multilateral agreement: per party, and the same dates as ``deadline --party``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app
from treatylife.dates.scalar import add_days

D = dt.date.fromisoformat
ROOT = Path(__file__).resolve().parent.parent
PARIS = str(ROOT / "examples/paris-record.yaml")
NEW_START = str(ROOT / "examples/new-start-record.yaml")


# -- 3. who may give notice ------------------------------------------------------------------------------


def test_who_may_notify_is_the_union_of_the_per_party_answers() -> None:
    """``deadline`` without ``--party`` names exactly the parties for which ``--party P`` finds a notice,
    each with the same first day and effect; the USA, out since 2026-01-27, is not among them."""
    record = tl.load(PARIS)
    for day in (D("2017-12-01"), D("2020-11-03"), D("2020-11-04"), D("2021-03-01"), D("2026-12-01")):
        whole = tl.deadline(record, day)
        named = {p: (w.clause, w.notice_from, w.takes_effect) for w in whole.withdrawal for p in w.who}
        each = {}
        for p in record.parties:
            options = tl.deadline(record, day, party=p).withdrawal
            assert len(options) <= 1
            if options:
                each[p] = (options[0].clause, options[0].notice_from, options[0].takes_effect)
        assert named == each, day
        assert set(named) <= set(record.parties_bound_on(day))
    out = CliRunner().invoke(app, ["deadline", PARIS, "--on", "2026-12-01"]).output
    assert "a notice by CHN, IND, EU, JPN, RUS received from 2026-12-01" in out
    assert "USA" not in out.split("Withdrawal:")[1]


def test_a_party_counted_from_its_own_entry_into_force_gets_its_own_first_day() -> None:
    """Art. 28(1): three years from entry into force *for that Party*: Japan (bound 2016-12-08) may give
    notice from 2019-12-08, the others bound since 2016-11-04 from 2019-11-04; ``calendar`` lists both."""
    d = tl.deadline(PARIS, D("2017-12-01"))
    firsts = {p: w.notice_from for w in d.withdrawal for p in w.who}
    assert firsts["JPN"] == D("2019-12-08") and firsts["USA"] == D("2019-11-04")
    assert tl.deadline(PARIS, D("2017-12-01"), party="JPN").withdrawal[0].notice_from == D("2019-12-08")


# -- 5. New START: the term and the end agree --------------------------------------------------------------


def test_new_start_term_counts_the_extension_known_that_day() -> None:
    """On 2021-02-04 (extension agreed 2021-02-03) term 1 is not the last term: there are two, and the
    second ends when ``Ends`` says. Before the agreement, term 1 of 1 is the last, and ends with it."""
    record = tl.load(NEW_START)
    for day in (D("2021-02-02"), D("2021-02-03"), D("2021-02-04"), D("2021-02-05"), D("2026-02-04")):
        st = tl.status(record, day)
        assert st.term is not None and st.term.last_day is not None and st.ends is not None
        if st.term.next_renewal is None:  # "last term": it ends the day the agreement ends
            assert add_days(st.term.last_day, 1) == st.ends, day
        else:  # another term follows: the agreement outlives this one
            assert st.ends > st.term.next_renewal and st.term.of is not None and st.term.number < st.term.of
        shown = [i for i in tl.timeline(record, day).intervals if i.start and i.start <= day][-1]
        assert shown.term == st.term.number, day
    out = CliRunner().invoke(app, ["status", NEW_START, "--on", "2021-02-04"]).output
    assert "Term: 1 of 2, 2011-02-05 .. 2021-02-04; extended by agreement from 2021-02-05" in out
    assert "Ends: 2026-02-05" in out
    out = CliRunner().invoke(app, ["status", NEW_START, "--on", "2021-02-02"]).output
    assert "Term: 1 of 1, 2011-02-05 .. 2021-02-04; last term" in out


# -- 2. one what-if composer ------------------------------------------------------------------------------

GSOMIA = str(ROOT / "examples/gsomia-record.yaml")


def _whatif_file(tmp_path: Path, body: str) -> str:
    (tmp_path / "rules").mkdir()
    f = tmp_path / "w.yaml"
    f.write_text(
        f"schema: treatylife/scenario/1\ntitle: w\nbased_on: gsomia-record\n{body}", encoding="utf-8"
    )
    return str(f)


def test_a_field_a_note_ignores_is_refused_from_a_file_and_from_add(tmp_path: Path) -> None:
    """``clause:`` on a ``note`` would be silently dropped: TL313 from a file and from ``--add`` alike."""
    import pytest

    from treatylife.errors import ScenarioError

    f = _whatif_file(tmp_path, "add:\n  - {date: 2019-09-01, kind: note, clause: art21-3-notice}\n")
    codes = []
    for build in (
        lambda: tl.load(f),
        lambda: tl.whatif(GSOMIA, add=["2019-09-01 note clause=art21-3-notice"]),
    ):
        with pytest.raises(ScenarioError) as exc:
            build()
        codes.append((exc.value.code, exc.value.field))
    assert codes == [("TL313", "clause"), ("TL313", "clause")]
    out = CliRunner().invoke(app, ["status", "--add", "2019-09-01 note clause=art21-3-notice"])
    assert out.exit_code == 2 and "TL313" in out.output


def test_the_same_what_if_from_a_file_and_from_options_gives_the_same_record(tmp_path: Path) -> None:
    f = _whatif_file(
        tmp_path,
        "remove:\n  - kind: notice_suspended\n  - kind: notice_withdrawn\nadd:\n  - {date: 2020-08-01, kind: notice_given, party: JPN, "
        "id: jpn, clause: art21-3-notice}\noverrides:\n  exits:\n    art21-3-notice: {notice: 180 days}\n",
    )
    from_file = tl.load(f)
    inline = tl.whatif(
        GSOMIA,
        remove=["notice_suspended", "notice_withdrawn"],
        add=["2020-08-01 notice_given JPN id=jpn clause=art21-3-notice"],
        set=["exits.art21-3-notice.notice=180days"],
    )
    for day in (D("2019-11-23"), D("2020-08-01"), D("2021-02-01"), D("2022-01-01")):
        a, b = tl.status(from_file, day).to_dict(), tl.status(inline, day).to_dict()
        for d in (a, b):
            d.pop("scenario")
            d.pop("explanation")  # cites file:line, or --add
        assert a == b, day


# -- 4. a notice period longer than a term --------------------------------------------------------------

MONTHLY = """schema: treatylife/rules/1
id: monthly-90
title: A monthly contract with 90 days' notice
parties: [{code: SUP, name: Supplier}, {code: CUS, name: Customer}]
conventions: {notice_counting: clear_days, end_of_month: round_down}
entry_into_force: {kind: on_signature}
term: {initial: 1 month}
renewal: {kind: automatic, period: 1 month}
exits:
  - {kind: non_renewal_notice, id: notice, notice: 90 days, by: any, late: LATE}
"""


def _monthly(tmp_path: Path, late: str = "next_term", notice: str | None = None) -> str:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / f"monthly-{late}.yaml").write_text(MONTHLY.replace("LATE", late), encoding="utf-8")
    events = "  - {date: 2026-01-15, kind: signed}\n"
    if notice:
        events += f"  - {{date: {notice}, kind: notice_given, party: CUS, id: n}}\n"
    f = tmp_path / f"s-{late}-{notice}.yaml"
    f.write_text(
        f"schema: treatylife/scenario/1\ntitle: m\nrules: rules/monthly-{late}.yaml\nevents:\n{events}",
        encoding="utf-8",
    )
    return str(f)


def test_the_deadline_deadline_gives_is_the_one_a_notice_meets(tmp_path: Path) -> None:
    """``deadline`` names a day; a notice received that day ends the agreement at the renewal it names
    (``status``), and one received the day after at a later one; the register's batch engine agrees."""
    plain = _monthly(tmp_path)
    for day in (D("2026-06-01"), D("2026-06-16"), D("2026-06-17"), D("2027-02-14")):
        dl = tl.deadline(plain, day)
        assert dl.deadline is not None and dl.deadline >= day, dl.reason
        on_time = tl.status(_monthly(tmp_path, notice=dl.deadline.isoformat()), dl.deadline)
        assert on_time.ends == dl.prevents_renewal_of, day
        after = add_days(dl.deadline, 1)
        late = tl.status(_monthly(tmp_path, notice=after.isoformat()), after)
        assert late.ends is not None and late.ends > dl.prevents_renewal_of, day
    out = CliRunner().invoke(app, ["deadline", plain, "--on", "2026-06-01"]).output
    assert "Next notice deadline: 2026-06-16" in out and "Prevents the renewal of: 2026-09-15" in out


def test_batch_and_single_engines_agree_on_a_long_notice(tmp_path: Path) -> None:
    for late in ("next_term", "void"):
        _monthly(tmp_path, late)
        reg = tmp_path / f"reg-{late}.csv"
        rows = ["id,rules,entry_into_force,notice_party,notice_received"]
        rows += [
            f"r{i},rules/monthly-{late}.yaml,2026-01-{10 + i},CUS,2026-0{3 + i % 5}-{10 + i}"
            for i in range(9)
        ]
        rows += [f"q{i},rules/monthly-{late}.yaml,2026-01-{10 + i},," for i in range(9)]
        reg.write_text("\n".join(rows) + "\n", encoding="utf-8")
        register = tl.load_register(reg)
        assert register.batch_rows == len(register)  # the batch engine answers every row
        for day in (D("2026-02-01"), D("2026-06-01"), D("2026-07-20"), D("2027-01-01")):
            batch = tl.portfolio(register, day, engine="batch").rows()
            single = tl.portfolio(register, day, engine="single").rows()
            assert batch == single, (late, day)
        windows = [
            tl.deadlines(register, D("2026-02-01"), "1y", engine=e).rows() for e in ("batch", "single")
        ]
        assert windows[0] == windows[1]


def test_check_says_what_a_notice_longer_than_a_term_means(tmp_path: Path) -> None:
    out = CliRunner().invoke(app, ["check", _monthly(tmp_path), _monthly(tmp_path, "void")]).output
    assert "NOTE: clause notice: the notice period (90 days) is longer than a term (1 month)" in out
    assert "ends the agreement after 3 more term(s)" in out
    assert "under late: void no notice can ever be timely" in out
    void = _monthly(tmp_path, "void")
    assert tl.deadline(void, D("2026-06-01")).deadline is None
    assert tl.status(_monthly(tmp_path, "void", "2026-06-01"), D("2026-06-01")).notices[0].status == "void"


# -- 1. deadlines (register) and calendar: one window ----------------------------------------------------

GSOMIA_ROW = "g1,gsomia,2016-11-23,KOR,2019-08-23,{suspended},{withdrawn}"


def test_deadlines_and_calendar_list_the_same_deadlines(tmp_path: Path) -> None:
    """A GSOMIA row whose notice was given, then withdrawn (or suspended): ``deadlines`` over the register
    (batch and single engines) and ``calendar`` over the same facts as a scenario list the same days."""
    cases = {
        "withdrawn": ("", "2019-11-22"),
        "suspended": ("2019-11-22", ""),
        "both": ("2019-11-22", "2020-02-01"),
    }
    for name, (suspended, withdrawn) in cases.items():
        reg = tmp_path / f"{name}.csv"
        reg.write_text(
            "id,rules,entry_into_force,notice_party,notice_received,notice_suspended,notice_withdrawn\n"
            + GSOMIA_ROW.format(suspended=suspended, withdrawn=withdrawn)
            + "\n",
            encoding="utf-8",
        )
        events = [
            "  - {date: 2016-11-23, kind: signed}",
            "  - {date: 2016-11-23, kind: notified, party: KOR}",
            "  - {date: 2016-11-23, kind: notified, party: JPN}",
            "  - {date: 2019-08-23, kind: notice_given, id: n, party: KOR}",
        ]
        if suspended:
            events.append(f"  - {{date: {suspended}, kind: notice_suspended, notice: n}}")
        if withdrawn:
            events.append(f"  - {{date: {withdrawn}, kind: notice_withdrawn, notice: n}}")
        scn = tmp_path / f"{name}.yaml"
        scn.write_text(
            "schema: treatylife/scenario/1\ntitle: g1\nrules: gsomia\nevents:\n" + "\n".join(events) + "\n",
            encoding="utf-8",
        )
        start = D("2019-09-01")
        register = tl.load_register(reg)
        listed = {
            e: [r["deadline"] for r in tl.deadlines(register, start, "2y", engine=e).rows()]
            for e in ("batch", "single")
        }
        cal = tl.calendar([str(scn)], start, years=2)
        until = D("2021-09-01")
        in_calendar = [
            i.date.isoformat() for i in cal.items if i.kind == "notice_deadline" and i.date <= until
        ]
        assert listed["batch"] == listed["single"] == in_calendar, name
        assert in_calendar[:2] == ["2020-08-24", "2021-08-24"], name
    out = CliRunner().invoke(
        app, ["deadlines", str(tmp_path / "withdrawn.csv"), "--from", "2019-09-01", "--within", "2y"]
    )
    assert "2020-08-24" in out.output and "2021-08-24" in out.output


# -- 6. calendar per party -------------------------------------------------------------------------------


def test_calendar_of_a_multilateral_agreement_lists_each_partys_dates() -> None:
    """Paris from 2016: dates for each party (bound, withdrawal possible, out), and ``--party USA``
    gives exactly the USA's, the first day each as ``deadline --party USA`` says."""
    whole = tl.calendar([PARIS], D("2016-01-01"), years=12)
    assert whole.items and not whole.notes
    usa = tl.calendar([PARIS], D("2016-01-01"), years=12, party="USA")
    assert [i for i in whole.items if i.party == "USA"] == usa.items
    kinds = [(i.date.isoformat(), i.kind) for i in usa.items]
    assert kinds == [
        ("2016-11-04", "party_bound"),  # from the agreement's entry into force
        ("2019-11-04", "withdrawal_opens"),
        ("2020-11-04", "party_out"),
        ("2021-02-19", "party_bound"),
        ("2024-02-19", "withdrawal_opens"),
        ("2026-01-27", "party_out"),
    ]
    for item in usa.items:
        if item.kind == "withdrawal_opens":
            asked = tl.deadline(PARIS, add_days(item.date, -1), party="USA").withdrawal
            assert asked and asked[0].notice_from == item.date
    runner = CliRunner()
    out = runner.invoke(app, ["calendar", PARIS, "--from", "2016-01-01", "--years", "12", "-o", "-"])
    assert out.exit_code == 0 and out.output.count("BEGIN:VEVENT") == len(whole.items)


def test_an_empty_calendar_says_why() -> None:
    out = CliRunner().invoke(
        app, ["calendar", str(ROOT / "examples/kyoto-record.yaml"), "--from", "2030-01-01"]
    )
    assert out.exit_code == 0
    assert "BEGIN:VEVENT" not in out.output and "no dates: Kyoto Protocol" in out.output


def test_uids_name_the_obligation_not_its_date(tmp_path: Path) -> None:
    """The same deadline moved by an edit (180 days' notice instead of 90) keeps its UID, so a subscribed
    calendar updates it; the stamp comes from the inputs, not from --from."""
    base = tl.calendar([GSOMIA], D("2026-01-01"), years=3)
    moved = tl.calendar(
        [tl.whatif(GSOMIA, set=["exits.art21-3-notice.notice=180days"])], D("2026-01-01"), years=3
    )
    a = {i.uid: i.date for i in base.items if i.kind == "notice_deadline"}
    b = {i.uid: i.date for i in moved.items if i.kind == "notice_deadline"}
    assert a.keys() == b.keys() and all(b[u] < a[u] for u in a)
    later = tl.calendar([GSOMIA], D("2026-06-01"), years=3)
    assert later.stamp == base.stamp == D("2023-03-21")  # the record's last event
    shared = {i.uid for i in base.items} & {i.uid for i in later.items}
    assert shared and all(i.date == j.date for i in base.items for j in later.items if i.uid == j.uid)
    ics = CliRunner().invoke(app, ["calendar", GSOMIA, "--from", "2026-01-01", "-o", "-"]).output
    assert "DTSTAMP:20230321T000000Z" in ics and "DTSTAMP:20260101" not in ics
