"""Fast start-up: `treatylife status` answers from a JSON Record cache without typer, YAML, pydantic or
transitions, byte-for-byte as the full CLI does; the cache is keyed by file contents and never trusted blindly.

(Wall-time targets are checked by ``python benchmarks/run.py``, not by timed tests.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli import fastpath
from treatylife.cli.app import app
from treatylife.cli.cache import get_record, put_record
from treatylife.cli.codec import decode, encode
from treatylife.dates.scalar import Period
from treatylife.model.record import Record

HEAVY = ("typer", "yaml", "pydantic", "transitions", "numpy", "rich")
EXAMPLES = Path(tl.__file__).parent / "data" / "examples"
runner = CliRunner()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("TREATYLIFE_CACHE_DIR", str(d))
    monkeypatch.delenv("TREATYLIFE_NO_CACHE", raising=False)
    return d


def _modules_after(code: str, env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code + f"\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_import_treatylife_loads_no_heavy_module() -> None:
    assert _modules_after("import treatylife", dict(os.environ)) == []


def test_fast_path_loads_no_heavy_module(cache: Path) -> None:
    env = {**os.environ, "TREATYLIFE_CACHE_DIR": str(cache)}
    run = (
        "import io, sys, contextlib\n"
        "from treatylife.cli.fastpath import run\n"
        "with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO(), encoding='utf-8')):\n"
        "    code = run(['status', '--on', '2019-08-23'])\n"
        "print('CODE', code)\n"
    )
    first = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, env=env, check=True)
    assert "CODE 0" in first.stdout  # a miss: answered without typer, and the Record stored
    assert list((cache / "records").glob("*.json"))
    assert _modules_after(run, env) == []  # the hit: none of them
    second = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, env=env, check=True)
    assert "CODE 0" in second.stdout


#: what answering from a stored answer needs: the fast path, the cache, the probe, the clock and the date
#: parser; never the Record's or the results' classes (and so neither dataclasses nor typing), nor pathlib
ANSWER_HIT_ONLY = (
    "treatylife.model.record",
    "treatylife.answers.results",
    "treatylife.api",
    "dataclasses",
    "typing",
    "pathlib",
)


def test_a_repeated_question_is_answered_from_the_stored_answer(cache: Path) -> None:
    """The entry keeps the answers rendered from its own Record: the same question again loads no class of
    the Record or the results; another date decodes the Record, renders, and stores that answer too."""
    env = {**os.environ, "TREATYLIFE_CACHE_DIR": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def ask(on: str) -> subprocess.CompletedProcess[str]:
        code = (
            "import sys\n"
            "from treatylife.__main__ import main\n"
            f"sys.argv = ['treatylife', 'status', '--on', {on!r}]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
            f"print('MODULES', [m for m in {ANSWER_HIT_ONLY!r} if m in sys.modules])\n"
        )
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )

    full = {on: runner.invoke(app, ["status", "--on", on]).stdout for on in ("2019-08-23", "2019-11-23")}
    first = ask("2019-08-23")
    assert first.stdout.startswith(full["2019-08-23"])  # stored: Record and answer
    (entry,) = (cache / "records").glob("*.json")
    assert list(json.loads(entry.read_text())["answers"].values()) == [full["2019-08-23"].rstrip("\n")]
    hit = ask("2019-08-23")
    assert hit.stdout == full["2019-08-23"] + "MODULES []\n"
    other = ask("2019-11-23")  # a Record hit, an answer miss: rendered now, then stored beside the first
    assert other.stdout.startswith(full["2019-11-23"])
    assert "treatylife.model.record" in other.stdout.splitlines()[-1]
    assert len(json.loads(entry.read_text())["answers"]) == 2
    assert ask("2019-11-23").stdout == full["2019-11-23"] + "MODULES []\n"


def test_stored_answers_are_bounded(cache: Path) -> None:
    """One entry keeps at most MAX_ANSWERS answers, the newest; each still equals the full CLI's."""
    from treatylife.cli.cache import MAX_ANSWERS

    days = [dt.date(2019, 1, 1) + dt.timedelta(days=3 * i) for i in range(MAX_ANSWERS + 5)]
    out = _Utf8Out()
    for day in days:
        with contextlib.redirect_stdout(out):
            assert fastpath.run(["status", "--on", day.isoformat()]) == 0
        assert out.text() == runner.invoke(app, ["status", "--on", day.isoformat()]).stdout
    (entry,) = (cache / "records").glob("*.json")
    stored = json.loads(entry.read_text())["answers"]
    assert len(stored) == MAX_ANSWERS
    assert [json.loads(k)[-1] for k in stored] == [d.isoformat() for d in days[-MAX_ANSWERS:]]


class _Utf8Out:
    """A standard output that is not a terminal and encodes as UTF-8 (as a pipe does)."""

    def __init__(self) -> None:
        import io

        self.raw = io.BytesIO()
        self.stream = io.TextIOWrapper(self.raw, encoding="utf-8", write_through=True)

    def write(self, text: str) -> int:
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"

    def text(self) -> str:
        value = self.raw.getvalue().decode("utf-8")
        self.raw.seek(0)
        self.raw.truncate()
        return value


def test_a_cold_status_loads_no_typer(tmp_path: Path) -> None:
    """Without the cache (or on a miss) the fast path loads and replays the scenario without typer or rich."""
    env = {**os.environ, "TREATYLIFE_NO_CACHE": "1"}
    run = (
        "import io, contextlib\n"
        "from treatylife.cli.fastpath import run\n"
        "with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO(), encoding='utf-8')):\n"
        "    assert run(['status', '--on', '2019-08-23']) == 0\n"
    )
    assert _modules_after(run, env) == ["yaml", "pydantic", "transitions"]


CASES = [
    ["status", "--on", "2019-08-23"],
    ["status", "--on=2019-11-23", "--json"],
    ["deadline", "--on", "2019-08-01"],
    ["deadline", "--on", "2027-01-01", "--format", "json"],
    ["status", str(EXAMPLES / "whatif-no-suspension.yaml"), "--on", "2019-11-23", "--explain"],
    ["deadline", str(EXAMPLES / "whatif-late-notice.yaml"), "--on", "2019-09-01", "--explain"],
    ["status", str(EXAMPLES / "inf-record.yaml"), "--on", "2019-08-02", "--json"],
    ["status", str(EXAMPLES / "paris-record.yaml"), "--on", "2020-11-04"],
    ["status"],  # today (frozen)
]


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(a[:1] + [Path(x).name for x in a[1:]]) for a in CASES])
def test_fast_path_output_is_byte_identical(
    argv: list[str], cache: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    today = "--on" not in " ".join(argv)  # no --on: today's date, frozen around the answers only
    if today:
        assert fastpath.run(argv) == 0  # fills the cache (a Record is not built under a frozen clock)
    with freeze_time("2026-11-22") if today else contextlib.nullcontext():
        expected = runner.invoke(app, argv)
        assert expected.exit_code == 0
        capsysbinary.readouterr()
        assert fastpath.run(argv) == 0  # a miss: loaded, answered, stored (or, for today, a hit)
        cold = capsysbinary.readouterr().out
        assert get_record(_scenario(argv), tl.__version__) is not None
        assert fastpath.run(argv) == 0  # a hit
    assert cold == capsysbinary.readouterr().out == expected.stdout_bytes


def _scenario(argv: list[str]) -> str | None:
    req = fastpath.parse(argv)
    assert req is not None
    return req["scenario"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--on", "2019-13-01"],  # typer reports the bad date
        ["status", "--party", "KOR"],
        ["status", "a.yaml", "b.yaml"],
        ["timeline"],
        ["status", "--format", "markdown"],
        ["status", "--add", "2019-09-01 note"],
        [],
    ],
)
def test_other_forms_go_to_the_full_cli(argv: list[str]) -> None:
    assert fastpath.parse(argv) is None


def test_terminal_text_goes_to_the_full_cli(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert fastpath.run(["status", "--on", "2019-08-23"]) is None


def test_the_last_format_option_counts_as_in_typer() -> None:
    req = fastpath.parse(["status", "--format", "json", "--format", "text"])
    assert req is not None and req["fmt"] == "text"
    req = fastpath.parse(["status", "--format", "text", "--json"])
    assert req is not None and req["fmt"] == "json"


def test_a_changed_input_file_is_a_miss(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "proj"
    shutil.copytree(EXAMPLES.parent, proj)
    monkeypatch.chdir(proj)
    argv = ["deadline", "examples/gsomia-record.yaml", "--on", "2027-01-01", "--json"]
    assert fastpath.run(argv) == 0
    before = json.loads(capsys.readouterr().out)
    assert get_record("examples/gsomia-record.yaml", tl.__version__) is not None
    rules = proj / "rules" / "gsomia.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("notice: 90 days", "notice: 180 days"), "utf-8"
    )
    assert get_record("examples/gsomia-record.yaml", tl.__version__) is None  # rules changed: miss
    assert fastpath.run(argv) == 0  # reloaded and stored again
    after = json.loads(capsys.readouterr().out)
    assert get_record("examples/gsomia-record.yaml", tl.__version__) is not None
    assert after["deadline"] != before["deadline"]
    assert after == json.loads(runner.invoke(app, argv).stdout)


def test_a_damaged_cache_entry_is_a_miss(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["status", "--on", "2019-08-23"]
    assert fastpath.run(argv) == 0
    (entry,) = (cache / "records").glob("*.json")
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["record"]["spans"][0]["start"] = {"__class__": "os.system"}  # not a date: must not decode
    entry.write_text(json.dumps(data), encoding="utf-8")
    assert get_record(None, tl.__version__) is None
    entry.write_text("{not json", encoding="utf-8")
    assert get_record(None, tl.__version__) is None
    capsys.readouterr()
    assert fastpath.run(argv) == 0
    assert capsys.readouterr().out == runner.invoke(app, argv).stdout


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_record_round_trips_through_json(name: str) -> None:
    rec = tl.load(EXAMPLES / name)
    again = decode(Record, json.loads(json.dumps(encode(rec))))
    assert again == rec
    on = dt.date(2019, 11, 23)
    assert tl.status(again, on).to_dict() == tl.status(rec, on).to_dict()


class Color(enum.StrEnum):
    RED = "red"


@dataclass(frozen=True)
class Leaf:
    when: dt.date
    period: Period
    color: Color = Color.RED


@dataclass
class Tree:
    name: str
    leaves: list[Leaf]
    by_name: dict[str, Leaf]
    pairs: tuple[tuple[dt.date, dt.date], ...] = ()
    maybe: Leaf | None = None
    anything: dict[str, object] | None = None
    numbers: list[int] = field(default_factory=list)


def test_serialization_is_generic_over_dataclass_fields() -> None:
    """A field added later (any of these types) keeps working without touching the cache code."""
    leaf = Leaf(dt.date(2020, 2, 29), Period(1, "years"))
    t = Tree(
        "x", [leaf], {"a": leaf}, ((dt.date(2020, 1, 1), dt.date(2021, 1, 1)),), None, {"k": "v"}, [1, 2]
    )
    assert decode(Tree, json.loads(json.dumps(encode(t)))) == t
    with pytest.raises(KeyError):
        decode(Tree, {**encode(t), "extra": 1})


def test_a_record_that_cannot_round_trip_is_not_cached(cache: Path) -> None:
    from treatylife.engine.replay import replay
    from treatylife.files import probe

    with probe.recording() as observations:
        loaded = tl.load_files(None)
    rec = replay(loaded)
    args = (observations, dict(loaded.files), str(loaded.path))
    assert put_record(None, tl.__version__, rec, *args)  # as built: stored
    rec.warnings.append(object())  # type: ignore[arg-type]
    assert not put_record(None, tl.__version__, rec, *args)
    rec.warnings.pop()
    rec.other_parties = True  # type: ignore[assignment]  # == 1, but not the same value
    assert not put_record(None, tl.__version__, rec, *args)


def test_console_entry_point_fills_then_hits(cache: Path) -> None:
    env = {**os.environ, "TREATYLIFE_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "treatylife", "status", "--on", "2019-08-23", "--json"]
    slow = subprocess.run(cmd, capture_output=True, env={**env, "TREATYLIFE_NO_CACHE": "1"}, check=True)
    first = subprocess.run(cmd, capture_output=True, env=env, check=True)
    second = subprocess.run(cmd, capture_output=True, env=env, check=True)
    assert slow.stdout == first.stdout == second.stdout
    assert json.loads(second.stdout)["in_force"] is True


def test_changed_engine_code_is_a_miss(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editable install changes code without changing the version: a Record built by other code is not reused."""
    import treatylife.cli.cache as c

    assert fastpath.run(["status", "--on", "2019-08-23", "--json"]) == 0
    assert get_record(None, tl.__version__) is not None
    monkeypatch.setattr(c, "_code_fingerprint", lambda: "other-code")
    assert get_record(None, tl.__version__) is None


def test_the_code_fingerprint_covers_every_subpackage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module in any subpackage (or a new one) changes the fingerprint, not only top-level modules."""
    import treatylife.cli.cache as c

    package = tmp_path / "treatylife"
    shutil.copytree(Path(tl.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__", "data"))
    fake = package / "cli" / "cache.py"
    monkeypatch.setattr(c, "__file__", str(fake))
    monkeypatch.setattr(c, "_FINGERPRINT", [])
    before = c._code_fingerprint()
    for module in ("engine/replay.py", "answers/query.py", "dates/scalar.py", "render/text.py"):
        monkeypatch.setattr(c, "_FINGERPRINT", [])
        (package / module).write_text((package / module).read_text(encoding="utf-8") + "\n# x\n", "utf-8")
        after = c._code_fingerprint()
        assert after != before, module
        before = after
    monkeypatch.setattr(c, "_FINGERPRINT", [])
    (package / "engine" / "new").mkdir()
    (package / "engine" / "new" / "__init__.py").write_text("", "utf-8")
    assert c._code_fingerprint() != before


def test_the_fast_path_knows_every_option_of_the_commands_it_answers() -> None:
    """The hand parser mirrors the typer commands: an option added to status/deadline (or an environment
    variable behind one) must be taught to the fast path (treatylife.cli.fastpath.parse) or refused by it."""
    import typer

    group = typer.main.get_command(app)
    known = [
        ("scenario", ["scenario"], None, False, False),
        ("on", ["--on"], None, False, False),
        ("as_json", ["--json"], False, True, False),
        ("explain", ["--explain"], False, True, False),
        ("fmt", ["--format"], "text", False, False),
        ("add", ["--add"], None, False, True),  # these three and --party: not parsed, so the full CLI
        ("remove", ["--remove"], None, False, True),
        ("set_", ["--set"], None, False, True),
        ("party", ["--party"], None, False, False),
    ]
    for name in fastpath.COMMANDS:
        params = group.commands[name].params  # type: ignore[attr-defined]
        got = [(p.name, p.opts, p.default, bool(getattr(p, "is_flag", False)), p.multiple) for p in params]
        assert got == known, name
        assert all(p.envvar is None for p in params), name
    for p in group.params:
        envvars = [p.envvar] if isinstance(p.envvar, str) else list(p.envvar or [])
        assert all("TREATYLIFE" in e.upper() for e in envvars), p.name  # the fast path hands those over


def test_ctrl_c_during_the_fast_path_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C while the fast path reads or answers ends as it does in the full CLI: exit 130, nothing else."""
    import treatylife.__main__ as entry

    def interrupted(argv: list[str]) -> int | None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fastpath, "run", interrupted)
    monkeypatch.setattr(sys, "argv", ["treatylife", "status"])
    with pytest.raises(SystemExit) as exc:
        entry.main()
    assert exc.value.code == 130
    assert capsys.readouterr().err == ""
