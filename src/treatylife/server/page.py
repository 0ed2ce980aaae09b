"""The register page and each agreement's page: server-rendered HTML, no script, nothing fetched.

A treaty office opens the register page every morning: the upcoming notice deadlines of every served
register, soonest first with the days left, filtered by party and by agreement with a plain form (GET, so a
filtered view is a link to share). Each agreement's page draws the report's SVG timeline and answers "in
force on this date?" from a date field, with the explanation. Every piece of text that comes from a file is
escaped; the content-security policy (set by the app) forbids scripts and every network source.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from treatylife.dates.scalar import days_between
from treatylife.render.escape import html as escape_html

if TYPE_CHECKING:
    from treatylife.answers.report import ReportResult
    from treatylife.answers.results import StatusResult, Step
    from treatylife.server.store import Agreement, Served, Snapshot

__all__ = ["agreement_page", "register_page"]

#: rows a page lists before it asks for a narrower filter (the API has them all)
MAX_ROWS = 300
WINDOWS = {
    "30d": "30 days",
    "90d": "90 days",
    "120d": "120 days",
    "6m": "6 months",
    "1y": "1 year",
    "2y": "2 years",
}

CSS = """
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d1d1d; background: #fafafa; }
header { background: #263238; color: #fff; padding: 12px 18px; }
header a { color: #fff; text-decoration: none; } header h1 { font-size: 19px; margin: 0; }
header p { margin: 2px 0 0; color: #cfd8dc; font-size: 13px; }
main { padding: 14px 18px 30px; max-width: 1400px; }
h2 { font-size: 17px; margin: 22px 0 8px; }
a { color: #0d47a1; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-end; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #444; gap: 2px; }
select, input, button { font: inherit; padding: 5px 7px; border: 1px solid #bbb; border-radius: 4px; background: #fff; max-width: 100%; }
button { background: #1565c0; color: #fff; border-color: #1565c0; cursor: pointer; }
.wrap { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; margin: 6px 0 10px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; font-size: 14px; }
th { background: #f0f0f0; } td.d, td.n { white-space: nowrap; font-variant-numeric: tabular-nums; } td.n { text-align: right; }
.soon { background: #ffebee; } .near { background: #fff8e1; }
.error { background: #ffebee; border-left: 5px solid #c62828; padding: 8px 12px; margin: 10px 0; }
.note { color: #555; font-size: 13px; }
.answer { padding: 10px 14px; border-radius: 6px; margin: 10px 0; background: #fff; border: 1px solid #ddd; }
.answer .verdict { display: inline-block; padding: 4px 10px; border-radius: 5px; font-weight: 700; }
.yes { background: #c8e6c9; } .no { background: #ffcdd2; }
.caveat { background: #fff8e1; border-left: 4px solid #ffb300; padding: 6px 10px; margin: 6px 0; }
.timeline svg { max-width: 100%; height: auto; background: #fff; border: 1px solid #ddd; }
svg text { font: 11px system-ui, sans-serif; fill: #222; }
svg .lbl { font-weight: 600; } svg .track { font-size: 13px; font-weight: 700; }
svg .small { font-size: 10px; } svg .dl { fill: #b71c1c; font-weight: 600; }
.legend span { display: inline-block; margin-right: 12px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; border: 1px solid #999; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 12px; margin: 8px 0; }
dl.facts dt { color: #555; } dl.facts dd { margin: 0; }
@media (max-width: 600px) {
  main { padding: 10px; } header { padding: 10px; }
  th, td { font-size: 13px; padding: 3px 5px; }
  form.filters label { flex: 1 1 45%; }
  .wide { display: none; }
  .timeline { overflow-x: auto; } .timeline svg { max-width: none; width: 1000px; }
}
"""


def _e(x: object) -> str:
    return escape_html("" if x is None else str(x))


def _page(title: str, body: list[str], subtitle: str = "") -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:; form-action 'self'; base-uri 'none'\">",
            f"<title>{_e(title)}</title>",
            f"<style>{CSS}</style></head><body>",
            f'<header><h1><a href="/">treatylife</a> &middot; {_e(title)}</h1>'
            + (f"<p>{_e(subtitle)}</p>" if subtitle else "")
            + "</header>",
            "<main>",
            *body,
            '<p class="note">Answers come from the register files as they are on disk now; '
            'the same answers as JSON: <a href="/docs">API</a> (<a href="/openapi.json">OpenAPI</a>).</p>',
            "</main></body></html>",
        ]
    )


def _errors(served: list[Served]) -> list[str]:
    out = []
    for r in served:
        if r.error is not None:
            e = r.error
            where = ":".join(str(x) for x in (e.get("file"), e.get("line")) if x)
            out.append(
                f'<div class="error" role="alert"><b>Register {_e(r.name)}: its files are invalid now; these '
                f"answers are from the last good version.</b><br>error [{_e(e['code'])}]: {_e(where)}"
                f"{': ' if where else ''}{_e(e.get('field') or '')}{': ' if e.get('field') else ''}"
                f"{_e(e['message'])}" + (f" (hint: {_e(e['hint'])})" if e.get("hint") else "") + "</div>"
            )
    return out


def _options(values: list[str], chosen: str | None, empty: str) -> str:
    opts = [f'<option value="">{_e(empty)}</option>']
    opts += [f'<option value="{_e(v)}"{" selected" if v == chosen else ""}>{_e(v)}</option>' for v in values]
    return "".join(opts)


def register_page(
    found: list[tuple[Served, Snapshot, Any]],
    start: _dt.date,
    within: str,
    party: str | None,
    agreement: str | None,
) -> str:
    """Upcoming deadlines of every served register, soonest first, filtered by party and agreement."""
    agreements = {x: a for _, snap, _ in found for x, a in snap.agreements.items()}
    parties = sorted({p for a in agreements.values() for p in a.parties})
    rows: list[tuple[dict[str, Any], Agreement]] = []
    for _, snap, result in found:
        for row in result.rows():
            a = snap.agreements.get(row["id"])
            if a is None or (party and party not in a.parties) or (agreement and a.id != agreement):
                continue
            rows.append((row, a))
    rows.sort(key=lambda ra: (ra[0]["earliest_deadline"], ra[0]["id"]))  # as `deadlines` orders them
    served = [r for r, _, _ in found]
    until = found[0][2].until if found else start
    body = _errors(served)
    window_options = "".join(
        f'<option value="{_e(k)}"{" selected" if k == within else ""}>{_e(v)}</option>'
        for k, v in WINDOWS.items()
    )
    if within not in WINDOWS:
        window_options += f'<option value="{_e(within)}" selected>{_e(within)}</option>'
    shown_ids = sorted(agreements) if len(agreements) <= 2000 else sorted(a for a in (agreement,) if a)
    body.append(
        '<form class="filters" method="get" action="/" aria-label="filter deadlines">'
        f'<label>Party<select name="party" id="party">{_options(parties, party, "every party")}</select></label>'
        + (
            f'<label>Agreement<select name="agreement" id="agreement">'
            f"{_options(shown_ids, agreement, 'every agreement')}</select></label>"
            if len(agreements) <= 2000
            else f'<label>Agreement id<input name="agreement" id="agreement" value="{_e(agreement or "")}"></label>'
        )
        + f'<label>From<input type="date" name="from" id="from" value="{_e(start)}"></label>'
        f'<label>Within<select name="within" id="within">{window_options}</select></label>'
        '<button type="submit" id="show">Show</button></form>'
    )
    what = " for " + " and ".join(x for x in (party, agreement) if x) if (party or agreement) else ""
    body.append(
        f'<h2 id="deadlines-title">Upcoming notice deadlines{_e(what)}: {len(rows)} from {_e(start)} to '
        f"{_e(until)}</h2>"
    )
    if rows:
        trs = []
        for row, a in rows[:MAX_ROWS]:
            days = row["days_left"]
            # coloured by the day to act by: an earlier deadline under another reading counts
            first = days_between(start, _dt.date.fromisoformat(row["earliest_deadline"]))
            cls = ' class="soon"' if first <= 30 else (' class="near"' if first <= 90 else "")
            trs.append(
                f"<tr{cls}>"
                f'<td class="d">{_e(row["deadline"])}</td>'
                f'<td class="n">{_e(days)}</td>'
                f'<td><a href="/agreements/{quote(a.id, safe="")}">{_e(a.id)}</a></td>'
                f'<td class="wide">{_e(a.title)}</td>'
                f'<td class="d">{_e(row["prevents_renewal_of"])}</td>'
                f"<td>{_e(row['who'])}</td>"
                f'<td class="wide">{_e(row["readings"] or "")}</td></tr>'
            )
        body.append(
            '<div class="wrap"><table id="deadlines"><thead><tr><th>deadline</th><th>days left</th>'
            '<th>agreement</th><th class="wide">title</th><th>prevents the renewal of</th><th>who may give notice</th>'
            '<th class="wide" title="what another reading of a convention the rules file leaves open changes">'
            f"other readings</th></tr></thead><tbody>{''.join(trs)}</tbody></table></div>"
        )
        if len(rows) > MAX_ROWS:
            body.append(
                f'<p class="note">{len(rows) - MAX_ROWS:,} more: narrow the filter, or ask the API '
                "(<code>/api/registers/NAME/deadlines</code>).</p>"
            )
    else:
        body.append('<p id="no-deadlines">No notice deadline falls in this window.</p>')
    body.append("<h2>Calendar subscriptions</h2><ul>")
    for r in served:
        q = urlencode({"party": party}) if party else ""
        href = f"/api/registers/{quote(r.name, safe='')}/calendar.ics" + (f"?{q}" if q else "")
        body.append(
            f'<li><a href="{_e(href)}">{_e(r.name)}{_e(" for " + party) if party else ""}.ics</a></li>'
        )
    body.append("</ul>")
    listed = [
        a
        for a in agreements.values()
        if (not party or party in a.parties) and (not agreement or a.id == agreement)
    ]
    body.append(f"<h2>Agreements ({len(listed):,})</h2>")
    trs = [
        f'<tr><td><a href="/agreements/{quote(a.id, safe="")}">{_e(a.id)}</a></td><td class="wide">{_e(a.title)}</td>'
        f"<td>{_e(a.agreement)}</td><td>{_e(', '.join(a.parties))}</td></tr>"
        for a in listed[:MAX_ROWS]
    ]
    body.append(
        '<div class="wrap"><table id="agreements"><thead><tr><th>id</th><th class="wide">title</th><th>agreement</th>'
        f"<th>parties</th></tr></thead><tbody>{''.join(trs)}</tbody></table></div>"
    )
    if len(listed) > MAX_ROWS:
        body.append(f'<p class="note">{len(listed) - MAX_ROWS:,} more: filter by party or agreement.</p>')
    names = ", ".join(f"{r.name} ({len(s.agreements):,} agreements)" for r, s, _ in found)
    return _page("register", body, f"Serving {names}")


def _steps(steps: list[Step]) -> str:
    trs = "".join(
        f'<tr><td class="d">{_e(s.date or "")}</td><td>{_e(s.what)}</td><td>{_e(s.article or "")}</td>'
        f'<td class="wide">{_e(s.convention or "")}</td></tr>'
        for s in steps
    )
    return (
        '<div class="wrap"><table id="explanation"><thead><tr><th>date</th><th>what</th><th>article</th>'
        f'<th class="wide">convention</th></tr></thead><tbody>{trs}</tbody></table></div>'
    )


def agreement_page(
    served: Served, a: Agreement, report: ReportResult, st: StatusResult, party: str | None
) -> str:
    """One agreement: the answer on a date (a date field), the report's timeline, the explanation."""
    from treatylife.render.html import legend, timeline_svg

    on = st.on
    body = _errors([served])
    body.append(
        f'<form class="filters" method="get" action="/agreements/{quote(a.id, safe="")}" aria-label="ask">'
        f'<label>In force on<input type="date" name="on" id="on" value="{_e(on)}" required></label>'
        + (
            f'<label>For party<select name="party" id="for-party">{_options(list(a.parties), party, "the agreement")}'
            "</select></label>"
            if len(a.parties) > 1
            else ""
        )
        + '<button type="submit" id="ask">Answer</button></form>'
    )
    verdict = "IN FORCE" if st.in_force else "NOT IN FORCE"
    who = f" for {party}" if party else ""
    stage = st.stage_description or st.stage.replace("_", " ")
    facts = [("Stage", f"{stage} since {st.since}" if st.since else stage)]
    if st.term is not None and st.term.number is not None:
        facts.append(("Term", f"{st.term.number}: {st.term.start} .. {st.term.last_day}"))
    if st.ends is not None:
        facts.append(("Ends", f"{st.ends}" + (f": {st.end_reason}" if st.end_reason else "")))
    dl = report.deadline
    if dl.deadline is not None:
        facts.append(
            (
                "Next notice deadline",
                f"{dl.deadline} ({dl.days_left} days left); prevents the renewal of {dl.prevents_renewal_of}",
            )
        )
    for n in st.notices:
        facts.append(("Notice", f"{n.id}: {n.party}, received {n.received}, {n.status}"))
    body.append(
        f'<section class="answer" id="answer" aria-live="polite"><span class="verdict {"yes" if st.in_force else "no"}"'
        f' id="verdict">{_e(verdict)}</span> on <b id="answer-date">{_e(on)}</b>{_e(who)}'
        '<dl class="facts">'
        + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
        + "</dl></section>"
    )
    body += [f'<p class="caveat">{_e(c)}</p>' for c in st.caveats]
    for amb in st.ambiguities:
        readings = "; ".join(f"{k}: {v}" for k, v in amb.readings.items())
        body.append(
            f'<p class="caveat">Ambiguous: {_e(amb.question)}: {_e(readings)} (used {_e(amb.used)})</p>'
        )
    body += [
        "<h2>Timeline</h2>",
        legend(),
        f'<div class="timeline" id="timeline">{timeline_svg(report)}</div>',
        '<p class="note">Hover a bar or a mark for its dates; on a narrow screen the timeline scrolls sideways.</p>',
        f"<h2>Why: the answer on {_e(on)}</h2>",
        _steps(st.explanation),
    ]
    api = f"/api/agreements/{quote(a.id, safe='')}"
    q = urlencode({"on": on.isoformat(), **({"party": party} if party else {})})
    body.append(
        '<p class="note">As JSON: '
        + ", ".join(f'<a href="{_e(f"{api}/{k}?{q}")}">{k}</a>' for k in ("status", "deadline", "explain"))
        + f', <a href="{_e(api)}/timeline">timeline</a>. Parties: {_e(", ".join(a.parties))}. '
        f"Register: {_e(a.register)}.</p>"
    )
    return _page(a.id, body, f"{a.agreement} | {a.title}")
