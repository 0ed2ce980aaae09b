"""`treatylife serve`'s API, in-process through the framework's test client: every endpoint, its errors, and
answers equal to the CLI's `--json` on the bundled examples."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install -e '.[serve-test]')")
pytest.importorskip("httpx", reason="the test client needs httpx")

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from treatylife.cli.app import app as cli
from treatylife.server import create_app
from treatylife.server.store import bundled_examples

TODAY = dt.date(2026, 12, 1)
EXAMPLES = bundled_examples()
IDS = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
runner = CliRunner()


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(today=lambda: TODAY))


def _cli(*args: str) -> tuple[int, str]:
    r = runner.invoke(cli, [*args, "--json"])
    return r.exit_code, r.stdout


def _error(resp: object, status: int, code: str) -> dict[str, object]:
    assert resp.status_code == status, resp.text  # type: ignore[attr-defined]
    body = resp.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert "Traceback" not in resp.text  # type: ignore[attr-defined]
    return body["error"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------- the same answers as the CLI


@pytest.mark.parametrize("agreement", IDS)
def test_status_deadline_timeline_equal_the_cli_json(client: TestClient, agreement: str) -> None:
    path = str(EXAMPLES / f"{agreement}.yaml")
    for on in ("2019-08-23", "2019-11-23", "2026-11-22"):
        for query in ("status", "deadline", "explain"):
            resp = client.get(f"/api/agreements/{agreement}/{query}", params={"on": on})
            command = "status" if query == "explain" else query
            code, out = _cli(command, path, "--on", on, *(["--explain"] if query == "explain" else []))
            assert code == 0 and resp.status_code == 200
            assert resp.text == out, f"{query} {agreement} {on}"
    resp = client.get(f"/api/agreements/{agreement}/timeline", params={"to": "2030-01-01"})
    assert resp.text == _cli("timeline", path, "--to", "2030-01-01")[1]


def test_party_answers_equal_the_cli(client: TestClient) -> None:
    path = str(EXAMPLES / "paris-record.yaml")
    for on in ("2020-11-03", "2020-11-04", "2021-02-19"):
        resp = client.get("/api/agreements/paris-record/status", params={"on": on, "party": "USA"})
        assert resp.text == _cli("status", path, "--on", on, "--party", "USA")[1]
    resp = client.get("/api/agreements/paris-record/deadline", params={"on": "2021-03-01", "party": "USA"})
    assert resp.text == _cli("deadline", path, "--on", "2021-03-01", "--party", "USA")[1]
    resp = client.get("/api/agreements/paris-record/timeline", params={"to": "2025-01-01", "party": "USA"})
    assert resp.text == _cli("timeline", path, "--to", "2025-01-01", "--party", "USA")[1]
    assert json.loads(resp.text)["party"] == "USA"


def test_a_date_left_out_is_today(client: TestClient) -> None:
    body = client.get("/api/agreements/gsomia-record/deadline").json()
    assert body["on"] == TODAY.isoformat() and body["deadline"] == "2027-08-24"


def test_compare_equals_the_cli(client: TestClient) -> None:
    resp = client.get("/api/compare", params={"a": "gsomia-record", "b": "whatif-no-suspension"})
    out = _cli("compare", str(EXAMPLES / "gsomia-record.yaml"), str(EXAMPLES / "whatif-no-suspension.yaml"))[
        1
    ]
    assert resp.status_code == 200 and resp.text == out
    assert resp.json()["diverge_from"] == "2019-11-23"


def test_portfolio_and_deadlines_equal_the_cli(client: TestClient) -> None:
    resp = client.get("/api/registers/examples/portfolio", params={"on": "2026-11-22"})
    assert resp.text == _cli("portfolio", str(EXAMPLES), "--on", "2026-11-22")[1]
    assert resp.json()["count"] == len(IDS)
    resp = client.get("/api/registers/examples/deadlines", params={"from": "2026-11-22", "within": "1y"})
    assert resp.text == _cli("deadlines", str(EXAMPLES), "--from", "2026-11-22", "--within", "1y")[1]
    assert [d["id"] for d in resp.json()["deadlines"]][:2] == ["whatif-signed-2012", "gsomia-record"]


# ---------------------------------------------------------------------------- what-ifs, posted


def test_whatif_as_cli_options_equals_the_cli(client: TestClient) -> None:
    changes = {"remove": ["notice_suspended", "notice_withdrawn"]}
    resp = client.post("/api/agreements/gsomia-record/whatif", params={"on": "2019-11-23"}, json=changes)
    path = str(EXAMPLES / "gsomia-record.yaml")
    out = _cli(
        "status", path, "--on", "2019-11-23", "--remove", "notice_suspended", "--remove", "notice_withdrawn"
    )
    assert resp.status_code == 200 and resp.text == out[1]
    assert resp.json()["in_force"] is False
    resp = client.post("/api/agreements/gsomia-record/whatif", params={"answer": "compare"}, json=changes)
    out = _cli("compare", path, "--remove", "notice_suspended", "--remove", "notice_withdrawn")
    assert resp.status_code == 200 and resp.text == out[1]
    assert resp.json()["diverge_from"] == "2019-11-23"
    # an impossible what-if: the same error, byte for byte, as the CLI's
    resp = client.post(
        "/api/agreements/gsomia-record/whatif",
        params={"answer": "compare"},
        json={"add": ["2019-09-01 notice_given JPN"]},
    )
    code, out_err = _cli("compare", path, "--add", "2019-09-01 notice_given JPN")
    assert code == 2 and resp.status_code == 400 and resp.text == out_err
    assert resp.json()["error"]["code"] == "TL401"
    resp = client.post(
        "/api/agreements/gsomia-record/whatif",
        params={"answer": "deadline", "on": "2026-11-22"},
        json={"set": ["exits.art21-3-notice.notice=180days"]},
    )
    out = _cli("deadline", path, "--on", "2026-11-22", "--set", "exits.art21-3-notice.notice=180days")
    assert resp.text == out[1] and resp.json()["deadline"] == "2027-05-26"


def test_whatif_overlay_text_answers_as_the_whatif_file(client: TestClient) -> None:
    overlay = (EXAMPLES / "whatif-no-suspension.yaml").read_text(encoding="utf-8")
    resp = client.post(
        "/api/agreements/gsomia-record/whatif", params={"on": "2019-11-23"}, json={"overlay": overlay}
    )
    assert resp.status_code == 200
    body = resp.json()
    file_answer = client.get(
        "/api/agreements/whatif-no-suspension/status", params={"on": "2019-11-23"}
    ).json()
    assert body["in_force"] is file_answer["in_force"] is False
    assert body["stage"] == file_answer["stage"] == "terminated"
    assert body["ends"] == file_answer["ends"] == "2019-11-23"
    # JSON text is YAML too, and `based_on` may be left out
    resp = client.post(
        "/api/agreements/gsomia-record/whatif",
        params={"answer": "timeline", "to": "2021-01-01"},
        json={
            "overlay": json.dumps({"remove": [{"kind": "notice_suspended"}, {"kind": "notice_withdrawn"}]})
        },
    )
    assert resp.status_code == 200 and resp.json()["intervals"][-1]["stage"] == "terminated"


def test_whatif_errors_carry_the_cli_codes(client: TestClient) -> None:
    url = "/api/agreements/gsomia-record/whatif"
    _error(client.post(url, json={"remove": ["2001-01-01"]}), 400, "TL312")
    err = _error(client.post(url, json={"overlay": "remove:\n  - kind: signed_twice\n"}), 400, "TL323")
    assert (err["file"], err["line"], err["field"]) == ("whatif.yaml", 2, "remove[0].kind")
    _error(client.post(url, json={"overlay": "remove: [{date: 2001-01-01}]"}), 400, "TL308")
    _error(client.post(url, json={"overlay": "a: [unclosed"}), 400, "TL108")
    _error(client.post(url, json={}), 400, "TL623")
    _error(client.post(url, json={"overlay": "add: []", "remove": ["signed"]}), 400, "TL623")
    _error(client.post(url, json={"remove": ["x"] * 500}), 400, "TL623")
    _error(client.post(url, json={"unknown": 1}), 400, "TL623")
    _error(client.post(url, content=b"not json", headers={"content-type": "application/json"}), 400, "TL623")
    _error(client.post(url, json={"overlay": "rules: /etc/passwd\nadd: []"}), 400, "TL301")


def test_whatif_never_writes(client: TestClient) -> None:
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in EXAMPLES.glob("*.yaml")}
    client.post("/api/agreements/gsomia-record/whatif", json={"remove": ["notice_suspended"]})
    assert before == {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in EXAMPLES.glob("*.yaml")}


# ---------------------------------------------------------------------------- check of posted text


def test_check_of_posted_rules_and_scenarios(client: TestClient) -> None:
    rules = (EXAMPLES.parent / "rules" / "gsomia.yaml").read_text(encoding="utf-8")
    resp = client.post("/api/check", content=rules, headers={"content-type": "text/plain"})
    assert resp.status_code == 200
    assert resp.json()["files"][0]["kind"] == "rules" and resp.json()["ok"] is True
    scenario = "schema: treatylife/scenario/1\ntitle: t\nrules: leapday-example\nevents:\n"
    scenario += "  - {date: 2020-02-29, kind: signed}\n  - {date: 2020-02-29, kind: notified, party: JPN}\n"
    scenario += "  - {date: 2020-02-29, kind: notified, party: KOR}\n"
    resp = client.post("/api/check", content=scenario, params={"name": "mine.yaml"})
    assert resp.status_code == 200
    f = resp.json()["files"][0]
    assert f["ok"] and f["file"] == "mine.yaml" and f["ambiguous_dates"]  # the leap day is flagged
    bad = "schema: treatylife/scenario/1\ntitle: t\nrules: gsomia\nevents:\n  - {date: 2019-02-30, kind: signed}\n"
    resp = client.post("/api/check", content=bad)
    assert resp.status_code == 422
    err = resp.json()["files"][0]["error"]
    assert err["code"].startswith("TL3") and err["line"] == 5 and err["file"] == "posted.yaml"


def test_check_opens_no_client_path(client: TestClient) -> None:
    text = "schema: treatylife/scenario/1\ntitle: t\nrules: ../../../../etc/passwd\nevents: []\n"
    err = client.post("/api/check", content=text).json()["files"][0]["error"]
    assert err["code"] == "TL301"
    assert (
        client.post("/api/check", content=text, params={"name": "/etc/passwd"}).json()["files"][0]["file"]
        == "etcpasswd"
    )


def test_bodies_are_bounded(client: TestClient) -> None:
    _error(client.post("/api/check", content=b"a" * (1024 * 1024 + 1)), 413, "TL624")

    def chunks() -> object:
        for _ in range(300):
            yield b"x" * 4096

    _error(client.post("/api/check", content=chunks()), 413, "TL624")  # no Content-Length: counted
    _error(client.post("/api/agreements/gsomia-record/whatif", json={"overlay": "#" * 300_000}), 400, "TL623")


# ---------------------------------------------------------------------------- errors


def test_errors_have_cli_codes_and_4xx(client: TestClient) -> None:
    err = _error(client.get("/api/agreements/gsomia-recrod/status"), 404, "TL621")
    assert err["hint"] == "did you mean 'gsomia-record'?"
    _error(client.get("/api/registers/nope/portfolio"), 404, "TL622")
    err = _error(
        client.get("/api/agreements/gsomia-record/status", params={"on": "2019-02-30"}), 400, "TL001"
    )
    assert "YYYY-MM-DD" in str(err["hint"])
    resp = client.get("/api/agreements/paris-record/status", params={"party": "XXX", "on": "2020-01-01"})
    code, out = _cli("status", str(EXAMPLES / "paris-record.yaml"), "--party", "XXX", "--on", "2020-01-01")
    assert code == 2 and resp.status_code == 400 and resp.text == out
    _error(client.get("/api/registers/examples/deadlines", params={"within": "soon"}), 400, "TL003")
    _error(client.get("/api/registers/examples/calendar.ics", params={"years": 50}), 400, "TL001")
    _error(client.get("/api/registers/examples/calendar.ics", params={"party": "ZZZ"}), 400, "TL312")
    _error(client.get("/api/compare", params={"a": "gsomia-record"}), 400, "TL001")
    _error(
        client.get(
            "/api/compare",
            params={"a": "gsomia-record", "b": "inf-record", "from": "2020-01-01", "to": "2019-01-01"},
        ),
        400,
        "TL601",
    )


def test_internal_errors_are_500_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import treatylife

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret /home/user/path")

    c = TestClient(create_app(today=lambda: TODAY), raise_server_exceptions=False)
    monkeypatch.setattr(treatylife, "status", boom)
    resp = c.get("/api/agreements/gsomia-record/status")
    err = _error(resp, 500, "TL999")
    assert err["message"] == "internal error: RuntimeError" and "secret" not in resp.text


# ---------------------------------------------------------------------------- registers, agreements, calendar


def test_agreements_listed_by_id_and_party(client: TestClient) -> None:
    body = client.get("/api/agreements").json()
    assert body["count"] == len(IDS) and sorted(a["id"] for a in body["agreements"]) == IDS
    usa = client.get("/api/agreements", params={"party": "USA"}).json()["agreements"]
    assert usa and all("USA" in a["parties"] for a in usa)
    assert "gsomia-record" not in {a["id"] for a in usa}
    regs = client.get("/api/registers").json()["registers"]
    assert [(r["name"], r["count"], r["error"]) for r in regs] == [("examples", len(IDS), None)]


def test_calendar_subscription_has_stable_uids(client: TestClient) -> None:
    resp = client.get("/api/registers/examples/calendar.ics", params={"from": "2026-11-22"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/calendar")
    text = resp.text
    assert text.startswith("BEGIN:VCALENDAR") and "DTSTART;VALUE=DATE:20270824" in text
    uids = [line for line in text.splitlines() if line.startswith("UID:")]
    assert uids and len(uids) == len(set(uids))
    again = TestClient(create_app(today=lambda: TODAY)).get(
        "/api/registers/examples/calendar.ics", params={"from": "2026-11-22"}
    )
    assert again.text == text  # same files, same question: the same bytes, so a client updates
    jpn = client.get(
        "/api/registers/examples/calendar.ics", params={"party": "JPN", "from": "2026-11-22"}
    ).text
    usa = client.get(
        "/api/registers/examples/calendar.ics", params={"party": "USA", "from": "2026-11-22"}
    ).text
    assert "20270824" in jpn and "GSOMIA" in jpn and "GSOMIA" not in usa


def test_openapi_and_offline_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for p in (
        "/api/agreements",
        "/api/agreements/{agreement_id}/status",
        "/api/agreements/{agreement_id}/whatif",
        "/api/compare",
        "/api/check",
        "/api/registers/{name}/calendar.ics",
    ):
        assert p in paths
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text.split("<script>")[0]
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/redoc").status_code == 200


# ---------------------------------------------------------------------------- the pages


def test_register_page_has_no_external_assets_and_a_strict_policy(client: TestClient) -> None:
    resp = client.get("/")
    assert resp.status_code == 200
    csp = resp.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    html = resp.text
    assert "<script" not in html.lower() and "<link" not in html.lower() and "https://" not in html
    assert "2027-08-24" in html and ">266<" in html  # GSOMIA's next deadline, days left from 2026-12-01
    table = html[html.index('id="deadlines"') :]
    assert table.index("whatif-signed-2012") < table.index("gsomia-record")  # soonest first
    page = client.get("/", params={"party": "USA"}).text
    assert "No notice deadline falls in this window." in page and "paris-record" in page
    assert 'href="/agreements/gsomia-record"' not in page


def test_agreement_page_answers_on_a_date(client: TestClient) -> None:
    html = client.get("/agreements/gsomia-record", params={"on": "2019-11-23"}).text
    assert 'id="verdict">IN FORCE<' in html and "<svg" in html and "Art. 21(3)" in html
    html = client.get("/agreements/whatif-no-suspension", params={"on": "2019-11-23"}).text
    assert 'id="verdict">NOT IN FORCE<' in html
    html = client.get("/agreements/paris-record", params={"on": "2020-11-04", "party": "USA"}).text
    assert 'id="verdict">NOT IN FORCE<' in html and "for USA" in html
    resp = client.get("/agreements/nope")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "TL621"


def test_user_text_is_escaped_in_the_page(tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    reg.mkdir()
    (reg / "a.csv").write_text(
        "id,rules,title,entry_into_force\nx1,gsomia,<script>alert(1)</script> & <b>bold</b>,2016-11-23\n",
        encoding="utf-8",
    )
    c = TestClient(create_app([reg], today=lambda: TODAY))
    for url in ("/", "/agreements/x1"):
        html = c.get(url).text
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold" in html


def test_the_register_page_orders_by_the_day_to_act_and_shows_other_readings(tmp_path: Path) -> None:
    """A rules file leaving notice_counting open: from 2019-08-25 the default's deadline is a year away, but
    under date_difference a notice that day still prevents the renewal of 2019-11-23."""
    import yaml

    import treatylife as tl

    reg = tmp_path / "reg"
    reg.mkdir()
    rules = yaml.safe_load((Path(tl.__file__).parent / "data" / "rules" / "gsomia.yaml").read_text("utf-8"))
    del rules["conventions"]
    (reg / "open.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    (reg / "a.csv").write_text(
        "id,rules,entry_into_force\nstated,gsomia,2017-03-01\nopen,open.yaml,2016-11-23\n", encoding="utf-8"
    )
    c = TestClient(create_app([reg], today=lambda: TODAY))
    html = c.get("/", params={"from": "2019-08-25", "within": "120d"}).text
    assert "other readings</th>" in html
    assert html.index(">open</a>") < html.index(">stated</a>")  # 2019-08-25 (another reading) before 12-01
    assert "deadline 2019-08-25, prevents_renewal_of 2019-11-23 under notice_counting=date_difference" in html
    api = c.get("/api/registers/reg/deadlines", params={"from": "2019-08-25", "within": "120d"}).json()
    assert [(r["id"], r["earliest_deadline"]) for r in api["deadlines"]] == [
        ("open", "2019-08-25"),
        ("stated", "2019-12-01"),
    ]


# ---------------------------------------------------------------------------- files stay the source of truth


def _touch_past(path: Path) -> None:
    past = time.time() - 5
    os.utime(path, (past, past))


def test_a_changed_register_is_reread_and_an_invalid_one_keeps_the_last_good(tmp_path: Path) -> None:
    reg = tmp_path / "reg.csv"
    reg.write_text("id,rules,entry_into_force\nx1,gsomia,2016-11-23\n", encoding="utf-8")
    c = TestClient(create_app([reg], today=lambda: TODAY, check_every=0))
    assert client_ids(c) == ["x1"]
    reg.write_text(
        "id,rules,entry_into_force\nx1,gsomia,2016-11-23\nx2,gsomia,2017-01-10\n", encoding="utf-8"
    )
    _touch_past(reg)
    assert client_ids(c) == ["x1", "x2"]
    rows = c.get("/api/registers/reg/portfolio").json()["agreements"]
    x2 = c.get("/api/agreements/x2/deadline").json()["deadline"]
    assert x2 == next(r["deadline"] for r in rows if r["id"] == "x2") != rows[0]["deadline"]
    # the file turns invalid: the last good answer stays, and the error shows in the API and on the page
    reg.write_text("id,rules,entry_into_force\nx1,gsomia,2016-13-23\n", encoding="utf-8")
    _touch_past(reg)
    resp = c.get("/api/agreements/x2/status")
    assert resp.status_code == 200 and resp.headers["x-treatylife-register-error"].startswith("TL137")
    assert client_ids(c) == ["x1", "x2"]
    regs = c.get("/api/registers").json()["registers"]
    assert regs[0]["error"]["code"] == "TL137" and regs[0]["error"]["line"] == 2
    page = c.get("/").text
    assert 'role="alert"' in page and "TL137" in page and "last good version" in page
    # fixed again: the new content is served and the error is gone
    reg.write_text("id,rules,entry_into_force\nx3,gsomia,2016-11-23\n", encoding="utf-8")
    _touch_past(reg)
    assert client_ids(c) == ["x3"]
    assert "x-treatylife-register-error" not in c.get("/api/agreements/x3/status").headers
    assert c.get("/api/registers").json()["registers"][0]["error"] is None


def test_a_file_still_being_written_is_not_served(tmp_path: Path) -> None:
    reg = tmp_path / "reg.csv"
    reg.write_text("id,rules,entry_into_force\nx1,gsomia,2016-11-23\n", encoding="utf-8")
    c = TestClient(create_app([reg], today=lambda: TODAY, check_every=0, settle=30))
    reg.write_text("id,rules,entry_into_force\nx1,gsomia,2016-11-23\nx2,gs", encoding="utf-8")  # half written
    assert client_ids(c) == ["x1"]  # modified just now: not read until it has settled
    assert c.get("/api/registers").json()["registers"][0]["error"] is None


def test_a_directory_register_sees_new_and_changed_scenarios(tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    reg.mkdir()
    (reg / "rules").mkdir()
    (reg / "rules" / "r.yaml").write_text(
        (EXAMPLES.parent / "rules" / "gsomia.yaml").read_text(encoding="utf-8")
    )
    scenario = "schema: treatylife/scenario/1\ntitle: T\nrules: rules/r.yaml\nevents:\n  - {date: 2016-11-23, kind: signed}\n"
    scenario += "  - {date: 2016-11-23, kind: notified, party: JPN}\n  - {date: 2016-11-23, kind: notified, party: KOR}\n"
    (reg / "one.yaml").write_text(scenario, encoding="utf-8")
    c = TestClient(create_app([reg], today=lambda: TODAY, check_every=0, settle=0))
    assert client_ids(c) == ["one"]
    assert (
        c.get("/api/agreements/one/deadline", params={"on": "2026-12-01"}).json()["deadline"] == "2027-08-24"
    )
    (reg / "two.yaml").write_text(scenario.replace("title: T", "title: Two"), encoding="utf-8")
    assert client_ids(c) == ["one", "two"]
    ics = "/api/registers/reg/calendar.ics?from=2026-12-01&years=1"
    before = _deadline_events(c.get(ics).text)
    rules = (reg / "rules" / "r.yaml").read_text().replace("notice: 90 days", "notice: 180 days")
    (reg / "rules" / "r.yaml").write_text(rules, encoding="utf-8")
    deadline = c.get("/api/agreements/one/deadline", params={"on": "2026-12-01"}).json()["deadline"]
    assert deadline == "2027-05-26"
    # a subscribed calendar sees the deadline move: same UID, new date
    after = _deadline_events(c.get(ics).text)
    assert set(before) == set(after) and len(before) == 2
    assert all(before[uid] != after[uid] for uid in before)


def _deadline_events(ics: str) -> dict[str, str]:
    """UID -> DTSTART of each notice-deadline event of an iCalendar text."""
    out: dict[str, str] = {}
    for block in ics.split("BEGIN:VEVENT")[1:]:
        lines = block.replace("\r\n ", "").splitlines()
        if "CATEGORIES:notice_deadline" not in lines:
            continue
        uid = next(x for x in lines if x.startswith("UID:"))
        out[uid] = next(x for x in lines if x.startswith("DTSTART"))
    return out


def test_serving_a_bad_register_fails_at_start(tmp_path: Path) -> None:
    from treatylife.errors import TreatyLifeError

    reg = tmp_path / "bad.csv"
    reg.write_text("id,rules,entry_into_force\nx,gsomia,2016-13-01\n", encoding="utf-8")
    with pytest.raises(TreatyLifeError) as exc:
        create_app([reg])
    assert exc.value.code == "TL137"
    r = runner.invoke(cli, ["serve", str(reg)])
    assert r.exit_code == 2 and "TL137" in r.stderr


def client_ids(c: TestClient) -> list[str]:
    return sorted(a["id"] for a in c.get("/api/agreements").json()["agreements"])
