"""Reading rules and scenario files safely, with errors that name file, line and field.

YAML is parsed with a safe loader whose implicit resolvers are narrowed: ``NO`` stays the string "NO"
(Norway), ``on``/``yes`` stay strings and dates stay strings so pydantic validates them with a location
(PyYAML would raise on 2019-02-30 from inside the parser, with no field). Nothing here can construct a
Python object, expansion of aliases is bounded, files are read once and never written. Every question to
the file system goes through :mod:`treatylife.files.probe`, so the Record cache can ask them again.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from treatylife.errors import InputError, RulesError, ScenarioError, TreatyLifeError
from treatylife.files import probe
from treatylife.model.rules import Rules
from treatylife.model.scenario import Event, EventKind, EventMatch, Expectation, ScenarioFile

__all__ = [
    "MAX_EVENTS",
    "MAX_FILE_BYTES",
    "Composed",
    "Loaded",
    "Overlay",
    "bundled_path",
    "compose",
    "default_scenario",
    "is_stdin",
    "load_rules",
    "load_rules_text",
    "load_scenario",
    "load_scenario_data",
    "load_scenario_text",
    "read_yaml",
    "read_yaml_text",
]

MAX_FILE_BYTES = 2 * 1024 * 1024  # a real scenario is a few kB; refuse to parse a 50 MB mistake
MAX_NODES = 200_000  # counted with aliases expanded: stops "billion laughs"
MAX_EVENTS = 10_000
MAX_DEPTH = 64  # nesting of mappings/lists; a real file needs 5 or 6
MAX_WHATIF_DEPTH = 16

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe loader without the bool and timestamp implicit resolvers (YAML 1.1 traps)."""


_Loader.yaml_implicit_resolvers = {
    ch: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


LineMap = dict[tuple[str | int, ...], int | None]


@dataclass
class YamlDoc:
    path: Path
    data: Any
    lines: LineMap
    sha256: str
    shown: str = ""  # how errors name the source: a path, "<stdin>", or "" for a mapping given in code

    @property
    def where(self) -> str | None:
        """The ``file`` of an error: None for data given in code (its errors name the field path)."""
        return self.shown or None


#: Name of standard input, as a scenario argument and in error messages.
STDIN = "-"
STDIN_NAME = "<stdin>"
#: The ``path`` of data given in code: references in it resolve from the current directory.
MAPPING = Path("<mapping>")


def display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def is_stdin(path: str | Path | None) -> bool:
    """``-`` as a scenario path means standard input (as ``-o -`` means standard output)."""
    return path is not None and str(path) == STDIN


def read_stdin(limit: int = MAX_FILE_BYTES, hint: str | None = None) -> bytes:
    """Standard input, read with a bound (a pipe has no size to check first): more than ``limit`` bytes is
    TL102. Read once per stream and kept, so that a command that peeks at it (``check -``: a register or a
    scenario?) and the reader it then picks see the same bytes; a later call may ask for a larger bound."""
    import sys

    global _stdin_seen
    stream: Any = getattr(sys.stdin, "buffer", None)
    text_only = stream is None
    if text_only:  # pragma: no cover - a text-only stdin (some embedders)
        stream = sys.stdin
    seen = _stdin_seen if _stdin_seen is not None and _stdin_seen[0] is stream else None
    raw, complete = (seen[1], seen[2]) if seen is not None else (b"", False)
    if not complete and len(raw) <= limit and stream is not None:
        more = stream.read(limit + 1 - len(raw))
        raw += more.encode("utf-8") if isinstance(more, str) else more
        complete = len(raw) <= limit
        _stdin_seen = (stream, raw, complete)
    if len(raw) > limit:
        raise InputError(
            f"standard input holds more than {limit:,} bytes, the limit",
            file=STDIN_NAME,
            code="TL102",
            hint=hint or "a scenario is a few kB: is this the file you meant?",
        )
    return raw


#: what standard input held, per stream (the stream itself, its bytes, whether they are all of it)
_stdin_seen: tuple[Any, bytes, bool] | None = None


def read_yaml(path: Path, kind: type[TreatyLifeError] = InputError) -> YamlDoc:
    """Parse one YAML file (or ``-``, standard input) into plain data plus a map from data paths to lines."""
    if is_stdin(path):
        # relative references in a piped scenario resolve from the current directory
        return parse_yaml(read_stdin(), Path.cwd() / STDIN_NAME, STDIN_NAME)
    shown = display_path(path)
    try:
        if probe.is_dir(path):
            raise InputError("is a directory, not a YAML file", file=shown, code="TL101")
        st = probe.stat(path)
        if not st.regular:
            # a FIFO would block forever, /dev/zero never ends: only regular files are read
            raise InputError("is not a regular file", file=shown, code="TL101")
        size = st.size
        if size > MAX_FILE_BYTES:
            raise _too_large(size, shown)
        raw = probe.read(path, MAX_FILE_BYTES + 1)  # bounded even if the file grows while we read
        if len(raw) > MAX_FILE_BYTES:
            raise _too_large(len(raw), shown)
    except FileNotFoundError:
        raise InputError("file not found", file=shown, code="TL103") from None
    except PermissionError:
        raise InputError("permission denied", file=shown, code="TL104") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=shown, code="TL105") from None
    return parse_yaml(raw, path, shown)


def read_yaml_text(text: str | bytes, name: str = "posted.yaml") -> YamlDoc:
    """Parse YAML (or JSON) text that came from no file (a web request's body), with the limits of a file;
    ``name`` is what errors call it, and is never opened."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(len(raw), name)
    return parse_yaml(raw, Path(name), name)


def parse_yaml(raw: bytes, path: Path, shown: str) -> YamlDoc:
    """Parse YAML bytes already read (bounded) from ``path``, naming it ``shown`` in errors."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", file=shown, line=line, code="TL106"
        ) from None
    if text.count("[") + text.count("{") > MAX_DEPTH or len(text) > 65536:
        # libyaml's composer recurses in C: very deep flow nesting ([[[[...) would crash the process
        _check_depth(text, shown)
    loader = None
    try:
        loader = _Loader(text)  # the pure-Python reader checks characters here
        node = loader.get_single_node()
        if node is None:
            raise InputError("file is empty", file=shown, line=1, code="TL107")
        lines: LineMap = {}
        _walk(node, (), lines, [0], shown)
        data = loader.construct_document(node)
    except yaml.reader.ReaderError as exc:
        at = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        raise InputError(
            f"control character #x{exc.character:04x} is not allowed"
            if isinstance(exc.character, int)
            else f"character {exc.character!r} is not allowed",
            file=shown,
            line=at,
            code="TL112",
            hint="YAML text may not contain control characters (NUL, escape, ...); is this a binary file?",
        ) from None
    except (ValueError, RecursionError) as exc:
        # e.g. an integer literal of thousands of digits (Python refuses to convert it)
        raise InputError(
            f"a value cannot be read: {str(exc).splitlines()[0].split(';')[0][:120]}",
            file=shown,
            code="TL114",
            hint="numbers and nesting must stay within reasonable limits",
        ) from None
    except yaml.MarkedYAMLError as exc:
        if _is_nesting_error(exc):
            raise _too_deep(exc, shown) from None
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in str(problem) or "tag" in str(problem):
            code, hint = "TL109", "tags that construct objects are not allowed: rules files are data"
        else:
            code, hint = "TL108", _yaml_hint(str(problem))
        raise InputError(
            f"invalid YAML: {problem}",
            file=shown,
            line=mark.line + 1 if mark else None,
            code=code,
            hint=hint,
        ) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"invalid YAML: {first}", file=shown, code="TL108") from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDoc(path=path, data=data, lines=lines, sha256=hashlib.sha256(raw).hexdigest(), shown=shown)


def _yaml_hint(problem: str) -> str:
    if "undefined alias" in problem:
        return "an alias *name needs an anchor &name earlier in the file"
    if "another document" in problem:
        return "one file holds one document: remove the second `---`"
    if "unhashable key" in problem:
        return "mapping keys must be plain text, not lists or mappings"
    if "expected <document start>" in problem:
        return "this is not a YAML file"
    return "check indentation (spaces, not tabs), colons and quotes on or just above this line"


def _too_large(size: int, shown: str) -> InputError:
    return InputError(
        f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
        file=shown,
        code="TL102",
        hint="split the register, or use the bulk register format",
    )


def _check_depth(text: str, shown: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH from the parser's flat event stream, before composing."""
    parser = _Loader(text)
    depth = 0
    try:
        while parser.check_event():
            ev = parser.get_event()
            if isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(
                        f"nesting deeper than {MAX_DEPTH} levels",
                        file=shown,
                        line=ev.start_mark.line + 1 if ev.start_mark else None,
                        code="TL113",
                        hint="rules and scenarios need a few levels of nesting; is this file generated?",
                    )
            elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        if _is_nesting_error(exc):  # PyYAML >= 6.0.4 (libyaml) has its own flow-depth limit
            raise _too_deep(exc, shown) from None
        return  # a syntax error: composing reports it with its line
    except yaml.YAMLError:
        return
    finally:
        parser.dispose()


def _is_nesting_error(exc: yaml.MarkedYAMLError) -> bool:
    """PyYAML 6.0.4 raises 'exceeded maximum nesting depth' itself; it means TL113, not a syntax error."""
    return "nesting depth" in f"{exc.problem or ''} {exc.context or ''}"


def _too_deep(exc: yaml.MarkedYAMLError, shown: str) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    return InputError(
        f"nesting deeper than {MAX_DEPTH} levels",
        file=shown,
        line=mark.line + 1 if mark else None,
        code="TL113",
        hint="rules and scenarios need a few levels of nesting; is this file generated?",
    )


def _walk(
    node: yaml.Node, path: tuple[str | int, ...], lines: LineMap, count: list[int], shown: str, depth: int = 0
) -> None:
    count[0] += 1
    if depth > MAX_DEPTH:
        raise InputError(
            f"nesting deeper than {MAX_DEPTH} levels (a recursive alias?)",
            file=shown,
            line=node.start_mark.line + 1,
            code="TL113",
        )
    if count[0] > MAX_NODES:
        raise InputError(
            f"document expands to more than {MAX_NODES:,} values (aliases?)",
            file=shown,
            line=node.start_mark.line + 1,
            code="TL110",
        )
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode) and len(node.value) > 4000 and node.tag.endswith(":int"):
        raise InputError(
            f"a number of {len(node.value):,} digits",
            file=shown,
            line=node.start_mark.line + 1,
            code="TL114",
            hint="numbers and nesting must stay within reasonable limits",
        )
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key == "<<":
                _walk(value_node, path, lines, count, shown, depth + 1)
                continue
            if key is not None:
                if key in seen:
                    raise InputError(
                        f"duplicate key {key!r} (first on line {seen[key]})",
                        file=shown,
                        line=key_node.start_mark.line + 1,
                        field="".join(
                            f"[{p}]" if isinstance(p, int) else f".{p}" for p in (*path, key)
                        ).lstrip("."),
                        code="TL111",
                    )
                seen[key] = key_node.start_mark.line + 1
                lines[(*path, key)] = key_node.start_mark.line + 1
                _walk(value_node, (*path, key), lines, count, shown, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, count, shown, depth + 1)


def _field_and_line(loc: tuple[str | int, ...], lines: LineMap) -> tuple[str, int | None]:
    """Map a pydantic error location to the nearest line in the file (union tags are skipped)."""
    path: tuple[str | int, ...] = ()
    shown: list[str] = []
    for elem in loc:
        if (*path, elem) in lines:
            path = (*path, elem)
            shown.append(f"[{elem}]" if isinstance(elem, int) else f".{elem}")
        elif (
            isinstance(elem, str)
            and elem[:1].islower()
            and elem != "schema_"
            and not any(c in elem for c in "[]-")
        ):
            # a missing or extra field: name it, keep the parent's line
            shown.append(f".{elem}")
    return "".join(shown).lstrip(".") or "(file)", lines.get(path)


#: pydantic error type -> last two digits of the code (TL2xx for rules files, TL3xx for scenarios).
_DATE_ERRORS = ("date_from_datetime_parsing", "date_from_datetime_inexact", "date_parsing", "date_type")
_VALIDATION_CODES: dict[str, str] = {
    "missing": "20",
    "extra_forbidden": "21",
    **dict.fromkeys(_DATE_ERRORS, "22"),
    "iso_date": "22",
    **dict.fromkeys(("enum", "literal_error", "union_tag_invalid", "union_tag_not_found"), "23"),
    "string_pattern_mismatch": "26",
}


def _validation_code(kind: type[TreatyLifeError], err_type: str) -> str:
    """Stable code of a validation problem: missing 20, unknown field 21, bad date 22, unknown value 23,
    wrong type 24, invalid or inconsistent value 25, wrong format 26."""
    sub = _VALIDATION_CODES.get(err_type)
    if sub is None:
        sub = "24" if err_type.endswith(("_type", "_parsing")) else "25"
    return kind.code[:3] + sub


def _model_fields_at(model: Any, loc: tuple[str | int, ...]) -> list[str]:
    """Field names accepted at ``loc`` (for "did you mean ...?" on an unknown field)."""
    import typing

    from pydantic import BaseModel

    def models_in(tp: Any) -> list[type[BaseModel]]:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return [tp]
        return [m for a in typing.get_args(tp) for m in models_in(a)]

    current = models_in(model)
    for elem in loc:
        if isinstance(elem, int):
            continue
        nxt = []
        for m in current:
            if elem in m.model_fields:
                nxt += models_in(m.model_fields[elem].annotation)
            elif m.model_fields.get("kind") is not None and elem in typing.get_args(
                m.model_fields["kind"].annotation
            ):
                nxt.append(m)  # a discriminated union's tag in the location
        current = nxt or current
    names = {a for m in current for n, f in m.model_fields.items() for a in (f.alias or n, n)}
    return sorted(n for n in names if not n.endswith("_"))


def _hint(err: Any, model: Any = None) -> str | None:
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if err["type"] in ("enum", "literal_error", "union_tag_invalid"):
        import re as _re

        options = _re.findall(r"'([^']*)'", str(ctx.get("expected") or ctx.get("expected_tags") or ""))
        if not options and err["type"] == "enum":
            options = [k.value for k in EventKind]
        value = ctx.get("tag", value)
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5) if value is not None else []
        if close:
            return f"did you mean {close[0]!r}?"
        return "one of: " + ", ".join(options) if options else None
    if err["type"] in _DATE_ERRORS or err["type"] == "iso_date":
        return "dates are written YYYY-MM-DD and must exist"
    if err["type"] == "extra_forbidden":
        name = str(err["loc"][-1]) if err["loc"] else ""
        if name in ("true", "false", "True", "False"):
            return "YAML 1.1 reads yes/no/on/off as booleans elsewhere; here keys are kept as written"
        options = _model_fields_at(model, tuple(err["loc"][:-1])) if model is not None else []
        close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
        if close:
            return f"unknown field; did you mean {close[0]!r}?"
        if options:
            return "unknown field; fields here: " + ", ".join(options)
        return "unknown field; check the spelling against docs/file-formats.md"
    if err["type"] == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if "A-Z" in pattern:
            return "party codes are 2-16 upper-case letters, digits, _ or -, e.g. KOR"
        if "scenario/1" in pattern:
            return "write schema: treatylife/scenario/1 (or leave it out)"
    if err["type"] == "missing_argument" or err["type"] == "too_short":
        return None
    if err["type"].endswith("_type") and err["type"] not in _DATE_ERRORS:
        return "wrong kind of value: check the field against docs/file-formats.md"
    return None


_MSG_FIELD = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*|\[\d+\])*): (.+)$", re.DOTALL)


def _field_from_message(
    msg: str, loc: tuple[str | int, ...], lines: LineMap, field_name: str, line: int | None
) -> tuple[str, int | None, str]:
    """A model validator names the field it rejects as a ``path: message`` prefix (its loc is the model)."""
    m = _MSG_FIELD.match(msg)
    if not m:
        return field_name, line, msg
    rel: list[str | int] = []
    for part in re.findall(r"[a-z_][a-z0-9_]*|\[\d+\]", m.group(1)):
        rel.append(int(part[1:-1]) if part.startswith("[") else part)
    base: tuple[str | int, ...] = ()
    for elem in loc:  # keep the elements that are keys of the file (skip union tags)
        if (*base, elem) in lines:
            base = (*base, elem)
    path = (*base, *rel)
    best = None
    for n in range(len(path), 0, -1):
        if path[:n] in lines:
            best = lines[path[:n]]
            break
    shown = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in path).lstrip(".")
    return shown, best if best is not None else line, m.group(2)


def validation_error(
    exc: ValidationError, doc: YamlDoc, kind: type[TreatyLifeError], prefix: tuple[str | int, ...] = ()
) -> TreatyLifeError:
    """Turn pydantic's error list into one readable error: the first problem, with a count of the rest;
    every problem, each as its own error, is kept in ``problems`` (``treatylife check`` lists them all)."""
    errors = exc.errors(include_url=False)
    model = Rules if kind is RulesError or prefix[:1] == ("overrides",) else ScenarioFile
    problems = [_one_problem(err, doc, kind, prefix, model) for err in errors]
    first = problems[0]
    msg = first.message + (f" [and {len(errors) - 1} more problem(s)]" if len(errors) > 1 else "")
    out = kind(msg, file=first.file, line=first.line, field=first.field, hint=first.hint, code=first.code)
    out.problems = problems
    return out


def _one_problem(
    err: Any, doc: YamlDoc, kind: type[TreatyLifeError], prefix: tuple[str | int, ...], model: Any
) -> TreatyLifeError:
    field_name, line = _field_and_line((*prefix, *err["loc"]), doc.lines)
    msg = err["msg"]
    if err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] in ("value_error", "assertion_error"):
        msg = msg.removeprefix("Value error, ")
        field_name, line, msg = _field_from_message(msg, (*prefix, *err["loc"]), doc.lines, field_name, line)
    elif err["type"] == "extra_forbidden" and err["loc"]:
        msg = f"unknown field {str(err['loc'][-1])!r}"
    elif err["type"] == "enum" and str((err.get("ctx") or {}).get("expected", "")).count("'") > 12:
        msg = f"{err['input']!r} is not one of the accepted values"  # the hint names the closest
    elif "input" in err and err["type"] not in ("model_type", "dict_type"):
        msg = f"{msg} (got {err['input']!r})"
    return kind(
        msg,
        file=doc.where,
        line=line,
        field=field_name,
        hint=_hint(err, model),
        code=_validation_code(kind, err["type"]),
    )


# ---------------------------------------------------------------------------- bundled data


def bundled_path(kind: str, name: str) -> Path:
    """Path of a file shipped inside the package (works for editable and wheel installs)."""
    return Path(str(resources.files("treatylife") / "data" / kind / name))


def default_scenario() -> Path:
    """The bundled GSOMIA record, used when no scenario is named."""
    return bundled_path("examples", "gsomia-record.yaml")


def resolve_path(path: Path) -> Path:
    """``path.resolve()``; a loop of symbolic links is the user's error, not a crash."""
    try:
        return probe.resolve(path)
    except (RuntimeError, OSError):  # Python 3.11-3.12: RuntimeError("Symlink loop ..."); 3.13: OSError
        raise InputError(
            "symbolic links form a loop",
            file=display_path(path),
            code="TL116",
            hint="check the links with `ls -l`",
        ) from None


@cache
def bundled_root() -> Path:
    return Path(str(resources.files("treatylife") / "data")).resolve()


def project_root(path: Path) -> Path:
    """Directory that references may not leave: the nearest ancestor holding ``rules/``, a
    ``pyproject.toml`` or ``.git``, else the file's own directory."""
    here = resolve_path(path).parent
    for d in (here, *here.parents):
        try:
            if probe.is_dir(d / "rules") or probe.exists(d / "pyproject.toml") or probe.exists(d / ".git"):
                return d
        except OSError:  # e.g. a name too long: that folder is not the root; reading reports the path
            continue
    return here


def _outside_hint(ref: str, kind: str) -> str:
    """A copied example still pointing at ``../rules/gsomia.yaml``: say that a bare name is the bundled file."""
    stem = Path(ref.replace("\\", "/")).name.removesuffix(".yaml").removesuffix(".yml")
    field_name = "rules" if kind == "rules" else "based_on"
    if probe.is_file(bundled_path(kind, f"{stem}.yaml")):
        return (
            f"`{field_name}: {stem}` names the bundled {kind} file {stem}.yaml; or keep rules and scenarios "
            "inside the project's folders"
        )
    shipped = sorted(p.stem for p in (bundled_root() / kind).glob("*.yaml"))
    return (
        f"keep rules and scenarios inside the project's folders; a bare name such as `{field_name}: "
        f"{shipped[0] if shipped else 'gsomia'}` names a bundled file ({', '.join(shipped)})"
    )


def _resolve_ref(ref: str, base_file: Path, kind: str, root: Path, doc: YamlDoc, field_name: str) -> Path:
    """Resolve a ``rules:``/``based_on:`` reference; a bare name (``gsomia``) means a bundled file."""
    if any(ord(c) < 32 for c in ref):  # "\0" would crash the OS calls; no file name holds these
        raise ScenarioError(
            f"reference {ref!r} contains a control character",
            file=doc.where,
            line=doc.lines.get((field_name,)),
            field=field_name,
            code="TL302",
            hint="write the path of a file, relative to this one",
        )
    if "/" not in ref and "\\" not in ref and not ref.endswith((".yaml", ".yml")):
        candidate = bundled_path(kind, f"{ref}.yaml")
        if probe.is_file(candidate):
            return candidate
    try:
        target = resolve_path(base_file.parent / ref)
    except InputError as exc:
        exc.message = f"reference {ref!r}: {exc.message}"
        exc.file, exc.line, exc.field = doc.where, doc.lines.get((field_name,)), field_name
        raise
    inside = any(target.is_relative_to(r) for r in (root, bundled_root()))
    err_kind = ScenarioError
    line = doc.lines.get((field_name,))
    if not inside:
        raise err_kind(
            f"reference {ref!r} points outside the project ({root})",
            file=doc.where,
            line=line,
            field=field_name,
            code="TL301",
            hint=_outside_hint(ref, kind),
        )
    if not probe.is_file(target):
        raise err_kind(
            f"reference {ref!r} does not resolve to a file ({display_path(target)})",
            file=doc.where,
            line=line,
            field=field_name,
            code="TL302",
        )
    return target


# ---------------------------------------------------------------------------- rules


def deep_merge(base: Any, patch: Any) -> Any:
    """Merge an overrides patch into raw rules data. Lists of clauses merge by ``id`` (or index)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = deep_merge(base[k], v) if k in base else v
        return out
    if isinstance(base, list) and isinstance(patch, dict):
        out_list = list(base)
        for k, v in patch.items():
            idx = next(
                (i for i, item in enumerate(out_list) if isinstance(item, dict) and item.get("id") == k), None
            )
            if idx is None and isinstance(k, int) and 0 <= k < len(out_list):
                idx = k
            if idx is None:
                raise KeyError(k)
            out_list[idx] = deep_merge(out_list[idx], v)
        return out_list
    return patch


def _validate_rules(data: Any, doc: YamlDoc, prefix: tuple[str | int, ...] = ()) -> Rules:
    if not isinstance(data, dict):
        raise RulesError(
            "a rules file must be a mapping of fields",
            file=doc.where,
            line=1,
            field=".".join(map(str, prefix)) or None,
            code="TL201",
        )
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, doc, RulesError, prefix) from None


def load_rules(path: str | Path) -> Rules:
    """Load and validate one rules file."""
    doc = read_yaml(Path(path))
    return _validate_rules(doc.data, doc)


def load_rules_text(text: str | bytes, name: str = "posted.yaml") -> Rules:
    """Validate a rules file given as text (never read from disk)."""
    doc = read_yaml_text(text, name)
    return _validate_rules(doc.data, doc)


# ---------------------------------------------------------------------------- what-if composition

#: builds the error for a selector, clause or patch, located where it was written (a file's line, an option)
Failure = Callable[[str, "Exception | None"], TreatyLifeError]


@dataclass
class Overlay:
    """What a what-if changes, whether written in a file (``remove``, ``replace``, ``add``, ``overrides``) or
    typed as ``--remove``, ``--add`` and ``--set``: :func:`compose` applies both, with the same checks.

    Each selector and patch carries the function that builds its error, so a refusal names the file and
    line, or the option, it came from; what is refused, and why, is decided once.
    """

    remove: list[tuple[EventMatch, Failure]] = field(default_factory=list)
    replace: list[tuple[EventMatch, Event, Failure]] = field(default_factory=list)
    add: list[Event] = field(default_factory=list)
    #: (patch merged into the rules file's data, how the change is described, its error)
    overrides: list[tuple[dict[str, Any], list[str], Failure]] = field(default_factory=list)


@dataclass
class Composed:
    events: list[Event]
    rules: Rules
    rules_data: Any
    changes: list[str]


def compose(events: list[Event], rules: Rules, rules_data: Any, overlay: Overlay | None = None) -> Composed:
    """Apply ``overlay`` to a scenario's events and rules (in order: remove, replace, add, overrides), then
    check the result as any scenario is checked: same-day events keep their order, a field without meaning
    for its kind of event is refused (TL313), parties and event ids are checked."""
    ov = overlay or Overlay()
    events = list(events)
    changes: list[str] = []
    for m, fail in ov.remove:
        hit = [e for e in events if m.matches(e)]
        if not hit:
            raise fail("matches no event of the base scenario", None)
        events = [e for e in events if not m.matches(e)]
        changes.extend(f"removed {e.label()}" for e in hit)
    for m, new, fail in ov.replace:
        hit = [e for e in events if m.matches(e)]
        if len(hit) != 1:
            raise fail(f"must match exactly one event of the base scenario (matches {len(hit)})", None)
        events = [new if e is hit[0] else e for e in events]
        changes.append(f"replaced {hit[0].label()} with {new.label()}")
    events.extend(ov.add)
    changes.extend(f"added {e.label()}" for e in ov.add)
    for patch, labels, fail in ov.overrides:
        try:
            rules_data = deep_merge(rules_data, patch)
        except (KeyError, TypeError) as exc:
            raise fail(f"names no clause or field of the rules: {exc}", exc) from None
        try:
            rules = Rules.model_validate(rules_data)
        except ValidationError as exc:
            raise fail("invalid", exc) from None
        changes.extend(labels)
    # Stable order: by date, then as written (same-day events keep the file's order).
    events.sort(key=lambda e: e.date)
    _check_kind_fields(events)
    check_parties(events, rules)
    return Composed(events, rules, rules_data, changes)


# ---------------------------------------------------------------------------- scenarios


@dataclass
class Loaded:
    """A scenario resolved to its rules and its full, ordered list of events."""

    path: Path
    title: str
    description: str | None
    rules: Rules
    rules_path: Path
    events: list[Event]
    base: Loaded | None = None
    changes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256 of every file read
    _rules_data: Any = None
    #: the file's own ``expect:`` entries, located (a what-if's are its own, not its base's)
    expect: list[Expectation] = field(default_factory=list)

    @property
    def is_whatif(self) -> bool:
        return self.base is not None


def _locate_events(events: list[Event], doc: YamlDoc, key: str) -> list[Event]:
    shown = doc.where
    return [e.located(shown, doc.lines.get((key, i))) for i, e in enumerate(events)]


def load_scenario(path: str | Path | None = None, *, root: Path | None = None) -> Loaded:
    """Load a scenario (or what-if chain) and its rules. ``None`` loads the bundled GSOMIA record;
    ``-`` reads standard input (references resolve from the current directory)."""
    p = Path(path) if path is not None else default_scenario()
    if is_stdin(p):
        doc = read_yaml(p)
        return _load(doc.path, root or project_root(doc.path), (), doc)
    return _load(p, root or project_root(p), ())


def load_scenario_data(data: Any, *, base_dir: str | Path | None = None) -> Loaded:
    """Load a scenario given in code: a mapping shaped like a scenario file (or a ``ScenarioFile``).

    Validated exactly as a file is, with the same error codes; errors name the field path
    (``events[2].date``) instead of a line. ``rules`` may name a file (resolved from ``base_dir``, default
    the current directory) or a bundled name (``gsomia``), or be the rules themselves: a mapping shaped like
    a rules file, or a ``Rules`` object.
    """
    from pydantic import BaseModel

    if isinstance(data, BaseModel):
        data = data.model_dump(by_alias=True, exclude_unset=True)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"a scenario must be a mapping of fields, not {type(data).__name__}",
            code="TL305",
            hint="pass a path, a mapping (dict) shaped like a scenario file, or a ScenarioFile",
        )
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    path = base / MAPPING.name
    doc = YamlDoc(path=path, data=data, lines=field_paths(data), sha256=_digest(data), shown="")
    return _load(path, project_root(path), (), doc)


def load_scenario_text(text: str | bytes, name: str = "posted.yaml", *, base: Loaded | None = None) -> Loaded:
    """A scenario or what-if given as text (a web request's body), validated as a file is.

    Its ``rules:`` and ``based_on:`` may name bundled files only (``rules: gsomia``): no path a client wrote is
    opened. With ``base``, the text is a what-if overlay on that loaded scenario (``based_on`` may be left out
    and is not read), composed as a what-if file is."""
    doc = read_yaml_text(text, name)
    if base is not None and isinstance(doc.data, dict):
        doc.data["based_on"] = base.title  # the base is given: whatever the text names is not read
        doc.data.setdefault("title", base.title)
    return _load(Path(name), bundled_root(), (), doc, base)


def field_paths(data: Any, prefix: tuple[str | int, ...] = ()) -> LineMap:
    """The data paths of a mapping given in code, without lines: errors then name fields by path."""
    from pydantic import BaseModel

    out: LineMap = {prefix: None}
    if isinstance(data, BaseModel):
        data = data.model_dump(by_alias=True, exclude_unset=True)
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(k, (str, int)):
                out.update(field_paths(v, (*prefix, k)))
    elif isinstance(data, (list, tuple)):
        for i, v in enumerate(data):
            out.update(field_paths(v, (*prefix, i)))
    return out


def _digest(data: Any) -> str:
    import json

    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _inline_rules(value: Any, doc: YamlDoc) -> tuple[Any, YamlDoc] | None:
    """``rules:`` given as the rules themselves (code only): their data and a document naming field paths."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if not isinstance(value, dict):
        return None
    rdoc = YamlDoc(
        path=doc.path,
        data=value,
        lines=field_paths(value, ("rules",)),
        sha256=_digest(value),
        shown=doc.shown,
    )
    return value, rdoc


def _load(
    path: Path,
    root: Path,
    chain: tuple[Path, ...],
    doc: YamlDoc | None = None,
    given_base: Loaded | None = None,
) -> Loaded:
    resolved = resolve_path(path)
    if resolved in chain:
        cycle = " -> ".join(display_path(c) for c in (*chain, resolved))
        raise ScenarioError(
            f"what-if bases form a cycle: {cycle}", file=display_path(path), field="based_on", code="TL303"
        )
    if len(chain) > MAX_WHATIF_DEPTH:
        raise ScenarioError(
            f"what-if chain deeper than {MAX_WHATIF_DEPTH}",
            file=display_path(chain[0]),
            field="based_on",
            code="TL304",
            hint="base the what-if on the scenario itself rather than on a chain of what-ifs",
        )
    if doc is None:
        doc = read_yaml(path)
    shown = doc.where
    if not isinstance(doc.data, dict):
        raise ScenarioError("a scenario file must be a mapping of fields", file=shown, line=1, code="TL305")
    inline = _inline_rules(doc.data.get("rules"), doc) if doc.shown == "" else None
    if inline is not None:  # validate the scenario with a placeholder; the rules are validated below
        doc = YamlDoc(doc.path, {**doc.data, "rules": "<inline>"}, doc.lines, doc.sha256, doc.shown)
    if "entry_into_force" in doc.data and "events" not in doc.data:
        raise ScenarioError(
            "this looks like a rules file, not a scenario",
            file=shown,
            line=1,
            code="TL306",
            hint="pass a scenario (examples/*.yaml); it names its rules file with `rules:`",
        )
    try:
        sf = ScenarioFile.model_validate(doc.data)
    except ValidationError as exc:
        raise validation_error(exc, doc, ScenarioError) from None
    n_events = len(sf.events) + len(sf.add)
    if n_events > MAX_EVENTS:
        raise ScenarioError(f"{n_events:,} events; the limit is {MAX_EVENTS:,}", file=shown, code="TL307")
    files = {shown or MAPPING.name: doc.sha256}

    base: Loaded | None = None
    changes: list[str] = []
    if sf.based_on is not None:
        if given_base is not None:  # an overlay posted over a loaded scenario (load_scenario_text)
            base = given_base
        else:
            base_path = _resolve_ref(sf.based_on, path, "examples", root, doc, "based_on")
            if probe.resolve(base_path) in (*chain, resolved):
                cycle = " -> ".join(display_path(c) for c in (*chain, resolved, probe.resolve(base_path)))
                raise ScenarioError(
                    f"what-if bases form a cycle: {cycle}",
                    file=shown,
                    line=doc.lines.get(("based_on",)),
                    field="based_on",
                    code="TL303",
                    hint="a what-if must be based on a scenario with `rules:`, directly or through other what-ifs",
                )
            base = _load(base_path, root, (*chain, resolved))
        files.update(base.files)

        def at(key: tuple[str | int, ...], fld: str, code: str) -> Failure:
            def fail(message: str, exc: Exception | None) -> TreatyLifeError:
                if isinstance(exc, ValidationError):
                    return validation_error(exc, doc, ScenarioError, ("overrides",))
                if code == "TL309":
                    message = message.replace("names no", "override names no", 1)
                return ScenarioError(message, file=shown, line=doc.lines.get(key), field=fld, code=code)

            return fail

        rules_data = base._rules_data
        rules_path = base.rules_path
        rules = base.rules
        rdoc: YamlDoc | None = None
        if inline is not None:
            rules_data, rdoc = inline
            rules_path = path
        elif sf.rules is not None:
            rules_path = _resolve_ref(sf.rules, path, "rules", root, doc, "rules")
            rdoc = read_yaml(rules_path)
            files[display_path(rules_path)] = rdoc.sha256
            rules_data = rdoc.data
        if rdoc is not None and not sf.overrides:  # with overrides, compose validates the merged rules
            rules = _validate_rules(rules_data, rdoc, ("rules",) if inline is not None else ())
        overlay = Overlay(
            remove=[(m, at(("remove", i), f"remove[{i}]", "TL308")) for i, m in enumerate(sf.remove)],
            replace=[
                (
                    r.match,
                    r.with_.located(shown, doc.lines.get(("replace", i, "with"))),
                    at(("replace", i), f"replace[{i}].match", "TL308"),
                )
                for i, r in enumerate(sf.replace)
            ],
            add=_locate_events(sf.add, doc, "add"),
            overrides=[
                (
                    sf.overrides,
                    [f"overrode rules {k}" for k in sf.overrides],
                    at(("overrides",), "overrides", "TL309"),
                )
            ]
            if sf.overrides
            else [],
        )
        done = compose(base.events, rules, rules_data, overlay)
        events, rules, rules_data, changes = done.events, done.rules, done.rules_data, done.changes
    else:
        assert sf.rules is not None
        if inline is not None:
            rules_data, rdoc = inline
            rules_path = path
        else:
            rules_path = _resolve_ref(sf.rules, path, "rules", root, doc, "rules")
            rdoc = read_yaml(rules_path)
            files[display_path(rules_path)] = rdoc.sha256
            rules_data = rdoc.data
        rules = _validate_rules(rules_data, rdoc, ("rules",) if inline is not None else ())
        events = compose(_locate_events(sf.events, doc, "events"), rules, rules_data).events

    return Loaded(
        path=path,
        title=sf.title,
        description=sf.description,
        rules=rules,
        rules_path=rules_path,
        events=events,
        base=base,
        changes=changes,
        files=files,
        _rules_data=rules_data,
        expect=[x.located(shown, doc.lines.get(("expect", i))) for i, x in enumerate(sf.expect)],
    )


#: Fields that only some kinds of event use: elsewhere they would be silently ignored.
_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "clause": ("notice_given", "option_exercised"),
    "notice": ("notice_suspended", "notice_withdrawn", "notice_extended", "notice_resumed"),
    "period": ("extended", "notice_extended"),
    "count": ("notified",),
    "condition": ("condition_met",),
    "hold": ("hold_started", "hold_ended"),
}


def _raise_all(problems: list[TreatyLifeError]) -> None:
    """Raise the first problem, carrying every one (``treatylife check`` lists them all)."""
    if not problems:
        return
    first = problems[0]
    if len(problems) > 1:
        extra = f" [and {len(problems) - 1} more problem(s)]"
        first = type(first)(
            first.message + extra,
            file=first.file,
            line=first.line,
            field=first.field,
            hint=first.hint,
            code=first.code,
        )
        first.problems = problems
    raise first


def _check_kind_fields(events: list[Event]) -> None:
    problems: list[TreatyLifeError] = []
    for e in events:
        for name, kinds in _KIND_FIELDS.items():
            if getattr(e, name, None) is not None and e.kind.value not in kinds:
                problems.append(
                    ScenarioError(
                        f"`{name}` has no meaning for a {e.kind.value} event and would be ignored",
                        file=e.file,
                        line=e.line,
                        field=name,
                        code="TL313",
                        hint=f"`{name}` is for {' and '.join(kinds)} events; is `kind` right?",
                    )
                )
    _raise_all(problems)


def check_parties(events: list[Event], rules: Rules) -> None:
    codes = rules.party_codes()
    ids: dict[str, Event] = {}
    problems: list[TreatyLifeError] = []
    for e in events:
        if e.party is not None and e.party not in codes:
            close = difflib.get_close_matches(e.party, codes, n=1)
            problems.append(
                ScenarioError(
                    f"{e.party!r} is not a party to {rules.short_title or rules.id}",
                    file=e.file,
                    line=e.line,
                    field="party",
                    code="TL310",
                    hint=f"did you mean {close[0]!r}?" if close else "parties: " + ", ".join(codes),
                )
            )
        if e.id is not None:
            if e.id in ids:
                problems.append(
                    ScenarioError(
                        f"event id {e.id!r} is used twice (first at line {ids[e.id].line})",
                        file=e.file,
                        line=e.line,
                        field="id",
                        code="TL311",
                    )
                )
            else:
                ids[e.id] = e
    _raise_all(problems)
