"""The register page in a real headless Chromium (Debian's, driven by Playwright): load it, filter by a party,
open an agreement, change the date, read the answer that appears; screenshots at 1280 and 420 px wide go to
artifacts/server/ for people to look at. Skips, saying why, without Playwright or Chromium."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install -e '.[serve-test]')")
pytest.importorskip("uvicorn", reason="the serve extra is not installed (pip install -e '.[serve-test]')")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "server"
TODAY = dt.date(2026, 12, 1)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    import uvicorn

    from treatylife.server import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(today=lambda: TODAY), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium); .ci/run installs it")
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="treatylife-chromium-"),  # a fresh profile
            executable_path=chromium,
            headless=True,
            args=FLAGS,
        )
        try:
            yield context
        finally:
            context.close()


def _page(browser: Any, width: int) -> Any:
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    return page


def _fetched(page: Any, base_url: str) -> list[str]:
    """Every URL the page asks for; anything not on this server would be an external asset."""
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    return urls


def test_filter_open_agreement_change_date_read_answer(browser: Any, base_url: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser, 1280)
    urls = _fetched(page, base_url)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base_url}/")
    # upcoming deadlines, soonest first, with days left
    rows = page.locator("#deadlines tbody tr")
    assert rows.count() == 2
    first = rows.nth(0).locator("td").all_inner_texts()
    assert first[:3] == ["2027-03-30", "119", "whatif-signed-2012"]
    assert rows.nth(1).locator("td").all_inner_texts()[:3] == ["2027-08-24", "266", "gsomia-record"]
    page.screenshot(path=str(ARTIFACTS / "register-1280.png"), full_page=True)
    # filter by a party: the USA is party to none of the agreements with a deadline in the window
    page.select_option("#party", "USA")
    page.click("#show")
    page.wait_for_url("**/?party=USA*")
    assert page.locator("#no-deadlines").is_visible()
    listed = page.locator("#agreements tbody tr td:first-child").all_inner_texts()
    assert "paris-record" in listed and "gsomia-record" not in listed
    # JPN: both GSOMIA rows; open the record
    page.select_option("#party", "JPN")
    page.click("#show")
    page.wait_for_url("**/?party=JPN*")
    assert page.locator("#deadlines tbody tr").count() == 2
    page.click("#deadlines >> text=gsomia-record")
    page.wait_for_url("**/agreements/gsomia-record*")
    assert page.locator("#timeline svg").count() == 1
    assert page.locator("#answer-date").inner_text() == TODAY.isoformat()
    # change the date and read the answer that appears
    page.fill("#on", "2019-11-23")
    page.click("#ask")
    page.wait_for_url("**/agreements/gsomia-record?on=2019-11-23*")
    assert page.locator("#verdict").inner_text() == "IN FORCE"
    assert page.locator("#answer-date").inner_text() == "2019-11-23"
    assert "Art. 21(3)" in page.locator("#explanation").inner_text()
    page.screenshot(path=str(ARTIFACTS / "agreement-1280.png"), full_page=True)
    # the what-if in which Korea never suspended its notice answers the other way
    page.goto(f"{base_url}/agreements/whatif-no-suspension?on=2019-11-23")
    assert page.locator("#verdict").inner_text() == "NOT IN FORCE"
    assert all(u.startswith(base_url) for u in urls), [u for u in urls if not u.startswith(base_url)]
    assert not errors, errors
    page.close()


@pytest.mark.parametrize("path", ["/", "/agreements/gsomia-record?on=2019-11-23"])
def test_pages_read_at_420_px(browser: Any, base_url: str, path: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser, 420)
    page.goto(f"{base_url}{path}")
    # nothing wider than the screen: tables scroll in their own box, the timeline scales down
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    for sel in ("form.filters", "main"):
        assert page.locator(sel).first.bounding_box()["width"] <= 420
    name = "register-420.png" if path == "/" else "agreement-420.png"
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.close()


def test_docs_work_offline(browser: Any, base_url: str) -> None:
    page = _page(browser, 1280)
    urls = _fetched(page, base_url)
    page.goto(f"{base_url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "treatylife" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() >= 10  # every endpoint drawn from /openapi.json
    assert all(u.startswith(base_url) for u in urls), [u for u in urls if not u.startswith(base_url)]
    page.close()
