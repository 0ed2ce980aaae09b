"""A long list of bad rows, said the same way by every reader: ``portfolio``'s error and ``check`` in text,
Markdown and JSON. Rows with the very same error share one line (the first lines, and how many more);
JSON keeps every row; a Parquet register, which has no lines, names rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from treatylife.cli.app import app
from treatylife.errors import SHARED_LINES, at_file, places, shared_lines

runner = CliRunner()
HEADER = "id,rules,entry_into_force,notice_party,notice_received"


def _register(tmp: Path, bad_party: int, bad_date_row: int | None = 3) -> Path:
    """A register of 20 GSOMIA rows: ``bad_party`` of them with an unknown party (rows 2, 4, ...), and one
    with a day that does not exist."""
    rows = []
    for i in range(1, 21):
        party = "XXX" if i % 2 == 0 and i // 2 <= bad_party else "KOR"
        eif = "2019-02-30" if i == bad_date_row else "2016-11-23"
        rows.append(f"r{i},gsomia,{eif},{party},2019-08-23")
    p = tmp / "reg.csv"
    p.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return p


def _check(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["check", *args])
    return r.exit_code, r.stdout


def test_many_rows_with_one_error_share_a_line_in_check_as_in_portfolio(tmp_path: Path) -> None:
    reg = _register(tmp_path, bad_party=8)
    code, out = _check(str(reg))
    assert code == 2
    party = [line for line in out.splitlines() if "is not a party" in line]
    # rows 2, 4, ... 16 are lines 3, 5, ... 17: the first five named, then how many more
    assert party == [
        f"FAIL  {reg}:3, 5, 7, 9, 11 and 3 more: notice_party: 'XXX' is not a party to GSOMIA (Japan–Korea, 2016)"
        " [TL310] (hint: parties: JPN, KOR)"
    ]
    assert f"FAIL  {reg}:4: entry_into_force: not a date: '2019-02-30'" in out
    assert f"      {reg}: 9 problems in all (--json lists each)" in out
    # the error of portfolio says the same places
    r = runner.invoke(app, ["portfolio", str(reg), "--on", "2020-01-01"])
    assert r.exit_code == 2
    assert f"error [TL310]: {reg}:3, 5, 7, 9, 11 and 3 more: notice_party: 'XXX' is not a party" in r.stderr
    assert f"{reg}: 9 bad rows" in r.stderr


def test_up_to_five_alike_are_listed_one_by_one(tmp_path: Path) -> None:
    reg = _register(tmp_path, bad_party=SHARED_LINES, bad_date_row=None)
    code, out = _check(str(reg))
    assert code == 2
    party = [line for line in out.splitlines() if "is not a party" in line]
    assert [line.split(": notice_party")[0] for line in party] == [
        f"FAIL  {reg}:{n}" for n in (3, 5, 7, 9, 11)
    ]
    assert "problems in all" not in out


def test_markdown_says_lines_and_json_keeps_every_row(tmp_path: Path) -> None:
    reg = _register(tmp_path, bad_party=8)
    _, md = _check(str(reg), "--format", "markdown")
    rows = [line.split(" | ")[-1] for line in md.splitlines() if "FAIL" in line]
    assert rows == [
        "lines 3, 5, 7, 9, 11 and 3 more: notice_party: 'XXX' is not a party to GSOMIA (Japan–Korea, 2016) |",
        "line 4: entry_into_force: not a date: '2019-02-30' |",
        "9 problems in all (--json lists each) |",
    ]
    assert "9 problems in all" in md
    _, js = _check(str(reg), "--json")
    errors = json.loads(js)["files"][0]["errors"]
    assert len(errors) == 9
    assert sorted(e["line"] for e in errors if e["code"] == "TL310") == [3, 5, 7, 9, 11, 13, 15, 17]


def test_a_parquet_register_names_rows_never_lines(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    reg = _register(tmp_path, bad_party=7)
    table = pcsv.read_csv(
        reg, convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(HEADER.split(","), pa.string()))
    )
    pq.write_table(table, tmp_path / "reg.parquet")
    code, out = _check(str(tmp_path / "reg.parquet"))
    assert code == 2
    where = tmp_path / "reg.parquet"
    assert f"FAIL  {where}: row 3: entry_into_force: not a date" in out
    assert f"FAIL  {where}: rows 2, 4, 6, 8, 10 and 2 more: notice_party:" in out
    _, js = _check(str(where), "--json")
    errors = json.loads(js)["files"][0]["errors"]
    assert all(e["line"] is None for e in errors) and sorted(e["row"] for e in errors) == [
        2,
        3,
        4,
        6,
        8,
        10,
        12,
        14,
    ]
    r = runner.invoke(app, ["portfolio", str(where), "--on", "2020-01-01"])
    assert f"{where}: rows 2, 4, 6, 8, 10 and 2 more: notice_party:" in r.stderr


@given(st.lists(st.sampled_from("abc"), max_size=40))
def test_shared_lines_keeps_every_problem_once_in_file_order(keys: list[str]) -> None:
    items = list(enumerate(keys))
    lines = shared_lines(items, lambda p: p[1])
    assert sorted(p for g in lines for p in g) == items  # none lost, none twice
    assert [g[0] for g in lines] == sorted(g[0] for g in lines)  # each line where its first problem is
    for g in lines:
        assert len({p[1] for p in g}) == 1
        assert len(g) == 1 or len(g) == sum(k == g[0][1] for k in keys) > SHARED_LINES


def test_places_and_at_file_day_by_day() -> None:
    assert at_file("f.csv", places([12], [11])) == "f.csv:12"
    assert at_file("f.parquet", places([None], [7])) == "f.parquet: row 7"
    assert at_file("f.csv", places([None], [None])) == "f.csv"
    assert places(list(range(1, 7)), [None] * 6) == "1, 2, 3, 4, 5 and 1 more"
    assert places([None] * 7, list(range(1, 8))) == "rows 1, 2, 3, 4, 5 and 2 more"


def test_the_check_example_in_register_md_is_what_the_tool_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "register.md").read_text(encoding="utf-8")
    after = doc.split("`treatylife check reg.csv` lists the same problems", 1)[1]
    block = after.split("```\n", 2)[1]
    _register(tmp_path, bad_party=8)
    monkeypatch.chdir(tmp_path)
    code, out = _check("reg.csv")
    assert code == 2
    assert out == block


def test_the_portfolio_examples_in_register_md_are_what_the_tool_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The register of "The bulk format", answered on 2025-06-01: the text table and the CSV as printed."""
    import treatylife as tl

    doc = (Path(__file__).parent.parent / "docs" / "register.md").read_text(encoding="utf-8")
    register = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    text = doc.split("`portfolio` (run on the register above, `--on 2025-06-01`):\n\n```\n", 1)[1].split(
        "```", 1
    )[0]
    as_csv = doc.split("`--format csv` (pyarrow's CSV writer", 1)[1].split("```\n", 2)[1]
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "gsomia.yaml").write_bytes(
        (Path(tl.__file__).parent / "data" / "rules" / "gsomia.yaml").read_bytes()
    )
    (tmp_path / "register.csv").write_text(register, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["portfolio", "register.csv", "--on", "2025-06-01"])
    assert r.exit_code == 0 and r.stdout == text
    r = runner.invoke(app, ["portfolio", "register.csv", "--on", "2025-06-01", "--format", "csv"])
    assert r.exit_code == 0 and r.stdout == as_csv


def test_a_rules_file_that_does_not_load_is_named_with_its_line(tmp_path: Path) -> None:
    """Every row naming a broken rules file shows where the rules file is wrong, not only the row."""
    import treatylife as tl

    (tmp_path / "rules").mkdir()
    good = (Path(tl.__file__).parent / "data" / "rules" / "gsomia.yaml").read_text(encoding="utf-8")
    lines = good.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("conventions:"))
    broken = [*lines[:at], "conventions: every year", *[x for x in lines[at + 1 :] if not x.startswith("  ")]]
    (tmp_path / "rules" / "broken.yaml").write_text("\n".join(broken) + "\n", encoding="utf-8")
    rows = [f"r{i},rules/broken.yaml,2016-11-23" for i in range(8)]
    (tmp_path / "reg.csv").write_text(
        "\n".join(["id,rules,entry_into_force", *rows]) + "\n", encoding="utf-8"
    )
    r = runner.invoke(app, ["portfolio", str(tmp_path / "reg.csv"), "--on", "2020-01-01"])
    assert r.exit_code == 2
    where = f"rules file {tmp_path / 'rules' / 'broken.yaml'}:{at + 1}: conventions:"
    first = r.stderr.splitlines()[0]
    assert first.startswith("error [TL2") and f"reg.csv:2, 3, 4, 5, 6 and 3 more: rules: {where}" in first, (
        first
    )
