"""One self-contained HTML page for a :class:`~treatylife.reporting.ReportResult`.

Inline CSS and inline SVG only: no script, no font, image or stylesheet fetched from anywhere, so the page
opens offline and can be mailed or archived as one file. The SVG is a horizontal timeline: a band per
scenario with rows for stages, terms, notice windows (ending on each deadline), notices and events; a
what-if is drawn above its base, and the ranges where they disagree are shaded across both. Tables below
repeat every date in text (status, next deadline, comparison, explanation, events).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from treatylife.answers.report import ReportResult, Track
    from treatylife.answers.results import StatusResult, Step

__all__ = ["CSS", "legend", "render_html", "timeline_svg"]

WIDTH = 1220  # the wide timeline (a 1280 px window less the page margins)
NARROW = 380  # the timeline shown on screens up to 700 px wide (a phone: 420 px)
ROW = 26
CHAR = 5.6  # width of one character of a 10 px label (an estimate: labels are short)
STAGE_COLOURS = {
    "not_started": "#eeeeee",
    "negotiating": "#cfd8dc",
    "negotiations_suspended": "#b0bec5",
    "initialed": "#bbdefb",
    "approved": "#90caf9",
    "signed": "#64b5f6",
    "in_force": "#81c784",
    "operation_suspended": "#fff176",
    "abandoned": "#bdbdbd",
    "terminated": "#e57373",
    "expired": "#ffb74d",
}

#: events labelled on a narrow timeline (those that change the answer)
KEY_EVENTS = {
    "signed",
    "notice_given",
    "notice_suspended",
    "notice_withdrawn",
    "notice_resumed",
    "terminated_by_consent",
    "extended",
    "operation_suspended",
    "operation_resumed",
    "instrument_withdrawn",
}

#: a party's lane when it is not bound (multilateral agreements)
PARTY_COLOURS = {"not_a_party": "#eeeeee", "deposited": "#bbdefb", "withdrawn": "#ef9a9a"}

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #555; margin: 0 0 14px; }
.answer { display: inline-block; padding: 6px 12px; border-radius: 6px; font-weight: 600; margin-right: 10px; }
.yes { background: #c8e6c9; } .no { background: #ffcdd2; }
table { border-collapse: collapse; margin: 6px 0 10px; display: block; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; font-size: 13px; }
th { background: #f3f3f3; } td.d { white-space: nowrap; font-variant-numeric: tabular-nums; }
svg text { font: 11px system-ui, sans-serif; fill: #222; }
svg .lbl { font-weight: 600; } svg .track { font-size: 13px; font-weight: 700; }
svg .small { font-size: 10px; } svg .dl { fill: #b71c1c; font-weight: 600; }
svg .next { fill: #b71c1c; font-weight: 700; }
svg .dl9 { font-size: 9px; fill: #b71c1c; font-weight: 600; }
svg.timeline { width: 100%; height: auto; display: block; }
svg.tl-narrow { display: none; }
@media (max-width: 700px) { svg.tl-wide { display: none; } svg.tl-narrow { display: block; } }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; border: 1px solid #999; }
.caveat { background: #fff8e1; border-left: 4px solid #ffb300; padding: 6px 10px; margin: 6px 0; }
"""


class _Scale:
    """Days to x positions in a timeline ``width`` wide whose label column is ``left`` wide."""

    def __init__(self, start: _dt.date, until: _dt.date, width: int = WIDTH) -> None:
        self.width = width
        self.narrow = width < 600
        self.left = 64 if self.narrow else 150
        self.lo = start.toordinal()
        self.hi = max(until.toordinal() + 1, self.lo + 1)
        self.w = width - self.left - (8 if self.narrow else 30)

    def x(self, d: _dt.date | None, default: float | None = None) -> float:
        if d is None:
            return default if default is not None else self.left
        o = min(max(d.toordinal(), self.lo), self.hi)
        return self.left + (o - self.lo) * self.w / (self.hi - self.lo)

    def end_x(self, last_day: _dt.date | None) -> float:
        """Right edge of a last day (the end of that day); open-ended = the right edge of the chart."""
        if last_day is None:
            return self.left + self.w
        return self.x(_dt.date.fromordinal(min(last_day.toordinal() + 1, self.hi)))


def _label(sc: _Scale, x: float, y: float, s: str, cls: str = "small") -> tuple[str, float, float]:
    """A label starting at ``x``, or ending there when it would pass the right edge: (svg, left, right)."""
    w = len(s) * CHAR
    if x + w > sc.width - 2:
        return _text(x, y, s, cls, "end"), x - w, x
    return _text(x, y, s, cls), x, x + w


def _e(x: object) -> str:
    """Every value on the page is data: entities for ``& < > " '``, escapes for controls."""
    from treatylife.render.escape import html

    return html("" if x is None else str(x))


def _rect(x0: float, x1: float, y: float, h: float, fill: str, title: str, extra: str = "") -> str:
    w = max(x1 - x0, 1.0)
    return (
        f'<rect x="{x0:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}" {extra}>'
        f"<title>{_e(title)}</title></rect>"
    )


def _text(x: float, y: float, s: str, cls: str = "", anchor: str = "start") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}>{_e(s)}</text>'


def _track_svg(t: Track, sc: _Scale, y0: float, label: str) -> tuple[list[str], float]:
    out = [_text(8, y0 + 14, label, "track")]
    y = y0 + 22
    # stages
    out.append(_text(8, y + 17, "stage", "lbl"))
    for i in t.timeline.intervals:
        x0, x1 = sc.x(i.start, sc.left), sc.end_x(i.last_day)
        if x1 <= x0:
            continue
        title = f"{i.start or '...'} .. {i.last_day or '...'}: {i.stage}" + (
            f" term {i.term}" if i.term else ""
        )
        out.append(_rect(x0, x1, y, ROW - 4, STAGE_COLOURS.get(i.stage, "#ddd"), title, 'stroke="#fff"'))
        words = i.stage.replace("_", " ")
        if not i.in_force and x1 - x0 > CHAR * len(words) + 8:
            out.append(_text(x0 + 4, y + 15, words, "small"))
    in_force = [i for i in t.timeline.intervals if i.in_force]
    if in_force:
        first = in_force[0]
        words = f"in force from {first.start}" if not sc.narrow else f"in force {first.start}"
        out.append(_label(sc, sc.x(first.start, sc.left) + 4, y + 15, words)[0])
    y += ROW
    # a lane per party (multilateral agreements): in force for it, or why not
    for lane in t.parties:
        out.append(_text(8, y + 15, lane.party or "", "lbl"))
        for i in lane.intervals:
            x0, x1 = sc.x(i.start, sc.left), sc.end_x(i.last_day)
            if x1 <= x0:
                continue
            fill = "#81c784" if i.in_force else PARTY_COLOURS.get(i.stage, "#eeeeee")
            what = "in force for it" if i.in_force else i.stage.replace("_", " ")
            out.append(
                _rect(
                    x0,
                    x1,
                    y + 2,
                    ROW - 10,
                    fill,
                    f"{lane.party}: {i.start or '...'} .. {i.last_day or '...'}: {what} ({i.cause})",
                    'stroke="#fff"',
                )
            )
        y += ROW - 6
    if t.parties:
        y += 6
    # terms
    out.append(_text(8, y + 17, "terms", "lbl"))
    for i in t.timeline.intervals:
        if i.term is None:
            continue
        x0, x1 = sc.x(i.start, sc.left), sc.end_x(i.last_day)
        fill = "#a5d6a7" if i.term % 2 else "#c8e6c9"
        out.append(
            _rect(
                x0,
                x1,
                y,
                ROW - 4,
                fill,
                f"term {i.term}: {i.start} .. {i.last_day or '...'}",
                'stroke="#fff"',
            )
        )
        if x1 - x0 > 22:
            out.append(_text((x0 + x1) / 2, y + 15, f"T{i.term}", "small", "middle"))
    y += ROW
    # notice windows, each ending on its deadline; the date is written inside its own window, right-aligned
    # on the deadline (never under the next term's window); the next deadline is always written
    if t.windows:
        out.append(_text(8, y + 17, "notice windows" if not sc.narrow else "notice", "lbl"))
    for w in t.windows:
        x0, x1 = sc.x(w.start), sc.end_x(w.deadline)
        out.append(
            _rect(
                x0,
                x1,
                y + 3,
                ROW - 8,
                "#ffe0b2",
                f"term {w.term}: a notice received {w.start} .. {w.deadline} stops the renewal of {w.renewal}",
            )
        )
        out.append(
            f'<line x1="{x1:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y + ROW - 2:.1f}" stroke="#b71c1c" '
            f'stroke-width="2"><title>deadline {_e(w.deadline)} ({_e(w.article)})</title></line>'
        )
        room = x1 - x0 - 4
        full, short = f"{w.deadline}", f"'{w.deadline:%y-%m-%d}"
        if room >= len(full) * CHAR:  # the date fits inside its own window
            out.append(_text(x1 - 2, y + 16, full, "small dl", "end"))
        elif room >= len(short) * CHAR * 0.9:  # 9 px, the year in two digits
            out.append(_text(x1 - 2, y + 15, short, "dl9", "end"))
    nxt = [w for w in t.windows if w.deadline == t.next_deadline]
    y += ROW
    if nxt:  # the next deadline: a label of its own under the row, ending on its tick
        x1 = sc.end_x(nxt[0].deadline)
        text = f"next deadline {nxt[0].deadline}"
        left = max(x1 - len(text) * CHAR, sc.left)
        out.append(_text(left, y + 8, text, "small next"))
        y += 12
    # notices
    if t.notices:
        out.append(_text(8, y + 17, "notices", "lbl"))
        for n in t.notices:
            x0 = sc.x(n.received)
            x1 = sc.x(n.takes_effect) if n.takes_effect else x0 + 4
            colour = {
                "effective": "#c62828",
                "pending": "#ef6c00",
                "suspended": "#f9a825",
                "withdrawn": "#757575",
            }
            c = colour.get(n.final_status, "#6d4c41")
            title = f"notice {n.id} by {n.party}, received {n.received}: " + "; ".join(n.history)
            out.append(
                f'<line x1="{x0:.1f}" y1="{y + 11:.1f}" x2="{x1:.1f}" y2="{y + 11:.1f}" stroke="{c}" '
                f'stroke-width="5" stroke-dasharray="{"6 3" if n.final_status != "effective" else "none"}">'
                f"<title>{_e(title)}</title></line>"
            )
            out.append(
                f'<circle cx="{x0:.1f}" cy="{y + 11:.1f}" r="5" fill="{c}"><title>{_e(title)}</title></circle>'
            )
            words = f"{n.party} notice {n.received} ({n.final_status})"
            out.append(
                _label(
                    sc, x0 + 7, y + 24, words if not sc.narrow else f"{n.party} notice ({n.final_status})"
                )[0]
            )
        y += ROW + 4
    # events: one marker and one label per day, labels laid out in as many rows as they need (up to 6)
    out.append(_text(8, y + 17, "events", "lbl"))
    days: dict[str, list[dict[str, object]]] = {}
    for ev in t.timeline.events:
        days.setdefault(str(ev["date"]), []).append(ev)
    rows_right: list[float] = []
    for day, evs in days.items():
        # a narrow screen labels the events that change the answer; the events table lists every one
        evs_shown = not sc.narrow or any(ev["kind"] in KEY_EVENTS for ev in evs)
        x = sc.x(_dt.date.fromisoformat(day))
        title = "; ".join(
            f"{ev['kind']}"
            + (f" {ev['party']}" if ev.get("party") else "")
            + (f": {ev['note']}" if ev.get("note") else "")
            for ev in evs
        )
        out.append(
            f'<path d="M{x:.1f},{y + 4:.1f} l5,7 l-5,7 l-5,-7 z" fill="#37474f"><title>{_e(day)} {_e(title)}</title></path>'
        )
        if not evs_shown:
            continue
        kinds: list[str] = []
        for ev in evs:
            k = str(ev["kind"]).replace("_", " ")
            if k not in kinds:
                kinds.append(k)
        counts = {k: sum(1 for ev in evs if str(ev["kind"]).replace("_", " ") == k) for k in kinds}
        text = f"{day} " + ", ".join(k + (f" x{counts[k]}" if counts[k] > 1 else "") for k in kinds)
        width = len(text) * CHAR
        start = x + 6 if x + 6 + width <= sc.width - 2 else x - width
        row = next((i for i, right in enumerate(rows_right) if start > right + 6), None)
        if row is None:
            if len(rows_right) >= 6:
                continue  # the events table below lists it
            rows_right.append(-1e9)
            row = len(rows_right) - 1
        rows_right[row] = start + width
        anchor = "start" if start > x else "end"
        out.append(_text(x + 6 if anchor == "start" else x - 2, y + 28 + 11 * row, text, "small", anchor))
    y += ROW + 14 + 11 * max(len(rows_right), 1)
    return out, y


def _axis(sc: _Scale, start: _dt.date, until: _dt.date, y: float, height: float) -> list[str]:
    out = []
    years = range(start.year + (0 if start.month == 1 and start.day == 1 else 1), until.year + 1)
    room = 34 if not sc.narrow else 40  # px a year label needs
    per_year = sc.w * 365.25 / max(sc.hi - sc.lo, 1)
    step = max(1, int(room // max(per_year, 1e-9)) + (1 if per_year < room else 0))
    for yr in list(years)[::step]:
        x = sc.x(_dt.date(yr, 1, 1))
        out.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y + height:.1f}" stroke="#e0e0e0" />')
        out.append(_text(x, y - 4, str(yr), "small", "middle"))
    return out


def timeline_svg(r: ReportResult, width: int = WIDTH) -> str:
    """The report's SVG timeline alone, ``width`` wide (the register page draws it on each agreement's
    page; the report draws it twice, wide and narrow, and its CSS shows the one that fits)."""
    sc = _Scale(r.start, r.until, width)
    body: list[str] = []
    y = 40.0
    tracks = [(r.track, "what-if" if r.base is not None else "scenario")]
    if r.base is not None:
        tracks.append((r.base, "base"))
    top = y
    for t, label in tracks:
        parts, y = _track_svg(t, sc, y, label)
        body += parts
    height = y + 10
    back: list[str] = _axis(sc, r.start, r.until, 34, height - 38)
    if r.comparison is not None:
        for d in r.comparison.ranges:
            x0, x1 = sc.x(d.start, sc.left), sc.end_x(d.last_day)
            back.append(
                _rect(
                    x0,
                    x1,
                    top,
                    height - top - 6,
                    "#f8bbd0",
                    f"the two scenarios differ {d.start or '...'} .. {d.last_day or '...'}: "
                    f"what-if {d.b.label()}, base {d.a.label()}",
                    'opacity="0.45"',
                )
            )
            back.append(_label(sc, x0 + 3, height - 10, f"differ from {d.start}", "small dl")[0])
    on_x = sc.x(r.on)
    back.append(
        f'<line x1="{on_x:.1f}" y1="16" x2="{on_x:.1f}" y2="{height - 4:.1f}" stroke="#1565c0" '
        f'stroke-dasharray="4 3" stroke-width="1.5"><title>as of {_e(r.on)}</title></line>'
    )
    back.append(_label(sc, on_x + 3, 12, f"as of {r.on}")[0])
    cls = "timeline tl-narrow" if sc.narrow else "timeline tl-wide"
    return (
        f'<svg class="{cls}" role="img" aria-label="timeline of {_e(r.agreement)}" '
        f'viewBox="0 0 {width} {height:.0f}" style="max-width:{width}px">'
        + "".join(back)
        + "".join(body)
        + "</svg>"
    )


def _table(head: list[str], rows: list[list[object]], date_cols: tuple[int, ...] = (0,)) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    trs = []
    for row in rows:
        tds = "".join(
            f'<td class="d">{_e(c)}</td>' if i in date_cols else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        )
        trs.append(f"<tr>{tds}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(trs)}</tbody></table>"


def _source(src: str | None) -> str:
    """``file:line`` as the page shows it: an absolute path (of this machine) becomes the file's name."""
    import os

    if not src:
        return ""
    return os.path.basename(src) if os.path.isabs(src) else src


def _steps(steps: list[Step]) -> str:
    return _table(
        ["date", "what", "article", "convention", "source"],
        [[s.date or "", s.what, s.article or "", s.convention or "", _source(s.source)] for s in steps],
    )


def legend() -> str:
    items = [(c, s.replace("_", " ")) for s, c in STAGE_COLOURS.items() if s != "not_started"]
    items += [("#ffe0b2", "notice window (ends on the deadline)"), ("#f8bbd0", "what-if differs from base")]
    return (
        '<p class="legend">'
        + "".join(f'<span><i style="background:{c}"></i>{_e(n)}</span>' for c, n in items)
        + "</p>"
    )


def _status_facts(st: StatusResult) -> list[str]:
    """The status as the other views say it (render/facts.py): stage, term, end, each notice."""
    from treatylife.render.facts import end_line, notice_facts, stage_line, term_line

    rows: list[list[object]] = [["Stage", stage_line(st)]]
    if st.term is not None:
        rows.append(["Term", term_line(st.term)])
    end = end_line(st)
    if end is not None:
        rows.append(list(end))
    if st.missing is not None:
        rows.append(["Not yet in force", st.missing.summary])
    for n in st.notices:
        f = notice_facts(n)
        timely = f"{f.timely} (deadline {f.deadline})" if f.deadline else f.timely
        text = f"{f.party}, {f.kind} under {f.clause}, received {f.received}, {timely}; {f.status}"
        rows.append([f"Notice {f.id}", "; ".join([text, *([f.effect] if f.effect else []), *f.why])])
    return [f"<h2>Status on {_e(st.on)}</h2>", _table(["", "as of " + str(st.on)], rows, ())]


def render_html(r: ReportResult) -> str:
    st, dl = r.status, r.deadline
    ans = "in force" if st.in_force else "not in force"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # nothing may be fetched: the policy forbids every network source, the page needs none
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">',
        f"<title>{_e(r.agreement)}: report as of {_e(r.on)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{_e(r.agreement)}</h1>",
        f'<p class="sub">{_e(r.title)}<br>Scenario: <b>{_e(r.track.scenario)}</b>'
        + (f" &mdash; drawn against <b>{_e(r.base.scenario)}</b>" if r.base else "")
        + f"<br>Timeline {_e(r.start)} .. {_e(r.until)}; answers as of {_e(r.on)}.</p>",
        f'<p><span class="answer {"yes" if st.in_force else "no"}">{_e(ans)} on {_e(r.on)}</span>',
    ]
    if st.term is not None and st.term.number is not None:
        parts.append(f"term {st.term.number}: {_e(st.term.start)} .. {_e(st.term.last_day)}. ")
    if dl.deadline is not None:
        parts.append(
            f"Next notice deadline: <b>{_e(dl.deadline)}</b> (prevents the renewal of {_e(dl.prevents_renewal_of)}; "
            f"{_e(dl.clause)}, {_e(dl.article)}, {_e(dl.convention)})."
        )
    else:
        parts.append(f"No notice deadline: {_e(dl.reason)}.")
    parts.append("</p>")
    parts += _status_facts(st)
    parts += [f'<p class="caveat">{_e(c)}</p>' for c in st.caveats]
    for a in [*st.ambiguities, *dl.ambiguities]:
        readings = "; ".join(f"{k}: {v}" for k, v in a.readings.items())
        parts.append(f'<p class="caveat">Ambiguous: {_e(a.question)}: {_e(readings)} (used {_e(a.used)})</p>')
    parts += ["<h2>Timeline</h2>", legend(), timeline_svg(r), timeline_svg(r, NARROW)]
    if r.track.changes:
        parts += [
            "<h2>What-if changes</h2>",
            "<ul>",
            *[f"<li>{_e(c)}</li>" for c in r.track.changes],
            "</ul>",
        ]
    if r.comparison is not None:
        c = r.comparison
        parts.append("<h2>What-if against its base</h2>")
        if c.same:
            parts.append("<p>Same answers on every day shown.</p>")
        else:
            first = c.ranges[0]
            parts.append(
                f"<p>They diverge from <b>{_e(c.diverge_from)}</b> on: base {_e(first.a.label())}, "
                f"what-if {_e(first.b.label())}.</p>"
            )
            if c.cause:
                parts.append(
                    "<p>Caused by: "
                    + "; ".join(
                        _e(f"{x.label()} (only in {'the base' if x.only_in == 'A' else 'the what-if'})")
                        for x in c.cause
                    )
                    + "</p>"
                )
        parts += [f"<p>Rules differ: {_e(d)}</p>" for d in c.rule_differences]
        parts.append(
            _table(
                ["from", "to", "base", "what-if", "differs"],
                [
                    [d.start or "...", d.last_day or "...", d.a.label(), d.b.label(), d.describe()]
                    for d in c.ranges
                ],
                (0, 1),
            )
        )
    parts += [
        f"<h2>Why: status on {_e(r.on)}</h2>",
        _steps(dl.explanation if dl.deadline else st.explanation),
    ]
    if r.track.windows:
        parts += [
            "<h2>Notice deadlines</h2>",
            _table(
                ["deadline (last day of receipt)", "prevents the renewal of", "term", "term ends", "clause"],
                [
                    [w.deadline, w.renewal, w.term, w.term_last_day, f"{w.clause} ({w.article})"]
                    for w in r.track.windows
                ],
                (0, 1, 3),
            ),
        ]
    parts += [
        "<h2>Events</h2>",
        _table(
            ["date", "event", "party", "note"],
            [
                [e["date"], e["kind"], e.get("party") or "", e.get("note") or ""]
                for e in r.track.timeline.events
            ],
        ),
        "<h2>Conventions</h2>",
        _table(["convention", "value"], [[k, v] for k, v in r.conventions.items()], ()),
        f'<p class="sub">Generated by treatylife from {_e(r.track.scenario)}; the page is self-contained.</p>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
