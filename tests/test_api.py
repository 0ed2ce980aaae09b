"""The Python API without files (issue 13): scenarios as data, dates as strings, what-ifs on a Record,
typed register rows, the report and the calendar from the API. Answers are compared with the file path's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import treatylife as tl

ROOT = Path(__file__).resolve().parent.parent
D = dt.date.fromisoformat
GSOMIA = ROOT / "examples" / "gsomia-record.yaml"


def _as_mapping() -> dict[str, Any]:
    """The bundled record's events, as a developer would write them in code."""
    loaded = tl.load_files(GSOMIA)
    events = [e.model_dump(mode="json", exclude_none=True) for e in loaded.events]
    return {"title": loaded.title, "rules": "gsomia", "events": events}


@pytest.mark.parametrize("on", ["2016-11-22", "2019-08-23", "2019-11-23", "2026-11-22"])
def test_a_mapping_answers_as_the_file(on: str) -> None:
    from_file = tl.status(GSOMIA, D(on)).to_dict()
    from_code = tl.status(_as_mapping(), on).to_dict()
    for key in ("in_force", "stage", "since", "term", "ends", "notices"):
        assert from_code[key] == from_file[key], key


def test_mapping_errors_name_the_field_path_and_the_same_code_as_a_file(tmp_path: Path) -> None:
    data = {"title": "t", "rules": "gsomia", "events": [{"date": "2019-02-30", "kind": "signed"}]}
    f = tmp_path / "s.yaml"
    f.write_text("title: t\nrules: gsomia\nevents:\n  - {date: 2019-02-30, kind: signed}\n", encoding="utf-8")
    with pytest.raises(tl.ScenarioError) as from_code:
        tl.load(data)
    with pytest.raises(tl.ScenarioError) as from_file:
        tl.load(f)
    assert from_code.value.code == from_file.value.code == "TL322"
    assert from_code.value.field == from_file.value.field == "events[0].date"
    assert (from_code.value.file, from_code.value.line) == (None, None)
    assert from_file.value.line == 4


def test_inline_rules_errors_name_their_path() -> None:
    with pytest.raises(tl.RulesError) as err:
        tl.load({"title": "t", "rules": {"schema": "treatylife/rules/1", "id": "x"}, "events": []})
    assert err.value.code == "TL220" and str(err.value.field).startswith("rules.")


def test_a_scenario_of_the_wrong_kind_is_an_input_error() -> None:
    with pytest.raises(tl.InputError) as err:
        tl.status(42, "2019-08-23")  # type: ignore[arg-type]
    assert err.value.code == "TL121"


CALLS = {
    "status": lambda d: tl.status(None, d),
    "deadline": lambda d: tl.deadline(None, d),
    "timeline": lambda d: tl.timeline(None, d),
    "compare": lambda d: tl.compare(None, None, d),
    "calendar": lambda d: tl.calendar([None], d),
    "report": lambda d: tl.report(None, d),
    "portfolio": lambda d: tl.portfolio(ROOT / "examples", d),
    "deadlines": lambda d: tl.deadlines(ROOT / "examples", d),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("bad", ["2019-13-01", "yesterday", 20190823, dt.datetime(2019, 8, 23), [2019]])
def test_every_api_date_is_parsed_or_refused_with_input_error(name: str, bad: object) -> None:
    with pytest.raises(tl.InputError) as err:
        CALLS[name](bad)
    assert err.value.code == "TL120"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_api_date_may_be_an_iso_string(name: str) -> None:
    as_text = CALLS[name]("2019-08-23").to_dict()
    as_date = CALLS[name](dt.date(2019, 8, 23)).to_dict()
    assert as_text == as_date


def test_whatif_on_a_loaded_record_and_chained() -> None:
    record = tl.load()
    w = tl.whatif(record, remove=["notice_suspended", "notice_withdrawn"])
    assert tl.status(w, "2019-11-23").in_force is False
    assert tl.status(record, "2019-11-23").in_force is True  # the original is untouched
    w2 = tl.whatif(w, add=["2019-09-01 note"])
    assert tl.status(w2, "2019-11-23").to_dict()["in_force"] is False
    assert tl.whatif(record) is record


def test_whatif_on_a_record_without_its_files_says_so() -> None:
    from treatylife.engine.replay import replay
    from treatylife.files.loader import load_scenario

    bare = replay(load_scenario(GSOMIA))  # not through tl.load: it does not know its files
    with pytest.raises(tl.InputError) as err:
        tl.whatif(bare, remove=["notice_suspended"])
    assert err.value.code == "TL121"
    with pytest.raises(tl.InputError):
        tl.whatif(None, remove="notice_suspended")  # type: ignore[arg-type]  # a string, not a list


def test_report_and_calendar_from_the_api_equal_the_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from treatylife.cli.app import app

    page = tl.render_html(tl.report(None, "2019-11-23"))
    ics = tl.render_ics(tl.calendar([None], "2026-11-22"))
    runner = CliRunner()
    r = runner.invoke(app, ["report", "--on", "2019-11-23", "-o", str(tmp_path / "r.html")])
    c = runner.invoke(app, ["calendar", "--from", "2026-11-22", "-o", str(tmp_path / "c.ics")])
    assert r.exit_code == c.exit_code == 0
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page
    assert (tmp_path / "c.ics").read_bytes() == ics


def test_register_rows_are_typed(tmp_path: Path) -> None:
    reg = tmp_path / "r.csv"
    reg.write_text(
        "id,rules,entry_into_force,notice_party,notice_received\nkr-jp,gsomia,2016-11-23,KOR,2019-08-23\n",
        encoding="utf-8",
    )
    [row] = tl.rows(tl.portfolio(reg, "2019-09-01"))
    assert isinstance(row, tl.PortfolioRow)
    assert (row.in_force, row.ends, row.term_last_day) == (True, D("2019-11-23"), D("2019-11-22"))
    first = tl.rows(tl.deadlines(reg, "2019-01-01", "1y"))[0]
    assert isinstance(first, tl.DeadlineRow) and first.deadline == D("2019-08-24")
    assert first.deadline.isoformat() == tl.deadlines(reg, "2019-01-01", "1y").rows()[0]["deadline"]


def test_the_installed_version_is_the_api_version() -> None:
    from treatylife.render import package_version

    assert package_version() == tl.__version__


def test_every_public_name_resolves_lazily_to_its_definition() -> None:
    """``import treatylife`` loads nothing else; each name in ``__all__`` is imported on first use, and is the
    very object its module defines (so ``isinstance`` and ``except tl.InputError`` work as before)."""
    import subprocess
    import sys

    probe = (
        "import sys, treatylife\n"
        "print(sorted(m for m in sys.modules if m.startswith('treatylife.')))\n"
        "for name in treatylife.__all__: getattr(treatylife, name)\n"
        "print(len(treatylife.__all__))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    first, count = out.splitlines()
    assert first == "[]"
    assert int(count) == len(tl.__all__)
    for name in tl.__all__:
        value = getattr(tl, name)
        if name != "__version__":
            assert getattr(value, "__name__", name) == name
            assert name in dir(tl)
    from treatylife.errors import InputError
    from treatylife.model.record import Record

    assert tl.InputError is InputError and tl.Record is Record
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        tl.nope  # noqa: B018


def test_check_from_the_api_is_the_commands(tmp_path: Path) -> None:
    """``tl.check`` answers what ``treatylife check`` answers, a register file included."""
    from typer.testing import CliRunner

    from treatylife.cli.app import app

    reg = tmp_path / "reg.csv"
    reg.write_text("id,rules,entry_into_force\na,gsomia,2016-11-23\na,gsomia,2016-11-24\n", encoding="utf-8")
    api = tl.check([reg])
    cli = CliRunner().invoke(app, ["check", str(reg), "--json"])
    assert not api.ok and cli.exit_code != 0
    assert api.to_dict() == json.loads(cli.stdout)


def test_type_checkers_see_the_public_names_and_no_others(tmp_path: Path) -> None:
    """``import treatylife as tl`` under mypy --strict: the result and model types are there, and a typo is
    an error (a module ``__getattr__`` typed ``-> Any`` made every name exist, ``tl.staus`` included)."""
    api = pytest.importorskip("mypy.api")
    script = tmp_path / "use.py"
    script.write_text(
        "import datetime\n"
        "import treatylife as tl\n"
        "def f(p: tl.PortfolioResult, d: tl.DeadlinesResult, r: tl.Register, e: tl.Event) -> int:\n"
        "    return p.count + d.count + len(r)\n"
        "s: tl.StatusResult = tl.status(None, datetime.date(2019, 8, 23))\n"
        "x: int = tl.staus(None, '2019-08-23')\n",
        encoding="utf-8",
    )
    out, _, code = api.run(["--strict", "--no-incremental", "--follow-imports=silent", str(script)])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert code == 1 and len(errors) == 1, out
    assert "use.py:6:" in errors[0] and "staus" in errors[0]
