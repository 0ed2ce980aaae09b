"""Date expressions: the small vocabulary rules files build dates from, parsed safely and evaluated once.

A clause's date is written the way final clauses say it, and read by a tiny grammar (no ``eval``)::

    first day of month after (3 months after instrument 3)
    later of (12 months after receipt) and (5 years after entry into force)
    30 days after own deposit not before 1995-01-13

Vocabulary (words are case-insensitive; ``the``, ``a`` and commas are ignored; ``following`` = ``after``):

* ``N days|weeks|months|years after X`` -- counted from X under the file's ``end_of_month`` convention;
* ``first day of month after X`` (= ``first day of 1st month after X``), ``first day of 3rd month after X``
  ("the first day of the third calendar month after X"), ``first day of month of X``,
  ``end of month of X`` (its last day);
* ``later of X and Y``, ``earlier of X and Y``; ``X not before YYYY-MM-DD``; parentheses group;
* anchors, the events of a scenario: ``signature``, ``instrument K`` (the K-th instrument still standing),
  ``deposit of CODE`` (a named party's own), ``own deposit`` (the party concerned, for later parties),
  ``condition N`` (a ``condition_met`` event), ``receipt`` (of the notice concerned), ``entry into force``
  (of the agreement), ``entry into force for the party``, ``event ID`` (any scenario event with that id),
  and a date ``YYYY-MM-DD``.

Evaluation is pure: the caller supplies what each anchor is (a date, or None while it has not happened),
and an expression with an unknown anchor has no value yet. All arithmetic is :mod:`treatylife.dates.scalar`.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from treatylife.dates.scalar import EndOfMonth, Period, add_period, parse_period

__all__ = [
    "After",
    "Anchor",
    "EarlierOf",
    "EndOfMonthOf",
    "Expr",
    "FirstDayOfMonth",
    "LaterOf",
    "Literal",
    "NotBefore",
    "Traced",
    "anchors",
    "counts_months",
    "evaluate",
    "parse_expr",
    "readings",
]

#: Anchor names and whether they take an argument ("instrument 3", "deposit of CAN", "event successor").
ANCHORS: dict[str, str | None] = {
    "signature": None,
    "instrument": "number",
    "deposit of": "code",
    "own deposit": None,
    "condition": "number",
    "receipt": None,
    "entry into force": None,
    "entry into force for the party": None,
    "event": "name",
}


@dataclass(frozen=True)
class Anchor:
    """An event of the scenario an expression counts from (see :data:`ANCHORS`)."""

    name: str
    arg: str | int | None = None

    def __str__(self) -> str:
        return self.name if self.arg is None else f"{self.name} {self.arg}"


@dataclass(frozen=True)
class Literal:
    date: _dt.date

    def __str__(self) -> str:
        return self.date.isoformat()


@dataclass(frozen=True)
class After:
    period: Period
    of: Expr

    def __str__(self) -> str:
        return f"{self.period} after {_wrap(self.of)}"


@dataclass(frozen=True)
class FirstDayOfMonth:
    """The first day of the month ``months`` after the month of ``of`` (0: that month itself)."""

    months: int
    of: Expr

    def __str__(self) -> str:
        if self.months == 0:
            return f"first day of month of {_wrap(self.of)}"
        if self.months == 1:
            return f"first day of month after {_wrap(self.of)}"
        return f"first day of {_ordinal(self.months)} month after {_wrap(self.of)}"


@dataclass(frozen=True)
class EndOfMonthOf:
    of: Expr

    def __str__(self) -> str:
        return f"end of month of {_wrap(self.of)}"


@dataclass(frozen=True)
class LaterOf:
    a: Expr
    b: Expr

    def __str__(self) -> str:
        return f"later of {_wrap(self.a)} and {_wrap(self.b)}"


@dataclass(frozen=True)
class EarlierOf:
    a: Expr
    b: Expr

    def __str__(self) -> str:
        return f"earlier of {_wrap(self.a)} and {_wrap(self.b)}"


@dataclass(frozen=True)
class NotBefore:
    of: Expr
    floor: _dt.date

    def __str__(self) -> str:
        return f"{_wrap(self.of, postfix=True)} not before {self.floor.isoformat()}"


Expr = Anchor | Literal | After | FirstDayOfMonth | EndOfMonthOf | LaterOf | EarlierOf | NotBefore


def _wrap(e: Expr, postfix: bool = False) -> str:
    simple = isinstance(e, (Anchor, Literal)) or (postfix and isinstance(e, After))
    return str(e) if simple else f"({e})"


_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
}


_CARDINAL_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# ---------------------------------------------------------------------------- parsing

_TOKEN = re.compile(
    r"\s*(?:(\()|(\))|(\d{4}-\d{2}-\d{2})|(\d+)(st|nd|rd|th)?\b|([A-Za-z_][A-Za-z0-9_.-]*)|(,)|(\S))"
)
_SKIP = {"the", "a", "an", ","}
_MAX_TOKENS = 200  # a clause is a line, not a program: bounds parsing time and nesting


class _Tok:
    __slots__ = ("kind", "pos", "raw", "text")

    def __init__(self, kind: str, text: str, pos: int, raw: str | None = None) -> None:
        self.kind, self.text, self.pos = kind, text, pos
        self.raw = text if raw is None else raw  # as the user wrote it ("second", not "2"), for errors


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        lp, rp, iso, num, suffix, word, comma, bad = m.groups()
        pos = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        if bad is not None:
            raise ValueError(f"{text!r}: unexpected {bad!r} at character {pos + 1}")
        if comma is not None:
            continue
        if lp or rp:
            out.append(_Tok(lp or rp, lp or rp, pos))
        elif iso:
            out.append(_Tok("date", iso, pos))
        elif num:
            out.append(_Tok("ordinal" if suffix else "number", num, pos, m.group(0).strip()))
        elif word.lower() in _SKIP:
            continue
        elif word.lower() in _CARDINAL_WORDS:
            out.append(_Tok("number", str(_CARDINAL_WORDS[word.lower()]), pos, word))
        elif word.lower() in _ORDINAL_WORDS:
            out.append(_Tok("ordinal", str(_ORDINAL_WORDS[word.lower()]), pos, word))
        else:
            out.append(_Tok("word", word, pos))
        if len(out) > _MAX_TOKENS:
            raise ValueError(f"{text!r}: longer than {_MAX_TOKENS} words; split the clause")
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def _peek(self, k: int = 0) -> _Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def _words(self, *words: str) -> bool:
        """Are the next tokens these words (case-insensitive)? Consumes them if so."""
        for k, w in enumerate(words):
            t = self._peek(k)
            if t is None or t.kind != "word" or t.text.lower() != w:
                return False
        self.i += len(words)
        return True

    def fail(self, expected: str) -> ValueError:
        t = self._peek()
        where = f"at {t.raw!r} (character {t.pos + 1})" if t else "at the end"
        return ValueError(f"{self.text!r}: {where}: expected {expected}")

    def _expect_word(self, word: str) -> None:
        if not self._words(word):
            raise self.fail(f"'{word}'")

    def _after(self) -> None:
        if not (self._words("after") or self._words("following")):
            raise self.fail("'after'")

    def parse(self) -> Expr:
        if not self.toks:
            raise ValueError("an empty date expression; write e.g. '30 days after instrument 3'")
        e = self.expr()
        if self._peek() is not None:
            raise self.fail("the end of the expression (group with parentheses?)")
        return e

    def expr(self) -> Expr:
        self.depth += 1
        if self.depth > 30:
            raise ValueError(f"{self.text!r}: nested too deeply")
        e = self.primary()
        while self._words("not", "before"):
            t = self._peek()
            if t is None or t.kind != "date":
                raise self.fail("a date YYYY-MM-DD after 'not before'")
            self.i += 1
            e = NotBefore(e, _date(t.text, self.text))
        self.depth -= 1
        return e

    def primary(self) -> Expr:
        t = self._peek()
        if t is None:
            raise self.fail("a date, an event (instrument 3, receipt, ...) or a rule (30 days after ...)")
        if t.kind == "(":
            self.i += 1
            e = self.expr()
            if self._peek() is None or self._peek().kind != ")":  # type: ignore[union-attr]
                raise self.fail("')'")
            self.i += 1
            return e
        if t.kind == "date":
            self.i += 1
            return Literal(_date(t.text, self.text))
        if t.kind == "number":
            self.i += 1
            unit = self._peek()
            if unit is None or unit.kind != "word":
                raise self.fail("a unit: days, weeks, months or years")
            if unit.text.lower() == "calendar":  # "three calendar months"
                self.i += 1
                unit = self._peek()
                if unit is None or unit.kind != "word":
                    raise self.fail("a unit: days, weeks, months or years")
            try:
                period = parse_period(f"{t.text} {unit.text}")
            except ValueError:
                raise self.fail("a unit: days, weeks, months or years") from None
            self.i += 1
            self._after()
            return After(period, self.primary())
        if self._words("later", "of") or self._words("earlier", "of"):
            later = self.toks[self.i - 2].text.lower() == "later"
            a = self.expr()
            self._expect_word("and")
            b = self.expr()
            return LaterOf(a, b) if later else EarlierOf(a, b)
        nxt = self._peek(1)
        if t.kind == "ordinal" and t.text == "1" and nxt is not None and nxt.text == "day":
            self.i += 1
            self._expect_word("day")
            self._expect_word("of")
            months = 1
            o = self._peek()
            if o is not None and o.kind == "ordinal":
                months = int(o.text)
                self.i += 1
            self._words("calendar")
            self._expect_word("month")
            if self._words("of") or self._words("in", "which"):
                return FirstDayOfMonth(0, self.primary())
            self._after()
            self._words("expiration", "of") or self._words("expiry", "of")  # "following the expiration of"
            return FirstDayOfMonth(months, self.primary())
        if self._words("end", "of") or self._words("last", "day", "of"):
            self._expect_word("month")
            self._expect_word("of")
            return EndOfMonthOf(self.primary())
        return self.anchor()

    def anchor(self) -> Expr:
        if self._words("entry", "into", "force"):
            if self._words("for", "party") or self._words("for", "that", "party"):
                return Anchor("entry into force for the party")
            return Anchor("entry into force")
        if self._words("own", "deposit") or self._words("its", "own", "deposit"):
            return Anchor("own deposit")
        if self._words("deposit", "of"):
            t = self._peek()
            if t is not None and t.kind == "ordinal":  # "the deposit of the second instrument"
                self.i += 1
                self._words("instrument")
                return Anchor("instrument", int(t.text))
            if self._words("its", "instrument") or self._words("its", "own", "instrument"):
                return Anchor("own deposit")
            if t is None or t.kind != "word" or not re.fullmatch(r"[A-Z][A-Z0-9_-]{1,15}", t.text):
                raise self.fail("a party code after 'deposit of', e.g. deposit of CAN")
            self.i += 1
            return Anchor("deposit of", t.text)
        for name in ("instrument", "condition"):
            if self._words(name):
                t = self._peek()
                if t is None or t.kind not in ("number", "ordinal") or int(t.text) < 1:
                    raise self.fail(f"a number after '{name}', e.g. {name} 3")
                self.i += 1
                return Anchor(name, int(t.text))
        if self._words("event"):
            t = self._peek()
            if t is None or t.kind != "word":
                raise self.fail("an event id after 'event'")
            self.i += 1
            return Anchor("event", t.text)
        if self._words("signature"):
            return Anchor("signature")
        if self._words("receipt"):
            return Anchor("receipt")
        raise self.fail(
            "a date, an event (signature, instrument K, deposit of CODE, own deposit, condition N, receipt, "
            "entry into force [for the party], event ID) or a rule (N months after X, first day of month "
            "after X, end of month of X, later of X and Y, earlier of X and Y)"
        )


def _date(iso: str, text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(iso)
    except ValueError:
        raise ValueError(f"{text!r}: {iso} is not a calendar date") from None


def parse_expr(text: str | Expr) -> Expr:
    """Parse a date expression. Raises ValueError naming the word where it went wrong."""
    if isinstance(
        text, (Anchor, Literal, After, FirstDayOfMonth, EndOfMonthOf, LaterOf, EarlierOf, NotBefore)
    ):
        return text
    if isinstance(text, _dt.date):
        return Literal(text)
    if not isinstance(text, str):
        raise ValueError("expected a date expression in words, e.g. '30 days after instrument 3'")
    return _Parser(text).parse()


# ---------------------------------------------------------------------------- evaluation

Lookup = Callable[[Anchor], "_dt.date | None"]


@dataclass(frozen=True)
class Traced:
    """One value met while evaluating: an anchor ("instrument 3"), or a step with the dates its operands
    named ("3 months after 2016-11-30"), and the date it gave. ``--explain`` shows them in order."""

    text: str
    value: _dt.date
    anchor: bool = False  # an event's date, not a step computed from one

    def __str__(self) -> str:
        return f"{self.text} = {self.value.isoformat()}"


def evaluate(
    e: Expr, lookup: Lookup, eom: EndOfMonth = EndOfMonth.ROUND_DOWN, trace: list[Traced] | None = None
) -> _dt.date | None:
    """The date ``e`` names, or None while an anchor it needs has not happened (``lookup`` returns None).

    ``earlier of`` needs both sides: "whichever is earlier" is not known while one of them may still come.
    With ``trace``, every anchor and intermediate date is appended to it, innermost first (the explanation of
    an entry into force shows them: "3 months after 2016-11-30 = 2017-02-28").
    """
    if isinstance(e, Anchor):
        d = lookup(e)
        if trace is not None and d is not None:
            trace.append(Traced(str(e), d, anchor=True))
        return d
    if isinstance(e, Literal):
        return e.date
    if isinstance(e, (LaterOf, EarlierOf)):
        a, b = evaluate(e.a, lookup, eom, trace), evaluate(e.b, lookup, eom, trace)
        if a is None or b is None:
            return None
        d = max(a, b) if isinstance(e, LaterOf) else min(a, b)
        if trace is not None:
            trace.append(Traced(str(type(e)(Literal(a), Literal(b))), d))
        return d
    x = evaluate(e.of, lookup, eom, trace)
    if x is None:
        return None
    shown: Expr
    if isinstance(e, After):
        d = add_period(x, e.period, 1, eom)
        shown = After(e.period, Literal(x))
    elif isinstance(e, FirstDayOfMonth):
        d = add_period(_dt.date(x.year, x.month, 1), Period(e.months, "months"), 1, eom)
        shown = FirstDayOfMonth(e.months, Literal(x))
    elif isinstance(e, EndOfMonthOf):
        d = _dt.date(x.year, x.month, calendar.monthrange(x.year, x.month)[1])
        shown = EndOfMonthOf(Literal(x))
    else:
        d = max(x, e.floor)
        shown = NotBefore(Literal(x), e.floor)
    if trace is not None:
        trace.append(Traced(str(shown), d))
    return d


def known_part(e: Expr, lookup: Lookup, eom: EndOfMonth = EndOfMonth.ROUND_DOWN) -> _dt.date | None:
    """Like :func:`evaluate`, but ``earlier of`` takes the side that is known: the date as known so far,
    which a later event may bring forward (a withdrawal "ending earlier if ... enters into force")."""
    if isinstance(e, EarlierOf):
        a, b = known_part(e.a, lookup, eom), known_part(e.b, lookup, eom)
        if a is None or b is None:
            return a or b
        return min(a, b)
    if isinstance(e, (Anchor, Literal)):
        return evaluate(e, lookup, eom)
    if isinstance(e, LaterOf):
        a, b = known_part(e.a, lookup, eom), known_part(e.b, lookup, eom)
        return None if a is None or b is None else max(a, b)
    inner = known_part(e.of, lookup, eom)
    if inner is None:
        return None
    rebuilt: Expr
    if isinstance(e, After):
        rebuilt = After(e.period, Literal(inner))
    elif isinstance(e, FirstDayOfMonth):
        rebuilt = FirstDayOfMonth(e.months, Literal(inner))
    elif isinstance(e, EndOfMonthOf):
        rebuilt = EndOfMonthOf(Literal(inner))
    else:
        rebuilt = NotBefore(Literal(inner), e.floor)
    return evaluate(rebuilt, lookup, eom)


def readings(e: Expr, lookup: Lookup) -> dict[EndOfMonth, _dt.date | None]:
    """``e`` under each end-of-month reading (ABORT omitted): they differ only when a day is rounded."""
    return {m: evaluate(e, lookup, m) for m in (EndOfMonth.ROUND_DOWN, EndOfMonth.ROUND_UP)}


def day_after_periods_of(e: Expr, anchor: str) -> Expr:
    """``e`` with one day added to every "N ... after {anchor}": the reading in which a period ends at the
    end of the day with the same date (EU Reg. 1182/71 Art. 3), so the first day after it is the next."""
    if isinstance(e, After) and isinstance(e.of, Anchor) and e.of.name == anchor:
        return After(Period(1, "days"), e)
    if isinstance(e, (Anchor, Literal)):
        return e
    if isinstance(e, (LaterOf, EarlierOf)):
        return type(e)(day_after_periods_of(e.a, anchor), day_after_periods_of(e.b, anchor))
    if isinstance(e, After):
        return After(e.period, day_after_periods_of(e.of, anchor))
    if isinstance(e, FirstDayOfMonth):
        return FirstDayOfMonth(e.months, day_after_periods_of(e.of, anchor))
    if isinstance(e, EndOfMonthOf):
        return EndOfMonthOf(day_after_periods_of(e.of, anchor))
    return NotBefore(day_after_periods_of(e.of, anchor), e.floor)


def counts_months(e: Expr) -> bool:
    """Does evaluating ``e`` count months or years (so its ``end_of_month`` convention applies)?"""
    if isinstance(e, (Anchor, Literal)):
        return False
    if isinstance(e, (LaterOf, EarlierOf)):
        return counts_months(e.a) or counts_months(e.b)
    if (isinstance(e, After) and e.period.is_calendar) or isinstance(e, FirstDayOfMonth):
        return True
    return counts_months(e.of)


def anchors(e: Expr) -> list[Anchor]:
    """Every anchor ``e`` refers to, in order of appearance."""
    if isinstance(e, Anchor):
        return [e]
    if isinstance(e, Literal):
        return []
    if isinstance(e, (LaterOf, EarlierOf)):
        return anchors(e.a) + anchors(e.b)
    return anchors(e.of)


def latest_anchor(e: Expr) -> Expr | None:
    """``later of`` every anchor of ``e``: the day the last event it counts from happened (None: no anchor)."""
    out: Expr | None = None
    for a in dict.fromkeys(anchors(e)):
        out = a if out is None else LaterOf(out, a)
    return out
