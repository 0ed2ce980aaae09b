"""Registers as people keep them and as attackers write them: columnar readers and writers (issues 12-14).

Every answer is compared with the single-agreement engine's or with the in-memory path's, never with a
number written here; every hostile input is a register a user could hand over, with the error a user sees.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import treatylife as tl
from treatylife.bulk.columnar import RegisterProblems
from treatylife.cli.app import app
from treatylife.errors import InputError
from treatylife.render.escape import json_text

D = dt.date.fromisoformat
DATA = Path(tl.__file__).parent / "data"
runner = CliRunner()

HEADER = "id,rules,title,entry_into_force,signed,notified,notice_party,notice_received,notice_suspended,notice_withdrawn"
ROWS = [
    "kr-jp,gsomia,GSOMIA as it happened,2016-11-23,,,KOR,2019-08-23,2019-11-22,2023-03-21",
    "no-suspension,gsomia,,2016-11-23,,,KOR,2019-08-23,,",
    "late-notice,gsomia,,2016-11-23,,,KOR,2019-08-25,,",
    "japan-2024,gsomia,,,2023-12-01,2024-02-29,JPN,2025-11-20,,",
    "plain,gsomia,,2016-11-23,,,,,,",
    "signed-only,gsomia,,,2030-01-15,,,,,",
]
ON = "2019-11-23"


def _csv(tmp: Path, rows: list[str] | None = None, header: str = HEADER, name: str = "reg.csv") -> Path:
    p = tmp / name
    p.write_text("\n".join([header, *(ROWS if rows is None else rows)]) + "\n", encoding="utf-8")
    return p


def _portfolio(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, ["portfolio", *args])
    return r.exit_code, r.stdout, r.stderr


def _rows(path: Path, on: str = ON) -> list[dict]:  # type: ignore[type-arg]
    return tl.portfolio(path, D(on)).rows()


# ---------------------------------------------------------------------------- the same answers, every way


def test_streamed_csv_equals_the_in_memory_answer_and_the_single_engine(tmp_path: Path) -> None:
    reg = _csv(tmp_path)
    code, out, _ = _portfolio(str(reg), "--on", ON, "--format", "csv")
    assert code == 0
    from treatylife.render.register import render_register

    whole = tl.portfolio(reg, D(ON))
    assert out == render_register(whole, "csv") + "\n"
    single = tl.portfolio(reg, D(ON), engine="single").rows()
    assert whole.rows() == single


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_a_register_command_does_not_import_pandas_and_answers_the_same(tmp_path: Path, fmt: str) -> None:
    """pyarrow would import pandas (0.3-0.5 s) on its first conversion where pandas is installed; the
    command refuses it while it runs. Its output is the one of the same command with pandas imported."""
    pytest.importorskip("pandas")
    import subprocess
    import sys

    reg = _csv(tmp_path)
    code = (
        "import sys\n"
        "from treatylife.__main__ import main\n"
        f"sys.argv = ['treatylife', 'portfolio', {str(reg)!r}, '--on', {ON!r}, '--format', {fmt!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print('PANDAS', 'pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out, _, last = done.stdout.rpartition("PANDAS ")
    assert last.strip() == "False"
    with_pandas = subprocess.run(
        [sys.executable, "-c", "import pandas\n" + code], capture_output=True, text=True, check=True
    )
    assert with_pandas.stdout == out + "PANDAS True\n"


def test_streamed_json_is_the_api_to_dict_byte_for_byte(tmp_path: Path) -> None:
    reg = _csv(tmp_path)
    code, out, _ = _portfolio(str(reg), "--on", ON, "--json")
    assert code == 0
    expected = json_text(
        json.dumps(tl.portfolio(reg, D(ON)).to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
    )
    assert out == expected + "\n"


def test_an_empty_register_streams_a_valid_document(tmp_path: Path) -> None:
    reg = _csv(tmp_path, rows=[])
    code, out, _ = _portfolio(str(reg), "--on", ON, "--json")
    assert code == 0 and json.loads(out)["agreements"] == [] and json.loads(out)["count"] == 0
    code, out, _ = _portfolio(str(reg), "--on", ON, "--format", "csv")
    assert code == 0 and out.startswith("id,agreement,")


def test_parquet_in_and_out_gives_the_same_answers(tmp_path: Path) -> None:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    reg = _csv(tmp_path)
    table = pcsv.read_csv(reg, convert_options=pcsv.ConvertOptions(strings_can_be_null=True))
    pq.write_table(table, tmp_path / "reg.parquet")
    assert _rows(tmp_path / "reg.parquet") == _rows(reg)
    code, _, err = _portfolio(str(reg), "--on", ON, "-o", str(tmp_path / "out.parquet"))
    assert code == 0 and "wrote parquet" in err
    assert f"({(tmp_path / 'out.parquet').stat().st_size:,} bytes)" in err  # the writer's bytes counted too
    back = pq.read_table(tmp_path / "out.parquet")
    assert str(back.schema.field("deadline").type) == "date32[day]"
    assert back.column("id").to_pylist() == [r["id"] for r in _rows(reg)]
    assert [d and d.isoformat() for d in back.column("deadline").to_pylist()] == [
        r["deadline"] for r in _rows(reg)
    ]


def test_jsonl_in_and_out(tmp_path: Path) -> None:
    reg = _csv(tmp_path)
    lines = []
    names = HEADER.split(",")
    for row in ROWS:
        lines.append(json.dumps({k: v for k, v in zip(names, row.split(","), strict=True) if v}))
    (tmp_path / "reg.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _rows(tmp_path / "reg.jsonl") == _rows(reg)
    code, out, _ = _portfolio(str(tmp_path / "reg.jsonl"), "--on", ON, "--format", "jsonl")
    assert code == 0
    assert [json.loads(x) for x in out.splitlines()] == _rows(reg)


def test_what_excel_writes_bom_semicolons_crlf_and_extra_columns(tmp_path: Path) -> None:
    plain = _csv(tmp_path)
    excel = tmp_path / "excel.csv"
    rows = [r.replace(",", ";") + f";dept-{i};Alice" for i, r in enumerate(ROWS)]
    text = "\ufeff" + "\r\n".join([HEADER.replace(",", ";") + ";department;owner", *rows]) + "\r\n"
    excel.write_bytes(text.encode("utf-8"))
    got = _rows(excel)
    assert [{k: v for k, v in r.items() if k not in ("department", "owner")} for r in got] == _rows(plain)
    assert [r["department"] for r in got] == [f"dept-{i}" for i in range(len(ROWS))]
    code, out, _ = _portfolio(str(excel), "--on", ON, "--format", "csv")
    assert code == 0
    head, first = out.splitlines()[:2]
    assert head.endswith(",department,owner") and first.endswith(',"dept-0","Alice"')
    # the separator may also be given
    tabbed = tmp_path / "tabbed.txt"
    tabbed.write_text(
        "\n".join([HEADER.replace(",", "|"), *(r.replace(",", "|") for r in ROWS)]) + "\n", "utf-8"
    )
    code, out2, _ = _portfolio(str(tabbed), "--on", ON, "--format", "csv", "--delimiter", "|")
    assert code == 0 and out2 == _portfolio(str(plain), "--on", ON, "--format", "csv")[1]


def test_xlsx_read_and_write(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([*HEADER.split(","), "owner"])
    for r in ROWS:
        cells = [c or None for c in r.split(",")]
        cells = [
            dt.date.fromisoformat(c) if c and c[:2] in ("19", "20") and len(c) == 10 else c for c in cells
        ]
        ws.append([*cells, '=HYPERLINK("http://evil")'])
        ws.cell(row=ws.max_row, column=len(cells) + 1).data_type = "s"  # text that looks like a formula
    wb.save(tmp_path / "reg.xlsx")
    got = _rows(tmp_path / "reg.xlsx")
    assert [{k: v for k, v in r.items() if k != "owner"} for r in got] == _rows(_csv(tmp_path))
    code, _, _ = _portfolio(str(tmp_path / "reg.xlsx"), "--on", ON, "-o", str(tmp_path / "out.xlsx"))
    assert code == 0
    out = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    values = list(out.iter_rows(values_only=True))
    assert values[0][0] == "id" and values[1][0] == "kr-jp"
    owner = values[0].index("owner")
    # a text cell, which no spreadsheet runs, keeps its exact text (CSV needs the ' prefix, xlsx does not)
    assert values[1][owner] == '=HYPERLINK("http://evil")'
    assert out.cell(row=2, column=owner + 1).data_type == "s"
    raw = zipfile.ZipFile(tmp_path / "out.xlsx").read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in raw and "HYPERLINK" in raw  # no formula element anywhere in the sheet


def test_markdown_party_sort_and_limit(tmp_path: Path) -> None:
    reg = _csv(tmp_path)
    code, out, _ = _portfolio(str(reg), "--on", ON, "--format", "markdown")
    assert code == 0 and "| id | stage |" in out and "| kr-jp | in_force |" in out
    code, out, _ = _portfolio(str(reg), "--on", ON, "--format", "csv", "--sort", "-since", "--limit", "2")
    rows = out.splitlines()[1:]
    assert len(rows) == 2
    expected = sorted((r for r in _rows(reg) if r["since"]), key=lambda r: r["since"], reverse=True)[:2]
    assert [r["id"] for r in csv.DictReader(io.StringIO(out))] == [r["id"] for r in expected]
    code, out, err = _portfolio(str(reg), "--on", ON, "--format", "csv", "--party", "USA")
    assert code == 2 and "[TL312]" in err  # a party to no agreement: refused, never "no rows"
    code, out, _ = _portfolio(str(reg), "--on", ON, "--format", "csv", "--party", "KOR")
    assert len(out.splitlines()) == len(ROWS) + 1
    code, _, err = _portfolio(str(reg), "--on", ON, "--sort", "colour")
    assert code == 2 and "TL003" in err
    r = runner.invoke(
        app,
        [
            "deadlines",
            str(reg),
            "--from",
            "2019-01-01",
            "--within",
            "2y",
            "--format",
            "markdown",
            "--limit",
            "1",
        ],
    )
    assert (
        r.exit_code == 0
        and [x for x in r.stdout.splitlines() if x.startswith("| 20")] != []
        and len([x for x in r.stdout.splitlines() if x.startswith("| 20")]) == 1
    )
    assert r.stdout.splitlines()[0].endswith(": 1 shown of 6 (--limit)**")  # the heading counts them all
    code, out, _ = _portfolio(str(reg), "--on", ON, "--limit", "2")
    assert f": 2 agreements shown of {len(ROWS)} (--limit) (" in out.splitlines()[0]
    code, out, _ = _portfolio(str(reg), "--on", ON, "--limit", str(len(ROWS)))
    assert f": {len(ROWS)} agreements (" in out.splitlines()[0]  # nothing left out: nothing said


def test_csv_output_neutralises_formulas(tmp_path: Path) -> None:
    reg = _csv(tmp_path, rows=['"=cmd|\' /C calc\'!A0",gsomia,"@SUM(1,2)",2016-11-23,,,,,,'])
    code, out, _ = _portfolio(str(reg), "--on", ON, "--format", "csv")
    assert code == 0
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["id"] == "'=cmd|' /C calc'!A0" and row["title"] == "'@SUM(1,2)"


def test_output_is_atomic_and_never_an_input(tmp_path: Path) -> None:
    reg = _csv(tmp_path)
    before = reg.read_bytes()
    code, _, err = _portfolio(str(reg), "--on", ON, "--format", "csv", "-o", str(reg))
    assert code == 2 and "TL005" in err and reg.read_bytes() == before
    out = tmp_path / "out.csv"
    out.write_text("old answers\n", encoding="utf-8")
    bad = _csv(tmp_path, rows=[*ROWS, "x,gsomia,,2019-02-30,,,,,,"], name="bad.csv")
    code, _, err = _portfolio(str(bad), "--on", ON, "-o", str(out))
    assert code == 2 and out.read_text(encoding="utf-8") == "old answers\n"  # the old file stays whole
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.csv.")]  # no temporary left


def test_evaluate_batch_is_the_seam(tmp_path: Path) -> None:
    import pyarrow.csv as pcsv

    from treatylife.bulk.stream import answer_schema, evaluate_batch

    reg = _csv(tmp_path)
    batch = pcsv.read_csv(reg).to_batches()[0]
    out = evaluate_batch(batch, D(ON), register=reg)
    assert out.schema == answer_schema()
    got = out.to_pylist()
    for row, want in zip(got, _rows(reg), strict=True):
        assert {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()} == want


# ---------------------------------------------------------------------------- bad input (issue 12)


def _problems(path: Path, **kw: object) -> list:  # type: ignore[type-arg]
    with pytest.raises(RegisterProblems) as exc:
        tl.load_register(path, **kw)  # type: ignore[arg-type]
    return [(p.row, p.line, p.field, p.code) for p in exc.value.bad_rows]


def test_a_duplicated_csv_header_is_refused(tmp_path: Path) -> None:
    reg = _csv(tmp_path, header=HEADER.replace("title", "notice_received"))
    with pytest.raises(InputError) as exc:
        tl.load_register(reg)
    assert (exc.value.code, exc.value.line, exc.value.field) == ("TL140", 1, "notice_received")


def test_a_duplicated_jsonl_key_is_refused_with_its_line(tmp_path: Path) -> None:
    p = tmp_path / "reg.jsonl"
    p.write_text(
        '{"id": "a", "rules": "gsomia"}\n\n{"id": "b", "rules": "gsomia", "rules": "other"}\n', "utf-8"
    )
    assert _problems(p) == [(2, 3, "rules", "TL140")]


def test_every_bad_row_is_listed_and_skip_invalid_answers_the_rest(tmp_path: Path) -> None:
    rows = [f"c{i:05d},gsomia,,2016-11-23,,,,,," for i in range(10_000)]
    rows[10] = "c00010,gsomia,,2016-02-30,,,,,,"
    rows[5000] = "c05000,nope,,2016-11-23,,,,,,"
    rows[9999] = "c09999,gsomia,,2016-11-23,,,XXX,2017-01-01,,"
    reg = _csv(tmp_path, rows=rows)
    assert _problems(reg) == [
        (11, 12, "entry_into_force", "TL137"),
        (5001, 5002, "rules", "TL302"),
        (10000, 10001, "notice_party", "TL310"),
    ]
    code, out, err = _portfolio(str(reg), "--on", ON, "--format", "csv")
    assert code == 2 and out == ""
    assert [e.split("]")[0] for e in err.splitlines()] == [
        "error [TL137",
        "error [TL302",
        "error [TL310",
        "error [TL130",  # the count of rows with three codes: the generic one
    ]
    assert "reg.csv:12: entry_into_force: not a date: '2016-02-30'" in err
    code, out, err = _portfolio(str(reg), "--on", ON, "--format", "csv", "--skip-invalid")
    assert code == 0 and len(out.splitlines()) == 1 + 9_997
    assert "skipped [TL302]: " in err and "skipped 3 bad row(s)" in err
    kept = tl.load_register(reg, skip_invalid=True)
    assert len(kept) == 9_997 and [p.line for p in kept.skipped] == [12, 5002, 10001]


def test_rows_with_the_very_same_error_share_one_line_and_json_lists_each(tmp_path: Path) -> None:
    """A rules file named by 2,000 rows and not found: one line with the first five lines, not 2,000."""
    rows = [f"c{i:05d},{'missing.yaml' if i % 2 else 'gsomia'},,2016-11-23,,,,,," for i in range(4_000)]
    rows[6] = "c00006,gsomia,,2016-02-30,,,,,,"
    reg = _csv(tmp_path, rows=rows)
    code, out, err = _portfolio(str(reg), "--on", ON, "--format", "csv")
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert (
        lines[0].startswith("error [TL302]: ")
        and "reg.csv:3, 5, 7, 9, 11 and 1,995 more: rules: rules file" in lines[0]
    )
    assert lines[1].startswith("error [TL137]: ") and "reg.csv:8: entry_into_force: not a date" in lines[1]
    assert lines[2].startswith("error [TL130]: ") and lines[2].endswith(
        "reg.csv: 2,001 bad rows"
    )  # mixed codes
    code, out, _ = _portfolio(str(reg), "--on", ON, "--format", "csv", "--json")
    assert code == 2 and len(json.loads(out)["error"]["bad_rows"]) == 2_001


@pytest.mark.parametrize("first", ["a,gsomia,2016-11-23,,", "a,gsomia,2016-11-23,KOR,2019-08-23"])
def test_a_register_whose_header_line_is_missing_says_so(tmp_path: Path, first: str) -> None:
    """Not "column '' appears twice" (the empty cells of a data row taken for names)."""
    reg = tmp_path / "reg.csv"
    reg.write_text(f"{first}\nb,gsomia,2016-11-23,,\n", encoding="utf-8")
    code, out, err = _portfolio(str(reg), "--on", ON)
    assert code == 2 and out == ""
    assert err.startswith("error [TL136]: ") and "reg.csv:1: id: the first line is a row of agreements" in err
    assert "names its columns: id,rules,entry_into_force" in err


def test_a_repeated_id_is_listed_with_its_line(tmp_path: Path) -> None:
    reg = _csv(tmp_path, rows=[*ROWS, ROWS[1]])
    code, _, err = _portfolio(str(reg), "--on", ON, "--format", "csv")
    assert code == 2 and "reg.csv:8: id: id 'no-suspension' is used twice" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_csv_and_dev_zero_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "reg.csv"
    os.mkfifo(fifo)  # opening it for reading would block forever
    code, _, err = _portfolio(str(fifo), "--on", ON, "--format", "csv")
    assert code == 2 and "TL101" in err and "not a regular file" in err
    zero = tmp_path / "zero.csv"
    zero.symlink_to("/dev/zero")
    code, _, err = _portfolio(str(zero), "--on", ON)
    assert code == 2 and "TL101" in err


def test_a_cell_over_131072_characters(tmp_path: Path) -> None:
    reg = _csv(tmp_path, rows=[*ROWS, "big,gsomia," + "x" * 131_073 + ",2016-11-23,,,,,,"])
    assert _problems(reg) == [(7, 8, "title", "TL142")]
    quoted = _csv(
        tmp_path, rows=[*ROWS, 'big,gsomia,"' + "x\n" * 70_000 + '",2016-11-23,,,,,,'], name="q.csv"
    )
    assert _problems(quoted) == [(7, 8, None, "TL142")]  # the exact reader, cell by cell


def test_hostile_json_lines(tmp_path: Path) -> None:
    p = tmp_path / "reg.jsonl"
    p.write_text(
        "\n".join(
            [
                '{"id": "digits", "rules": "gsomia", "title": ' + "9" * 5000 + "}",
                '{"id": "deep", "rules": "gsomia", "title": ' + "[" * 100_000 + "]" * 100_000 + "}",
                '{"id": "surrogate", "rules": "gsomia", "title": "\\ud800"}',
                '{"id": "fine", "rules": "gsomia", "entry_into_force": "2016-11-23"}',
                '["not", "an", "object"]',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    assert _problems(p) == [
        (1, 1, "title", "TL135"),
        (2, 2, None, "TL134"),
        (3, 3, "title", "TL131"),
        (5, 5, None, "TL134"),
    ]
    code, out, err = _portfolio(str(p), "--on", ON, "--format", "jsonl", "--skip-invalid")
    assert code == 0 and [json.loads(x)["id"] for x in out.splitlines()] == ["fine"]
    assert "5,000-digit number" in err


def test_a_rules_path_of_6000_characters(tmp_path: Path) -> None:
    reg = _csv(tmp_path, rows=["a," + "r/" * 3000 + "x.yaml,,2016-11-23,,,,,,"])
    code, _, err = _portfolio(str(reg), "--on", ON, "--format", "csv")
    assert code == 2 and "TL302" in err and "6,006 characters" in err and len(err) < 1000


def test_a_deleted_working_directory(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    here = Path.cwd()
    os.chdir(gone)
    try:
        gone.rmdir()
        code, _, err = _portfolio("reg.csv", "--on", ON, "--format", "csv")
    finally:
        os.chdir(here)
    assert code == 2 and "TL105" in err and "working directory" in err


def test_line_numbers_count_only_real_line_breaks(tmp_path: Path) -> None:
    # NEL, U+2028 and U+2029 are characters inside a cell, not line breaks; a quoted line break is one
    rows = [
        "a,gsomia,x\u0085y\u2028z\u2029w,2016-11-23,,,,,,",
        'b,gsomia,"two\nlines",2016-11-23,,,,,,',
        "c,gsomia,,2016-13-01,,,,,,",
    ]
    assert _problems(_csv(tmp_path, rows=rows)) == [(3, 5, "entry_into_force", "TL137")]
    p = tmp_path / "reg.jsonl"
    p.write_text(
        '{"id": "a", "rules": "gsomia", "title": "x\u2028y\u0085"}\n{"id": "b", "rules": 3}\n', "utf-8"
    )
    assert _problems(p) == [(2, 2, "rules", "TL135")]


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    rows = [*ROWS[:2], 'open,gsomia,"never closed,2016-11-23,,,,,,', *ROWS[2:]]
    assert _problems(_csv(tmp_path, rows=rows)) == [(3, 4, None, "TL143")]


def test_tl501_names_its_file_and_line(tmp_path: Path) -> None:
    reg = _csv(tmp_path, rows=[ROWS[1], "far,gsomia,,9999-01-10,,,,,,"])
    code, _, err = _portfolio(str(reg), "--on", "9999-12-31", "--format", "csv")
    assert code == 2 and "error [TL501]: " in err and "reg.csv:3:" in err


@pytest.mark.parametrize(
    "value",
    [
        "2019-02-30",
        " 2019-01-01",
        "2019-01-01 ",
        "2019-1-1",
        "20190101",
        "2019-01-01T00:00",
        "0000-01-01",
        "+2019-01-01",
        "2020-02-29",
        "2019-02-29",
        "１９９９-01-01",
    ],
)
def test_fast_and_exact_readers_judge_a_date_alike(tmp_path: Path, value: str) -> None:
    """The pyarrow reader parses dates itself; the exact reader (taken for a quoted line break) must agree."""
    fast = _csv(tmp_path, rows=[f"a,gsomia,,{value},,,,,,"], name="fast.csv")
    exact = _csv(tmp_path, rows=[f'a,gsomia,"quoted\nbreak",{value},,,,,,'], name="exact.csv")

    def verdict(p: Path) -> object:
        try:
            return tl.portfolio(p, D(ON)).rows()[0]["since"]
        except RegisterProblems as exc:
            return [q.code for q in exc.bad_rows]

    assert verdict(fast) == verdict(exact)


def test_register_import_stays_off_the_start_up_path() -> None:
    import subprocess
    import sys

    code = "import sys, treatylife; print(sorted(m for m in ('pyarrow', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_dask_path_on_a_register_split_into_files(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe")
    from treatylife.bulk.partitioned import portfolio_dask

    shutil.copy(DATA / "rules" / "gsomia.yaml", tmp_path / "gsomia.yaml")
    parts = tmp_path / "parts"
    parts.mkdir()
    for k in range(3):
        _csv(
            parts,
            rows=[r.replace(r.split(",")[0], f"{r.split(',')[0]}-{k}", 1) for r in ROWS],
            name=f"p{k}.csv",
        )
    import dask

    with dask.config.set(scheduler="synchronous"):
        frame = portfolio_dask(str(parts / "p*.csv"), D(ON)).compute()
    got = frame.astype(object).where(frame.notna(), None).to_dict("records")
    whole = []
    for k in range(3):
        whole.extend(_rows(parts / f"p{k}.csv"))
    assert got == whole


def test_ids_packed_for_the_repeat_check_come_back_exactly() -> None:
    """The stream keeps each batch's ids zstd-packed until the end; unpacked they are the same ids, and the
    order proof (each batch increasing, starting after the last) is refused by any repeat or step back."""
    import pyarrow as pa

    from treatylife.bulk.stream import PackedIds, all_increasing

    batches = [["a1", "a2", None, "a3"], ["b", "b" * 300, "c"], [], ["é", "ü", "ǅ"]]
    packs = [PackedIds(pa.array(b, type=pa.string())) for b in batches]
    assert [pk.unpack().to_pylist() for pk in packs] == [[x for x in b if x is not None] for b in batches]
    assert all_increasing(packs)
    assert not all_increasing([PackedIds(pa.array(["a", "b"])), PackedIds(pa.array(["b", "c"]))])
    assert not all_increasing([PackedIds(pa.array(["b", "a"]))])


def test_a_repeat_across_batches_is_found_in_a_long_register(tmp_path: Path) -> None:
    """Ids in order except one repeated far apart, in different batches: refused, with both lines."""
    from treatylife.bulk.columnar import BATCH_ROWS

    n = BATCH_ROWS + 10
    rows = [f"c{i:07d},gsomia,,2016-11-23,,,,,," for i in range(n)]
    rows.append("c0000003,gsomia,,2016-11-23,,,,,,")
    code, _, err = _portfolio(
        str(_csv(tmp_path, rows)), "--on", ON, "--format", "csv", "-o", str(tmp_path / "o.csv")
    )
    assert code == 2
    assert "c0000003" in err and "TL136" in err and f":{n + 2}" in err


# ---------------------------------------------------------------------------- JSON Lines: extra fields


def _jsonl_with_extras(tmp: Path) -> tuple[Path, Path]:
    """The same register as CSV (extra columns owner, dept) and as JSON Lines (extra fields, those of the
    first line; a later line may leave one out)."""
    names = [*HEADER.split(","), "owner", "dept"]
    rows = [[*r.split(","), f"owner {i}", "" if i % 2 else "legal"] for i, r in enumerate(ROWS)]
    reg = _csv(tmp, rows=[",".join(r) for r in rows], header=",".join(names))
    objs = [{k: v for k, v in zip(names, r, strict=True) if v or k == "owner"} for r in rows]
    assert set(objs[0]) >= {"owner", "dept"}  # the first line names every extra field
    jl = tmp / "reg.jsonl"
    jl.write_text("\n".join(json.dumps(o) for o in objs) + "\n", encoding="utf-8")
    return reg, jl


def test_jsonl_extra_fields_are_passed_through_as_csv_extra_columns(tmp_path: Path) -> None:
    reg, jl = _jsonl_with_extras(tmp_path)
    by_csv, by_jsonl = _rows(reg), _rows(jl)
    assert [r["owner"] for r in by_jsonl] == [f"owner {i}" for i in range(len(ROWS))]
    # a field a line leaves out is null (empty in CSV), as a CSV cell left empty reads ""
    assert [r["dept"] or "" for r in by_jsonl] == [r["dept"] for r in by_csv]
    assert [{k: v for k, v in r.items() if k != "dept"} for r in by_jsonl] == [
        {k: v for k, v in r.items() if k != "dept"} for r in by_csv
    ]
    a = _portfolio(str(reg), "--on", ON, "--format", "csv")
    b = _portfolio(str(jl), "--on", ON, "--format", "csv")
    assert a[0] == b[0] == 0
    assert b[1].splitlines()[0].endswith(",owner,dept")
    piped = runner.invoke(app, ["portfolio", "-", "--on", ON, "--format", "csv"], input=jl.read_bytes())
    assert piped.exit_code == 0 and piped.stdout == b[1]


def test_jsonl_fast_and_exact_readers_read_extra_fields_alike(tmp_path: Path) -> None:
    from dataclasses import replace

    from treatylife.bulk.columnar import check_batch, open_source

    _, jl = _jsonl_with_extras(tmp_path)
    src = open_source(jl)
    assert src.extras == ["owner", "dept"]

    def read(s: object) -> list[dict]:  # type: ignore[type-arg]
        return [row for raw in s.batches() for row in check_batch(raw, s.extras)[0].to_pylist()]  # type: ignore[attr-defined]

    assert read(src) == read(replace(src, exact=True))


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (  # a field the first line does not name
            ['{"id": "a", "rules": "gsomia", "owner": "x"}', '{"id": "b", "rules": "gsomia", "team": "y"}'],
            ("reg.jsonl", 2, "team", "TL132", "extra fields are those of the first line (owner)"),
        ),
        (  # a typo of a known field
            ['{"id": "a", "rules": "gsomia", "notice_pary": "KOR"}'],
            ("reg.jsonl", 1, "notice_pary", "TL132", "did you mean notice_party?"),
        ),
        (  # the name of an answer column
            ['{"id": "a", "rules": "gsomia", "stage": "x"}'],
            ("reg.jsonl", 1, "stage", "TL132", "rename it"),
        ),
        (  # no name at all
            ['{"id": "a", "rules": "gsomia", " ": "x"}'],
            ("reg.jsonl", 1, None, "TL132", "name every field"),
        ),
    ],
)
def test_jsonl_fields_that_cannot_be_extra_are_refused_with_their_line(
    tmp_path: Path, lines: list[str], expected: tuple[str, int, str, str, str]
) -> None:
    p = tmp_path / "reg.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        tl.portfolio(p, D(ON))
    e = exc.value
    assert (Path(e.file or "").name, e.line, e.field, e.code) == expected[:4]
    assert expected[4] in (e.hint or "")


def _project_with_rules(folder: Path, name: str = "two-year.yaml") -> None:
    """A folder of its own, with a rules file that only it has (rules/NAME, GSOMIA's terms)."""
    (folder / "rules").mkdir(parents=True)
    shutil.copy(DATA / "rules" / "gsomia.yaml", folder / "rules" / name)


def test_the_dask_path_reads_each_file_beside_its_own_rules_and_names_it_in_errors(tmp_path: Path) -> None:
    """One folder per department, each with its own rules/: every row's rules are resolved beside its own
    file, extra columns come through, and a bad row is reported in the file that holds it."""
    pytest.importorskip("dask.dataframe")
    import dask

    from treatylife.bulk.partitioned import portfolio_dask

    header = "id,rules,entry_into_force,notice_party,notice_received,owner"
    for dept in ("a", "b"):
        _project_with_rules(tmp_path / dept)
        (tmp_path / dept / ".git").mkdir()  # each folder its own project
        _csv(
            tmp_path / dept,
            rows=[
                f"{dept}1,rules/two-year.yaml,2016-11-23,KOR,2019-08-23,{dept}-owner",
                f"{dept}2,gsomia,2017-01-05,,,",
            ],
            header=header,
            name="part.csv",
        )
    with dask.config.set(scheduler="synchronous"):
        frame = portfolio_dask(str(tmp_path / "*" / "part.csv"), D(ON)).compute()
    got = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert got == _rows(tmp_path / "a" / "part.csv") + _rows(tmp_path / "b" / "part.csv")
    assert [r["owner"] for r in got] == ["a-owner", "", "b-owner", ""]  # as portfolio reads a CSV cell
    # a bad date in the second file: named, not the first
    bad = tmp_path / "b" / "part.csv"
    bad.write_text(bad.read_text(encoding="utf-8").replace("2017-01-05", "2017-02-30"), encoding="utf-8")
    with dask.config.set(scheduler="synchronous"), pytest.raises(RegisterProblems) as exc:
        portfolio_dask(str(tmp_path / "*" / "part.csv"), D(ON)).compute()
    assert Path(exc.value.file or "").resolve() == bad.resolve()
    assert exc.value.bad_rows[0].field == "entry_into_force"


def test_the_dask_path_on_parquet_files_keeps_extra_columns(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe")
    import dask
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from treatylife.bulk.partitioned import portfolio_dask

    names = [*HEADER.split(","), "owner"]
    for k in range(2):
        reg = _csv(
            tmp_path,
            rows=[f"{r.replace(',', f'-{k},', 1)},o{k}" for r in ROWS],
            header=",".join(names),
            name=f"p{k}.csv",
        )
        pq.write_table(pcsv.read_csv(reg), tmp_path / f"p{k}.parquet")
    with dask.config.set(scheduler="synchronous"):
        frame = portfolio_dask(str(tmp_path / "p*.parquet"), D(ON)).compute()
    got = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert got == _rows(tmp_path / "p0.csv") + _rows(tmp_path / "p1.csv")
    assert {r["owner"] for r in got} == {"o0", "o1"}


def test_to_arrow_is_what_parquet_output_writes(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    reg = _csv(tmp_path, rows=[f"{r},x{i}" for i, r in enumerate(ROWS)], header=HEADER + ",owner")
    for command, result in (
        (["portfolio", str(reg), "--on", ON], tl.portfolio(reg, D(ON))),
        (["deadlines", str(reg), "--from", ON, "--within", "3y"], tl.deadlines(reg, D(ON), "3y")),
    ):
        out = tmp_path / f"{command[0]}.parquet"
        r = runner.invoke(app, [*command, "-o", str(out)])
        assert r.exit_code == 0, r.stderr
        table = result.to_arrow()
        assert table.num_rows == result.count and table.column_names[-1] == "owner"
        assert pq.read_table(out).to_pylist() == table.to_pylist()
        assert pq.read_table(out).schema.types == table.schema.types  # plain text, no dictionaries


@pytest.mark.parametrize(
    "command", [["portfolio", "--on", ON], ["deadlines", "--from", ON, "--within", "3y"]]
)
def test_a_party_of_no_agreement_is_refused_not_answered_with_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    """``--party KRO`` (a typo) answered "0 agreements", which reads as "nothing due"."""
    reg = _csv(tmp_path)
    name, *rest = command
    r = runner.invoke(app, [name, str(reg), *rest, "--party", "KRO"])
    assert r.exit_code == 2
    assert "[TL312]" in r.stderr and "'KRO' is not a party to any agreement of the register" in r.stderr
    assert "did you mean 'KOR'?" in r.stderr
    ok = runner.invoke(app, [name, str(reg), *rest, "--party", "KOR", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["count"] > 0


def test_a_spreadsheet_date_with_a_time_of_day_says_so(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "rules", "signed", "notified"])
    ws.append(["a", "gsomia", dt.datetime(2020, 8, 31, 15, 30), dt.datetime(2020, 8, 31)])  # midnight: a day
    wb.save(tmp_path / "reg.xlsx")
    with pytest.raises(RegisterProblems) as exc:
        tl.load_register(tmp_path / "reg.xlsx")
    (p,) = exc.value.bad_rows
    assert (p.line, p.field, p.code) == (2, "signed", "TL137")
    assert "a day and a time of day: give the day alone, 2020-08-31" in p.message


def test_a_party_code_in_the_wrong_case_is_suggested(tmp_path: Path) -> None:
    r = runner.invoke(app, ["portfolio", str(_csv(tmp_path)), "--on", ON, "--party", "kor"])
    assert r.exit_code == 2 and "did you mean 'KOR'?" in r.stderr
    r = runner.invoke(app, ["status", "--on", ON, "--party", "kor"])
    assert r.exit_code == 2 and "did you mean 'KOR'?" in r.stderr


def test_deadlines_text_names_the_clause_when_the_rows_act_under_several(tmp_path: Path) -> None:
    """An option's exercise deadline beside non-renewal notices: the table says which clause each is."""
    reg = tmp_path / "reg.csv"
    reg.write_text(
        "id,rules,signed,notified\nopt,contract-option,2024-01-01,2024-01-01\ngs,gsomia,2024-01-01,2024-01-01\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["deadlines", str(reg), "--from", "2024-01-01", "--within", "5y"])
    assert r.exit_code == 0, r.stderr
    head, *rows = r.stdout.splitlines()[1:]
    assert head.split()[:5] == ["deadline", "days", "id", "agreement", "clause"]
    assert any("customer-extension" in x for x in rows) and any("art21-3-notice" in x for x in rows)
    one = runner.invoke(app, ["deadlines", str(_csv(tmp_path)), "--from", ON, "--within", "3y"])
    assert "clause" not in one.stdout.splitlines()[1]  # one clause: no column for it


def test_the_arrow_batch_seam_reports_bad_rows_by_row_and_reads_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """evaluate_batch with the default register name: a bad date, a party of no agreement, an id used twice
    and a misspelt column each give their own error (a bad row said 'register.csv: file not found'), and
    an unrelated register.csv in the working directory lends them no line."""
    import pyarrow as pa

    from treatylife.bulk.stream import evaluate_batch

    monkeypatch.chdir(tmp_path)
    (tmp_path / "register.csv").write_text("id,rules\n" + "x,gsomia\n" * 5, encoding="utf-8")

    def problems(cols: dict[str, list[str]]) -> list[tuple[int | None, int | None, str | None, str]]:
        with pytest.raises(RegisterProblems) as exc:
            evaluate_batch(pa.RecordBatch.from_pydict(cols), "2019-09-01")
        return [(p.row, p.line, p.field, p.code) for p in exc.value.bad_rows]

    base = {"id": ["a", "b"], "rules": ["gsomia", "gsomia"], "entry_into_force": ["2016-11-23", "2016-11-23"]}
    assert problems({**base, "entry_into_force": ["2016-11-23", "2019-02-30"]}) == [
        (2, None, "entry_into_force", "TL137")
    ]
    assert problems({**base, "notice_party": ["XXX", ""], "notice_received": ["2019-08-23", ""]}) == [
        (1, None, "notice_party", "TL310")
    ]
    assert problems({**base, "id": ["a", "a"]}) == [(2, None, "id", "TL136")]
    with pytest.raises(InputError) as bad:
        evaluate_batch(pa.RecordBatch.from_pydict({**base, "notice_recieved": ["2019-08-23", ""]}), D(ON))
    assert (bad.value.code, bad.value.field) == ("TL132", "notice_recieved") and "notice_received" in (
        bad.value.hint or ""
    )
    with pytest.raises(InputError) as day:
        evaluate_batch(pa.RecordBatch.from_pydict(base), 20190901)  # type: ignore[arg-type]
    assert day.value.code == "TL120"
    good = evaluate_batch(pa.RecordBatch.from_pydict(base), "2019-09-01")
    assert good.num_rows == 2 and good.column("in_force").to_pylist() == [True, True]


def test_a_window_that_is_no_period_is_an_input_error_everywhere(tmp_path: Path) -> None:
    reg = _csv(tmp_path)
    for bad in ("soon", 120, dt.timedelta(hours=5)):
        with pytest.raises(InputError) as exc:
            tl.deadlines(reg, D(ON), bad)  # type: ignore[arg-type]
        assert (exc.value.code, exc.value.field) == ("TL003", "within")
    assert tl.deadlines(reg, D(ON), dt.timedelta(days=120)).rows() == tl.deadlines(reg, D(ON), "120d").rows()
    r = runner.invoke(app, ["deadlines", str(reg), "--from", ON, "--within", "soon"])
    assert r.exit_code == 2 and "error [TL003]: --within: 'soon' is not a period" in r.stderr


def test_jsonl_extra_numbers_and_flags_pass_through_as_text(tmp_path: Path) -> None:
    """A cost centre 42 or a flag true in an extra field is kept (as its text); in a register column it is
    refused, saying it is a number."""
    p = tmp_path / "reg.jsonl"
    p.write_text(
        '{"id": "a", "rules": "gsomia", "entry_into_force": "2016-11-23", "cost": 42, "flag": true}\n'
        '{"id": "b", "rules": "gsomia", "entry_into_force": "2016-11-23", "cost": null}\n',
        encoding="utf-8",
    )
    assert [(r["cost"], r["flag"]) for r in _rows(p)] == [("42", "true"), (None, None)]
    p.write_text('{"id": "a", "rules": "gsomia", "entry_into_force": 20161123}\n', encoding="utf-8")
    with pytest.raises(RegisterProblems) as exc:
        tl.load_register(p)
    assert exc.value.bad_rows[0].message == "expected a string or null, got the number 20161123"
