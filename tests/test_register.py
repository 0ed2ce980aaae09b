"""Registers: bulk CSV / JSON Lines files and directories of scenarios; `portfolio` and `deadlines`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app
from treatylife.errors import InputError
from treatylife.render.register import TerminalProgress

D = dt.date.fromisoformat
DATA = Path(tl.__file__).parent / "data"
runner = CliRunner()

# GSOMIA-like contracts: the real record (kr-jp), the what-ifs of DOMAIN.md §5 as rows, and others
ROWS = """id,rules,title,entry_into_force,signed,notified,notice_party,notice_received,notice_suspended,notice_withdrawn
kr-jp,gsomia,GSOMIA as it happened,2016-11-23,,,KOR,2019-08-23,2019-11-22,2023-03-21
no-suspension,gsomia,,2016-11-23,,,KOR,2019-08-23,,
late-notice,gsomia,,2016-11-23,,,KOR,2019-08-25,,
japan-2024,gsomia.yaml,,,2023-12-01,2024-02-29,JPN,2025-11-20,,
plain,rules/gsomia.yaml,,2016-11-23,,,,,,
signed-only,gsomia,,,2030-01-15,,,,,
"""


@pytest.fixture
def register(tmp_path: Path) -> Path:
    (tmp_path / "rules").mkdir()
    shutil.copy(DATA / "rules" / "gsomia.yaml", tmp_path / "rules" / "gsomia.yaml")
    shutil.copy(DATA / "rules" / "gsomia.yaml", tmp_path / "gsomia.yaml")
    p = tmp_path / "register.csv"
    p.write_text(ROWS, encoding="utf-8")
    return p


def _by_id(result: tl.register.PortfolioResult) -> dict[str, dict]:  # type: ignore[name-defined]
    return {r["id"]: r for r in result.rows()}


def test_the_gsomia_row_answers_as_the_gsomia_record(register: Path) -> None:
    record = tl.load()  # the bundled scenario, replayed by the single engine
    for day in ("2016-11-22", "2016-11-23", "2019-08-23", "2019-11-23", "2023-03-21", "2027-08-25"):
        row = _by_id(tl.portfolio(register, D(day)))["kr-jp"]
        st, dl = tl.status(record, D(day)), tl.deadline(record, D(day))
        assert row["in_force"] == st.in_force
        assert row["term"] == (st.term.number if st.term else None)
        assert row["ends"] == (st.ends.isoformat() if st.ends else None)
        assert row["deadline"] == (dl.deadline.isoformat() if dl.deadline else None)


def test_portfolio_on_2019_11_23(register: Path) -> None:
    rows = _by_id(tl.portfolio(register, D("2019-11-23")))
    assert rows["kr-jp"]["stage"] == "in_force" and rows["kr-jp"]["notice"] == "suspended"
    assert rows["kr-jp"]["term"] == 4 and rows["kr-jp"]["deadline"] == "2020-08-24"
    assert rows["no-suspension"]["stage"] == "terminated" and rows["no-suspension"]["since"] == "2019-11-23"
    # late for 2019 (deadline 2019-08-24); under `late: next_term` it ends the agreement a year later
    assert rows["late-notice"]["in_force"] and rows["late-notice"]["ends"] == "2020-11-23"
    assert rows["japan-2024"]["stage"] == rows["signed-only"]["stage"] == "not_started"
    early_2024 = _by_id(tl.portfolio(register, D("2024-01-10")))["japan-2024"]
    assert (early_2024["stage"], early_2024["since"]) == ("signed", "2023-12-01")
    spring_2024 = _by_id(tl.portfolio(register, D("2024-03-01")))["japan-2024"]
    assert (spring_2024["stage"], spring_2024["since"]) == ("in_force", "2024-02-29")


def test_leap_day_entry_into_force_rounds_down(register: Path) -> None:
    rows = _by_id(tl.portfolio(register, D("2025-03-01")))
    assert rows["japan-2024"]["term_start"] == "2025-02-28"  # 2024-02-29 + 1 year, round_down
    assert rows["japan-2024"]["next_renewal"] == "2026-02-28"


def test_deadlines_soonest_first_within_the_window(register: Path) -> None:
    res = tl.deadlines(register, D("2025-06-01"), "120d")
    assert res.until == D("2025-09-29")
    got = [(r["deadline"], r["id"]) for r in res.rows()]
    assert got == sorted(got)
    assert all("2025-06-01" <= d <= "2025-09-29" for d, _ in got)
    assert {i for _, i in got} == {"kr-jp", "plain"}  # 2025-08-24; japan-2024's is 2025-11-29
    later = tl.deadlines(register, D("2025-06-01"), "6 months")
    assert ("2025-11-29", "japan-2024") in [(r["deadline"], r["id"]) for r in later.rows()]


def test_deadlines_lists_every_deadline_in_a_long_window(register: Path) -> None:
    # two years from 2025-06-01: GSOMIA-like rows have a deadline each August
    got = [(r["id"], r["deadline"], r["prevents_renewal_of"], r["days_left"]) for r in
           tl.deadlines(register, D("2025-06-01"), "2 years").rows() if r["id"] == "plain"]  # fmt: skip
    assert got == [
        ("plain", "2025-08-24", "2025-11-23", 84),
        ("plain", "2026-08-24", "2026-11-23", 449),  # days left counted from the day asked
    ]


MONTHLY = """\
schema: treatylife/rules/1
id: monthly
title: A contract renewed every month unless notice is received 7 clear days before the month ends
parties: [{code: BUY, name: Buyer}, {code: SEL, name: Seller}]
entry_into_force: {kind: last_notification}
term: {initial: 1 month}
renewal: {kind: automatic, period: 1 month}
exits: [{kind: non_renewal_notice, notice: 7 days}]
"""


@pytest.mark.parametrize("engine", ["batch", "single"])
def test_an_agreement_renewing_monthly_has_several_deadlines_in_120_days(tmp_path: Path, engine: str) -> None:
    (tmp_path / "monthly.yaml").write_text(MONTHLY, encoding="utf-8")
    reg = tmp_path / "r.csv"
    reg.write_text(
        "id,rules,entry_into_force\nm1,monthly.yaml,2024-01-31\nm2,monthly.yaml,2024-03-15\n",
        encoding="utf-8",
    )
    res = tl.deadlines(reg, D("2025-01-01"), "120d", engine=engine)
    rows = [(r["id"], r["deadline"], r["prevents_renewal_of"]) for r in res.rows()]
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    # each is what the single-agreement engine gives when asked the day after the one before
    for ident in ("m1", "m2"):
        mine = [(d, p) for i, d, p in rows if i == ident]
        scenario = tmp_path / f"{ident}.yaml"
        start = "2024-01-31" if ident == "m1" else "2024-03-15"
        scenario.write_text(
            "schema: treatylife/scenario/1\ntitle: t\nrules: monthly.yaml\nevents:\n"
            f"  - {{date: {start}, kind: signed}}\n  - {{date: {start}, kind: notified, party: BUY}}\n"
            f"  - {{date: {start}, kind: notified, party: SEL}}\n",
            encoding="utf-8",
        )
        rec, day, expected = tl.load(scenario), D("2025-01-01"), []
        while True:
            dl = tl.deadline(rec, day)
            if dl.deadline is None or dl.deadline > res.until:
                break
            expected.append((dl.deadline.isoformat(), dl.prevents_renewal_of.isoformat()))  # type: ignore[union-attr]
            day = dl.deadline + dt.timedelta(days=1)
        assert mine == expected and len(mine) == 4


def test_deadlines_ties_come_in_register_order_across_rounds(tmp_path: Path) -> None:
    (tmp_path / "monthly.yaml").write_text(MONTHLY, encoding="utf-8")
    reg = tmp_path / "r.csv"
    reg.write_text(
        "id,rules,entry_into_force\nzz,monthly.yaml,2024-01-01\naa,monthly.yaml,2024-01-01\n", "utf-8"
    )
    ids = [r["id"] for r in tl.deadlines(reg, D("2025-01-01"), "120d").rows()]
    assert ids == ["zz", "aa"] * 4


def test_jsonl_register_gives_the_same_answers(register: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(ROWS)))
    jl = register.with_suffix(".jsonl")
    jl.write_text("\n".join(json.dumps({k: v or None for k, v in r.items()}) for r in rows) + "\n", "utf-8")
    for day in ("2019-08-23", "2031-01-01"):
        a, b = tl.portfolio(register, D(day)).to_dict(), tl.portfolio(jl, D(day)).to_dict()
        assert a["agreements"] == b["agreements"]


def test_directory_register_of_scenarios(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    reg = tmp_path / "data" / "examples"
    res = tl.portfolio(reg, D("2019-11-23"))
    rows = _by_id(res)
    assert set(rows) == {p.stem for p in reg.glob("*.yaml")}
    for stem in ("gsomia-record", "whatif-no-suspension", "inf-record"):
        st = tl.status(reg / f"{stem}.yaml", D("2019-11-23"))
        assert (rows[stem]["stage"], rows[stem]["in_force"]) == (st.stage, st.in_force)


@pytest.mark.parametrize(
    ("edit", "code", "line", "field"),
    [
        (lambda t: t.replace("2019-08-25", "2019-02-30"), "TL137", 4, "notice_received"),
        (
            lambda t: t.replace(
                "late-notice,gsomia,,2016-11-23,,,KOR", "late-notice,gsomia,,2016-11-23,,,KRO"
            ),
            "TL310",
            4,
            "notice_party",
        ),
        (lambda t: t.replace("no-suspension", "kr-jp"), "TL136", 3, "id"),
        (lambda t: t.replace("japan-2024,gsomia.yaml", "japan-2024,nope.yaml"), "TL302", 5, "rules"),
        (lambda t: t.replace(",notice_withdrawn\n", ",notice_withdrawnn\n"), "TL132", 1, "notice_withdrawnn"),
        (
            lambda t: t.replace(
                "plain,rules/gsomia.yaml,,2016-11-23", "plain,rules/gsomia.yaml,,2016-11-23,2016-11-23"
            ),
            "TL133",
            6,
            None,
        ),
    ],
)
def test_bad_rows_name_line_and_column(
    register: Path, edit, code: str, line: int | None, field: str | None
) -> None:  # type: ignore[no-untyped-def]
    register.write_text(edit(ROWS), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        tl.load_register(register)
    assert (exc.value.code, exc.value.line, exc.value.field) == (code, line, field)


def test_an_impossible_history_is_reported_with_its_line(register: Path) -> None:
    # suspending a notice after it took effect: the single engine refuses it
    register.write_text(ROWS.replace("KOR,2019-08-23,,\n", "KOR,2019-08-23,2019-12-01,\n"), "utf-8")
    with pytest.raises(InputError) as exc:  # RegisterProblems: every bad row, each with its engine code
        tl.load_register(register)
    assert exc.value.line == 3 and exc.value.code.startswith("TL4")


def test_cli_portfolio_csv_and_json(register: Path) -> None:
    res = runner.invoke(app, ["portfolio", str(register), "--on", "2019-11-23", "--format", "csv"])
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["id"] for r in rows] == [line.split(",")[0] for line in ROWS.splitlines()[1:]]
    assert rows[0]["stage"] == "in_force" and rows[0]["deadline"] == "2020-08-24"
    assert "\r" not in res.stderr  # no progress bar when not on a terminal
    js = runner.invoke(app, ["portfolio", str(register), "--on", "2019-11-23", "--json"])
    assert json.loads(js.stdout) == tl.portfolio(register, D("2019-11-23")).to_dict()


def test_cli_portfolio_text(register: Path) -> None:
    res = runner.invoke(app, ["portfolio", str(register), "--on", "2019-11-23"])
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0].endswith("on 2019-11-23: 6 agreements (3 in_force, 2 not_started, 1 terminated)")
    assert lines[1].split() == [
        "id",
        "stage",
        "term",
        "term",
        "ends",
        "ends",
        "notice",
        "next",
        "deadline",
        "days",
    ]
    assert lines[2].split()[:3] == ["kr-jp", "in_force", "4"]


def test_cli_deadlines(register: Path) -> None:
    res = runner.invoke(
        app, ["deadlines", str(register), "--from", "2025-06-01", "--within", "6m", "--format", "csv"]
    )
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["deadline"] for r in rows] == sorted(r["deadline"] for r in rows)
    assert rows[-1]["id"] == "japan-2024" and rows[-1]["who"] == "JPN KOR"
    bad = runner.invoke(app, ["deadlines", str(register), "--within", "soon"])
    assert bad.exit_code == 2 and "TL003" in bad.stderr


def test_cli_register_errors_exit_2(register: Path) -> None:
    register.write_text(ROWS.replace("2019-08-25", "2019-02-30"), encoding="utf-8")
    res = runner.invoke(app, ["portfolio", str(register), "--on", "2019-11-23"])
    assert res.exit_code == 2
    assert "TL137" in res.stderr and "register.csv:4" in res.stderr
    res = runner.invoke(app, ["portfolio", str(register), "--format", "xml"])
    assert res.exit_code == 2


def test_progress_bar_draws_in_place() -> None:
    out = io.StringIO()
    bar = TerminalProgress("portfolio", out)
    bar(1, 4)
    bar(4, 4)
    assert "\rportfolio [#######.......................] 1/4" in out.getvalue()
    assert out.getvalue().endswith("\r\x1b[2K")  # erased when done


def test_dask_partitions_give_the_same_portfolio(tmp_path: Path) -> None:
    """The batch engine on Dask (map_partitions over blocks of the file), on a local cluster."""
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("dask.distributed")
    from treatylife.bulk.partitioned import portfolio_dask

    (tmp_path / "rules").mkdir()
    shutil.copy(DATA / "rules" / "gsomia.yaml", tmp_path / "rules" / "gsomia.yaml")
    shutil.copy(DATA / "rules" / "gsomia.yaml", tmp_path / "gsomia.yaml")
    lines = [ROWS.splitlines()[0]]
    for i in range(1500):  # the six rows of ROWS again and again, under new ids
        row = ROWS.splitlines()[1 + i % 6].split(",", 1)[1]
        lines.append(f"a{i:04d},{row}")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    on = D("2019-11-23")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
        ) as c,
        distributed.Client(c),
    ):
        ddf = portfolio_dask(path, on, blocksize=20_000)
        assert ddf.npartitions > 1
        frame = ddf.compute()
    got = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert got == tl.portfolio(path, on).rows()


def test_a_path_that_is_no_register_is_refused(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text("title: x\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        tl.load_register(tmp_path / "one.yaml")
    assert exc.value.code == "TL139" and "treatylife status" in (exc.value.hint or "")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError) as exc:
        tl.load_register(empty)
    assert exc.value.code == "TL138"


def test_a_rules_reference_may_not_leave_the_project(register: Path) -> None:
    """Register rows follow the loader's rule: a rules file outside the project is refused, not read."""
    outside = register.parent.parent / "elsewhere.yaml"
    outside.write_text((DATA / "rules" / "gsomia.yaml").read_text("utf-8"), "utf-8")
    try:
        register.write_text(ROWS.replace("plain,rules/gsomia.yaml", "plain,../elsewhere.yaml"), "utf-8")
        with pytest.raises(InputError) as exc:
            tl.load_register(register)
        assert (exc.value.code, exc.value.line, exc.value.field) == ("TL301", 6, "rules")
    finally:
        outside.unlink()
