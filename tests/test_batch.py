"""The batch engine gives exactly the single engine's answers, on thousands of random agreements.

Rules files are drawn at random among the shapes the batch engine compiles (periods in days, weeks, months
and years, mixed; both notice countings; both end-of-month roundings; late notices void or standing for the
next term); agreements start on awkward days (29 February, the 31st) and give notices on, just before and
just after their deadlines, sometimes suspended or withdrawn. Each agreement is replayed by the single
engine (treatylife.engine.replay) and asked status + next deadline on the days where answers change.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pytest

import treatylife as tl
from treatylife.bulk.batch import NONE, NOTICE_STATUSES, STAGES, Batch, add_months, compile_rules, to_days
from treatylife.bulk.register import COLUMNS, load_register, record_row, row_events
from treatylife.dates import scalar as D
from treatylife.engine.replay import replay
from treatylife.errors import TreatyLifeError
from treatylife.files.loader import Loaded, load_rules

PERIODS = ["1 year", "2 years", "6 months", "1 month", "13 months", "90 days", "2 weeks", "365 days"]
NOTICES = ["90 days", "30 days", "6 months", "1 month", "3 months", "1 year", "400 days", "1 week"]
ANCHORS = [
    "2016-11-23",
    "2016-02-29",
    "2015-01-31",
    "2019-08-31",
    "2020-03-31",
    "2010-12-31",
    "2000-01-01",
    "2012-02-29",
    "2018-05-30",
    "2021-10-31",
]


def _rules_text(rng: random.Random, i: int) -> str:
    eif = rng.choice(["on_signature", "last_notification"])
    conv = []
    if rng.random() < 0.7:
        conv.append(f"  notice_counting: {rng.choice(['clear_days', 'date_difference'])}")
    if rng.random() < 0.7:
        conv.append(f"  end_of_month: {rng.choice(['round_down', 'round_up'])}")
    by = rng.choice(["any", "[AAA]"])
    return "\n".join(
        [
            "schema: treatylife/rules/1",
            f"id: random-{i}",
            f"title: Random agreement {i}",
            "parties:",
            "  - {code: AAA, name: Alpha}",
            "  - {code: BBB, name: Beta}",
            *(["conventions:", *conv] if conv else []),
            f"entry_into_force: {{kind: {eif}}}",
            f"term: {{initial: {rng.choice(PERIODS)}}}",
            f"renewal: {{kind: automatic, period: {rng.choice(PERIODS)}}}",
            "exits:",
            f"  - {{kind: non_renewal_notice, id: nr, notice: {rng.choice(NOTICES)}, by: {by}, "
            f"late: {rng.choice(['next_term', 'void'])}}}",
            "",
        ]
    )


NOT_BATCH = """schema: treatylife/rules/1
id: withdrawal-kind
title: An agreement with a withdrawal clause (not a batch shape)
parties:
  - {code: AAA, name: Alpha}
  - {code: BBB, name: Beta}
entry_into_force: {kind: on_signature}
term: {initial: 5 years}
renewal: {kind: automatic, period: 5 years, max_renewals: 2}
exits:
  - {kind: withdrawal, id: wd, effect_after: 6 months}
"""


def _day(d: dt.date) -> str:
    return d.isoformat()


def _row(rng: random.Random, i: int, rules: str, parsed: object) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row["id"], row["rules"] = f"a{i:05d}", rules
    anchor = dt.date.fromisoformat(rng.choice(ANCHORS))
    u = rng.random()
    if u < 0.55:
        row["entry_into_force"] = _day(anchor)
    elif u < 0.8:
        row["signed"] = _day(D.add_days(anchor, -rng.choice([0, 0, 3, 40])))
        row["notified"] = _day(anchor)
    elif u < 0.92:
        row["signed"] = _day(anchor)
    if not (row["entry_into_force"] or row["notified"] or parsed.entry_into_force.kind == "on_signature"):
        return row
    if rng.random() < 0.7 and (row["entry_into_force"] or row["notified"] or row["signed"]):
        eif = anchor
        exits = parsed.exits
        if exits[0].kind == "non_renewal_notice":
            term, ren = parsed.term, parsed.renewal
            conv = parsed.conventions
            ts = D.TermSchedule(eif, term.initial, ren.period, None, conv.end_of_month)
            k = rng.randint(1, 6)
            dl = D.notice_deadline(ts.start(k + 1), exits[0].notice, conv.notice_counting, conv.end_of_month)
            received = D.add_days(dl, rng.choice([-1, 0, 0, 1, 2, -40]))
        else:
            received = D.add_days(eif, rng.randint(0, 4000))
        if received < eif:
            received = eif
        row["notice_received"] = _day(received)
        row["notice_party"] = rng.choice(["AAA", "BBB"])
        if rng.random() < 0.3:
            row["notice_suspended"] = _day(D.add_days(received, rng.choice([0, 1, 30, 90, 200, 500])))
        if rng.random() < 0.25:
            base = dt.date.fromisoformat(row["notice_suspended"] or row["notice_received"])
            row["notice_withdrawn"] = _day(D.add_days(base, rng.choice([0, 1, 30, 400, 1500])))
    return row


def _record(row: dict[str, str], rules: object, rules_path: Path) -> object:
    events = row_events(row, rules.party_codes())
    return replay(Loaded(rules_path, row["id"], None, rules, rules_path, events))  # type: ignore[arg-type]


def _check_days(rec: object, rng: random.Random) -> set[dt.date]:
    days = {dt.date(2100, 1, 1), dt.date(1999, 12, 31), D.add_days(dt.date(2016, 1, 1), rng.randint(0, 6000))}
    sched = rec.schedule
    if sched is not None:
        days |= {sched.anchor, D.add_days(sched.anchor, -1)}
        ts = sched.terms()
        for k in (2, 3, rng.randint(4, 30)):
            s = ts.start(k)
            days |= {s, D.add_days(s, -1)}
    for n in rec.notices:
        for ch in n.history:
            days |= {ch.date, D.add_days(ch.date, -1)}
        for d in (n.deadline, n.effect):
            if d is not None:
                days |= {d, D.add_days(d, -1), D.add_days(d, 1)}
    return days


@pytest.fixture(scope="module")
def random_register(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]], dict]:
    rng = random.Random(20191122)
    root = tmp_path_factory.mktemp("register")
    (root / "rules").mkdir()
    rules_files = []
    for i in range(12):
        p = root / "rules" / f"r{i}.yaml"
        p.write_text(_rules_text(rng, i), encoding="utf-8")
        rules_files.append(p)
    parsed = {p: load_rules(p) for p in rules_files}
    assert all(compile_rules(r)[0] is not None for r in parsed.values())
    rows, records = [], {}
    attempts = 0
    while len(rows) < 2000:
        attempts += 1
        p = rng.choice(rules_files)
        row = _row(rng, attempts, f"rules/{p.name}", parsed[p])
        try:
            rec = _record(row, parsed[p], p)
        except TreatyLifeError:
            continue  # an impossible history: the register would refuse it with its line number
        rows.append(row)
        records[row["id"]] = rec
    reg_path = root / "register.csv"
    import csv

    with reg_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return reg_path, rows, records


def test_batch_equals_single_engine_on_random_agreements(random_register: tuple) -> None:
    reg_path, rows, records = random_register
    reg = load_register(reg_path)
    assert len(reg) == len(rows) >= 2000
    assert all(g.batch is not None and len(g.batch.fallback) == 0 for g in reg.groups)
    rng = random.Random(7)
    checked = 0
    for g in reg.groups:
        # every agreement of the group, each on the days where its answers change (one batch call)
        pairs = []
        for li in g.local.tolist():
            days = sorted(_check_days(records[rows[li]["id"]], rng))
            pairs += [(li, d) for d in rng.sample(days, min(4, len(days)))]
        local = np.array([p[0] for p in pairs])
        pos = np.searchsorted(g.local, local)
        out = g.batch.take(pos).evaluate(np.array([to_days(p[1]) for p in pairs], dtype=np.int64))
        for j, (li, day) in enumerate(pairs):
            want = record_row(records[rows[li]["id"]], day)
            got = {
                "stage": STAGES[out["stage"][j]],
                "in_force": bool(out["in_force"][j]),
                "notice": NOTICE_STATUSES[out["notice"][j]],
                "clause": g.batch.shape.clause if out["deadline"][j] != NONE else "",
                "who": " ".join(g.batch.shape.by) if out["deadline"][j] != NONE else "",
            }
            for k in ("term", "deadline_term"):
                got[k] = NONE if out[k][j] == 0 else int(out[k][j])
            for k, v in want.items():
                g_v = got[k] if k in got else int(out[k][j])
                assert g_v == v, f"{rows[li]} on {day}: {k} batch={g_v!r} single={v!r}"
            checked += 1
    assert checked > 6000


def test_register_mixes_batch_and_single_engine_rows(tmp_path: Path) -> None:
    """A register whose rules files are partly batch shapes: answers are the same with either engine."""
    (tmp_path / "nb.yaml").write_text(NOT_BATCH, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(_rules_text(random.Random(5), 99), encoding="utf-8")
    lines = ["id,rules,entry_into_force,notice_party,notice_received"]
    for i in range(40):
        day = D.add_days(dt.date(2015, 1, 31), 97 * i)
        notice = f"AAA,{D.add_days(day, 800)}" if i % 3 == 0 else ","
        lines.append(f"x{i},{'nb' if i % 2 else 'b'}.yaml,{day},{notice}")
    (tmp_path / "reg.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    reg = load_register(tmp_path / "reg.csv")
    assert 0 < reg.batch_rows < len(reg)
    for on in (dt.date(2016, 1, 1), dt.date(2019, 3, 1), dt.date(2031, 1, 1), dt.date(2100, 1, 1)):
        a = tl.portfolio(reg, on).to_dict()
        b = tl.portfolio(reg, on, engine="single").to_dict()
        assert a == b


def test_record_row_is_the_public_api_answer(random_register: tuple) -> None:
    """The single-engine column values are tl.status / tl.deadline, read field by field."""
    _, rows, records = random_register
    rec = records[rows[0]["id"]]
    on = dt.date(2030, 6, 1)
    row = record_row(rec, on)
    st, dl = tl.status(rec, on), tl.deadline(rec, on)
    assert row["stage"] == st.stage and row["in_force"] == st.in_force
    assert row["deadline"] == (NONE if dl.deadline is None else to_days(dl.deadline))


def test_month_arithmetic_matches_dates_module() -> None:
    rng = random.Random(3)
    starts = [D.add_days(dt.date(1999, 1, 1), rng.randint(0, 12000)) for _ in range(3000)]
    starts += [dt.date(2016, 2, 29), dt.date(2019, 1, 31), dt.date(2019, 3, 31), dt.date(2019, 12, 31)]
    arr = np.array([to_days(d) for d in starts], dtype=np.int64)
    for months in (-25, -12, -1, 1, 11, 12, 13, 48):
        for eom in (D.EndOfMonth.ROUND_DOWN, D.EndOfMonth.ROUND_UP):
            got = add_months(arr, months, eom is D.EndOfMonth.ROUND_UP)
            want = [to_days(D.add_period(d, D.Period(months, "months"), 1, eom)) for d in starts]
            assert got.tolist() == want


def test_unsupported_shapes_fall_back_with_a_reason(tmp_path: Path) -> None:
    p = tmp_path / "nb.yaml"
    p.write_text(NOT_BATCH, encoding="utf-8")
    shape, reason = compile_rules(load_rules(p))
    assert shape is None and reason
    gsomia = compile_rules(load_rules(Path(tl.__file__).parent / "data" / "rules" / "gsomia.yaml"))[0]
    assert gsomia is not None and gsomia.eif == "last_notification"


def test_a_rules_field_the_batch_engine_does_not_know_sends_the_file_to_the_single_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fields added to the rules model later (by other features) are never silently ignored: any field set
    in a rules file beyond those the batch engine knows sends that file to the single engine."""
    import treatylife.bulk.batch as batch

    rules = load_rules(Path(tl.__file__).parent / "data" / "rules" / "gsomia.yaml")
    assert compile_rules(rules)[0] is not None
    monkeypatch.setattr(batch, "_KNOWN_RULES", batch._KNOWN_RULES - {"short_title"})  # as if it were new
    shape, reason = compile_rules(rules)
    assert shape is None and "short_title" in reason


def test_rows_the_batch_cannot_prove_go_to_the_single_engine() -> None:
    gsomia = compile_rules(load_rules(Path(tl.__file__).parent / "data" / "rules" / "gsomia.yaml"))[0]
    assert gsomia is not None
    d = to_days
    b = Batch(
        gsomia,
        signed=np.array([d(dt.date(2016, 11, 23)), d(dt.date(2016, 11, 23))]),
        notified=np.array([d(dt.date(2016, 11, 23)), d(dt.date(2016, 11, 22))]),  # notified before signing
        received=np.array([d(dt.date(2019, 8, 23)), NONE]),
        suspended=np.array([d(dt.date(2019, 11, 23)), NONE]),  # suspended once the notice took effect
    )
    assert b.fallback.tolist() == [0, 1]


@pytest.mark.parametrize("notice", ["1 month", "3 months", "6 months", "1 year", "90 days"])
@pytest.mark.parametrize("counting", list(D.NoticeCounting))
@pytest.mark.parametrize("eom", [D.EndOfMonth.ROUND_DOWN, D.EndOfMonth.ROUND_UP])
def test_batch_deadlines_match_dates_module_on_every_day(
    notice: str, counting: D.NoticeCounting, eom: D.EndOfMonth
) -> None:
    """Month-end renewals are where a subtraction and the forward-counting definition part ways."""
    from treatylife.bulk.batch import Shape

    period = D.parse_period(notice)
    year = D.Period(1, "years")
    shape = Shape(
        "last_notification",
        year,
        year,
        period,
        counting is D.NoticeCounting.CLEAR_DAYS,
        eom is D.EndOfMonth.ROUND_UP,
        True,
        "c",
        ("A", "B"),
        ("A", "B"),
    )
    starts = [D.add_days(dt.date(2019, 1, 1), i) for i in range(800)]
    got = shape.deadline(np.array([to_days(s) for s in starts], dtype=np.int64))
    expected = np.array(
        [to_days(D.notice_deadline(s, period, counting, eom)) for s in starts], dtype=np.int64
    )
    assert np.array_equal(got, expected)
