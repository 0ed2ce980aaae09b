"""Fuzzing in the normal test run: any input ends in an answer or a TreatyLifeError, never anything else.

The generators live in ``fuzz/targets.py`` and are shared with the long run (``python fuzz/run.py``,
docs/errors.md). Examples are bounded so the suite stays fast; the database is off so nothing is written
to the working tree.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import treatylife as tl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
T = importlib.import_module("fuzz.targets")

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return T.scratch_project(tmp_path_factory.mktemp("fuzz"))  # type: ignore[no-any-return]


@FUZZ
@given(text=T.yamlish_text(), on=T.query_dates)
def test_yamlish_text_never_crashes(project: Path, text: str, on: list[dt.date]) -> None:
    path = T.write(project / "examples" / "fuzz.yaml", text)
    T.exercise(path, on)
    T.check_file(path)


@FUZZ
@given(mutation=T.mutated_file(), on=T.query_dates)
def test_mutated_examples_never_crash(project: Path, mutation: tuple[str, str], on: list[dt.date]) -> None:
    name, text = mutation
    T.exercise_mutation(project, name, text, on)


@FUZZ
@given(scenario=T.random_scenario(), on=T.query_dates)
def test_random_event_lists_never_crash(project: Path, scenario: dict[str, Any], on: list[dt.date]) -> None:
    path = T.write(project / "examples" / "fuzz-events.yaml", T.dump(scenario))
    T.exercise(path, on)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(scenario=T.random_scenario(), seed=st.integers(0, 2**16), on=st.sampled_from(T.QUERY_DATES[1:8]))
def test_the_order_events_are_written_in_does_not_matter(
    project: Path, scenario: dict[str, Any], seed: int, on: dt.date
) -> None:
    """Events are replayed by date: shuffling events of distinct dates changes no answer."""
    events = scenario["events"]
    dates = [e["date"] for e in events]
    by_date = {d: [e for e in events if e["date"] == d] for d in dates}
    days = list(by_date)
    random.Random(seed).shuffle(days)
    shuffled = [e for d in days for e in by_date[d]]  # same-day events keep their written order
    answers = []
    for i, evs in enumerate((events, shuffled)):
        path = T.write(project / "examples" / f"order-{i}.yaml", T.dump({**scenario, "events": evs}))
        try:
            record = tl.load(path)
            s = tl.status(record, on)
            answers.append((s.stage, s.in_force, s.term.number if s.term else None, s.ends))
        except tl.TreatyLifeError as exc:
            answers.append((exc.code, exc.message.split(" (")[0]))
    assert answers[0] == answers[1]


def test_the_fuzzers_reach_answers_and_errors(project: Path) -> None:
    """Not a tautology: the generators produce valid scenarios as well as each family of errors."""
    if T.OUTCOME.answers == 0 and not T.OUTCOME.errors:
        pytest.skip("counts come from the fuzz tests above; run the whole module")
    assert T.OUTCOME.answers > 0
    families = {code[:3] for code in T.OUTCOME.errors}
    assert {"TL1", "TL3"} <= families, T.OUTCOME.errors


# ---------------------------------------------------------------------------- crashes the fuzzers found


def test_an_agreement_ended_on_0001_01_01_renders(tmp_path: Path) -> None:
    """Found by ``fuzz/run.py`` (events target): the text and Markdown renderers computed the "last day in
    force" as 0001-01-01 minus one day, a TL501 raised while printing, i.e. an internal error (exit 1)."""
    from typer.testing import CliRunner

    from treatylife.cli.app import app

    events = [
        {"date": "0001-01-01", "kind": "signed"},
        {"date": "0001-01-01", "kind": "notified", "party": "KOR"},
        {"date": "0001-01-01", "kind": "notified", "party": "JPN"},
        {"date": "0001-01-01", "kind": "terminated_by_consent"},
    ]
    f = T.write(
        tmp_path / "year-one.yaml", T.dump({"title": "year one", "rules": "gsomia", "events": events})
    )
    for fmt in ("text", "markdown", "json"):
        result = CliRunner().invoke(app, ["status", str(f), "--on", "0001-01-01", "--format", fmt])
        assert result.exit_code == 0, result.stderr
        assert "0001-01-01" in result.stdout
    assert (
        "Ended: 0001-01-01 (last day in force none)"
        in CliRunner().invoke(app, ["status", str(f), "--on", "0001-01-01"]).stdout
    )
