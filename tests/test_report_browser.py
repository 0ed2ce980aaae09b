"""The HTML report: self-contained (nothing fetched), key dates present, and rendered by a real headless
Chromium into a screenshot that is not blank (saved under artifacts/ for people to look at)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

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
    # one timeline for wide screens, one drawn for narrow ones (CSS shows one of them)
    assert html.count("<svg") == 2 and "tl-wide" in html and "tl-narrow" in html
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


MEASURE = """
<script>
window.addEventListener('load', () => {
  const out = {};
  for (const kind of ['wide', 'narrow']) {
    const svg = document.querySelector('svg.tl-' + kind);
    const r = svg.getBoundingClientRect();
    const vb = svg.viewBox.baseVal;
    const windows = [...svg.querySelectorAll('rect')].filter(e => e.querySelector('title') &&
      e.querySelector('title').textContent.includes('a notice received'));
    const labels = [...svg.querySelectorAll('text.dl, text.dl9')]
      .filter(t => /^'?\\d{2,4}-\\d{2}-\\d{2}$/.test(t.textContent));
    const inside = labels.map(t => {
      const b = t.getBBox();
      const day = t.textContent.startsWith("'") ? '20' + t.textContent.slice(1) : t.textContent;
      const w = windows.find(e => e.querySelector('title').textContent.includes('.. ' + day + ' stops'));
      if (!w) return [day, false];
      const x = w.x.baseVal.value, width = w.width.baseVal.value;
      return [day, b.x >= x - 0.5 && b.x + b.width <= x + width + 0.5];
    });
    const texts = [...svg.querySelectorAll('text')].map(t => t.getBBox());
    out[kind] = {
      display: getComputedStyle(svg).display,
      scale: r.width / vb.width,
      inside: inside,
      next: [...svg.querySelectorAll('text.next')].map(t => t.textContent),
      right: Math.max(...texts.map(b => b.x + b.width)) - vb.width,
      left: Math.min(...texts.map(b => b.x)),
      pageWidth: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
    };
  }
  document.body.setAttribute('data-measured', JSON.stringify(out));
});
</script>
"""


def _measure(chromium: str, page: Path, tmp_path: Path, width: int) -> dict[str, Any]:
    """Lay the page out in Chromium at ``width`` px and measure the timeline's labels (getBBox)."""
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)  # the test's script runs
    probe = tmp_path / f"probe-{width}.html"
    probe.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile-measure'}",
        f"--window-size={width},1000",
        "--virtual-time-budget=3000",
        "--dump-dom",
        probe.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'data-measured="([^"]*)"', proc.stdout)
    assert found, f"no measurement; chromium exited {proc.returncode}: {proc.stderr[-2000:]}"
    import html as html_lib

    return json.loads(html_lib.unescape(found.group(1)))  # type: ignore[no-any-return]


def test_timeline_labels_in_a_real_browser(tmp_path: Path) -> None:
    """Each deadline's date lies inside its own notice window (not under the next term's); the next
    deadline is written; no label passes the right edge; at 420 px the narrow timeline is shown whole, at
    its own size (readable), and the page does not scroll sideways."""
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    page, html = _write_report(tmp_path, "--on", "2026-11-22")
    assert str(ROOT) not in html and "/work/" not in html  # no absolute local path
    wide = _measure(chromium, page, tmp_path, 1280)["wide"]
    assert wide["display"] == "block" and wide["inside"] and all(ok for _, ok in wide["inside"]), wide
    assert "2019-08-24" in [d for d, _ in wide["inside"]]
    assert wide["next"] == ["next deadline 2027-08-24"]
    assert wide["right"] <= 0 and wide["left"] >= 0
    assert wide["pageWidth"] <= wide["viewport"]  # no sideways scrolling
    narrow = _measure(chromium, page, tmp_path, 420)
    assert narrow["wide"]["display"] == "none" and narrow["narrow"]["display"] == "block"
    assert narrow["narrow"]["scale"] >= 0.9  # drawn at (about) its own size: 10 px labels stay readable
    assert all(ok for _, ok in narrow["narrow"]["inside"]) and narrow["narrow"]["next"]
    assert narrow["narrow"]["right"] <= 0
    assert narrow["narrow"]["pageWidth"] <= narrow["narrow"]["viewport"] <= 700


def test_report_labels_signing_and_suspension_and_draws_a_lane_per_party(tmp_path: Path) -> None:
    _, html = _write_report(tmp_path, "--on", "2026-11-22")
    wide = html.split('class="timeline tl-wide"')[1].split("</svg>")[0]
    assert ">2016-11-23 signed, notified x2<" in wide
    assert ">2019-11-22 notice suspended<" in wide
    _, paris = _write_report(
        tmp_path,
        str(ROOT / "examples/paris-record.yaml"),
        "--on",
        "2021-06-01",
        "--remove",
        "2019-11-04 notice_given",
        "--remove",
        "2021-01-20 notified",
    )
    lanes = paris.split('class="timeline tl-wide"')[1]
    for code in ("USA", "CHN", "JPN"):
        assert f'class="lbl">{code}<' in lanes
    _, usa = _write_report(
        tmp_path, str(ROOT / "examples/paris-record.yaml"), "--on", "2021-01-01", "--party", "USA"
    )
    assert "not in force for USA" in usa or "not in force on 2021-01-01" in usa
