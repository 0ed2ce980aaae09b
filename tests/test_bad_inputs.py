"""Hostile and broken input ends in one clear error, never a traceback, and nothing is written.

The corpus is ``tests/bad/``; ``tests/bad/EXPECTED.yaml`` says which error each file must give (code, line,
field). Inputs too large to commit (a 50 MB file, 10,001 events, a chain of 17 what-ifs, a FIFO, a
symlink out of the project) are generated in ``tmp_path``. The error contract is docs/errors.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app
from treatylife.dates import scalar as D
from treatylife.errors import TreatyLifeError
from treatylife.files.loader import MAX_EVENTS, MAX_FILE_BYTES, MAX_WHATIF_DEPTH

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((BAD / "EXPECTED.yaml").read_text(encoding="utf-8"))
CORPUS = sorted(p.name for p in BAD.glob("*.yaml") if p.name != "EXPECTED.yaml")
EXE = Path(sys.executable).parent / "treatylife"
runner = CliRunner()


def _files() -> list[Path]:
    """Every file a run could touch: the corpus, the bundled rules and examples."""
    found = []
    for base in (BAD, ROOT / "src" / "treatylife" / "data"):
        found += [p for p in sorted(base.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    return found


def _checksums() -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in _files()}


def _stats() -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in _files()}


@pytest.fixture(scope="module", autouse=True)
def _sha256_unchanged() -> Iterator[None]:
    """sha256 of every file before this module's tests and after them all: nothing was written."""
    before = _checksums()
    yield
    assert _checksums() == before


@pytest.fixture(autouse=True)
def _fast_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """typer rebuilds the click command on every CliRunner.invoke (~50 ms); build it once."""
    import typer.main
    import typer.testing

    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: _COMMAND)


_COMMAND = __import__("typer").main.get_command(app)


@pytest.fixture
def untouched(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run from the project root; assert afterwards that no file was changed, added or removed."""
    monkeypatch.chdir(ROOT)
    before = _stats()
    yield
    assert _stats() == before


def _command(name: str) -> list[str]:
    e = EXPECTED[name]
    path = f"tests/bad/{name}"
    return ["check", path] if e.get("command") == "check" else ["status", path, "--on", "2030-01-01"]


def _named_file(name: str) -> str:
    e = EXPECTED[name]
    if "file" not in e:
        return f"tests/bad/{name}"
    return e["file"] if (ROOT / e["file"]).exists() else f"tests/bad/{e['file']}"


def _assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text
        assert 'File "' not in text


# ---------------------------------------------------------------------------- the corpus


def test_corpus_is_large_and_every_file_has_an_expected_error() -> None:
    assert len(CORPUS) >= 40
    assert sorted(EXPECTED) == CORPUS
    codes = {e["code"] for e in EXPECTED.values()}
    # every family of the contract is exercised
    assert {c[:3] for c in codes} >= {"TL1", "TL2", "TL3", "TL4", "TL5"}


@pytest.mark.parametrize("name", CORPUS)
def test_bad_file_text(name: str, untouched: None) -> None:
    e = EXPECTED[name]
    result = runner.invoke(app, _command(name))
    out, err = result.stdout, result.stderr
    _assert_no_traceback(out, err)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2, out + err
    where = _named_file(name) + (f":{e['line']}" if e["line"] is not None else "")
    if e.get("command") == "check":
        assert out.startswith(f"FAIL  {where}: ")
        assert f"[{e['code']}]" in out.splitlines()[0]
        message = out.splitlines()[0]
    else:
        assert out == ""
        lines = err.splitlines()
        assert len(lines) == 1, err  # one line, whatever went wrong
        message = lines[0]
        assert message.startswith(f"error [{e['code']}]: {where}: ")
    if "field" in e:
        assert f" {e['field']}: " in message


@pytest.mark.parametrize("name", CORPUS)
def test_bad_file_json(name: str, untouched: None) -> None:
    e = EXPECTED[name]
    result = runner.invoke(app, [*_command(name), "--json"])
    _assert_no_traceback(result.stdout, result.stderr)
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    error = data["files"][0]["error"] if e.get("command") == "check" else data["error"]
    assert set(error) == {"code", "message", "file", "line", "field", "hint"}
    assert (error["code"], error["line"], error["file"]) == (e["code"], e["line"], _named_file(name))
    assert error["field"] == e.get("field")
    assert "\n" not in error["message"]


def test_every_bad_file_through_the_console_script_at_once(untouched: None) -> None:
    """A real process (no CliRunner) checks the whole corpus: each file gets its code, none crashes."""
    files = [f"tests/bad/{n}" for n in CORPUS]
    proc = subprocess.run(
        [str(EXE), "check", "--json", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == ""
    got = {Path(f["file"]).name: f for f in json.loads(proc.stdout)["files"]}
    assert sorted(got) == CORPUS
    for name, f in got.items():
        e = {**EXPECTED[name], **EXPECTED[name].get("check", {})}
        assert not f["ok"]
        assert (name, f["error"]["code"], f["error"]["line"]) == (name, e["code"], e["line"])


@pytest.mark.parametrize("name", ["python-object-apply.yaml", "deep-nesting.yaml"])
def test_hostile_files_in_a_subprocess(name: str, untouched: None) -> None:
    """Object tags run nothing, deep nesting does not crash libyaml, aliases do not eat the memory."""
    marker = Path("/tmp/treatylife-pwned")
    marker.unlink(missing_ok=True)
    proc = subprocess.run(
        [str(EXE), *_command(name)], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"error [{EXPECTED[name]['code']}]: tests/bad/{name}")
    _assert_no_traceback(proc.stderr)
    assert not marker.exists()


def test_norway_stays_norway() -> None:
    """YAML 1.1 would read the party code NO as false; the message must name 'NO'."""
    with pytest.raises(TreatyLifeError) as info:
        tl.load(BAD / "norway-is-not-false.yaml")
    assert "'NO' is not a party" in info.value.message
    err = tl.check([BAD / "rules-duplicate-party.yaml"]).files[0].error
    assert err is not None and "repeated: NO" in str(err["message"])


def test_hints_point_to_the_fix() -> None:
    def hint(name: str) -> str | None:
        try:
            tl.load(BAD / name)
        except TreatyLifeError as exc:
            return exc.hint
        raise AssertionError(f"{name} loaded")

    assert hint("unknown-event-kind.yaml") == "did you mean 'signed'?"
    assert hint("unknown-event-field.yaml") == "unknown field; did you mean 'party'?"
    assert hint("unknown-top-field.yaml") == "unknown field; did you mean 'events'?"
    assert hint("impossible-date.yaml") == "dates are written YYYY-MM-DD and must exist"
    assert hint("date-as-number.yaml") == "dates are written YYYY-MM-DD and must exist"
    assert "possible now: " in (hint("notice-before-entry-into-force.yaml") or "")
    rules_error = tl.check([BAD / "rules-bad-convention.yaml"]).files[0].error
    assert rules_error is not None and rules_error["hint"] == "did you mean 'clear_days'?"
    rules_error = tl.check([BAD / "rules-unknown-eif-kind.yaml"]).files[0].error
    assert rules_error is not None and rules_error["hint"] == "did you mean 'on_signature'?"


# ---------------------------------------------------------------------------- generated at test time


def _scenario(events: str, rules: str = "gsomia") -> str:
    return f"schema: treatylife/scenario/1\ntitle: generated\nrules: {rules}\nevents:\n{events}"


def _cli_error(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    _assert_no_traceback(result.stdout, result.stderr)
    assert result.exit_code == 2, result.stdout
    return json.loads(result.stdout)["error"]  # type: ignore[no-any-return]


def test_fifty_megabyte_file_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.write(_scenario("  - date: 2016-11-23\n    kind: signed\n").encode())
        fh.write(b"# padding padding padding padding padding padding padding padding padding\n" * 700_000)
    assert big.stat().st_size > 50_000_000
    before = hashlib.sha256(big.read_bytes()).hexdigest()
    err = _cli_error(["status", str(big), "--on", "2020-01-01"])
    assert err["code"] == "TL102" and err["file"] == str(big)
    assert f"the limit is {MAX_FILE_BYTES:,}" in err["message"]
    assert hashlib.sha256(big.read_bytes()).hexdigest() == before


def test_too_many_events(tmp_path: Path) -> None:
    f = tmp_path / "many.yaml"
    f.write_text(_scenario("  - date: 2016-11-23\n    kind: note\n" * (MAX_EVENTS + 1)), encoding="utf-8")
    err = _cli_error(["status", str(f), "--on", "2020-01-01"])
    assert err["code"] == "TL307"
    assert f"{MAX_EVENTS + 1:,} events; the limit is {MAX_EVENTS:,}" == err["message"]


def test_whatif_chain_too_deep(tmp_path: Path) -> None:
    (tmp_path / "w0.yaml").write_text(_scenario("  - date: 2016-11-23\n    kind: note\n"), encoding="utf-8")
    for i in range(1, MAX_WHATIF_DEPTH + 2):
        (tmp_path / f"w{i}.yaml").write_text(
            f"title: w{i}\nbased_on: w{i - 1}.yaml\nadd:\n  - date: 2017-01-0{1 + i % 9}\n    kind: note\n",
            encoding="utf-8",
        )
    assert tl.load(tmp_path / f"w{MAX_WHATIF_DEPTH}.yaml") is not None
    err = _cli_error(["status", str(tmp_path / f"w{MAX_WHATIF_DEPTH + 1}.yaml"), "--on", "2020-01-01"])
    assert err["code"] == "TL304"


def test_symlink_out_of_the_project(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()  # makes tmp_path the project root
    (tmp_path / "rules" / "gsomia.yaml").symlink_to("/etc/passwd")
    f = tmp_path / "s.yaml"
    f.write_text(_scenario("  - date: 2016-11-23\n    kind: note\n", "rules/gsomia.yaml"), encoding="utf-8")
    err = _cli_error(["status", str(f), "--on", "2020-01-01"])
    assert (err["code"], err["line"], err["field"]) == ("TL301", 3, "rules")


@pytest.mark.parametrize("what", ["directory", "fifo", "missing", "device", "name-too-long"])
def test_not_a_readable_file(what: str, tmp_path: Path) -> None:
    target = {
        "directory": tmp_path,
        "fifo": tmp_path / "pipe.yaml",
        "missing": tmp_path / "nope.yaml",
        "device": Path("/dev/zero"),
        "name-too-long": tmp_path.joinpath(*["b" * 200] * 30, "s.yaml"),
    }[what]
    if what == "fifo":
        os.mkfifo(target)  # reading it would block forever
    err = _cli_error(["status", str(target), "--on", "2020-01-01"])
    codes = {
        "directory": "TL101",
        "fifo": "TL101",
        "missing": "TL103",
        "device": "TL101",
        "name-too-long": "TL105",
    }
    assert err["code"] == codes[what]
    assert err["file"] == str(target)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    f = tmp_path / "locked.yaml"
    f.write_text(_scenario(""), encoding="utf-8")
    f.chmod(0)
    try:
        assert _cli_error(["status", str(f)])["code"] == "TL104"
    finally:
        f.chmod(0o600)


# ---------------------------------------------------------------------------- the command line itself


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["status", "--on", "2019-02-30"], "TL001", "Invalid value for '--on'"),
        (["deadline", "--on", "yesterday"], "TL001", "Invalid value for '--on'"),
        (["timeline", "--to", "2019-13-01"], "TL001", "Invalid value for '--to'"),
        (["status", "--no-such-option"], "TL001", "No such option: --no-such-option"),
        (["no-such-command"], "TL001", "No such command 'no-such-command'"),
    ],
)
def test_usage_errors_have_a_code_and_json(args: list[str], code: str, says: str) -> None:
    text = runner.invoke(app, args)
    assert text.exit_code == 2
    assert text.stderr.startswith(f"error [{code}]: {says}")
    assert len(text.stderr.splitlines()) == 1
    err = _cli_error(args)
    assert err["code"] == code and says in err["message"]
    if "--on" in args or "--to" in args:
        assert err["hint"].startswith("dates are written YYYY-MM-DD")


def test_unknown_format() -> None:
    result = runner.invoke(app, ["status", "--format", "xml", "--on", "2020-01-01"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error [TL002]: --format 'xml' is not one of text, json")


def test_date_beyond_the_calendar_is_an_error_not_a_crash() -> None:
    err = _cli_error(["deadline", "--on", "9999-12-30"])
    assert err["code"] == "TL501"
    assert "outside the supported calendar" in err["message"]


@pytest.mark.parametrize("as_json", [False, True])
def test_internal_error_is_exit_1_with_a_request_to_report(
    as_json: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected failure")

    monkeypatch.setattr(tl, "status", boom)
    monkeypatch.delenv("TREATYLIFE_DEBUG", raising=False)
    result = runner.invoke(app, ["status", "--on", "2020-01-01", *(["--json"] if as_json else [])])
    assert result.exit_code == 1
    _assert_no_traceback(result.stdout, result.stderr)
    if as_json:
        err = json.loads(result.stdout)["error"]
        assert err["code"] == "TL999"
        assert err["message"] == "internal error: RuntimeError: injected failure"
        assert "please report it" in err["hint"]
    else:
        assert result.stderr.startswith("error [TL999]: internal error: RuntimeError: injected failure")
        assert "please report it" in result.stderr


# ---------------------------------------------------------------------------- every code is documented


def test_every_error_code_in_the_source_is_documented() -> None:
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\| `(TL\d{3})` \|", doc))
    used = set()
    for p in (ROOT / "src" / "treatylife").rglob("*.py"):
        used |= set(re.findall(r"\"(TL\d{3})\"", p.read_text(encoding="utf-8")))
    used |= {e["code"] for e in EXPECTED.values()}
    assert used - documented == set(), "add these codes to docs/errors.md"
    # and the documented ones come from somewhere (no stale rows)
    generated = {f"TL{k}{n}" for k in "23" for n in ("20", "21", "22", "23", "24", "25", "26")}
    assert documented - used - generated == set()


# ---------------------------------------------------------------------------- determinism


DETERMINISM_RUNS = [
    ["status", "--on", "2019-08-23", "--explain"],
    ["deadline", "--on", "2026-11-22"],
    ["timeline", "examples/whatif-no-suspension.yaml", "--to", "2030-01-01"],
    ["check", "rules/gsomia.yaml", *sorted(f"examples/{p.name}" for p in (ROOT / "examples").glob("*.yaml"))],
    ["status", "tests/bad/withdraw-notice-twice.yaml", "--on", "2020-01-01"],  # errors are deterministic too
]
_DRIVER = """
import json, sys
from typer.testing import CliRunner
from treatylife.cli.app import app
runner = CliRunner()
for args in json.loads(sys.argv[1]):
    for extra in ([], ["--json"]):
        r = runner.invoke(app, args + extra)
        sys.stdout.write(f"=== {args + extra} -> {r.exit_code}\\n{r.stdout}--- stderr\\n{r.stderr}")
"""


def _in_process_runs(hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps(DETERMINISM_RUNS)],
        cwd=ROOT,
        capture_output=True,
        check=True,
        env=env,
        timeout=120,
    )
    return proc.stdout


def test_same_files_and_date_give_byte_identical_output() -> None:
    """Every command, text and --json, in two processes with different hash seeds: identical bytes."""
    first, second = _in_process_runs("1"), _in_process_runs("2")
    assert first == second
    assert first.count(b"] -> 0\n") == 2 * (len(DETERMINISM_RUNS) - 1)
    assert first.count(b"] -> 2\n") == 2  # the bad file, text and JSON


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--on", "2019-08-23", "--explain"],
        ["timeline", "examples/whatif-late-notice.yaml", "--to", "2030-01-01", "--json"],
    ],
)
def test_console_script_output_is_byte_identical(args: list[str]) -> None:
    outs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        proc = subprocess.run(
            [str(EXE), *args], cwd=ROOT, capture_output=True, check=False, env=env, timeout=60
        )
        outs.append((proc.returncode, proc.stdout, proc.stderr))
    assert outs[0] == outs[1]
    assert outs[0][0] == 0 and outs[0][1]


# ---------------------------------------------------------------------------- resource bounds


class _Counter:
    """Counts every legal date computation (no timing: the count is the cost)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.n = 0
        for name in ("add_days", "add_period"):
            orig = getattr(D, name)

            def counted(*a: Any, _orig: Any = orig, **k: Any) -> Any:
                self.n += 1
                return _orig(*a, **k)

            monkeypatch.setattr(D, name, counted)
        start = D.TermSchedule.start

        def counted_start(ts: Any, k: int) -> Any:
            self.n += 1
            return start(ts, k)

        monkeypatch.setattr(D.TermSchedule, "start", counted_start)

    def cost(self, fn: Any, *args: Any) -> int:
        self.n = 0
        fn(*args)
        return self.n


@pytest.mark.parametrize("query", ["status", "deadline"])
@pytest.mark.parametrize("scenario", [None, "examples/whatif-late-notice.yaml"])
def test_query_cost_does_not_grow_with_the_distance_between_dates(
    query: str, scenario: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    record = tl.load(scenario)
    counter = _Counter(monkeypatch)
    fn = getattr(tl, query)
    near = counter.cost(fn, record, dt.date(2024, 6, 1))
    costs = [counter.cost(fn, record, dt.date(y, 6, 1)) for y in (2100, 3000, 5000, 9000, 9998)]
    assert near > 0
    assert max(costs) <= near + 4, (near, costs)  # a bounded correction, not a walk over the years


def test_replay_cost_does_not_grow_with_the_length_of_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notice given 7,000 years after entry into force costs what one given the next year costs."""
    base = "  - date: 2016-11-23\n    kind: signed\n" + "".join(
        f"  - date: 2016-11-23\n    kind: notified\n    party: {p}\n" for p in ("JPN", "KOR")
    )
    counter = _Counter(monkeypatch)
    costs = []
    for year in (2019, 9000):
        f = tmp_path / f"n{year}.yaml"
        f.write_text(_scenario(base + f"  - date: {year}-08-23\n    kind: notice_given\n    party: KOR\n"))
        loaded = tl.load_files(f)
        from treatylife.engine.replay import replay

        costs.append(counter.cost(replay, loaded))
    assert costs[1] <= costs[0] + 4, costs


def test_timeline_of_daily_terms_to_year_9999_is_refused_not_run(tmp_path: Path) -> None:
    """Daily renewals up to 9999 would be three million lines and minutes of work: a clear error instead."""
    from treatylife.answers.query import MAX_TIMELINE_TERMS

    (tmp_path / "rules").mkdir()
    text = (ROOT / "rules" / "gsomia.yaml").read_text(encoding="utf-8")
    daily = text.replace("initial: 1 year", "initial: 1 day").replace("period: 1 year", "period: 1 day")
    (tmp_path / "rules" / "daily.yaml").write_text(daily.replace("notice: 90 days", "notice: 0 days"))
    signed = "  - date: 2016-11-23\n    kind: signed\n" + "".join(
        f"  - date: 2016-11-23\n    kind: notified\n    party: {p}\n" for p in ("JPN", "KOR")
    )
    f = tmp_path / "daily.yaml"
    f.write_text(_scenario(signed, "rules/daily.yaml"), encoding="utf-8")
    assert len(tl.timeline(f, dt.date(2017, 1, 1)).intervals) > 30
    err = _cli_error(["timeline", str(f), "--to", "9999-01-01"])
    assert err["code"] == "TL607"
    assert err["message"] == f"the timeline up to 9999-01-01 has more than {MAX_TIMELINE_TERMS:,} terms"


def test_deadlines_of_daily_renewals_over_years_are_refused_not_run(tmp_path: Path) -> None:
    """One row per deadline in the window: daily renewals over two years would be 730 rounds; a clear error."""
    text = (ROOT / "rules" / "gsomia.yaml").read_text(encoding="utf-8")
    daily = text.replace("initial: 1 year", "initial: 1 day").replace("period: 1 year", "period: 1 day")
    (tmp_path / "daily.yaml").write_text(daily.replace("notice: 90 days", "notice: 0 days"), encoding="utf-8")
    reg = tmp_path / "r.csv"
    reg.write_text("id,rules,entry_into_force\nd,daily.yaml,2016-11-23\n", encoding="utf-8")
    assert tl.deadlines(reg, dt.date(2020, 1, 1), "30 days").count == 31  # a month: one a day
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    err = _cli_error(["deadlines", str(reg), "--from", "2020-01-01", "--within", "2y"])
    assert (err["code"], err["field"]) == ("TL608", "--within")
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_symlink_loops(tmp_path: Path) -> None:
    """A link to itself, and a rules reference through two links to each other: TL116, not a crash."""
    (tmp_path / "rules").mkdir()
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop.name)
    err = _cli_error(["status", str(loop), "--on", "2020-01-01"])
    assert (err["code"], err["file"]) == ("TL116", str(loop))
    (tmp_path / "rules" / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "rules" / "b.yaml").symlink_to("a.yaml")
    f = tmp_path / "s.yaml"
    f.write_text(_scenario("  - date: 2016-11-23\n    kind: note\n", "rules/a.yaml"), encoding="utf-8")
    err = _cli_error(["status", str(f), "--on", "2020-01-01"])
    assert (err["code"], err["line"], err["field"]) == ("TL116", 3, "rules")
    assert err["message"] == "reference 'rules/a.yaml': symbolic links form a loop"


@pytest.mark.parametrize("levels", [70, 5_000])
def test_deep_nesting_is_tl113_whichever_limit_trips_first(tmp_path: Path, levels: int) -> None:
    """70 levels trip treatylife's own limit; 5,000 trip PyYAML's own (6.0.4+) first: both are TL113."""
    from treatylife.errors import InputError
    from treatylife.files.loader import load_scenario

    f = tmp_path / "deep.yaml"
    f.write_text(
        "schema: treatylife/scenario/1\ntitle: deep\nrules: gsomia\nevents: "
        + "[" * levels
        + "]" * levels
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_scenario(f)
    assert info.value.code == "TL113"
    assert info.value.line == 4
