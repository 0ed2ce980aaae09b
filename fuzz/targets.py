"""What the fuzzers feed treatylife, and the one property they check.

The property: every input ends in an answer or a :class:`~treatylife.TreatyLifeError`. Any other exception
(or a segfault, or a hang) is a crash. ``tests/test_fuzz.py`` runs these generators with a few hundred
examples in the normal test run; ``fuzz/run.py`` runs them for minutes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import shutil
from collections.abc import Callable, Sequence
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


class Pick:
    """The choices a generator makes, so that one generator serves two drivers: hypothesis in the test suite
    (``HypothesisPick``: shrinking, a failing example replayed) and a plain seeded ``random.Random`` in the
    long run (``RandomPick``: no engine per input, about three times as many inputs a minute)."""

    def one(self, seq: Sequence[Any]) -> Any:
        raise NotImplementedError

    def integer(self, low: int, high: int) -> int:
        raise NotImplementedError

    def text(self, max_size: int) -> str:
        raise NotImplementedError

    def boolean(self) -> bool:
        return self.integer(0, 1) == 1


class HypothesisPick(Pick):
    def __init__(self, draw: Any) -> None:
        self.draw = draw

    def one(self, seq: Sequence[Any]) -> Any:
        return self.draw(st.sampled_from(seq))

    def integer(self, low: int, high: int) -> int:
        return int(self.draw(st.integers(low, high)))

    def text(self, max_size: int) -> str:
        return str(self.draw(st.text(max_size=max_size)))


#: Code points the plain driver draws text from: ASCII (controls included), Latin-1, the line and format
#: characters that trip line counting (NEL, U+2028/9, BOM), a CJK and an astral block; never a surrogate
#: (hypothesis's ``st.text`` draws none either; the ``bytes`` target feeds invalid UTF-8).
_RANGES = [(0, 0x7F), (0x80, 0xFF), (0x2000, 0x206F), (0xFEFF, 0xFEFF), (0x4E00, 0x4E40), (0x1F600, 0x1F640)]


class RandomPick(Pick):
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def one(self, seq: Sequence[Any]) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def text(self, max_size: int) -> str:
        rng = self.rng
        out = []
        for _ in range(rng.randint(0, max_size)):
            lo, hi = _RANGES[0] if rng.random() < 0.6 else rng.choice(_RANGES)
            out.append(chr(rng.randint(lo, hi)))
        return "".join(out)


def yamlish_from(p: Pick) -> str:
    """Text made of YAML and treatylife tokens, in any order (mostly invalid, sometimes not)."""
    return "".join(p.one(TOKENS) if p.integer(0, 3) else p.text(6) for _ in range(p.integer(0, 60)))


@st.composite
def yamlish_text(draw: Any) -> str:
    return yamlish_from(HypothesisPick(draw))


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


def mutated_from(p: Pick) -> tuple[str, str]:
    """A bundled rules or example file with a few lines deleted, duplicated, swapped or re-valued."""
    name = p.one(SEED_FILES)
    lines = (DATA / name).read_text(encoding="utf-8").splitlines(keepends=True)
    for _ in range(p.integer(1, 4)):
        if not lines:
            break
        i = p.integer(0, len(lines) - 1)
        op = p.one(["value", "value", "value", "delete", "dup", "swap", "indent", "cut", "chars"])
        line = lines[i]
        if op == "value" and ":" in line:
            key, _, _ = line.partition(":")
            lines[i] = f"{key}: {p.one(SCALARS)}\n"
        elif op == "value" and line.lstrip().startswith("- "):
            lines[i] = line[: len(line) - len(line.lstrip())] + f"- {p.one(SCALARS)}\n"
        elif op == "delete":
            del lines[i]
        elif op == "dup":
            lines.insert(i, line)
        elif op == "swap":
            j = p.integer(0, len(lines) - 1)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = p.one(["", " ", "  ", "    ", "\t"]) + line.lstrip(" ")
        elif op == "cut":
            lines = [*lines[:i], line[: p.integer(0, len(line))]]
        elif op == "chars":
            k = p.integer(0, len(line))
            lines[i] = line[:k] + p.text(4) + line[k:]
    return name, "".join(lines)


@st.composite
def mutated_file(draw: Any) -> tuple[str, str]:
    return mutated_from(HypothesisPick(draw))


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


def event_date_from(p: Pick, start: dt.date | None = None) -> str:
    """Mostly days after ``start`` (up to 60 years), sometimes a calendar extreme or a day before it."""
    if p.integer(0, 19) == 19:
        return p.one(["0001-01-01", "9999-12-31", "9999-06-01", "2020-02-29", "2000-02-29"])
    base = (start or dt.date(1990, 1, 1)).toordinal()
    low = -400 if start is not None and p.integer(0, 9) == 9 else 0
    day = min(max(1, base + p.integer(low, 60 * 366)), dt.date(9999, 12, 31).toordinal())
    return dt.date.fromordinal(day).isoformat()


def scenario_from(p: Pick) -> dict[str, Any]:
    """A scenario dict: a bundled rules file and random events (kinds, parties, notices, periods)."""
    rules = p.one(RULES)
    parties = _parties(rules)
    ids = ["n1", "n2", "n3"]
    events = []
    realistic = p.integer(0, 3) > 0
    start = dt.date.fromisoformat(event_date_from(p)) if realistic else None
    for _ in range(p.integer(0, 14)):
        kinds = IN_FORCE_KINDS if realistic and p.integer(0, 3) else KINDS
        e: dict[str, Any] = {"date": event_date_from(p, start), "kind": p.one(kinds)}
        if p.integer(0, 3) > 0:
            e["party"] = p.one(parties) if p.integer(0, 19) < 19 else "XXX"
        if e["kind"] == "notice_given" and p.boolean():
            e["id"] = p.one(ids)
        if e["kind"] in ("notice_withdrawn", "notice_suspended") and p.boolean():
            e["notice"] = p.one(ids)
        if e["kind"] == "notice_given" and p.integer(0, 3) == 3:
            e["clause"] = p.one([*_clauses(rules), "nope"])
        if e["kind"] == "notice_given" and p.integer(0, 4) == 4:
            e["effective"] = event_date_from(p, start)  # a later date the notification names (or not later)
        if e["kind"] == "extended" and p.boolean():
            e["period"] = p.one(["1 year", "5 years", "6 months", "0 days", "30 days"])
        events.append(e)
    if start is not None:
        # a realistic start: signature and every party's notification on one day
        lead = [{"date": start.isoformat(), "kind": "signed"}] + [
            {"date": start.isoformat(), "kind": "notified", "party": code} for code in parties
        ]
        events = lead + events
    return {"schema": "treatylife/scenario/1", "title": "fuzz", "rules": rules, "events": events}


@st.composite
def event_dates(draw: Any, start: dt.date | None = None) -> str:
    return event_date_from(HypothesisPick(draw), start)


@st.composite
def random_scenario(draw: Any) -> dict[str, Any]:
    return scenario_from(HypothesisPick(draw))


def random_query_dates(p: Pick) -> list[dt.date]:
    """``query_dates`` for the plain driver: one to three, from the awkward list or 1980-2100."""
    lo, hi = dt.date(1980, 1, 1).toordinal(), dt.date(2100, 12, 31).toordinal()
    return [
        p.one(QUERY_DATES) if p.boolean() else dt.date.fromordinal(p.integer(lo, hi))
        for _ in range(p.integer(1, 3))
    ]


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


# ---------------------------------------------------------------------------- cache on == cache off


@dataclass(frozen=True)
class Answer:
    """What a user sees of one command: exit code, standard output and standard error, as bytes."""

    code: int
    out: bytes
    err: bytes

    def show(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out!r}\n--- stderr\n{self.err!r}"


def run_cli(
    argv: list[str], env: dict[str, str | None], *, full: bool = False, encoding: str = "utf-8"
) -> Answer:
    """Run the real console entry (``treatylife.__main__.main``: fast path, then the typer CLI) in this
    process, or with ``full`` the typer CLI alone, with ``env`` changed (None removes a variable) and a
    standard output and error that are not terminals and encode as ``encoding`` (as PYTHONIOENCODING does)."""
    import io
    import sys

    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding=encoding, errors="strict", write_through=True)
    stderr = io.TextIOWrapper(err, encoding=encoding, errors="backslashreplace", write_through=True)
    saved = (sys.argv, sys.stdout, sys.stderr)
    saved_env = {k: os.environ.get(k) for k in env}
    sys.argv = ["treatylife", *argv]
    sys.stdout, sys.stderr = stdout, stderr
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    code: Any = 0
    try:
        if full:
            from treatylife.cli.app import main as entry
        else:
            from treatylife.__main__ import main as entry
        entry()
    except SystemExit as exc:
        code = exc.code
    finally:
        for stream in (stdout, stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        sys.argv, sys.stdout, sys.stderr = saved
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if code is None:
        code = 0
    elif not isinstance(code, int):  # as the interpreter does with sys.exit("message")
        err.write(f"{code}\n".encode(encoding, "backslashreplace"))
        code = 1
    return Answer(code, out.getvalue(), err.getvalue())


class CacheWorld:
    """A scratch project, a cache directory and a random walk over the changes that must not fool the cache:
    files edited, symbolic links repointed, the project root moved (a ``rules/`` folder, ``pyproject.toml`` or
    ``.git`` appearing or vanishing between a file and its root), FIFOs and devices planted as inputs or as
    cache entries, cache entries damaged, forged, nested deeply or made writable by others, the working
    directory changed. After each change a query runs with the cache (twice: the second is a hit whenever an
    entry could be stored) and without it through the full typer CLI; any difference is a failure."""

    SCENARIOS = ("a.yaml", "b.yaml", "link.yaml", "whatif.yaml", "sub/deep/c.yaml")
    RULES_LINK = "rules/current.yaml"

    def __init__(self, root: Path, rng: Any) -> None:
        self.rng = rng
        self.root = root
        self.proj = root / "proj"
        self.cache = root / "cache"
        scratch_project(self.proj)
        (self.proj / "sub" / "deep").mkdir(parents=True, exist_ok=True)
        self.rules = sorted(p.name for p in (self.proj / "rules").glob("*.yaml"))
        os.symlink("gsomia.yaml", self.proj / self.RULES_LINK)
        for name in self.SCENARIOS:
            self.edit(name)
        self.cwd = self.proj
        self.tried = 0

    # -- changes

    def _scenario_text(self, name: str) -> str:
        rng = self.rng
        rules_ref = "../rules/" if "/" not in name else "../../rules/"
        if name == "whatif.yaml":
            base = rng.choice(["a.yaml", "b.yaml", "link.yaml", "examples/gsomia-record.yaml"])
            lines = [f"title: what if {rng.randrange(100)}", f"based_on: {base}"]
            if rng.random() < 0.5:
                lines += ["remove:", "  - kind: notice_suspended"]
            if rng.random() < 0.3:
                lines += [
                    "add:",
                    f"  - {{date: 2019-0{rng.randint(1, 9)}-01, kind: notice_given, party: JPN}}",
                ]
            return "\n".join(lines) + "\n"
        rules = rng.choice(
            ["current", "current", "current", "gsomia", "gsomia", *[r[:-5] for r in self.rules]]
        )
        ref = rules if rng.random() < 0.3 and rules != "current" else f"{rules_ref}{rules}.yaml"
        src = (DATA / "examples" / "gsomia-record.yaml").read_text(encoding="utf-8")
        lines = src.splitlines()
        out = []
        for line in lines:
            if line.startswith("rules:"):
                line = f"rules: {ref}"
            elif line.startswith("title:") and rng.random() < 0.3:
                line = "title: " + rng.choice(
                    ['"plain"', '"caf\\u00e9 \\u2013 dash"', '"\\e[31mred\\e[0m"', '"[/bold] [link=x]y[/link]"',
                     '"two\\nlines"', '"\\u0000nul"', "'x: y'"]
                )  # fmt: skip
            elif "2019-08-23" in line and rng.random() < 0.3:
                line = line.replace("2019-08-23", f"2019-0{rng.randint(1, 9)}-2{rng.randint(0, 8)}")
            out.append(line)
        if rng.random() < 0.1:
            k = rng.randrange(len(out))
            del out[k]  # often invalid: the error must be the same too
        return "\n".join(out) + "\n"

    def edit(self, name: str) -> None:
        path = self.proj / "examples" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name == "link.yaml":
            target = self.rng.choice(
                ["a.yaml", "b.yaml", "gsomia-record.yaml", "paris-record.yaml", "nowhere"]
            )
            self._relink(path, target)
            return
        if path.is_symlink() or (path.exists() and not path.is_file()):
            os.unlink(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self._scenario_text(name), encoding="utf-8")
        os.replace(tmp, path)

    @staticmethod
    def _relink(path: Path, target: str) -> None:
        tmp = path.with_name(path.name + ".new")
        if tmp.is_symlink() or tmp.exists():
            os.unlink(tmp)
        os.symlink(target, tmp)
        os.replace(tmp, path)  # atomically repointed

    def change(self) -> str:
        """One random change; returns what it did (for the failure report)."""
        import shutil as sh

        rng = self.rng
        r = rng.randrange(20)
        ex = self.proj / "examples"
        if r >= 16:
            return self.heal()
        if r <= 3:
            name = rng.choice(self.SCENARIOS)
            self.edit(name)
            return f"edit {name}"
        if r == 4:
            target = rng.choice([*self.rules, "nowhere.yaml", "gsomia.yaml", "gsomia.yaml", "gsomia.yaml"])
            self._relink(self.proj / self.RULES_LINK, target)
            return f"rules/current.yaml -> {target}"
        if r == 5:
            rules = self.proj / "rules" / rng.choice([r for r in self.rules if r != "current.yaml"])
            text = rules.read_text(encoding="utf-8")
            days = rng.choice(["30", "90", "120", "180", "365"])
            import re as _re

            rules.write_text(_re.sub(r"notice: \d+ days", f"notice: {days} days", text), encoding="utf-8")
            return f"{rules.name}: notice {days} days"
        if r == 6:
            where = rng.choice([ex, ex / "sub", ex / "sub" / "deep", self.proj / "sub"])
            marker = where / rng.choice(["rules", "pyproject.toml", ".git"])
            if marker.is_dir() and not marker.is_symlink():
                sh.rmtree(marker)
                return f"removed {marker.relative_to(self.root)}"
            if marker.exists() or marker.is_symlink():
                marker.unlink()
                return f"removed {marker.relative_to(self.root)}"
            where.mkdir(parents=True, exist_ok=True)
            if marker.name == "pyproject.toml":
                marker.write_text("[project]\n", encoding="utf-8")
            else:
                marker.mkdir()
            return f"created {marker.relative_to(self.root)}"
        if r == 7:
            name = rng.choice(self.SCENARIOS)
            path = ex / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink() or path.exists():
                path.unlink()
            if rng.random() < 0.5:
                os.mkfifo(path)
                return f"{name} is a FIFO"
            os.symlink("/dev/zero", path)
            return f"{name} -> /dev/zero"
        if r == 8:
            self.cwd = rng.choice([self.proj, ex, self.root, ex / "sub"])
            return f"cd {self.cwd.relative_to(self.root.parent)}"
        records = self.cache / "records"
        entries = (
            sorted(e for e in records.glob("*.json") if e.is_file() and not e.is_symlink())
            if records.is_dir()
            else []
        )
        if r == 9 and entries:
            e = rng.choice(entries)
            data = e.read_bytes()
            cut = rng.randrange(len(data) + 1)
            e.write_bytes(data[:cut] + rng.choice([b"", b"x", b"{", b"\xff"]))
            return f"truncated entry at {cut}"
        if r == 10 and entries:
            e = rng.choice(entries)
            depth = rng.choice([50, 5000, 100000])
            e.write_text("[" * depth + "]" * depth, encoding="ascii")
            return f"entry nested {depth} deep"
        if r == 11 and entries:
            e = rng.choice(entries)
            e.unlink()
            if rng.random() < 0.5:
                os.mkfifo(e)
                return "entry is a FIFO"
            os.symlink("/dev/zero", e)
            return "entry -> /dev/zero"
        if r == 12 and len(entries) >= 2:
            a, b = rng.sample(entries, 2)
            sh.copyfile(a, b)  # another scenario's entry, under this one's name
            return "entry copied over another"
        if r == 13 and entries:
            e = rng.choice(entries)
            try:
                entry = json.loads(e.read_bytes())
            except (ValueError, RecursionError):
                return "entry not JSON (left as is)"
            if not isinstance(entry, dict):
                return "entry not an object (left as is)"
            obs = entry.get("observations") or []
            entry["observations"] = [o for o in obs if o[0] != "read" or rng.random() < 0.5] or obs
            if rng.random() < 0.5 and isinstance(entry.get("record"), dict):
                entry["record"]["title"] = "forged"
            e.write_text(json.dumps(entry), encoding="utf-8")
            return "entry forged"
        if r == 14 and self.cache.is_dir():
            target = rng.choice([self.cache, records]) if records.is_dir() else self.cache
            mode = rng.choice([0o777, 0o775, 0o757, 0o700, 0o700])
            os.chmod(target, mode)
            return f"chmod {mode:o} {target.name}"
        if r == 15 and entries:
            e = rng.choice(entries)
            os.chmod(e, rng.choice([0o666, 0o644, 0o600, 0o620]))
            return "chmod entry"
        if self.cache.is_dir():
            for p in (self.cache, records):
                if p.is_dir():
                    os.chmod(p, 0o700)
            return "cache dir made private again"
        return "nothing"

    def heal(self) -> str:
        """Back to a state where entries can be stored and used (else most of a walk would be errors)."""
        import shutil as sh

        for p in (self.cache, self.cache / "records"):
            if p.is_dir():
                os.chmod(p, 0o700)
        ex = self.proj / "examples"
        for where in (ex, ex / "sub", ex / "sub" / "deep", self.proj / "sub"):
            for marker in ("rules", "pyproject.toml", ".git"):
                m = where / marker
                if m.is_dir() and not m.is_symlink():
                    sh.rmtree(m)
                elif m.exists() or m.is_symlink():
                    m.unlink()
        self._relink(self.proj / self.RULES_LINK, "gsomia.yaml")
        for name in self.SCENARIOS:
            path = ex / name
            if not path.is_file() or self.rng.random() < 0.2:
                self.edit(name)
        return "healed"

    # -- a query, three ways

    def argv(self) -> list[str]:
        rng = self.rng
        argv = [rng.choice(["status", "deadline"])]
        name = rng.choice([*self.SCENARIOS, None, "examples/gsomia-record.yaml"])
        if name is not None:
            target = self.proj / "examples" / name if not name.startswith("examples/") else self.proj / name
            argv.append(str(target) if rng.random() < 0.5 else os.path.relpath(target, self.cwd))
        on = rng.choice(["2019-08-23", "2019-11-23", "2020-01-01", "2016-01-01", "2030-02-28", "2019-08-23"])
        if rng.random() < 0.15:  # the CLI's date grammar, and near misses of it
            on = rng.choice(["today", "TODAY", "+90d", "-2w", "+6m", "2019-W34-5", "20190823", " 2019-08-23 ",
                             "2019-02-30", "2019-08", "90d", "+999999y", "", "--json"])  # fmt: skip
        argv += [f"--on={on}"] if rng.random() < 0.2 else ["--on", on]
        fmt = rng.random()
        if fmt < 0.3:
            argv.append("--json")
        elif fmt < 0.5:
            argv += ["--format", rng.choice(["json", "text", "markdown"])]
        if rng.random() < 0.3:
            argv.append("--explain")
        return argv

    def query(self) -> str:
        """Ask one question with and without the cache; raise AssertionError on any difference."""
        rng = self.rng
        argv = self.argv()
        extra: dict[str, str | None] = {}
        if rng.random() < 0.1:
            extra[rng.choice(["NO_COLOR", "COLUMNS", "TREATYLIFE_TODAY", "FORCE_COLOR"])] = "1"
        encoding = "utf-8" if rng.random() < 0.85 else rng.choice(["ascii", "latin-1"])
        cached = {"TREATYLIFE_CACHE_DIR": str(self.cache), "TREATYLIFE_NO_CACHE": None, **extra}
        plain = {"TREATYLIFE_NO_CACHE": "1", "TREATYLIFE_CACHE_DIR": None, **extra}
        old = os.getcwd()
        os.chdir(self.cwd)
        try:
            first = run_cli(argv, cached, encoding=encoding)
            second = run_cli(argv, cached, encoding=encoding)
            reference = run_cli(argv, plain, full=True, encoding=encoding)
            no_cache = run_cli(argv, plain, encoding=encoding) if rng.random() < 0.3 else reference
        finally:
            os.chdir(old)
        self.tried += 1
        for what, got in (("first run with the cache", first), ("second run with the cache", second),
                          ("TREATYLIFE_NO_CACHE=1", no_cache)):  # fmt: skip
            if got != reference:
                raise AssertionError(
                    f"cache on != cache off: {' '.join(argv)} (in {self.cwd}, {encoding}, {extra})\n"
                    f"{what}:\n{got.show()}\nfull CLI without the cache:\n{reference.show()}"
                )
        return " ".join(argv)


def cache_walk(root: Path, rng: Any, steps: int, log: Callable[[str], None] | None = None) -> int:
    """``steps`` random changes, each followed by a query compared with and without the cache."""
    world = CacheWorld(root, rng)
    for _ in range(steps):
        what = world.change()
        asked = world.query()
        if log is not None:
            log(f"{what}; {asked}")
    return world.tried
