"""User text is data in every output: one escaping function per output format, pure ``str -> str``.

Titles, notes, claims, ids, party names and paths come from files and command lines that anyone may have
written. Printed raw they can clear a terminal (``ESC[2J``), retitle its window (OSC 0), hide a link (OSC 8),
forge answer lines for ``grep`` (a newline in a title), inject Markdown headings, images, links or HTML,
or run a formula in a spreadsheet. Every renderer passes user text through the function of its format:

- :func:`terminal`: plain text and rich, one line: every control and invisible format character shown as
  a visible escape (``\\x1b``, ``\\n``, ``\\u202e``);
- :func:`markdown`: inline Markdown: line breaks become spaces, then the characters that open Markdown
  or HTML constructs are backslash-escaped;
- :func:`csv_cell`: a CSV cell: controls shown as escapes (tab, CR and LF are kept, the CSV writer quotes
  them) and a cell starting with ``= + - @``, tab or CR prefixed with ``'`` (OWASP "CSV injection");
- :func:`json_text`: a JSON document: C1 controls, DEL, lone surrogates and invisible format characters
  written as ``\\uXXXX`` escapes (the parsed value is unchanged; JSON already escapes C0 controls);
- :func:`html`: HTML text and attribute values (``html.escape`` after :func:`visible`);
- :func:`ics_text`: iCalendar TEXT (icalendar escapes ``, ; \\`` and newlines; RFC 5545 forbids other
  controls).

docs/outputs.md states the rules; tests/test_hostile_outputs.py runs one table of hostile strings through
every format.
"""

from __future__ import annotations

import re

__all__ = [
    "UNSAFE",
    "csv_cell",
    "html",
    "ics_text",
    "json_text",
    "markdown",
    "terminal",
    "visible",
    "xlsx_text",
]

# Characters that are never printed as themselves. Written out as ranges (building the class from
# unicodedata at import would cost start-up time); tests/test_hostile_outputs.py checks it covers every
# code point of categories Cc (controls), Cf (format: bidi overrides, zero-width), Cs (surrogates),
# Zl and Zp (line and paragraph separators) in the running Python's Unicode database.
_C0 = "\x00-\x1f"
_UNSAFE_REST = (
    "\x7f-\x9f"  # DEL, C1 (CSI, OSC, NEL, ...)
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff"  # lone surrogates (not encodable: a crash on output, not only a trick)
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"  # tag characters ("ASCII smuggling")
)
UNSAFE = re.compile(f"[{_C0}{_UNSAFE_REST}]")

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _code(ch: str) -> str:
    n = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if n < 0x100:
        return f"\\x{n:02x}"
    if n < 0x10000:
        return f"\\u{n:04x}"
    return f"\\U{n:08x}"


def _sub(match: re.Match[str]) -> str:
    return _code(match.group())


def visible(text: str, keep: str = "") -> str:
    """``text`` with every unsafe character (except those in ``keep``) written as a visible escape."""
    if not UNSAFE.search(text):
        return text  # the usual case: one C-level scan
    if not keep:
        return UNSAFE.sub(_sub, text)
    return UNSAFE.sub(lambda m: m.group() if m.group() in keep else _code(m.group()), text)


def terminal(text: str) -> str:
    """One line of plain or rich terminal text: controls (ESC, OSC, NUL, BEL, DEL, C1), newlines, CR,
    tabs, bidi overrides, zero-width and other invisible characters and lone surrogates become visible
    escapes, so nothing reaches the terminal as a command and no field can start a new line."""
    return visible(text)


_MD_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
# ``_`` between two letters or digits cannot open or close emphasis (CommonMark's flanking rules), so
# ids such as ``in_force`` stay readable; ``!`` needs no escape once ``[`` has one
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|~&#]|(?<![^\W_])_|_(?![^\W_]))")


def markdown(text: str) -> str:
    """Inline Markdown (a heading, a list item, a table cell): line breaks become one space each, other
    controls visible escapes, then ``\\ ` * [ ] < > | ~ & #`` and ``_`` (except inside a word) are
    backslash-escaped, so user text
    cannot open a heading, an image, a link, raw HTML, an entity, a code span or a table column."""
    return _MD_SPECIAL.sub(r"\\\1", visible(_MD_BREAK.sub(" ", text)))


_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A CSV cell's text. A cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is prefixed with
    ``'`` so a spreadsheet shows it as text instead of running it (OWASP); controls other than tab, CR
    and LF, and invisible format characters, become visible escapes. Quoting is the CSV writer's job."""
    text = visible(text, keep="\t\r\n")
    return "'" + text if text.startswith(_CSV_FORMULA) else text


def xlsx_text(text: str) -> str:
    """A text cell of a written .xlsx: the cell is typed as text (``t="s"``), which no spreadsheet runs as a
    formula, so ``=SUM(A1)``, ``-`` or ``+44 20`` keep their exact text (CSV's ``'`` would change them);
    controls other than tab, CR and LF (which XML cannot hold) and invisible format characters become
    visible escapes, as in CSV."""
    return visible(text, keep="\t\r\n")


_JSON_UNSAFE = re.compile(f"[{_UNSAFE_REST}]")  # json.dumps escapes C0 itself


def json_text(document: str) -> str:
    """A JSON document (from ``json.dumps(..., ensure_ascii=False)``) with DEL, C1 controls, lone
    surrogates and invisible format characters written as ``\\uXXXX`` escapes. Such characters can only
    occur inside string literals, where the escape means the same character: the data is unchanged."""
    if not _JSON_UNSAFE.search(document):
        return document

    def esc(m: re.Match[str]) -> str:
        n = ord(m.group())
        if n < 0x10000:
            return f"\\u{n:04x}"
        n -= 0x10000
        return f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}"

    return _JSON_UNSAFE.sub(esc, document)


def html(text: str) -> str:
    """HTML text or a quoted attribute value: controls shown as escapes (tab and LF kept), then
    ``& < > " '`` as entities."""
    from html import escape

    return escape(visible(text, keep="\t\n"), quote=True)


def ics_text(text: str) -> str:
    """iCalendar TEXT: controls other than tab and LF shown as escapes (icalendar escapes the rest)."""
    return visible(text, keep="\t\n")
