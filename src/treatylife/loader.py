"""Reading rules and scenario files safely, with errors that name file, line and field.

YAML is parsed with a safe loader whose implicit resolvers are narrowed: ``NO`` stays the string "NO"
(Norway), ``on``/``yes`` stay strings and dates stay strings so pydantic validates them with a location
(PyYAML would raise on 2019-02-30 from inside the parser, with no field). Nothing here can construct a
Python object, expansion of aliases is bounded, files are read once and never written.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from treatylife.errors import InputError, RulesError, ScenarioError, TreatyLifeError
from treatylife.rules import Rules
from treatylife.scenario import Event, EventKind, ScenarioFile

__all__ = [
    "MAX_EVENTS",
    "MAX_FILE_BYTES",
    "Loaded",
    "bundled_path",
    "default_scenario",
    "load_rules",
    "load_scenario",
    "read_yaml",
]

MAX_FILE_BYTES = 2 * 1024 * 1024  # a real scenario is a few kB; refuse to parse a 50 MB mistake
MAX_NODES = 200_000  # counted with aliases expanded: stops "billion laughs"
MAX_EVENTS = 10_000
MAX_WHATIF_DEPTH = 16

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader without the bool and timestamp implicit resolvers (YAML 1.1 traps)."""


_Loader.yaml_implicit_resolvers = {
    ch: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


LineMap = dict[tuple[str | int, ...], int]


@dataclass
class YamlDoc:
    path: Path
    data: Any
    lines: LineMap
    sha256: str


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_yaml(path: Path, kind: type[TreatyLifeError] = InputError) -> YamlDoc:
    """Parse one YAML file into plain data plus a map from data paths to line numbers."""
    shown = _display(path)
    try:
        if path.is_dir():
            raise InputError("is a directory, not a YAML file", file=shown, code="TL101")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                file=shown,
                code="TL102",
                hint="split the register, or use the bulk register format",
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=shown, code="TL103") from None
    except PermissionError:
        raise InputError("permission denied", file=shown, code="TL104") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=shown, code="TL105") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", file=shown, line=line, code="TL106"
        ) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError("file is empty", file=shown, line=1, code="TL107")
        lines: LineMap = {}
        _walk(node, (), lines, [0], shown)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in str(problem) or "tag" in str(problem):
            code, hint = "TL109", "tags that construct objects are not allowed: rules files are data"
        else:
            code, hint = "TL108", None
        raise InputError(
            f"invalid YAML: {problem}",
            file=shown,
            line=mark.line + 1 if mark else None,
            code=code,
            hint=hint,
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=shown, code="TL108") from None
    finally:
        loader.dispose()
    return YamlDoc(path=path, data=data, lines=lines, sha256=hashlib.sha256(raw).hexdigest())


def _walk(node: yaml.Node, path: tuple[str | int, ...], lines: LineMap, count: list[int], shown: str) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise InputError(
            f"document expands to more than {MAX_NODES:,} values (aliases?)",
            file=shown,
            line=node.start_mark.line + 1,
            code="TL110",
        )
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key == "<<":
                _walk(value_node, path, lines, count, shown)
                continue
            if key is not None:
                if key in seen:
                    raise InputError(
                        f"duplicate key {key!r} (first on line {seen[key]})",
                        file=shown,
                        line=key_node.start_mark.line + 1,
                        field=".".join(map(str, (*path, key))),
                        code="TL111",
                    )
                seen[key] = key_node.start_mark.line + 1
                lines[(*path, key)] = key_node.start_mark.line + 1
                _walk(value_node, (*path, key), lines, count, shown)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, count, shown)


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


def _hint(err: Any) -> str | None:
    value = err.get("input")
    if err["type"] == "enum" and isinstance(value, str):
        options = [k.value for k in EventKind]
        close = difflib.get_close_matches(value, options, n=1, cutoff=0.5)
        if close:
            return f"did you mean {close[0]!r}?"
        return "one of: " + ", ".join(options)
    if err["type"] in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return "dates are written YYYY-MM-DD and must exist"
    if err["type"] == "extra_forbidden":
        return "unknown field; check the spelling against docs/file-formats.md"
    return None


def validation_error(
    exc: ValidationError, doc: YamlDoc, kind: type[TreatyLifeError], prefix: tuple[str | int, ...] = ()
) -> TreatyLifeError:
    """Turn pydantic's error list into one readable error (the first problem, with a count of the rest)."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    field_name, line = _field_and_line((*prefix, *err["loc"]), doc.lines)
    msg = err["msg"]
    if err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] in ("value_error", "assertion_error"):
        msg = msg.removeprefix("Value error, ")
    elif "input" in err and err["type"] not in ("model_type", "dict_type"):
        msg = f"{msg} (got {err['input']!r})"
    if len(errors) > 1:
        msg += f" [and {len(errors) - 1} more problem(s)]"
    return kind(msg, file=_display(doc.path), line=line, field=field_name, hint=_hint(err))


# ---------------------------------------------------------------------------- bundled data


def bundled_path(kind: str, name: str) -> Path:
    """Path of a file shipped inside the package (works for editable and wheel installs)."""
    return Path(str(resources.files("treatylife") / "data" / kind / name))


def default_scenario() -> Path:
    """The bundled GSOMIA record, used when no scenario is named."""
    return bundled_path("examples", "gsomia-record.yaml")


@cache
def _bundled_root() -> Path:
    return Path(str(resources.files("treatylife") / "data")).resolve()


def project_root(path: Path) -> Path:
    """Directory that references may not leave: the nearest ancestor holding ``rules/``, a
    ``pyproject.toml`` or ``.git``, else the file's own directory."""
    here = path.resolve().parent
    for d in (here, *here.parents):
        if (d / "rules").is_dir() or (d / "pyproject.toml").exists() or (d / ".git").exists():
            return d
    return here


def _resolve_ref(ref: str, base_file: Path, kind: str, root: Path, doc: YamlDoc, field_name: str) -> Path:
    """Resolve a ``rules:``/``based_on:`` reference; a bare name (``gsomia``) means a bundled file."""
    if "/" not in ref and "\\" not in ref and not ref.endswith((".yaml", ".yml")):
        candidate = bundled_path(kind, f"{ref}.yaml")
        if candidate.is_file():
            return candidate
    target = (base_file.parent / ref).resolve()
    inside = any(target.is_relative_to(r) for r in (root, _bundled_root()))
    err_kind = ScenarioError
    line = doc.lines.get((field_name,))
    if not inside:
        raise err_kind(
            f"reference {ref!r} points outside the project ({root})",
            file=_display(doc.path),
            line=line,
            field=field_name,
            code="TL301",
            hint="keep rules and scenarios in the project's folders",
        )
    if not target.is_file():
        raise err_kind(
            f"reference {ref!r} does not resolve to a file ({_display(target)})",
            file=_display(doc.path),
            line=line,
            field=field_name,
            code="TL302",
        )
    return target


# ---------------------------------------------------------------------------- rules


def _deep_merge(base: Any, patch: Any) -> Any:
    """Merge an overrides patch into raw rules data. Lists of clauses merge by ``id`` (or index)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = _deep_merge(base[k], v) if k in base else v
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
            out_list[idx] = _deep_merge(out_list[idx], v)
        return out_list
    return patch


def _validate_rules(data: Any, doc: YamlDoc) -> Rules:
    if not isinstance(data, dict):
        raise RulesError(
            "a rules file must be a mapping of fields", file=_display(doc.path), line=1, code="TL201"
        )
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, doc, RulesError) from None


def load_rules(path: str | Path) -> Rules:
    """Load and validate one rules file."""
    doc = read_yaml(Path(path))
    return _validate_rules(doc.data, doc)


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

    @property
    def is_whatif(self) -> bool:
        return self.base is not None


def _locate_events(events: list[Event], doc: YamlDoc, key: str) -> list[Event]:
    shown = _display(doc.path)
    return [e.located(shown, doc.lines.get((key, i))) for i, e in enumerate(events)]


def load_scenario(path: str | Path | None = None, *, root: Path | None = None) -> Loaded:
    """Load a scenario (or what-if chain) and its rules. ``None`` loads the bundled GSOMIA record."""
    p = Path(path) if path is not None else default_scenario()
    return _load(p, root or project_root(p), ())


def _load(path: Path, root: Path, chain: tuple[Path, ...]) -> Loaded:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(_display(c) for c in (*chain, resolved))
        raise ScenarioError(
            f"what-if bases form a cycle: {cycle}", file=_display(path), field="based_on", code="TL303"
        )
    if len(chain) >= MAX_WHATIF_DEPTH:
        raise ScenarioError(
            f"what-if chain deeper than {MAX_WHATIF_DEPTH}", file=_display(path), code="TL304"
        )
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise ScenarioError(
            "a scenario file must be a mapping of fields", file=_display(path), line=1, code="TL305"
        )
    if "entry_into_force" in doc.data and "events" not in doc.data:
        raise ScenarioError(
            "this looks like a rules file, not a scenario",
            file=_display(path),
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
        raise ScenarioError(
            f"{n_events:,} events; the limit is {MAX_EVENTS:,}", file=_display(path), code="TL307"
        )
    files = {_display(path): doc.sha256}

    base: Loaded | None = None
    changes: list[str] = []
    if sf.based_on is not None:
        base_path = _resolve_ref(sf.based_on, path, "examples", root, doc, "based_on")
        base = _load(base_path, root, (*chain, resolved))
        files.update(base.files)
        events = list(base.events)
        for i, m in enumerate(sf.remove):
            hit = [e for e in events if m.matches(e)]
            if not hit:
                raise ScenarioError(
                    "matches no event of the base scenario",
                    file=_display(path),
                    line=doc.lines.get(("remove", i)),
                    field=f"remove[{i}]",
                    code="TL308",
                )
            events = [e for e in events if not m.matches(e)]
            changes.extend(f"removed {e.label()}" for e in hit)
        for i, r in enumerate(sf.replace):
            hit = [e for e in events if r.match.matches(e)]
            if len(hit) != 1:
                raise ScenarioError(
                    f"must match exactly one event of the base scenario (matches {len(hit)})",
                    file=_display(path),
                    line=doc.lines.get(("replace", i)),
                    field=f"replace[{i}].match",
                    code="TL308",
                )
            new = r.with_.located(_display(path), doc.lines.get(("replace", i, "with")))
            events = [new if e is hit[0] else e for e in events]
            changes.append(f"replaced {hit[0].label()} with {new.label()}")
        added = _locate_events(sf.add, doc, "add")
        events.extend(added)
        changes.extend(f"added {e.label()}" for e in added)
        rules_data = base._rules_data
        rules_path = base.rules_path
        if sf.rules is not None:
            rules_path = _resolve_ref(sf.rules, path, "rules", root, doc, "rules")
            rdoc = read_yaml(rules_path)
            files[_display(rules_path)] = rdoc.sha256
            rules_data = rdoc.data
        if sf.overrides:
            try:
                rules_data = _deep_merge(rules_data, sf.overrides)
            except (KeyError, TypeError) as exc:
                raise ScenarioError(
                    f"override names no clause or field of the rules: {exc}",
                    file=_display(path),
                    line=doc.lines.get(("overrides",)),
                    field="overrides",
                    code="TL309",
                ) from None
            changes.extend(f"overrode rules {k}" for k in sf.overrides)
            try:
                rules = Rules.model_validate(rules_data)
            except ValidationError as exc:
                raise validation_error(exc, doc, ScenarioError, ("overrides",)) from None
        elif sf.rules is not None:
            rules = _validate_rules(rules_data, rdoc)
        else:
            rules = base.rules
    else:
        assert sf.rules is not None
        rules_path = _resolve_ref(sf.rules, path, "rules", root, doc, "rules")
        rdoc = read_yaml(rules_path)
        files[_display(rules_path)] = rdoc.sha256
        rules_data = rdoc.data
        rules = _validate_rules(rules_data, rdoc)
        events = _locate_events(sf.events, doc, "events")

    # Stable order: by date, then as written (same-day events keep the file's order).
    events.sort(key=lambda e: e.date)
    _check_parties(events, rules)
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
    )


def _check_parties(events: list[Event], rules: Rules) -> None:
    codes = rules.party_codes()
    ids: dict[str, Event] = {}
    for e in events:
        if e.party is not None and e.party not in codes:
            close = difflib.get_close_matches(e.party, codes, n=1)
            raise ScenarioError(
                f"{e.party!r} is not a party to {rules.short_title or rules.id}",
                file=e.file,
                line=e.line,
                field="party",
                code="TL310",
                hint=f"did you mean {close[0]!r}?" if close else "parties: " + ", ".join(codes),
            )
        if e.id is not None:
            if e.id in ids:
                raise ScenarioError(
                    f"event id {e.id!r} is used twice (first at line {ids[e.id].line})",
                    file=e.file,
                    line=e.line,
                    field="id",
                    code="TL311",
                )
            ids[e.id] = e
