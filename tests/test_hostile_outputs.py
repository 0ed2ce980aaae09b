"""User text is data in every output (issue 12, "Injection into outputs").

ONE table of hostile strings, each put at once into a scenario title, the rules' short title and a party
name, a notice's id, an event note, a claim and a source; then every output format is rendered from the
same files and checked for what a user would suffer: a terminal command (ESC, OSC, C1), a forged answer
line, rich markup read from the file, Markdown or HTML injected into a page, a spreadsheet formula, or an
answer whose data changed (JSON keeps every string exactly).

Each check compares against the same files with a plain string in place of the hostile one (the baseline):
the same number of lines, headings, table cells and links.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import treatylife as tl
from treatylife.render import escape
from treatylife.render.html import render_html
from treatylife.render.ics import render_ics
from treatylife.render.json import render_json
from treatylife.render.markdown import render_markdown
from treatylife.render.register import render_register
from treatylife.render.rich_text import print_rich
from treatylife.render.text import render_text

ROOT = Path(__file__).resolve().parent.parent
ON = dt.date(2019, 11, 23)

HOSTILE: dict[str, str] = {
    "erase-screen": "\x1b[2J\x1b[H",
    "osc-window-title": "\x1b]0;pwned\x07",
    "osc8-hidden-link": "\x1b]8;;https://evil.example/\x1b\\Official record\x1b]8;;\x1b\\",
    "c1-csi": "\x9b2J\x9d0;pwned\x9c",
    "nul": "a\x00b",
    "del-backspace-bell": "a\x7f\x08\x07b",
    "cr-forges-a-line": "x\rOn 2000-01-01: NOT IN FORCE",
    "lf-forges-a-line": "x\nOn 2000-01-01: NOT IN FORCE",
    "md-heading": "x\n## Heading\n- item",
    "md-image": "![img](http://x.example/i.png)",
    "md-link": "[Official record](http://evil.example)",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>&amp;",
    "rich-close-tag": "[/bold]",
    "rich-link": "[link=https://evil.example]Official record[/link]",
    "rich-style-emoji": "[bold red]:red_circle: x",
    "csv-hyperlink": '=HYPERLINK("http://evil.example","x")',
    "csv-plus": "+1",
    "csv-minus": "-1",
    "csv-at": "@SUM(A1:A9)",
    "csv-tab": "\tx",
    "csv-cr": "\rx",
    "table-pipes": "a | b | c",
    "md-emphasis-code": "*bold* _em_ `code` ~~s~~",
    "rtl-override": "\u202eexe.txt",
    "zero-width": "kor\u200b-2019\ufeff",
    "unicode-line-breaks": "a\u2028b\u2029c\x85d\x0be\x0cf",
    "tag-characters": "a\U000e0041\U000e0042",
}
LONE_SURROGATE = "a\udcffb"  # not writable in YAML: it arrives through the command line or JSON Lines
PLAIN = "Plain title"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the styles rich itself writes on a terminal


def _unsafe(text: str, allowed: str = "\n") -> list[str]:
    return [c for c in escape.UNSAFE.findall(text) if c not in allowed]


def _yaml_str(text: str) -> str:
    """A YAML double-quoted scalar for any text (escapes for everything outside printable ASCII)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def _files(d: Path, text: str) -> Path:
    """Rules and a scenario in ``d`` with ``text`` in every user-written field that reaches an output."""
    d.mkdir(parents=True, exist_ok=True)
    rules = (ROOT / "rules" / "gsomia.yaml").read_text(encoding="utf-8")
    rules = rules.replace("short_title: GSOMIA (Japan–Korea, 2016)", f"short_title: {_yaml_str(text)}")
    rules = rules.replace("name: Japan\n", f"name: {_yaml_str(text)}\n")
    (d / "r.yaml").write_text(rules, encoding="utf-8")
    s = (ROOT / "examples" / "gsomia-record.yaml").read_text(encoding="utf-8")
    s = s.replace("title: GSOMIA — the record, 2012–2023", f"title: {_yaml_str(text)}")
    s = s.replace("rules: ../rules/gsomia.yaml", "rules: r.yaml")
    s = s.replace("kor-2019-termination", _yaml_str("n" + text))
    s = s.replace(
        "note: written notice of termination handed to Japan's ambassador in Seoul",
        f"note: {_yaml_str(text)}",
    )
    s = re.sub(r"claim: .*", lambda _: f"claim: {_yaml_str(text)}", s)
    s = s.replace("source: DW, 2016-11-23", f"source: {_yaml_str(text)}")
    (d / "s.yaml").write_text(s, encoding="utf-8")
    return d / "s.yaml"


def _results(path: Path) -> dict[str, Any]:
    return {
        "status": tl.status(path, ON),
        "deadline": tl.deadline(path, dt.date(2019, 8, 1)),
        "timeline": tl.timeline(path, ON),
        "check": tl.check([path, path.with_name("r.yaml")]),
        "compare": tl.compare(path, tl.whatif(path, remove=["notice_suspended", "notice_withdrawn"])),
    }


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _results(_files(tmp_path_factory.mktemp("plain"), PLAIN))


CASES = pytest.mark.parametrize("name", sorted(HOSTILE))


@pytest.fixture
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path, dict[str, Any]]:
    text = HOSTILE[request.node.callspec.params["name"]]
    path = _files(tmp_path, text)
    return text, path, _results(path)


def _md_shape(md: str) -> dict[str, int]:
    from markdown_it import MarkdownIt

    page = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md)
    tags = (
        "<h1",
        "<h2",
        "<h3",
        "<li",
        "<td",
        "<th",
        "<a ",
        "<img",
        "<script",
        "<code",
        "<em",
        "<strong",
        "<s>",
    )
    return {t: page.count(t) for t in tags}


@CASES
def test_plain_text_is_clean_and_forges_no_line(
    name: str, hostile: tuple[str, Path, dict[str, Any]], baseline: dict[str, Any]
) -> None:
    _, _, results = hostile
    for kind, result in results.items():
        out = render_text(result, explain=True)
        assert not _unsafe(out), (kind, _unsafe(out))
        assert len(out.splitlines()) == len(render_text(baseline[kind], explain=True).splitlines()), kind
    status = render_text(results["status"])
    assert next(line for line in status.splitlines() if line.startswith("On ")) == "On 2019-11-23: IN FORCE"


@CASES
def test_rich_on_a_terminal_prints_file_text_literally(
    name: str, hostile: tuple[str, Path, dict[str, Any]]
) -> None:
    from rich.console import Console

    text, _, results = hostile
    for kind, result in results.items():
        buf = io.StringIO()
        console = Console(file=buf, force_terminal=True, color_system="truecolor", width=400, highlight=False)
        print_rich(result, explain=True, console=console)  # a "[/bold]" title once raised MarkupError
        raw = buf.getvalue()
        assert "\x1b]" not in raw, kind  # no OSC: no window title, no hidden hyperlink
        shown = SGR.sub("", raw)
        assert not _unsafe(shown), (kind, _unsafe(shown))
    title = SGR.sub("", _rich(results["status"]))
    assert escape.terminal(text) in title  # markup shown as written: "[link=https://evil.example]..."


def _rich(result: Any) -> str:
    from rich.console import Console

    buf = io.StringIO()
    print_rich(result, console=Console(file=buf, force_terminal=True, width=400, highlight=False))
    return buf.getvalue()


@CASES
def test_markdown_injects_no_heading_image_link_html_or_column(
    name: str, hostile: tuple[str, Path, dict[str, Any]], baseline: dict[str, Any]
) -> None:
    _, _, results = hostile
    for kind, result in results.items():
        md = render_markdown(result, explain=True)
        assert not _unsafe(md), (kind, _unsafe(md))
        assert _md_shape(md) == _md_shape(render_markdown(baseline[kind], explain=True)), kind


@CASES
def test_json_keeps_the_data_exactly_and_escapes_what_a_terminal_would_run(
    name: str, hostile: tuple[str, Path, dict[str, Any]]
) -> None:
    text, _, results = hostile
    for kind, result in results.items():
        doc = render_json(result)
        assert not _unsafe(doc), (kind, _unsafe(doc))
        assert json.loads(doc) == json.loads(json.dumps(result.to_dict(), default=str)), kind
    assert json.loads(render_json(results["status"]))["scenario"] == text
    assert json.loads(render_json(results["status"]))["notices"][0]["id"] == "n" + text


@CASES
def test_html_report_and_ics_calendar_escape_everything(
    name: str, hostile: tuple[str, Path, dict[str, Any]]
) -> None:
    text, path, _ = hostile
    page = render_html(tl.report(path, ON))
    assert "<script" not in page and "<img" not in page and "\x1b" not in page
    assert not _unsafe(page, allowed="\n\t")  # HTML shows a tab as a space
    assert escape.html(text) in page
    ics = render_ics(tl.calendar([path], dt.date(2019, 1, 1), 2)).decode("utf-8")
    assert not _unsafe(ics, allowed="\r\n\t")  # RFC 5545 TEXT allows a tab
    from icalendar import Calendar

    summaries = [str(ev.get("summary")) for ev in Calendar.from_ical(ics).walk("VEVENT")]
    assert summaries and all(not _unsafe(s, allowed="\t\n") for s in summaries)
    # from before the entry into force: its item carries the short title too
    ics = render_ics(tl.calendar([path], dt.date(2016, 1, 1), 1)).decode("utf-8")
    assert not _unsafe(ics, allowed="\r\n\t")
    events = Calendar.from_ical(ics).walk("VEVENT")
    eif = [ev for ev in events if str(ev.get("categories").cats[0]) == "entry_into_force"]
    assert len(eif) == 1 and not _unsafe(str(eif[0].get("summary")), allowed="\t\n")


def _strings(data: Any) -> set[str]:
    if isinstance(data, str):
        return {data}
    if isinstance(data, dict):
        return set().union(*map(_strings, data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*map(_strings, data)) if data else set()
    return set()


def _register(d: Path, text: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    rows = [
        {"id": text, "rules": "gsomia", "title": text, "entry_into_force": "2016-11-23"},
        {"id": "b" + text, "rules": "gsomia", "title": "t", "entry_into_force": "2016-11-23", "notice_party": "KOR",
         "notice_received": "2019-08-23"},
    ]  # fmt: skip
    (d / "reg.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return d / "reg.jsonl"


@pytest.mark.parametrize("name", [*sorted(HOSTILE), "lone-surrogate"])
def test_register_csv_text_and_json(name: str, tmp_path: Path) -> None:
    text = HOSTILE.get(name, LONE_SURROGATE)
    reg = _register(tmp_path / "h", text)
    plain = _register(tmp_path / "p", PLAIN)
    if text == LONE_SURROGATE:  # not text: the register reader refuses it, each row named (issue 12)
        from treatylife.bulk.columnar import RegisterProblems

        with pytest.raises(RegisterProblems) as exc:
            tl.portfolio(reg, ON)
        assert [(p.line, p.code) for p in exc.value.bad_rows] == [(1, "TL131"), (2, "TL131")]
        return
    for result, base in [
        (tl.portfolio(reg, ON), tl.portfolio(plain, ON)),
        (tl.deadlines(reg, dt.date(2019, 1, 1), "1y"), tl.deadlines(plain, dt.date(2019, 1, 1), "1y")),
    ]:
        out = render_register(result, "text")
        assert not _unsafe(out)
        assert len(out.splitlines()) == len(render_register(base, "text").splitlines())
        doc = render_register(result, "json")
        assert not _unsafe(doc)
        assert text.strip() in _strings(json.loads(doc))  # the data (as the reader keeps it: trimmed)
        table = render_register(result, "csv")
        rows = list(csv.DictReader(io.StringIO(table, newline="")))
        assert len(rows) == len(list(csv.DictReader(io.StringIO(render_register(base, "csv")))))
        for row in rows:
            for col in ("id", "agreement", "title"):
                cell = row.get(col) or ""
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (col, cell)
                assert not _unsafe(cell, allowed="\t\r\n"), (col, cell)
        assert escape.csv_cell(text.strip()) in {r["id"] for r in rows}


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
        ("x\x1by", "x\\x1by"),
        ("\x1b=1", "\\x1b=1"),
    ],
)
def test_csv_cell_owasp(text: str, cell: str) -> None:
    assert escape.csv_cell(text) == cell


def test_the_unsafe_class_covers_every_control_and_invisible_format_character() -> None:
    import unicodedata

    missing = [
        hex(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs", "Zl", "Zp") and not escape.UNSAFE.match(chr(c))
    ]
    assert missing == []


def test_escapes_are_pure_and_idempotent_on_safe_text() -> None:
    for fn in (escape.terminal, escape.markdown, escape.csv_cell, escape.html, escape.ics_text):
        assert fn("GSOMIA (Japan–Korea, 2016) 日本 한국 ملف") == fn(
            "GSOMIA (Japan–Korea, 2016) 日本 한국 ملف"
        )
    assert escape.terminal("in force since 2016-11-23") == "in force since 2016-11-23"
    assert escape.markdown("non_renewal_notice art21-3-notice") == "non_renewal_notice art21-3-notice"
    assert escape.terminal("\x1b[2J\n\u202e\udcff") == "\\x1b[2J\\n\\u202e\\udcff"


def test_lone_surrogate_from_the_command_line(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 in argv arrive as lone surrogates; every format prints them as escapes."""
    rec = tl.whatif(None, add=[f"2019-09-01 note note={LONE_SURROGATE}"])
    for fmt_out in (
        render_text(tl.timeline(rec, ON), explain=True),
        render_markdown(tl.status(rec, ON), explain=True),
    ):
        assert not _unsafe(fmt_out)
        fmt_out.encode("utf-8")  # once a UnicodeEncodeError
    doc = render_json(tl.timeline(rec, ON))
    doc.encode("utf-8")
    assert "\\udcff" in doc
    exe = Path(sys.executable).with_name("treatylife")
    proc = subprocess.run(
        [
            os.fsencode(exe),
            b"timeline",
            b"--to",
            b"2019-11-23",
            b"--explain",
            b"--add",
            b"2019-09-01 note note=a\xffb",
        ],
        capture_output=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"a\\udcffb" in proc.stdout


# ------------------------------------------------------------------ the command line, as a user runs it


def _cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("treatylife")
    return subprocess.run(
        [str(exe), *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **env}, check=False
    )


@pytest.mark.parametrize("name", ["lf-forges-a-line", "cr-forges-a-line", "md-heading"])
def test_grep_for_the_answer_line_stays_honest(name: str, tmp_path: Path) -> None:
    """`treatylife status x | grep -m1 '^On '` once printed a NOT IN FORCE forged by a title."""
    _files(tmp_path, HOSTILE[name])
    exe = Path(sys.executable).with_name("treatylife")
    for cache in ("", "1"):
        proc = subprocess.run(
            ["bash", "-c", f"{exe} status s.yaml --on 2019-11-23 | grep -m1 '^On '"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "TREATYLIFE_NO_CACHE": cache},
        )
        assert proc.stdout == "On 2019-11-23: IN FORCE\n", (cache, proc.stdout, proc.stderr)


@pytest.mark.parametrize("name", ["osc-window-title", "rich-close-tag", "erase-screen"])
def test_warm_and_cold_outputs_are_the_same(name: str, tmp_path: Path) -> None:
    _files(tmp_path, HOSTILE[name])
    args = ["status", "s.yaml", "--on", "2019-11-23"]
    cold = _cli(args, tmp_path, TREATYLIFE_NO_CACHE="1")
    first = _cli(args, tmp_path)
    warm = _cli(args, tmp_path)
    assert cold.returncode == first.returncode == warm.returncode == 0
    assert cold.stdout == first.stdout == warm.stdout
    assert "\x1b" not in cold.stdout


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run the real program with its stdout on a pseudo-terminal (rich output), return exit code and text."""
    import pty
    import select

    exe = Path(sys.executable).with_name("treatylife")
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "400", "TREATYLIFE_NO_CACHE": "1"}
    proc = subprocess.Popen([str(exe), *args], cwd=cwd, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=30), b"".join(chunks).decode("utf-8", errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize("name", ["rich-close-tag", "rich-link", "osc8-hidden-link", "osc-window-title"])
def test_status_on_a_real_terminal(name: str, tmp_path: Path) -> None:
    """A `[/bold]` title once crashed `status` on a terminal (exit 1); `[link=...]` became a hidden link."""
    text = HOSTILE[name]
    _files(tmp_path, text)
    code, out = _on_a_terminal(["status", "s.yaml", "--on", "2019-11-23"], tmp_path)
    assert code == 0, out
    assert "\x1b]" not in out
    shown = SGR.sub("", out).replace("\r\n", "\n")
    assert not _unsafe(shown)
    assert "IN FORCE" in shown
    if name.startswith("rich"):
        assert text in shown


def test_error_lines_are_escaped_too(tmp_path: Path) -> None:
    """A hostile value in an error message (here a bad --add kind) cannot command the terminal."""
    proc = _cli(["status", "--add", "2019-09-01 \x1b]0;pwned\x07 KOR"], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error [TL")
    assert "\x1b" not in proc.stderr and proc.stderr.count("\n") == 1
