"""Which day is "today" (issue 12, "Today"): the local date, or the one a script names.

At the same instant Pacific/Kiritimati (UTC+14) and America/Adak (UTC-10/-9) are on different dates, so
the default answers differ; ``--today`` and ``TREATYLIFE_TODAY`` make a run reproducible anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from treatylife.cli import clock
from treatylife.cli.app import app

runner = CliRunner()
EXE = Path(sys.executable).with_name("treatylife")


@pytest.fixture(autouse=True)
def _no_today_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TREATYLIFE_TODAY", raising=False)


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _real(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE), *args], capture_output=True, text=True, env={**os.environ, **env}, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--today", "2019-08-23", "status"],
        ["status", "--today", "2019-08-23"],
        ["status", "--today=2019-08-23", "--json"],
    ],
)
def test_today_option_before_or_after_the_command(args: list[str]) -> None:
    code, out, _ = run(*args)
    assert code == 0
    if "--json" in args:
        assert json.loads(out)["on"] == "2019-08-23"
    else:
        assert "On 2019-08-23: IN FORCE" in out


def test_environment_variable_and_precedence() -> None:
    code, out, _ = run("deadline", env={"TREATYLIFE_TODAY": "2026-11-22"})
    assert code == 0 and "Next notice deadline: 2027-08-24 (275 days left)" in out
    code, out, _ = run("--today", "2019-08-23", "status", env={"TREATYLIFE_TODAY": "2026-11-22"})
    assert "On 2019-08-23:" in out  # the option wins over the variable
    code, out, _ = run("--today", "2019-08-23", "status", "--on", "2019-11-23")
    assert "On 2019-11-23:" in out  # an explicit --on wins over both
    with freeze_time("2026-11-22"):
        code, out, _ = run("status", env={"TREATYLIFE_TODAY": ""})  # empty = unset: the local date
    assert "On 2026-11-22:" in out


def test_the_option_does_not_carry_over_to_the_next_command_line() -> None:
    run("--today", "2019-08-23", "status")
    with freeze_time("2026-11-22"):
        _, out, _ = run("status")
    assert "On 2026-11-22:" in out


@pytest.mark.parametrize(
    ("command", "expect"),
    [
        (["calendar", "--years", "1"], "DTSTART;VALUE=DATE:20270824"),
        (["timeline"], "2025-11-23 .. 2026-11-22"),
        (["report"], "2026-11-22"),
    ],
)
def test_every_command_that_defaults_a_date_uses_it(command: list[str], expect: str) -> None:
    code, out, _ = run("--today", "2026-11-22", *command)
    assert code == 0
    assert expect in out


def test_register_commands_use_it(tmp_path: Path) -> None:
    reg = tmp_path / "reg.csv"
    reg.write_text("id,rules,entry_into_force\na,gsomia,2016-11-23\n", encoding="utf-8")
    code, out, _ = run("portfolio", str(reg), "--today", "2026-11-22")
    assert code == 0 and "on 2026-11-22" in out
    code, out, _ = run("deadlines", str(reg), "--within", "1y", env={"TREATYLIFE_TODAY": "2026-11-22"})
    assert code == 0 and "from 2026-11-22" in out and "2027-08-24" in out


@pytest.mark.parametrize("value", ["2019-02-30", "tomorrow", "2019-13-01", "12/01/2026"])
def test_bad_environment_value_is_exit_2_with_a_code(value: str) -> None:
    proc = _real(["status"], TREATYLIFE_TODAY=value)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error [TL006]: TREATYLIFE_TODAY: ")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    proc = _real(["status", "--json"], TREATYLIFE_TODAY=value)
    assert proc.returncode == 2 and json.loads(proc.stdout)["error"]["code"] == "TL006"
    proc = _real(["calendar"], TREATYLIFE_TODAY=value)
    assert proc.returncode == 2 and proc.stderr.startswith("error [TL006]")


def test_bad_environment_value_is_ignored_where_no_default_date_is_needed() -> None:
    """The cache's fast path and the full CLI agree: the variable is read only when today is needed."""
    for cache in ("", "1"):
        proc = _real(["status", "--on", "2019-08-23"], TREATYLIFE_TODAY="garbage", TREATYLIFE_NO_CACHE=cache)
        assert proc.returncode == 0 and "On 2019-08-23: IN FORCE" in proc.stdout


@pytest.mark.parametrize("value", ["2019-02-30", "soon"])
def test_bad_option_value_is_a_usage_error(value: str) -> None:
    code, _, err = run("status", "--today", value)
    assert code == 2 and err.startswith("error [TL001]: Invalid value for '--today'")


def test_library_clock_reads_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREATYLIFE_TODAY", "2026-12-01")
    assert clock.today() == dt.date(2026, 12, 1)
    monkeypatch.setenv("TREATYLIFE_TODAY", "x")
    with pytest.raises(Exception, match="is not a date") as info:
        clock.today()
    assert getattr(info.value, "code", None) == "TL006"


def _local_today(tz: str, **env: str) -> tuple[dt.date, dt.date, dt.date]:
    """(the zone's date before, what treatylife says, the zone's date after) in a process under ``TZ``."""
    before = dt.datetime.now(ZoneInfo(tz)).date()
    proc = subprocess.run(
        [sys.executable, "-c", "from treatylife.cli.clock import today; print(today())"],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": tz, **env},
        check=True,
    )
    after = dt.datetime.now(ZoneInfo(tz)).date()
    return before, dt.date.fromisoformat(proc.stdout.strip()), after


@pytest.mark.skipif(not Path("/usr/share/zoneinfo/Pacific/Kiritimati").exists(), reason="no tz database")
def test_today_is_the_local_date_of_the_time_zone() -> None:
    """Kiritimati is 24 hours ahead of Adak (23 while Adak keeps summer time): their dates differ at
    almost every instant, and treatylife's today is each zone's own."""
    k_before, kiritimati, k_after = _local_today("Pacific/Kiritimati")
    a_before, adak, a_after = _local_today("America/Adak")
    assert kiritimati in (k_before, k_after)
    assert adak in (a_before, a_after)
    assert 0 <= (kiritimati - adak).days <= 1
    # the variable names the day whatever the zone
    for tz in ("Pacific/Kiritimati", "America/Adak"):
        assert _local_today(tz, TREATYLIFE_TODAY="2026-12-01")[1] == dt.date(2026, 12, 1)


@pytest.mark.skipif(not Path("/usr/share/zoneinfo/Pacific/Kiritimati").exists(), reason="no tz database")
def test_same_instant_two_zones_two_answers_one_with_the_variable() -> None:
    """At 2026-11-30 12:00 UTC it is 2026-12-01 in Kiritimati and 2026-11-30 in Adak: the days left to the
    next deadline differ by one; with TREATYLIFE_TODAY both say the same."""
    instant = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    days = {}
    for tz in ("Pacific/Kiritimati", "America/Adak"):
        local = instant.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
        with freeze_time(local):  # freezegun's clock as that zone's wall clock reads at this instant
            _, out, _ = run("deadline", "--json")
        days[tz] = json.loads(out)
    assert days["Pacific/Kiritimati"]["on"] == "2026-12-01"
    assert days["America/Adak"]["on"] == "2026-11-30"
    assert days["America/Adak"]["days_left"] - days["Pacific/Kiritimati"]["days_left"] == 1
    for tz in ("Pacific/Kiritimati", "America/Adak"):
        local = instant.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
        with freeze_time(local):
            _, out, _ = run("deadline", "--json", env={"TREATYLIFE_TODAY": "2026-12-01"})
        assert json.loads(out)["on"] == "2026-12-01"
