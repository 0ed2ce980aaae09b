"""What the fuzzers feed treatylife, and the one property they check.

The property: every input ends in an answer or a :class:`~treatylife.TreatyLifeError`. Any other exception
(or a segfault, or a hang) is a crash. ``tests/test_fuzz.py`` runs these generators with a few hundred
examples in the normal test run; ``fuzz/run.py`` runs them for minutes.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import treatylife as tl
from treatylife.errors import TreatyLifeError
from treatylife.model.scenario import EventKind

DATA = Path(str(resources.files("treatylife") / "data"))
RULES = sorted(p.stem for p in (DATA / "rules").glob("*.yaml"))
EXAMPLES = sorted(p.name for p in (DATA / "examples").glob("*.yaml"))
SEED_FILES = [f"rules/{p.name}" for p in sorted((DATA / "rules").glob("*.yaml"))] + [
    f"examples/{n}" for n in EXAMPLES
]

# ---------------------------------------------------------------------------- the property


@dataclass
class Outcome:
    """How one input ended: counts per kind, for the long run's summary."""

    answers: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


OUTCOME = Outcome()
#: The input being tried (the long runner saves it when something crashes).
CURRENT: dict[str, Any] = {}

QUERY_DATES = [
    dt.date(1, 1, 1),
    dt.date(1900, 1, 1),
    dt.date(2016, 11, 23),
    dt.date(2019, 8, 24),
    dt.date(2019, 11, 23),
    dt.date(2024, 2, 29),
    dt.date(2100, 3, 1),
    dt.date(9998, 6, 1),
    dt.date(9999, 12, 31),
]


def exercise(path: Path, on: list[dt.date]) -> None:
    """Load, replay, ask every question and render every answer. Raises only on a crash."""
    from treatylife.render import render

    try:
        record = tl.load(path)
    except TreatyLifeError as exc:
        assert exc.code.startswith("TL") and len(exc.code) == 5, exc.code
        assert "\n" not in str(exc), str(exc)
        json.dumps(exc.to_dict())
        OUTCOME.error(exc.code)
        return
    OUTCOME.answers += 1
    party = next(iter(record.parties), None)  # the per-party views too (--party)
    for d in on:
        for ask in (tl.status, tl.deadline, tl.timeline):
            for who in (None, party):
                try:
                    result = ask(record, d, party=who)
                except TreatyLifeError as exc:
                    OUTCOME.error(exc.code)
                    continue
                json.dumps(result.to_dict())
                for fmt in ("text", "json", "markdown"):
                    render(result, fmt, explain=True)
    for who in (None, party):
        try:
            compared = tl.compare(record, record, on[0] if on else None, None, who)
        except TreatyLifeError as exc:
            OUTCOME.error(exc.code)
            continue
        assert compared.same, "a scenario compared with itself must agree on every day"
        render(compared, "text", explain=True)


def check_file(path: Path) -> None:
    """``treatylife check`` on one file: it reports, it never raises."""
    result = tl.check([path])
    json.dumps(result.to_dict())


# ---------------------------------------------------------------------------- a scratch project


def scratch_project(root: Path) -> Path:
    """A project folder with copies of the bundled rules and examples (mutated copies go beside them)."""
    for kind in ("rules", "examples"):
        (root / kind).mkdir(parents=True, exist_ok=True)
        for p in (DATA / kind).glob("*.yaml"):
            shutil.copyfile(p, root / kind / p.name)
    return root


# ---------------------------------------------------------------------------- generators

TOKENS = [
    "schema: treatylife/scenario/1\n",
    "schema: treatylife/rules/1\n",
    "title: t\n",
    "rules: gsomia\n",
    "rules: ../rules/gsomia.yaml\n",
    "based_on: gsomia-record.yaml\n",
    "based_on: fuzz.yaml\n",
    'rules: "gsomia\\0"\n',
    "rules: ../../../../etc/passwd\n",
    "based_on: ../examples\n",
    "events:\n",
    "add:\n",
    "remove:\n",
    "replace:\n",
    "overrides:\n",
    "  - ",
    "    ",
    "date: ",
    "kind: ",
    "party: ",
    "notice: ",
    "clause: ",
    "period: ",
    "id: ",
    "match:\n",
    "with:\n",
    "2016-11-23",
    "2019-08-23",
    "2019-02-30",
    "0001-01-01",
    "9999-12-31",
    "signed",
    "notified",
    "notice_given",
    "notice_withdrawn",
    "notice_suspended",
    "approved",
    "extended",
    "KOR",
    "JPN",
    "NO",
    "on",
    "yes",
    "~",
    "null",
    "1 year",
    "0 days",
    "999999 years",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!python/object/apply:os.system ",
    "!!binary ",
    "!!set ",
    "? ",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "'",
    '"',
    "#",
    "---\n",
    "\n",
    "\t",
    "\\",
    "\x00",
    "\ufeff",
    "é",
    "12345678901234567890",
]


@st.composite
def yamlish_text(draw: Any) -> str:
    """Text made of YAML and treatylife tokens, in any order (mostly invalid, sometimes not)."""
    parts = draw(st.lists(st.sampled_from(TOKENS) | st.text(max_size=6), max_size=60))
    return "".join(parts)


SCALARS = [
    "2019-02-30",
    "2018-13-01",
    "0001-01-01",
    "9999-12-31",
    "2020-02-29",
    "0",
    "-1",
    "1.5",
    "",
    "~",
    "NO",
    "on",
    "yes",
    "[]",
    "{}",
    "'x'",
    "0 days",
    "1 day",
    "-3 months",
    "999999 years",
    "13 months",
    "1 week",
    "indefinite",
    "automatic",
    "by_agreement",
    "none",
    "any",
    "[KOR]",
    "[XXX]",
    "KOR",
    "JPN",
    "USA",
    "notice_given",
    "notice_withdrawn",
    "notice_suspended",
    "extended",
    "signed",
    "notified",
    "terminated_by_consent",
    "operation_suspended",
    "withdrawal",
    "non_renewal_notice",
    "round_up",
    "abort",
    "date_difference",
    "next_term",
    "void",
    "*x",
    "&x y",
    "!!python/name:os.system",
    '"\\0"',
    '"a\\u0001b"',
]


@st.composite
def mutated_file(draw: Any) -> tuple[str, str]:
    """A bundled rules or example file with a few lines deleted, duplicated, swapped or re-valued."""
    name = draw(st.sampled_from(SEED_FILES))
    lines = (DATA / name).read_text(encoding="utf-8").splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(
            st.sampled_from(["value", "value", "value", "delete", "dup", "swap", "indent", "cut", "chars"])
        )
        line = lines[i]
        if op == "value" and ":" in line:
            key, _, _ = line.partition(":")
            lines[i] = f"{key}: {draw(st.sampled_from(SCALARS))}\n"
        elif op == "value" and line.lstrip().startswith("- "):
            lines[i] = line[: len(line) - len(line.lstrip())] + f"- {draw(st.sampled_from(SCALARS))}\n"
        elif op == "delete":
            del lines[i]
        elif op == "dup":
            lines.insert(i, line)
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["", " ", "  ", "    ", "\t"])) + line.lstrip(" ")
        elif op == "cut":
            lines = [*lines[:i], line[: draw(st.integers(0, len(line)))]]
        elif op == "chars":
            k = draw(st.integers(0, len(line)))
            lines[i] = line[:k] + draw(st.text(max_size=4)) + line[k:]
    return name, "".join(lines)


KINDS = [k.value for k in EventKind]
IN_FORCE_KINDS = [
    "notice_given",
    "notice_given",
    "notice_withdrawn",
    "notice_suspended",
    "extended",
    "operation_suspended",
    "operation_resumed",
    "terminated_by_consent",
    "notified",
    "note",
]
_DAY0 = dt.date(1990, 1, 1).toordinal()


@st.composite
def event_dates(draw: Any, start: dt.date | None = None) -> str:
    """Mostly days after ``start`` (up to 60 years), sometimes a calendar extreme or a day before it."""
    if draw(st.integers(0, 19)) == 19:
        return draw(st.sampled_from(["0001-01-01", "9999-12-31", "9999-06-01", "2020-02-29", "2000-02-29"]))
    base = (start or dt.date(1990, 1, 1)).toordinal()
    low = -400 if start is not None and draw(st.integers(0, 9)) == 9 else 0
    day = min(max(1, base + draw(st.integers(low, 60 * 366))), dt.date(9999, 12, 31).toordinal())
    return dt.date.fromordinal(day).isoformat()


@st.composite
def random_scenario(draw: Any) -> dict[str, Any]:
    """A scenario dict: a bundled rules file and random events (kinds, parties, notices, periods)."""
    rules = draw(st.sampled_from(RULES))
    parties = _parties(rules)
    ids = ["n1", "n2", "n3"]
    events = []
    realistic = draw(st.integers(0, 3)) > 0
    start = dt.date.fromisoformat(draw(event_dates())) if realistic else None
    for _ in range(draw(st.integers(0, 14))):
        kinds = (
            st.sampled_from(IN_FORCE_KINDS)
            if realistic and draw(st.integers(0, 3))
            else st.sampled_from(KINDS)
        )
        e: dict[str, Any] = {"date": draw(event_dates(start)), "kind": draw(kinds)}
        if draw(st.integers(0, 3)) > 0:
            e["party"] = draw(st.sampled_from(parties) if draw(st.integers(0, 19)) < 19 else st.just("XXX"))
        if e["kind"] == "notice_given" and draw(st.booleans()):
            e["id"] = draw(st.sampled_from(ids))
        if e["kind"] in ("notice_withdrawn", "notice_suspended") and draw(st.booleans()):
            e["notice"] = draw(st.sampled_from(ids))
        if e["kind"] == "notice_given" and draw(st.integers(0, 3)) == 3:
            e["clause"] = draw(st.sampled_from([*_clauses(rules), "nope"]))
        if e["kind"] == "notice_given" and draw(st.integers(0, 4)) == 4:
            e["effective"] = draw(event_dates(start))  # a later date the notification names (or not later)
        if e["kind"] == "extended" and draw(st.booleans()):
            e["period"] = draw(st.sampled_from(["1 year", "5 years", "6 months", "0 days", "30 days"]))
        events.append(e)
    if start is not None:
        # a realistic start: signature and every party's notification on one day
        lead = [{"date": start.isoformat(), "kind": "signed"}] + [
            {"date": start.isoformat(), "kind": "notified", "party": p} for p in parties
        ]
        events = lead + events
    return {"schema": "treatylife/scenario/1", "title": "fuzz", "rules": rules, "events": events}


_PARTIES: dict[str, list[str]] = {}
_CLAUSES: dict[str, list[str]] = {}


def _parties(rules: str) -> list[str]:
    if rules not in _PARTIES:
        from treatylife.files.loader import load_rules

        r = load_rules(DATA / "rules" / f"{rules}.yaml")
        _PARTIES[rules] = r.party_codes()
        _CLAUSES[rules] = [c.id for c in r.exits]
    return _PARTIES[rules]


def _clauses(rules: str) -> list[str]:
    _parties(rules)
    return _CLAUSES[rules]


query_dates = st.lists(
    st.sampled_from(QUERY_DATES) | st.dates(min_value=dt.date(1980, 1, 1), max_value=dt.date(2100, 12, 31)),
    min_size=1,
    max_size=3,
)


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def dump(data: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


Target = Callable[..., None]


def users_of(name: str) -> list[str]:
    """The example files to load to exercise ``name`` (a rules file: the examples that use it)."""
    if name.startswith("examples/"):
        return [name]
    stem = Path(name).stem
    return [
        f"examples/{n}"
        for n in EXAMPLES
        if f"rules: ../rules/{stem}.yaml" in (DATA / "examples" / n).read_text(encoding="utf-8")
    ]


def exercise_mutation(project: Path, name: str, text: str, on: list[dt.date]) -> None:
    """Put a mutated copy of one bundled file in the scratch project, exercise it, then restore it."""
    target = project / name
    try:
        write(target, text)
        check_file(target)
        for user in users_of(name):
            exercise(project / user, on)
    finally:
        shutil.copyfile(DATA / name, target)
