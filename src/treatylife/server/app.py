"""The web API and the register page, on FastAPI.

Every JSON answer is byte for byte what the CLI prints with ``--json`` (``render_json(result)``), and every
error is the CLI's ``--json`` error (``{"error": {"code": "TL...", ...}}``) with a 4xx status; anything else
is a 500 with code TL999 and no traceback. Agreements are addressed by their id in a served register; no
path a client sends is ever opened, and nothing is written.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from treatylife.errors import InputError, TreatyLifeError
from treatylife.server.limits import (
    MAX_CALENDAR_YEARS,
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    MAX_WHATIF_BYTES,
    BodyTooLarge,
    Guard,
    error_body,
    internal_error_body,
    too_large_body,
)
from treatylife.server.store import Agreement, Served, Snapshot, Store

__all__ = ["create_app"]

#: the register page and the agreement pages: nothing may be fetched or run; inline CSS only (as the report)
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'"
#: the interactive docs run Swagger UI's own script, served from this server (never from a CDN)
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'"
)

Party = Annotated[
    str | None,
    Query(max_length=32, description='Answer for this party: "in force" means in force for it.'),
]
On = Annotated[_dt.date | None, Query(description="Date asked about (YYYY-MM-DD; default: today).")]


class WhatIfBody(BaseModel):
    """A what-if: the overlay of a what-if file as text (YAML or JSON), or the CLI's --add/--remove/--set."""

    model_config = ConfigDict(extra="forbid")

    overlay: str | None = Field(
        None,
        max_length=MAX_WHATIF_BYTES,
        description="A what-if file's text (add, remove, replace, overrides); `based_on` is the agreement.",
        examples=["remove:\n  - kind: notice_suspended\n  - kind: notice_withdrawn\n"],
    )
    add: list[Annotated[str, Field(max_length=MAX_OPTION_CHARS)]] = Field(
        [], max_length=MAX_OPTIONS, description='As --add: "2019-09-01 notice_given JPN".'
    )
    remove: list[Annotated[str, Field(max_length=MAX_OPTION_CHARS)]] = Field(
        [], max_length=MAX_OPTIONS, description="As --remove: a kind, a date, an id, or a combination."
    )
    set: list[Annotated[str, Field(max_length=MAX_OPTION_CHARS)]] = Field(
        [], max_length=MAX_OPTIONS, description="As --set: exits.art21-3-notice.notice=180days."
    )


def json_answer(result: Any, register: Served | None = None) -> Response:
    """The CLI's --json bytes for ``result`` (its ``to_dict()``, sorted keys, one trailing newline)."""
    from treatylife.render.json import render_json

    return Response(render_json(result) + "\n", media_type="application/json", headers=stale(register))


def stale(register: Served | None) -> dict[str, str]:
    """A register whose files turned invalid still answers from its last good state, and says so."""
    if register is None or register.error is None:
        return {}
    e = register.error
    text = f"{e['code']}: {e.get('file') or ''}:{e.get('line') or ''}: {e['message']}"
    return {"X-Treatylife-Register-Error": text.encode("ascii", "replace").decode("ascii")[:500]}


def create_app(
    registers: list[Path] | None = None,
    *,
    today: Callable[[], _dt.date] | None = None,
    check_every: float = 0.25,
    settle: float = 0.2,
) -> Any:
    """The ASGI application serving ``registers`` (default: the bundled examples).

    ``today`` is the clock for dates left out (default: the CLI's clock); ``check_every`` and ``settle``
    tune how files are watched (:mod:`treatylife.server.store`). Raises TreatyLifeError if a register cannot
    be read at start."""
    from treatylife.cli import clock

    store = Store(list(registers or []), check_every=check_every, settle=settle)
    day = today or clock.today
    api = FastAPI(
        title="treatylife",
        version=_version(),
        summary="Is an agreement in force on a date, when is the next notice deadline, what if...",
        description="Every answer is the JSON `treatylife ... --json` prints; errors carry the CLI's codes "
        "(docs/errors.md). Agreements are addressed by id (`GET /api/agreements`).",
        docs_url=None,
        redoc_url=None,
    )
    api.state.store = store
    _docs(api)

    @api.exception_handler(TreatyLifeError)
    async def _user_error(request: Request, exc: TreatyLifeError) -> Response:
        return Response(
            error_body(exc.to_dict()), status_code=status_for(exc.code), media_type="application/json"
        )

    @api.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        if isinstance(exc, BodyTooLarge):
            return Response(too_large_body(), status_code=413, media_type="application/json")
        return Response(internal_error_body(exc), status_code=500, media_type="application/json")

    @api.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        return Response(error_body(validation_error(exc)), status_code=400, media_type="application/json")

    def agreement(agreement_id: str) -> tuple[Served, Snapshot, Agreement, Any]:
        reg, snap, a = store.find(agreement_id)
        return reg, snap, a, snap.record(a)

    # ------------------------------------------------------------------------ the API

    @api.get("/api/registers", tags=["registers"])
    def registers_() -> Response:
        """The registers served: name, number of agreements, when last read, the error if their files are bad."""
        for r in store.registers.values():
            r.current()
        data = {"registers": [r.describe() for r in store.registers.values()]}
        return Response(
            json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            media_type="application/json",
        )

    @api.get("/api/agreements", tags=["registers"])
    def agreements_(party: Party = None, register: str | None = None) -> Response:
        """Every agreement served (id, register, title, parties), optionally of one party or one register."""
        out = []
        for r in store.registers.values():
            if register is not None and r.name != register:
                continue
            snap = r.current()
            out += [a.to_dict() for a in snap.agreements.values() if party is None or party in a.parties]
        if register is not None:
            store.register(register)
        data = {"count": len(out), "agreements": out}
        return Response(
            json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            media_type="application/json",
        )

    @api.get("/api/agreements/{agreement_id}/status", tags=["agreement"])
    def status_(agreement_id: str, on: On = None, party: Party = None) -> Response:
        """As `treatylife status --json`: stage, in force or not, term, pending notices, when it ends."""
        import treatylife

        reg, _, _, rec = agreement(agreement_id)
        return json_answer(treatylife.status(rec, on or day(), party), reg)

    @api.get("/api/agreements/{agreement_id}/explain", tags=["agreement"])
    def explain_(agreement_id: str, on: On = None, party: Party = None) -> Response:
        """As `treatylife status --explain --json`: the status with the events and clauses behind it
        (the `explanation` list; JSON always carries it, so this is the status answer)."""
        import treatylife

        reg, _, _, rec = agreement(agreement_id)
        return json_answer(treatylife.status(rec, on or day(), party), reg)

    @api.get("/api/agreements/{agreement_id}/deadline", tags=["agreement"])
    def deadline_(agreement_id: str, on: On = None, party: Party = None) -> Response:
        """As `treatylife deadline --json`: the next notice deadline on or after a date."""
        import treatylife

        reg, _, _, rec = agreement(agreement_id)
        return json_answer(treatylife.deadline(rec, on or day(), party), reg)

    @api.get("/api/agreements/{agreement_id}/timeline", tags=["agreement"])
    def timeline_(
        agreement_id: str,
        to: Annotated[_dt.date | None, Query(description="Last day shown (default: today).")] = None,
        party: Party = None,
    ) -> Response:
        """As `treatylife timeline --json`: contiguous intervals of stage and term."""
        import treatylife

        reg, _, _, rec = agreement(agreement_id)
        return json_answer(treatylife.timeline(rec, to or day(), party), reg)

    @api.post("/api/agreements/{agreement_id}/whatif", tags=["agreement"])
    def whatif_(
        agreement_id: str,
        body: Annotated[WhatIfBody, Body()],
        answer: Annotated[Literal["status", "deadline", "timeline", "compare"], Query()] = "status",
        on: On = None,
        to: Annotated[_dt.date | None, Query(description="timeline, compare: last day.")] = None,
        from_: Annotated[_dt.date | None, Query(alias="from", description="compare: first day.")] = None,
        party: Party = None,
    ) -> Response:
        """A what-if over the agreement, answered without writing anything: as `treatylife status
        --remove ... --json` (or a what-if file based on it). `answer=compare` compares it with the agreement."""
        import treatylife
        from treatylife.engine.replay import replay

        reg, snap, a, rec = agreement(agreement_id)
        if body.overlay is not None and (body.add or body.remove or body.set):
            raise InputError(
                "give the what-if as `overlay` text or as add/remove/set, not both",
                field="body",
                code="TL623",
            )
        if body.overlay is None and not (body.add or body.remove or body.set):
            raise InputError(
                "a what-if needs `overlay` text or add/remove/set changes",
                field="body",
                code="TL623",
                hint='e.g. {"remove": ["notice_suspended"]}',
            )
        base = snap.register.loaded(a.row)
        if body.overlay is not None:
            from treatylife.files.loader import load_scenario_text

            changed = load_scenario_text(body.overlay, "whatif.yaml", base=base)
        else:
            from treatylife.files.overlay import WhatIf, apply_whatif

            changed = apply_whatif(base, WhatIf(list(body.add), list(body.remove), list(body.set)))
        other = replay(changed)
        if answer == "status":
            return json_answer(treatylife.status(other, on or day(), party), reg)
        if answer == "deadline":
            return json_answer(treatylife.deadline(other, on or day(), party), reg)
        if answer == "timeline":
            return json_answer(treatylife.timeline(other, to or day(), party), reg)
        return json_answer(treatylife.compare(rec, other, from_, to, party), reg)

    @api.get("/api/compare", tags=["agreement"])
    def compare_(
        a: Annotated[str, Query(description="Id of agreement A.")],
        b: Annotated[str, Query(description="Id of agreement B.")],
        from_: Annotated[_dt.date | None, Query(alias="from")] = None,
        to: Annotated[_dt.date | None, Query()] = None,
        party: Party = None,
    ) -> Response:
        """As `treatylife compare A B --json`: where two agreements' scenarios disagree, and why."""
        import treatylife

        reg_a, _, _, rec_a = agreement(a)
        _, _, _, rec_b = agreement(b)
        return json_answer(treatylife.compare(rec_a, rec_b, from_, to, party), reg_a)

    @api.post(
        "/api/check",
        tags=["files"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "A rules or scenario file's text (YAML or JSON); a scenario names bundled rules.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        },
    )
    async def check_(
        request: Request,
        name: Annotated[str, Query(max_length=200, description="What errors call the text.")] = "posted.yaml",
    ) -> Response:
        """As `treatylife check FILE --json`, of a posted text (nothing is read from disk but bundled rules).
        A text that fails the check answers 422, as the CLI exits 2."""
        from starlette.concurrency import run_in_threadpool

        from treatylife.answers.check import check_text

        raw = await request.body()
        result = await run_in_threadpool(check_text, raw, _safe_name(name))
        return Response(
            json_answer(result).body, status_code=200 if result.ok else 422, media_type="application/json"
        )

    @api.get("/api/registers/{name}/portfolio", tags=["registers"])
    def portfolio_(name: str, on: On = None) -> Response:
        """As `treatylife portfolio REGISTER --json`: status and next deadline of every agreement."""
        import treatylife

        reg = store.register(name)
        snap = reg.current()
        d = on or day()
        body = snap.answer(("portfolio", d), lambda: json_answer(treatylife.portfolio(snap.register, d)).body)
        return Response(body, media_type="application/json", headers=stale(reg))

    @api.get("/api/registers/{name}/deadlines", tags=["registers"])
    def deadlines_(
        name: str,
        from_: Annotated[
            _dt.date | None, Query(alias="from", description="First day (default: today).")
        ] = None,
        within: Annotated[str, Query(max_length=40, description="Window: 120d, 8w, 6m, 1y.")] = "120d",
    ) -> Response:
        """As `treatylife deadlines REGISTER --json`: upcoming notice deadlines, soonest first."""
        reg = store.register(name)
        snap = reg.current()
        d = from_ or day()
        body = snap.answer(
            ("deadlines", d, within), lambda: json_answer(register_deadlines(snap, d, within)).body
        )
        return Response(body, media_type="application/json", headers=stale(reg))

    @api.get("/api/registers/{name}/calendar.ics", tags=["registers"], response_class=Response)
    def calendar_(
        name: str,
        party: Party = None,
        from_: Annotated[_dt.date | None, Query(alias="from")] = None,
        years: Annotated[int, Query(ge=1, le=MAX_CALENDAR_YEARS)] = 2,
    ) -> Response:
        """A calendar subscription (iCalendar) of the register's deadlines, renewals and ends, as `treatylife
        calendar`; with `party`, of the agreements that party is a party to. UIDs are stable, so a client
        that subscribes updates events rather than duplicating them."""
        reg = store.register(name)
        snap = reg.current()
        d = from_ or day()
        body = snap.answer(("ics", party, d, years), lambda: register_calendar(snap, party, d, years))
        return Response(body, media_type="text/calendar; charset=utf-8", headers=stale(reg))

    # ------------------------------------------------------------------------ the pages

    from treatylife.server import page

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(
        party: Annotated[str | None, Query(max_length=32)] = None,
        agreement_: Annotated[str | None, Query(alias="agreement", max_length=200)] = None,
        from_: Annotated[_dt.date | None, Query(alias="from")] = None,
        within: Annotated[str, Query(max_length=40)] = "1y",
    ) -> Response:
        regs = [(r, r.current()) for r in store.registers.values()]
        d = from_ or day()
        key = (tuple((s.version, r.error is None) for r, s in regs), d, within, party, agreement_)
        html = store.pages.get(key, partial(render_home, regs, d, within, party, agreement_))
        return Response(
            html, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": PAGE_CSP}
        )

    def render_home(
        regs: list[tuple[Served, Snapshot]],
        d: _dt.date,
        within: str,
        party: str | None,
        agreement_: str | None,
    ) -> str:
        found = [
            (r, s, s.answer(("deadlines-result", d, within), partial(register_deadlines, s, d, within)))
            for r, s in regs
        ]
        return page.register_page(found, d, within, party or None, agreement_ or None)

    @api.get("/agreements/{agreement_id}", response_class=HTMLResponse, include_in_schema=False)
    def agreement_page(
        agreement_id: str, on: On = None, party: Annotated[str | None, Query(max_length=32)] = None
    ) -> Response:
        import treatylife

        reg, _snap, a, rec = agreement(agreement_id)
        d = on or day()
        report = treatylife.report(rec, d)
        html = page.agreement_page(reg, a, report, treatylife.status(rec, d, party or None), party or None)
        return Response(
            html, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": PAGE_CSP}
        )

    return Guard(api)


def register_deadlines(snap: Snapshot, start: _dt.date, within: str) -> Any:
    import treatylife
    from treatylife.bulk.register import parse_within

    return treatylife.deadlines(snap.register, start, parse_within(within))


def register_calendar(snap: Snapshot, party: str | None, start: _dt.date, years: int) -> bytes:
    import treatylife
    from treatylife.bulk.register import check_register_party
    from treatylife.render.ics import render_ics

    if party is not None and snap.agreements:
        check_register_party((c for a in snap.agreements.values() for c in a.parties), party, "party")
    chosen = [a for a in snap.agreements.values() if party is None or party in a.parties]
    return render_ics(treatylife.calendar([snap.record(a) for a in chosen], start, years, party=party))


def status_for(code: str) -> int:
    """The HTTP status of an error code: unknown names 404, too large 413, anything else the client's 400."""
    if code in ("TL621", "TL622"):
        return 404
    if code in ("TL102", "TL307", "TL624"):
        return 413
    return 400


def validation_error(exc: RequestValidationError) -> dict[str, Any]:
    """FastAPI's validation error as a CLI error: query and path problems are TL001 (usage), bodies TL623."""
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    loc = [str(x) for x in first.get("loc", ())]
    where = loc[0] if loc else ""
    name = ".".join(loc[1:]) or where
    message = str(first.get("msg", "invalid request")).replace("Value error, ", "")
    hint = None
    if str(first.get("type", "")).startswith("date"):
        hint = "dates are written YYYY-MM-DD and must exist"
    return {
        "code": "TL623" if where == "body" else "TL001",
        "message": f"{name}: {message}",
        "file": None,
        "line": None,
        "field": name,
        "hint": hint or "see /docs for the parameters",
    }


def _safe_name(name: str) -> str:
    """A name for posted text in messages: one line of printable characters, never a path that is opened."""
    cleaned = "".join(c for c in name if c.isprintable() and c not in "/\\") or "posted.yaml"
    return cleaned[:200]


def _version() -> str:
    from treatylife import __version__

    return __version__


def _docs(api: FastAPI) -> None:
    """Swagger UI and ReDoc at /docs and /redoc, with their scripts served from this server: the
    `fastapi-offline` package ships them, so the docs work with no network (FastAPI's own load from a CDN)."""
    from importlib import resources

    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    static = Path(str(resources.files("fastapi_offline") / "static"))
    api.mount("/docs-static", StaticFiles(directory=static), name="docs-static")

    @api.get("/docs", include_in_schema=False)
    def swagger() -> Response:
        html = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="treatylife API",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon.png",
        )
        html.headers["Content-Security-Policy"] = DOCS_CSP
        return html

    @api.get("/redoc", include_in_schema=False)
    def redoc() -> Response:
        html = get_redoc_html(
            openapi_url="/openapi.json",
            title="treatylife API",
            redoc_js_url="/docs-static/redoc.standalone.js",
            redoc_favicon_url="/docs-static/favicon.png",
            with_google_fonts=False,
        )
        html.headers["Content-Security-Policy"] = DOCS_CSP + "; worker-src blob:"
        return html
