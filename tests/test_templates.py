"""The bundled rules templates and worked examples: valid, cited, and right on every boundary day.

Each example's boundaries are listed with the historical source of the date; each is checked on the day
before, the day of and the day after. ABM and Open Skies were written from their clause text alone, after
the engine was built, with no code change (issue 4's acceptance exercise).
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app
from treatylife.files.loader import load_rules

D = dt.date.fromisoformat
ONE = dt.timedelta(days=1)
DATA = Path(str(resources.files("treatylife") / "data"))
RULES = sorted((DATA / "rules").glob("*.yaml"))
EXAMPLES = sorted((DATA / "examples").glob("*.yaml"))
DOCS = Path(__file__).resolve().parent.parent / "docs"

# (example, party or None for "in force at all", boundary, (day before, day of, day after), why)
BOUNDARIES: list[tuple[str, str | None, str, tuple[bool, bool, bool], str]] = [
    ("gsomia-record", None, "2016-11-23", (False, True, True), "signed and both notifications 2016-11-23"),
    ("gsomia-record", None, "2019-11-23", (True, True, True), "Korea's notice suspended 2019-11-22"),
    ("whatif-no-suspension", None, "2019-11-23", (True, False, False), "Korea's notice takes effect"),
    ("whatif-late-notice", None, "2020-11-23", (True, False, False), "late notice stands for the next term"),
    ("whatif-japan-notice-180", None, "2019-11-23", (True, False, False), "Japan's timely 180-day notice"),
    ("whatif-signed-2012", None, "2012-06-29", (False, True, True), "signing goes ahead in 2012"),
    ("whatif-leap-day", None, "2020-02-29", (False, True, True), "in force on a 29 February"),
    ("whatif-leap-day", None, "2022-02-28", (True, False, False), "late notice, end of term 2"),
    ("inf-record", None, "1988-06-01", (False, True, True), "instruments exchanged at Moscow, 1988-06-01"),
    ("inf-record", None, "2019-08-02", (True, False, False), "US notice 2019-02-02 + six months"),
    ("inf-record", "RUS", "2019-08-02", (True, False, False), "bilateral: one exit ends it for both"),
    ("new-start-record", None, "2011-02-05", (False, True, True), "instruments exchanged at Munich"),
    ("new-start-record", None, "2021-02-05", (True, True, True), "extended on 2021-02-03 for five years"),
    ("new-start-record", None, "2026-02-05", (True, False, False), "the extension runs out"),
    ("whatif-new-start-no-extension", None, "2021-02-05", (True, False, False), "ten years, no extension"),
    ("paris-record", None, "2016-11-04", (False, True, True), "thirtieth day after 2016-10-05"),
    ("paris-record", None, "2020-11-04", (True, True, True), "a US withdrawal does not end the agreement"),
    ("paris-record", "USA", "2016-11-04", (False, True, True), "acceptance 2016-09-03, before the threshold"),
    ("paris-record", "USA", "2020-11-04", (True, False, False), "notice received 2019-11-04 + one year"),
    ("paris-record", "USA", "2021-02-19", (False, True, True), "acceptance 2021-01-20 + 30 days"),
    ("paris-record", "USA", "2026-01-27", (True, False, False), "notice received 2025-01-27 + one year"),
    ("paris-record", "JPN", "2016-12-08", (False, True, True), "deposit 2016-11-08 + 30 days"),
    ("paris-record", "RUS", "2019-11-06", (False, True, True), "acceptance 2019-10-07 + 30 days"),
    ("abm-record", None, "1972-10-03", (False, True, True), "instruments exchanged at Washington"),
    ("abm-record", None, "2002-06-13", (True, False, False), "US notice 2001-12-13 + six months"),
    ("open-skies-record", None, "2002-01-01", (False, True, True), "60 days after 2001-11-02"),
    ("open-skies-record", "USA", "2020-11-22", (True, False, False), "US notice 2020-05-22 + six months"),
    (
        "open-skies-record",
        "RUS",
        "2021-12-18",
        (True, False, False),
        "Russian notice 2021-06-18 + six months",
    ),
    ("open-skies-record", None, "2021-12-18", (True, True, True), "goes on for the other States Parties"),
    ("open-skies-record", "CAN", "2021-12-18", (True, True, True), "Canada stays bound"),
    ("kyoto-record", None, "2005-02-16", (False, True, True), "ninetieth day after 2004-11-18"),
    ("kyoto-record", "CAN", "2012-12-15", (True, False, False), "Canada's notice 2011-12-15 + one year"),
    ("kyoto-record", None, "2012-12-15", (True, True, True), "goes on for the other parties"),
    # written blind from the clause text (tests/test_blind.py, docs/blind-tests.md)
    ("cwc-record", None, "1997-04-29", (False, True, True), "180 days after the 65th instrument 1996-10-31"),
    ("cwc-record", "USA", "1997-04-29", (False, True, True), "deposit 1997-04-25: an original State Party"),
    ("cwc-record", "RUS", "1997-12-05", (False, True, True), "deposit 1997-11-05 + 30 days (Art. XXI(2))"),
    ("cwc-record", "SYR", "2013-10-14", (False, True, True), "accession 2013-09-14 + 30 days"),
    ("us-japan-security-record", None, "1960-06-23", (False, True, True), "ratifications exchanged in Tokyo"),
]


@pytest.fixture(scope="module")
def records() -> dict[str, tl.Record]:
    return {p.stem: tl.load(p) for p in EXAMPLES}


@pytest.mark.parametrize(("example", "party", "boundary", "expected", "why"), BOUNDARIES)
def test_boundary_day_before_of_after(
    records: dict[str, tl.Record],
    example: str,
    party: str | None,
    boundary: str,
    expected: tuple[bool, bool, bool],
    why: str,
) -> None:
    b = D(boundary)
    got = tuple(tl.status(records[example], d, party).in_force for d in (b - ONE, b, b + ONE))
    assert got == expected, f"{example} {party or ''} around {boundary}: {why}"


def test_every_example_has_boundaries() -> None:
    assert {p.stem for p in EXAMPLES} <= {b[0] for b in BOUNDARIES}


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_rules_templates_cite_their_articles(path: Path) -> None:
    rules = load_rules(path)
    clauses = [rules.entry_into_force, rules.term, *rules.exits]
    if rules.renewal.kind != "none":
        clauses.append(rules.renewal)
    for clause in clauses:
        assert clause.article, f"{path.name}: a clause without its article: {clause}"
        assert clause.text, f"{path.name}: a clause without its words: {clause}"
    assert rules.source
    head = path.read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("#"), "a template opens with a comment naming the agreement"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_check_clean(path: Path) -> None:
    result = tl.check([path])
    assert result.ok, result.to_dict()


def test_abm_written_from_clause_text() -> None:
    r = tl.load(DATA / "examples" / "abm-record.yaml")
    s = tl.status(r, D("2002-06-12"))
    [n] = s.notices
    assert (n.party, n.received, n.takes_effect, n.last_day_in_force) == (
        "USA",
        D("2001-12-13"),
        D("2002-06-13"),
        D("2002-06-12"),
    )
    assert n.article == "Art. XV(2)"
    end = tl.status(r, D("2002-06-13"))
    assert (
        end.stage == "terminated" and end.end_reason is not None and "usa-2001-withdrawal" in end.end_reason
    )


def test_open_skies_written_from_clause_text() -> None:
    r = tl.load(DATA / "examples" / "open-skies-record.yaml")
    assert r.multilateral and r.in_force_from == D("2002-01-01")
    assert tl.status(r, D("2021-12-18")).parties_bound == ["CAN", "HUN", "BLR"]
    us = tl.status(r, D("2020-05-22"), "USA")
    assert us.in_force and us.ends == D("2020-11-22")
    ru = tl.status(r, D("2022-01-01"), "RUS")
    assert (ru.stage, ru.since) == ("withdrawn", D("2021-12-18"))


def test_new_start_extension_is_known_from_the_day_it_was_agreed() -> None:
    r = tl.load(DATA / "examples" / "new-start-record.yaml")
    assert tl.status(r, D("2021-02-02")).ends == D("2021-02-05")
    s = tl.status(r, D("2021-02-03"))
    assert s.ends == D("2026-02-05") and s.end_reason is not None and "extended by agreement" in s.end_reason
    t = tl.status(r, D("2021-02-05")).term
    assert t is not None and (t.start, t.last_day) == (D("2021-02-05"), D("2026-02-04"))


# ---------------------------------------------------------------------------- JSON Schema


@pytest.mark.parametrize("kind", ["rules", "scenario"])
def test_published_schema_is_up_to_date(kind: str) -> None:
    shipped = json.loads((DOCS / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert shipped == tl.json_schema(kind), (
        f"docs/schema/{kind}.schema.json is stale: run `treatylife schema {kind} > docs/schema/{kind}.schema.json`"
    )


def test_schema_command_prints_the_schema() -> None:
    out = CliRunner().invoke(app, ["schema", "scenario"])
    assert out.exit_code == 0
    assert json.loads(out.output) == tl.json_schema("scenario")
    bad = CliRunner().invoke(app, ["schema", "contract"])
    assert bad.exit_code == 2 and "TL115" in bad.output


def test_schema_knows_every_field_of_the_bundled_rules() -> None:
    from treatylife.files.loader import read_yaml

    props = set(tl.json_schema("rules")["properties"])
    for path in RULES:
        assert set(read_yaml(path).data) <= props, path.name


def test_first_rules_file_guide_snippets_make_working_files(tmp_path: Path) -> None:
    """docs/first-rules-file.md: its YAML snippets, put together, give the answers the guide shows."""
    import re

    doc = (DOCS / "first-rules-file.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    scenario = [b for b in blocks if "treatylife/scenario/1" in b]
    rules = [b for b in blocks if "treatylife/scenario/1" not in b]
    (tmp_path / "rules").mkdir()
    (tmp_path / "examples").mkdir()
    (tmp_path / "rules" / "kyoto.yaml").write_text("".join(rules), encoding="utf-8")
    (tmp_path / "examples" / "kyoto-record.yaml").write_text(scenario[0], encoding="utf-8")
    r = tl.load(tmp_path / "examples" / "kyoto-record.yaml")
    assert [tl.status(r, D(d)).in_force for d in ("2005-02-15", "2005-02-16")] == [False, True]
    assert [tl.status(r, D(d), "CAN").in_force for d in ("2012-12-14", "2012-12-15")] == [True, False]
