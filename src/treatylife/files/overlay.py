"""Inline what-ifs: the overlay of a what-if file (remove, add, override rules), from short strings.

``treatylife status --remove notice_suspended --add "2019-09-01 notice_given JPN"`` asks a quick question
without writing a file. The strings are parsed here into the same objects a what-if file holds
(:class:`~treatylife.scenario.EventMatch`, :class:`~treatylife.scenario.Event`, an ``overrides`` patch) and
applied with the loader's own matching and merging code, in the loader's order: remove, add, overrides.

Syntax (tokens separated by spaces; order free except that the first date of ``--add`` is the event's):

- ``--add "2019-09-01 notice_given JPN"``: a date, an event kind, optionally a party code and
  ``field=value`` pairs (``id=``, ``clause=``, ``notice=``, ``period=``, ``note=``, ``claim=``).
- ``--remove notice_suspended`` / ``--remove 2019-11-22`` / ``--remove "2019-11-22 notice_suspended"`` /
  ``--remove kor-2019-termination``: a selector; a date, a kind, a party code and ``field=value`` pairs
  select by that field, any other word is an event ``id``. Every event matching all parts is removed; a
  selector that matches nothing is an error.
- ``--set exits.art21-3-notice.notice=180days``: a dotted path into the rules file (clauses are named by
  their ``id``) and a value; ``180days`` and ``180 days`` are the same period.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from treatylife.errors import ScenarioError

if TYPE_CHECKING:
    from treatylife.files.loader import Loaded
    from treatylife.model.scenario import Event, EventMatch

__all__ = ["WhatIf", "apply_whatif", "parse_add", "parse_remove", "parse_set"]

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PERIOD_SHORT = re.compile(r"^(\d{1,6})\s*(days?|weeks?|months?|years?)$", re.IGNORECASE)
_EVENT_FIELDS = (
    "id",
    "clause",
    "notice",
    "period",
    "note",
    "claim",
    "source",
    "party",
    "count",
    "condition",
    "effective",
    "hold",
)
_MATCH_FIELDS = ("date", "kind", "id", "party")


@dataclass(frozen=True)
class WhatIf:
    """Changes to apply to a loaded scenario, as typed on a command line (or built in Python)."""

    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    set: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.add or self.remove or self.set)

    def describe(self) -> list[str]:
        return (
            [f"--remove {r!r}" for r in self.remove]
            + [f"--add {a!r}" for a in self.add]
            + [f"--set {s!r}" for s in self.set]
        )


def _err(option: str, text: str, message: str, hint: str | None = None) -> ScenarioError:
    return ScenarioError(f"{message} (in {text!r})", field=option, hint=hint, code="TL312")


def _kinds() -> list[str]:
    from treatylife.model.scenario import EventKind

    return [k.value for k in EventKind]


def _tokens(option: str, text: str) -> list[str]:
    import shlex

    try:
        return shlex.split(text)
    except ValueError as exc:
        raise _err(option, text, f"cannot split into words: {exc}") from None


def _fields(option: str, text: str, parties: list[str], allowed: tuple[str, ...]) -> dict[str, Any]:
    """Classify each word: a date, an event kind, a party code, field=value, else an id."""
    import difflib

    kinds = _kinds()
    out: dict[str, Any] = {}

    def put(key: str, value: Any) -> None:
        if key not in allowed:
            raise _err(option, text, f"{key!r} cannot be used here", "fields: " + ", ".join(allowed))
        if key in out:
            raise _err(option, text, f"{key} is given twice")
        out[key] = value

    for tok in _tokens(option, text):
        if "=" in tok:
            key, _, value = tok.partition("=")
            put(key.strip(), value.strip())
        elif _DATE_RE.match(tok):
            try:
                put("date", _dt.date.fromisoformat(tok))
            except ValueError:
                raise _err(
                    option, text, f"{tok} is not a date", "dates are YYYY-MM-DD and must exist"
                ) from None
        elif tok in kinds:
            put("kind", tok)
        elif tok in parties:
            put("party", tok)
        elif re.fullmatch(r"[A-Z]{2,3}", tok):
            raise _err(option, text, f"{tok!r} is not a party", "parties: " + ", ".join(parties))
        elif option == "--add":
            close = difflib.get_close_matches(tok, kinds + parties, n=1, cutoff=0.6)
            raise _err(
                option,
                text,
                f"{tok!r} is neither a date, an event kind, a party nor field=value",
                f"did you mean {close[0]!r}?" if close else "kinds: " + ", ".join(kinds),
            )
        else:
            close = difflib.get_close_matches(tok, kinds, n=1, cutoff=0.75)
            if close and tok not in parties:
                raise _err(option, text, f"{tok!r} is not an event kind", f"did you mean {close[0]!r}?")
            put("id", tok)
    return out


def parse_add(text: str, parties: list[str]) -> Event:
    """``"2019-09-01 notice_given JPN id=jpn-notice"`` -> an Event (validated like a file's event)."""
    from pydantic import ValidationError

    from treatylife.model.scenario import Event

    data = _fields("--add", text, parties, ("date", "kind", *_EVENT_FIELDS))
    if "date" not in data or "kind" not in data:
        raise _err(
            "--add", text, "an added event needs a date and a kind", 'e.g. "2019-09-01 notice_given JPN"'
        )
    if isinstance(data.get("period"), str):
        data["period"] = _normal_period(data["period"])
    try:
        event = Event.model_validate(data)
    except ValidationError as exc:
        e = exc.errors(include_url=False)[0]
        where = ".".join(str(x) for x in e["loc"])
        raise _err("--add", text, f"{where}: {e['msg']}") from None
    return event.located("--add", None)


def parse_remove(text: str, parties: list[str]) -> EventMatch:
    """``"2019-11-22 notice_suspended"`` -> an EventMatch (every part given must match)."""
    from pydantic import ValidationError

    from treatylife.model.scenario import EventMatch

    data = _fields("--remove", text, parties, _MATCH_FIELDS)
    if not data:
        raise _err("--remove", text, "empty selector", "give a kind, a date, an id or a party")
    try:
        return EventMatch.model_validate(data)
    except ValidationError as exc:
        raise _err("--remove", text, exc.errors(include_url=False)[0]["msg"]) from None


def _normal_period(value: str) -> str:
    m = _PERIOD_SHORT.match(value.strip())
    return f"{m.group(1)} {m.group(2)}" if m else value


def _scalar(value: str) -> Any:
    """A value as YAML would read it in a rules file (dates stay strings), periods normalized."""
    v = value.strip()
    if _PERIOD_SHORT.match(v):
        return _normal_period(v)
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    if v in ("true", "false"):
        return v == "true"
    if v in ("null", "none", "~"):
        return None
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


def parse_set(text: str) -> dict[str, Any]:
    """``"exits.art21-3-notice.notice=180days"`` -> ``{"exits": {"art21-3-notice": {"notice": "180 days"}}}``."""
    path, eq, value = text.partition("=")
    keys = [k.strip() for k in path.split(".")]
    if not eq or not all(keys):
        raise _err(
            "--set",
            text,
            "expected PATH=VALUE with a dotted path into the rules file",
            "e.g. exits.art21-3-notice.notice=180days",
        )
    patch: Any = _scalar(value)
    for key in reversed(keys):
        patch = {int(key) if key.isdigit() else key: patch}
    return patch  # type: ignore[no-any-return]


def apply_whatif(loaded: Loaded, whatif: WhatIf) -> Loaded:
    """A new :class:`Loaded` (its ``base`` is ``loaded``) with the changes applied, or ``loaded`` itself.

    The options become the same :class:`~treatylife.files.loader.Overlay` a what-if file holds, applied by
    the same :func:`~treatylife.files.loader.compose`: what a file refuses, an option refuses too.
    """
    if not whatif:
        return loaded
    from pydantic import ValidationError

    from treatylife.files.loader import Loaded as _Loaded
    from treatylife.files.loader import Overlay, compose

    parties = loaded.rules.party_codes()
    kinds = ", ".join(sorted({e.kind.value for e in loaded.events}))

    def fail(option: str, text: str, hint: str | None = None) -> Any:
        def build(message: str, exc: Exception | None) -> ScenarioError:
            if isinstance(exc, ValidationError):
                problem = exc.errors(include_url=False)[0]
                where = ".".join(str(x) for x in problem["loc"])
                message = f"{where}: {problem['msg'].removeprefix('Value error, ')}"
            return _err(option, text, message.replace("the base scenario", "the scenario"), hint)

        return build

    overlay = Overlay(
        remove=[
            (parse_remove(t, parties), fail("--remove", t, f"its event kinds: {kinds}"))
            for t in whatif.remove
        ],
        add=[parse_add(t, parties) for t in whatif.add],
        overrides=[(parse_set(t), [f"set {t}"], fail("--set", t)) for t in whatif.set],
    )
    done = compose(loaded.events, loaded.rules, loaded._rules_data, overlay)
    return _Loaded(
        path=loaded.path,
        title=f"{loaded.title} + what-if ({'; '.join(done.changes)})",
        description=loaded.description,
        rules=done.rules,
        rules_path=loaded.rules_path,
        events=done.events,
        base=loaded,
        changes=[*loaded.changes, *done.changes],
        files=dict(loaded.files),
        _rules_data=done.rules_data,
    )
