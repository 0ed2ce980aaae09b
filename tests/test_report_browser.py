"""The HTML report: self-contained (nothing fetched), key dates present, and rendered by a real headless
Chromium into a screenshot that is not blank (saved under artifacts/ for people to look at)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import treatylife as tl
from treatylife.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "examples" / "gsomia-record.yaml"
NO_SUSPENSION = ROOT / "examples" / "whatif-no-suspension.yaml"
ARTIFACTS = ROOT / "artifacts"
runner = CliRunner()


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _write_report(tmp_path: Path, *args: str) -> tuple[Path, str]:
    out = tmp_path / "report.html"
    r = runner.invoke(app, ["report", *args, "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    return out, out.read_text(encoding="utf-8")


def test_report_is_self_contained_and_has_key_dates(tmp_path: Path) -> None:
    _, html = _write_report(tmp_path, str(NO_SUSPENSION), "--on", "2026-11-22")
    assert html.startswith("<!DOCTYPE html>")
    # nothing to fetch: no URL, no script, no external stylesheet, image or font
    assert not re.search(r"https?://", html)
    assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", html)
    assert "default-src 'none'" in html  # and the page forbids fetching anything anyway
    # an inline SVG timeline, the what-if against its base, the explanation table
    assert html.count("<svg") == 1
    for date in ("2016-11-23", "2019-08-24", "2019-11-23", "2019-11-22"):
        assert date in html
    assert "They diverge from <b>2019-11-23</b> on" in html
    assert "2019-11-22 notice_suspended KOR (only in the base)" in html
    assert "<h2>Why: status on 2026-11-22</h2>" in html
    assert "Art. 21(3)" in html and "notice_counting=clear_days" in html


def test_report_of_the_record_shows_next_deadline(tmp_path: Path) -> None:
    _, html = _write_report(tmp_path, "--on", "2026-11-22")
    assert "Next notice deadline: <b>2027-08-24</b>" in html
    assert "in force on 2026-11-22" in html
    assert "What-if against its base" not in html  # no base: nothing to compare


def test_report_inline_whatif_drawn_against_scenario(tmp_path: Path) -> None:
    _, html = _write_report(
        tmp_path, "--on", "2026-11-22", "--remove", "notice_suspended", "--remove", "notice_withdrawn"
    )
    assert "What-if against its base" in html and "2019-11-23" in html


def test_report_escapes_text(tmp_path: Path) -> None:
    from treatylife.render.html import render_html

    rec = tl.whatif(RECORD, add=["2020-01-01 note note=<script>alert(1)</script>"])
    html = render_html(tl.report(rec, dt.date(2021, 1, 1)))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_report_json_is_to_dict() -> None:
    r = runner.invoke(app, ["report", "--on", "2026-11-22", "--json"])
    assert r.exit_code == 0
    assert json.loads(r.stdout) == tl.report(None, dt.date(2026, 11, 22)).to_dict()


def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip(
            "chromium is not installed (Debian: apt-get install -y chromium); the browser test needs it"
        )
    from PIL import Image

    page, _ = _write_report(tmp_path, str(NO_SUSPENSION), "--on", "2026-11-22")
    shot = tmp_path / "report.png"
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1400,900",
        page.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert shot.exists(), f"no screenshot; chromium exited {proc.returncode}: {proc.stderr[-2000:]}"
    with Image.open(shot) as img:
        assert img.size == (1400, 900)
        rgb = img.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20)
        assert colours is not None
        # a blank page has one colour; the timeline has the stage colours, text, the what-if shading...
        assert len(colours) > 50, f"screenshot looks blank: {len(colours)} colours"
        # the in-force green and the terminated red of the timeline are on screen
        pixels = {c for _, c in colours}
        assert (0x81, 0xC7, 0x84) in pixels and (0xE5, 0x73, 0x73) in pixels
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "report-whatif-no-suspension.png")
    shutil.copy(page, ARTIFACTS / "report-whatif-no-suspension.html")
