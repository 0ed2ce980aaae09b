"""A register whose rules file leaves a convention open: every row whose answer another reading changes says
so in its ``readings`` column, and what it says is what the same register answers under a rules file that
states that reading. Compared on the boundary days of both GSOMIA readings (24/25 August), a month-end entry
into force (29 February) and a suspended notice resumed (remaining or fresh period)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app

D = dt.date.fromisoformat
GSOMIA = Path(tl.__file__).parent / "data" / "rules" / "gsomia.yaml"
HEADER = "id,rules,entry_into_force,notice_party,notice_received,notice_suspended,notice_resumed"
ROWS = [
    ("plain", "2016-11-23,,,,"),
    ("day-of-clear-deadline", "2016-11-23,KOR,2019-08-24,,"),
    ("day-after", "2016-11-23,KOR,2019-08-25,,"),  # late under clear_days, timely under date_difference
    ("leap-day", "2016-02-29,,,,"),  # terms end where February lacks a 29th
    ("leap-day-notice", "2016-02-29,JPN,2019-11-30,,"),
    ("resumed", "2016-11-23,KOR,2019-08-23,2019-11-22,2020-06-01"),
]
DAYS = [
    "2019-08-23",
    "2019-08-24",
    "2019-08-25",
    "2019-08-26",
    "2019-11-22",
    "2019-11-23",
    "2019-11-30",
    "2019-12-01",
    "2020-02-28",
    "2020-02-29",
    "2020-03-01",
    "2020-06-02",
    "2020-11-23",
]
OPEN = ("notice_counting", "end_of_month", "resumed_notice")  # what open.yaml leaves open
CHOICES = {
    "notice_counting": ("clear_days", "date_difference"),
    "end_of_month": ("round_down", "round_up"),
    "resumed_notice": ("remaining_period", "fresh_period"),
}
COMPARED = (
    "stage",
    "in_force",
    "since",
    "term",
    "term_start",
    "term_last_day",
    "next_renewal",
    "ends",
    "notice",
    "deadline",
    "prevents_renewal_of",
)
STAGE_FIELDS = ("stage", "in_force", "since", "ends", "notice")


def _rules(tmp: Path, name: str, conventions: dict[str, str] | None) -> str:
    data = yaml.safe_load(GSOMIA.read_text("utf-8"))
    del data["conventions"]
    if conventions:
        data["conventions"] = conventions
    (tmp / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return name


def _register(tmp: Path, rules: str, name: str = "reg.csv") -> Path:
    reg = tmp / name
    reg.write_text("\n".join([HEADER, *(f"{i},{rules},{r}" for i, r in ROWS)]) + "\n", encoding="utf-8")
    return reg


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _covers(label: str, reading: dict[str, str], names: list[str]) -> bool:
    """Does ``label`` name ``reading``? Entries joined by `` or ``; a convention an entry leaves out is
    free (whatever its reading)."""
    for entry in label.split(" or "):
        parts = dict(p.split("=") for p in entry.split(", "))
        assert set(parts) <= set(names), (label, names)
        if all(reading[c] == v for c, v in parts.items()):
            return True
    return False


def _expected(used: dict[str, Any], alt: dict[str, Any]) -> str:
    names = [n for n in COMPARED if alt[n] != used[n]]
    if "stage" in names:
        names = [n for n in names if n in STAGE_FIELDS]
    return ", ".join(f"{n} {_shown(n, alt[n])}" for n in names)


def _scenario(path: Path, title: str, eif: str, *more: str) -> Path:
    """A scenario under open.yaml: signed and both notifications on ``eif``, then ``more`` events."""
    events = [
        f"  - {{date: {eif}, kind: signed}}",
        f"  - {{date: {eif}, kind: notified, party: JPN}}",
        f"  - {{date: {eif}, kind: notified, party: KOR}}",
        *(f"  - {{{e}}}" for e in more),
    ]
    head = f"schema: treatylife/scenario/1\ntitle: {title}\nrules: open.yaml\nevents:\n"
    path.write_text(head + "\n".join(events) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("readings")
    (tmp / "treatylife.toml").write_text("", encoding="utf-8")  # the project: rules files beside the register
    _register(tmp, _rules(tmp, "open.yaml", None))
    for values in itertools.product(*(CHOICES[n] for n in OPEN)):
        reading = dict(zip(OPEN, values, strict=True))
        key = "-".join(values)
        _register(tmp, _rules(tmp, f"{key}.yaml", reading), f"reg-{key}.csv")
    return tmp


@pytest.mark.parametrize("day", DAYS)
def test_readings_say_what_a_register_stating_each_reading_answers(project: Path, day: str) -> None:
    _compare_with_stated(project, "reg", D(day), {"resumed"})


def _compare_with_stated(project: Path, stem: str, day: dt.date, resumed: set[str]) -> None:
    """The ``readings`` of ``stem.csv`` (rules open.yaml) against ``stem-<reading>.csv`` (rules stating it)."""
    used = {r["id"]: r for r in tl.portfolio(project / f"{stem}.csv", day).rows()}
    for values in itertools.product(*(CHOICES[n] for n in OPEN)):
        reading = dict(zip(OPEN, values, strict=True))
        stated = tl.portfolio(project / f"{stem}-{'-'.join(values)}.csv", day).rows()
        for alt in stated:
            row = used[alt["id"]]
            names = ["notice_counting", "end_of_month"] + (["resumed_notice"] if alt["id"] in resumed else [])
            if any(reading[n] != CHOICES[n][0] for n in OPEN if n not in names):
                continue  # resumed_notice changes nothing for a row without a resumption
            said = [s.split(" under ") for s in (row["readings"] or "").split("; ") if s]
            under = [text for text, label in said if _covers(label, reading, names)]
            if reading == {n: CHOICES[n][0] for n in OPEN}:
                assert not under, (day, alt["id"])  # the defaults: the reading the row is answered under
                assert {k: row[k] for k in COMPARED} == {k: alt[k] for k in COMPARED}, (day, alt["id"])
                continue
            assert len(under) <= 1, (day, alt["id"], row["readings"])
            expected = _expected(row, alt)
            assert (under[0] if under else "") == expected, (day, alt["id"], reading, row["readings"])


def test_the_batch_and_the_single_engine_give_the_same_readings(project: Path) -> None:
    reg = tl.load_register(project / "reg.csv")
    assert reg.batch_rows >= 4  # most rows are the batch engine's, under each reading too
    for day in DAYS:
        assert tl.portfolio(reg, D(day)).rows() == tl.portfolio(reg, D(day), engine="single").rows()


def test_a_register_stating_every_convention_has_no_readings(project: Path) -> None:
    rows = tl.portfolio(project / "reg-clear_days-round_down-remaining_period.csv", D("2019-08-24")).rows()
    assert [r["readings"] for r in rows] == [None] * len(ROWS)


def test_the_deadline_readings_are_the_single_engines_for_the_same_agreement(project: Path) -> None:
    """`treatylife deadline` on a scenario lists the deadline under every reading (ambiguities); the
    register's row lists the same dates."""
    scenario = _scenario(project / "plain.yaml", "plain", "2016-02-29")
    record = tl.load(scenario)
    for day in ("2019-08-20", "2019-11-29", "2019-11-30", "2019-12-01", "2020-11-29"):
        answer = tl.deadline(record, D(day))
        dates = {
            v.split(" (renewal on ")[0]
            for a in answer.ambiguities
            if a.question.startswith("deadline")
            for v in a.readings.values()
        }
        row = next(r for r in tl.portfolio(project / "reg.csv", D(day)).rows() if r["id"] == "leap-day")
        said = {
            part.split(" ", 1)[1]
            for text in (row["readings"] or "").split("; ")
            for part in text.split(" under ")[0].split(", ")
            if part.startswith("deadline ")
        }
        assert row["deadline"] == str(answer.deadline)
        assert dates == ({row["deadline"]} | said if said else set()), (day, answer.ambiguities, row)


def test_a_directory_register_of_scenario_files_says_the_same(project: Path) -> None:
    folder = project / "scenarios"
    folder.mkdir(exist_ok=True)
    (folder / "open.yaml").write_text((project / "open.yaml").read_text("utf-8"), encoding="utf-8")
    _scenario(
        folder / "day-after.yaml",
        "day-after",
        "2016-11-23",
        "date: 2019-08-25, kind: notice_given, party: KOR",
    )
    said = {}
    for day in ("2019-08-25", "2019-11-23", "2020-11-23"):
        (row,) = tl.portfolio(folder, D(day)).rows()
        bulk = next(r for r in tl.portfolio(project / "reg.csv", D(day)).rows() if r["id"] == "day-after")
        assert row["readings"] == bulk["readings"], day
        said[day] = row["readings"]
    assert said["2019-11-23"] == (
        "stage terminated, in_force false, since 2019-11-23, ends 2019-11-23, notice effective "
        "under notice_counting=date_difference"
    )
    assert said["2020-11-23"] == "since 2019-11-23, ends 2019-11-23 under notice_counting=date_difference"


def test_every_format_carries_the_readings(project: Path) -> None:
    runner = CliRunner()
    args = ["portfolio", str(project / "reg.csv"), "--on", "2019-11-23"]
    csv = runner.invoke(app, [*args, "--format", "csv"])
    assert csv.exit_code == 0, csv.output
    assert csv.stdout.splitlines()[0].endswith(",prevents_renewal_of,earliest_deadline,readings")
    day_after = next(x for x in csv.stdout.splitlines() if x.startswith('"day-after"'))
    assert day_after.endswith(
        '"stage terminated, in_force false, since 2019-11-23, ends 2019-11-23, notice effective '
        'under notice_counting=date_difference"'
    )
    lines = runner.invoke(app, [*args, "--format", "jsonl"]).stdout.splitlines()
    assert [json.loads(x)["readings"] is None for x in lines] == [False, True, False, False, False, False]
    text = runner.invoke(app, args).stdout
    assert "under another reading of a convention the rules file leaves open" in text
    # the table's own columns: counted under the default of each convention the readings name
    assert "the table uses the default (notice_counting=clear_days, end_of_month=round_down):" in text
    assert "  day-after: stage terminated" in text
    md = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert "- day-after: stage terminated" in md
    out = project / "answers.parquet"
    assert runner.invoke(app, [*args, "-o", str(out)]).exit_code == 0
    import pyarrow.parquet as pq

    assert pq.read_table(out).column("readings").to_pylist() == [json.loads(x)["readings"] for x in lines]
    dl = runner.invoke(
        app, ["deadlines", str(project / "reg.csv"), "--from", "2019-08-20", "--format", "csv"]
    )
    assert dl.stdout.splitlines()[0].endswith(",who,earliest_deadline,readings")
    assert "deadline 2019-08-25 under notice_counting=date_difference" in dl.stdout


@pytest.mark.parametrize(
    ("day", "used", "date_difference"),
    [
        ("2019-08-23", "2019-08-24", "2019-08-25"),
        ("2019-08-24", "2019-08-24", "2019-08-25"),
        # the day after the clear-days deadline: under date_difference a notice today still prevents the
        # renewal of 2019-11-23 (the earlier code listed 2020-08-25, the next year's, and missed it)
        ("2019-08-25", "2020-08-24", "2019-08-25 (renewal on 2019-11-23)"),
        ("2019-08-26", "2020-08-24", "2020-08-25"),
    ],
)
def test_the_deadline_under_each_counting_on_the_days_around_the_gsomia_deadline(
    project: Path, day: str, used: str, date_difference: str
) -> None:
    scenario = _scenario(project / "gsomia-open.yaml", "open", "2016-11-23")
    answer = tl.deadline(tl.load(scenario), D(day))
    assert str(answer.deadline) == used
    (amb,) = [a for a in answer.ambiguities if a.question.startswith("deadline")]
    assert amb.readings["notice_counting=clear_days, end_of_month=round_down"] == used
    assert amb.readings["notice_counting=date_difference, end_of_month=round_down"] == date_difference
    row = next(r for r in tl.portfolio(project / "reg.csv", D(day)).rows() if r["id"] == "plain")
    assert row["deadline"] == used
    assert row["readings"].startswith(f"deadline {date_difference.split(' ')[0]}")
    # the day to act by, the same from both engines
    assert str(answer.earliest_deadline) == row["earliest_deadline"] == min(used, date_difference[:10])
    assert row["readings"].endswith("under notice_counting=date_difference")


def test_deadlines_lists_a_deadline_that_falls_in_the_window_only_under_another_reading(
    project: Path,
) -> None:
    """From 25 August the default's next deadline is a year away; under date_difference it is today."""
    rows = tl.deadlines(project / "reg.csv", D("2019-08-25"), "120d").rows()
    plain = [r for r in rows if r["id"] == "plain"]
    assert [(r["deadline"], r["readings"]) for r in plain] == [
        (
            "2020-08-24",
            "deadline 2019-08-25, prevents_renewal_of 2019-11-23 under notice_counting=date_difference",
        )
    ]
    assert rows[0]["id"] == "plain"  # listed by the day it falls on under that reading: the soonest
    assert rows[0]["earliest_deadline"] == "2019-08-25"  # the day to act by, under every reading
    for r in tl.deadlines(project / "reg.csv", D("2019-08-20"), "2y").rows():
        assert r["earliest_deadline"] <= r["deadline"], r  # never later than the reading used
    stated = tl.deadlines(project / "reg-clear_days-round_down-remaining_period.csv", D("2019-08-25"), "120d")
    assert "plain" not in [r["id"] for r in stated.rows()]  # a file that states clear_days: no such deadline


def test_engine_batch_answers_a_resumed_row_under_a_reading_the_batch_engine_does_not_take(
    project: Path,
) -> None:
    reg = tl.load_register(project / "reg.csv")
    day = D("2020-06-03")
    assert tl.portfolio(reg, day, engine="batch").rows() == tl.portfolio(reg, day).rows()
    resumed = next(r for r in tl.portfolio(reg, day).rows() if r["id"] == "resumed")
    assert resumed["stage"] == "terminated"
    assert resumed["readings"] is not None and resumed["readings"].endswith(
        "under resumed_notice=fresh_period"
    )


_DAY0 = dt.date(2015, 1, 1)


@st.composite
def _rows(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Agreements near the boundaries: month-end entries into force, notices a few days either side of a
    deadline, some suspended and resumed."""
    out = []
    for i in range(draw(st.integers(1, 6))):
        eif = draw(st.sampled_from(["2016-02-29", "2016-01-31", "2016-11-23", "2017-08-31", "2016-05-31"]))
        e = D(eif)
        if draw(st.booleans()):
            out.append((f"r{i}", f"{eif},,,,"))
            continue
        years = draw(st.integers(1, 3))
        renewal = dt.date(e.year + years, e.month, min(e.day, 28) if e.month == 2 else e.day)
        received = renewal - dt.timedelta(days=91 + draw(st.integers(-3, 3)))
        party = draw(st.sampled_from(["JPN", "KOR"]))
        if draw(st.integers(0, 3)) == 0:
            suspended = received + dt.timedelta(days=draw(st.integers(1, 60)))
            resumed = suspended + dt.timedelta(days=draw(st.integers(1, 400)))
            out.append((f"r{i}", f"{eif},{party},{received},{suspended},{resumed}"))
        else:
            out.append((f"r{i}", f"{eif},{party},{received},,"))
    return out


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=_rows(), days=st.lists(st.integers(0, 8 * 365), min_size=1, max_size=3))
def test_readings_of_generated_registers_say_what_each_stated_reading_answers(
    project: Path, rows: list[tuple[str, str]], days: list[int]
) -> None:
    def write(name: str, rules: str) -> None:
        text = "\n".join([HEADER, *(f"{i},{rules},{r}" for i, r in rows)]) + "\n"
        (project / name).write_text(text, encoding="utf-8")

    write("gen.csv", "open.yaml")
    for values in itertools.product(*(CHOICES[n] for n in OPEN)):
        write(f"gen-{'-'.join(values)}.csv", f"{'-'.join(values)}.yaml")
    resumed = {i for i, r in rows if r.split(",")[-1]}
    for n in days:
        _compare_with_stated(project, "gen", _DAY0 + dt.timedelta(days=n), resumed)


def test_portfolio_gives_the_day_to_act_by_under_any_reading(project: Path) -> None:
    rows = {r["id"]: r for r in tl.portfolio(project / "reg.csv", D("2019-08-25")).rows()}
    assert (rows["plain"]["deadline"], rows["plain"]["earliest_deadline"]) == ("2020-08-24", "2019-08-25")
    stated = tl.portfolio(project / "reg-clear_days-round_down-remaining_period.csv", D("2019-08-25")).rows()
    assert all(r["earliest_deadline"] == r["deadline"] for r in stated)  # one reading: the same day
    typed = {r.id: r for r in tl.rows(tl.portfolio(project / "reg.csv", D("2019-08-25")))}
    assert typed["plain"].earliest_deadline == D("2019-08-25")
    text = CliRunner().invoke(app, ["portfolio", str(project / "reg.csv"), "--on", "2019-08-25"]).stdout
    header = text.splitlines()[1]
    assert "earliest, any reading" in header  # shown where a reading moves a deadline earlier
    plain = next(x for x in text.splitlines() if x.startswith("plain "))
    assert "2020-08-24" in plain and "2019-08-25" in plain
    quiet = CliRunner().invoke(
        app,
        ["portfolio", str(project / "reg-clear_days-round_down-remaining_period.csv"), "--on", "2019-08-25"],
    )
    assert "earliest" not in quiet.stdout


def test_the_example_in_register_md_is_what_the_tool_answers(project: Path) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "register.md").read_text(encoding="utf-8")
    section = doc.split("### Readings: when a rules file leaves a convention open", 1)[1]
    block = section.split("```\n", 2)[1]
    shown = [line for line in block.splitlines() if line]
    assert len(shown) == 4
    for line in shown:
        day, rest = line.split(" ", 1)
        ident = rest.split(":", 1)[0]
        r = next(r for r in tl.portfolio(project / "reg.csv", D(day)).rows() if r["id"] == ident)
        said = (
            f"{day} {ident}: deadline {r['deadline']}, earliest_deadline {r['earliest_deadline']}, "
            f"readings: {r['readings']}"
        )
        assert said == line


def test_a_resumption_on_the_disputed_day_has_the_same_readings_in_status_and_the_register(
    project: Path,
) -> None:
    """Resumed on 25 August 2020 and counted afresh: late under clear days (the term after next ends),
    timely under date_difference (ends 2020-11-23); the remaining day ends it on 2020-08-26."""
    events = "2016-11-23,KOR,2019-08-23,2019-11-22,2020-08-25"
    (project / "disputed.csv").write_text(f"{HEADER}\ndisputed,open.yaml,{events}\n", encoding="utf-8")
    _scenario(
        project / "disputed.yaml",
        "disputed",
        "2016-11-23",
        "date: 2019-08-23, kind: notice_given, party: KOR",
        "date: 2019-11-22, kind: notice_suspended, party: KOR",
        "date: 2020-08-25, kind: notice_resumed, party: KOR",
    )
    (notice,) = tl.load(project / "disputed.yaml").notices
    single = set(notice.alternative["effects"].values())
    assert single == {"2020-08-26", "2021-11-23", "2020-11-23"}
    assert "resumed_notice=fresh_period, notice_counting=date_difference" in " ".join(
        notice.alternative["readings"]
    )
    (row,) = tl.portfolio(project / "disputed.csv", D("2020-08-25")).rows()
    said = {
        part.split(" ", 1)[1]
        for text in row["readings"].split("; ")
        for part in text.split(" under ")[0].split(", ")
        if part.startswith("ends ")
    }
    assert {row["ends"]} | said == single


def test_an_extra_column_may_not_take_the_name_of_an_answer_column(tmp_path: Path) -> None:
    """It would be dropped from the output beside the answer of that name: refused, with its line."""
    from treatylife.bulk.columnar import ANSWER_COLUMNS, KNOWN_COLUMNS
    from treatylife.bulk.register import DEADLINE_COLUMNS, PORTFOLIO_COLUMNS

    answers = {*PORTFOLIO_COLUMNS, *DEADLINE_COLUMNS} - set(KNOWN_COLUMNS)
    assert answers <= set(ANSWER_COLUMNS)
    for name in ("readings", "earliest_deadline"):
        reg = tmp_path / f"{name}.csv"
        reg.write_text(f"id,rules,entry_into_force,{name}\na,gsomia,2016-11-23,mine\n", encoding="utf-8")
        r = CliRunner().invoke(app, ["portfolio", str(reg), "--on", "2019-08-20", "--format", "csv"])
        assert r.exit_code == 2 and f"column '{name}' is the name of an answer column" in r.stderr


@pytest.mark.parametrize(
    ("day", "stage", "readings"),
    [
        ("2021-03-09", "in_force", "ends 2021-03-11 under effect_counting=next_day"),
        (
            "2021-03-10",
            "terminated",
            "stage in_force, in_force true, since 1960-06-23, ends 2021-03-11, notice pending "
            "under effect_counting=next_day",
        ),
        ("2021-03-11", "terminated", "since 2021-03-11, ends 2021-03-11 under effect_counting=next_day"),
    ],
)
def test_a_withdrawal_counted_from_receipt_has_both_effect_counting_readings(
    tmp_path: Path, day: str, stage: str, readings: str
) -> None:
    """The bundled US-Japan treaty leaves effect_counting open: notice received 2020-03-10, one year."""
    reg = tmp_path / "reg.csv"
    reg.write_text(
        "id,rules,entry_into_force,notice_party,notice_received\nx,us-japan-security,1960-06-23,USA,2020-03-10\n",
        encoding="utf-8",
    )
    (row,) = tl.portfolio(reg, D(day)).rows()
    assert (row["stage"], row["ends"], row["readings"]) == (stage, "2021-03-10", readings)


def test_a_calendar_deadline_says_every_reading_when_the_counting_is_left_open(project: Path) -> None:
    scenario = _scenario(project / "gsomia-open-cal.yaml", "open", "2016-11-23")
    items = tl.calendar([tl.load(scenario)], D("2019-08-20"), 1).items
    (deadline,) = [i for i in items if i.kind == "notice_deadline"]
    assert deadline.date == D("2019-08-24")
    assert "leaves the counting open" in deadline.description
    assert "notice_counting=date_difference, end_of_month=round_down: 2019-08-25" in deadline.description
    stated = tl.calendar(
        [tl.load(GSOMIA.parent.parent / "examples" / "gsomia-record.yaml")], D("2019-08-20"), 1
    ).items
    assert all("leaves the counting open" not in i.description for i in stated)
