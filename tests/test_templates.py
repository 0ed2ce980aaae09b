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
from typing import Any

import pytest
from typer.testing import CliRunner

import treatylife as tl
from treatylife.answers.expect import check_expectation
from treatylife.cli.app import app
from treatylife.files.loader import load_rules

D = dt.date.fromisoformat
ONE = dt.timedelta(days=1)
DATA = Path(str(resources.files("treatylife") / "data"))
RULES = sorted((DATA / "rules").glob("*.yaml"))
EXAMPLES = sorted((DATA / "examples").glob("*.yaml"))
DOCS = Path(__file__).resolve().parent.parent / "docs"

# Each example carries its own expected answers (`expect:`): every boundary on the day before, the day of and
# the day after, with why (the historical source of the date is on the event). The same entries run under
# `treatylife test examples` and `pytest examples` (the plugin); here, one test per entry.
EXPECTATIONS = [(p.stem, x) for p in EXAMPLES for x in tl.load_files(p).expect]


@pytest.fixture(scope="module")
def records() -> dict[str, tl.Record]:
    return {p.stem: tl.load(p) for p in EXAMPLES}


@pytest.mark.parametrize(
    ("example", "expectation"),
    EXPECTATIONS,
    ids=[f"{e}:{x.line}:{x.date}{'-' + x.party if x.party else ''}" for e, x in EXPECTATIONS],
)
def test_example_meets_its_expectation(records: dict[str, tl.Record], example: str, expectation: Any) -> None:
    outcomes = check_expectation(records[example], expectation)
    assert outcomes, "an expectation names at least one answer"
    assert all(o.ok for o in outcomes), "\n".join(o.line_text() for o in outcomes if not o.ok)


def test_every_example_expects_its_boundaries() -> None:
    for p in EXAMPLES:
        days = sorted({x.date for x in tl.load_files(p).expect if x.in_force is not None})
        assert len(days) >= 3, f"{p.name}: a boundary, the day before and the day after"
        assert any(days[i + 1] - days[i] == ONE == days[i + 2] - days[i + 1] for i in range(len(days) - 2)), (
            f"{p.name}: expect a boundary with the day before and the day after"
        )


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
