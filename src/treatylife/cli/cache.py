"""A cache of compiled Records, as JSON, keyed by the content of every input file.

``treatylife status --on 2019-08-23`` is run from scripts and loops. Reading YAML, validating with pydantic
and replaying through ``transitions`` costs far more than answering: so the first run stores the
:class:`~treatylife.record.Record` it built, and later runs answer from it without importing any of those.

* **Safe**: JSON only, decoded field by field against the dataclasses' type hints; never pickle, so a cache
  file cannot execute code. A file that does not decode is a miss.
* **Correct**: an entry is used only if every input file (scenario, what-if bases, rules) still has the
  SHA-256 it had, under the same treatylife version and the same package modules (size and modification
  time), from the same working directory and argument (paths in explanations are shown relative to the
  working directory). A Record that does not survive
  encode -> decode unchanged is never stored.
* **Generic**: (de)serialization is driven by ``dataclasses.fields`` and type hints, so fields added to
  :class:`Record` later keep working (a field of a type it cannot rebuild makes the Record uncacheable,
  never wrong).

Where: ``$TREATYLIFE_CACHE_DIR``, else ``$XDG_CACHE_HOME/treatylife``, else ``~/.cache/treatylife``.
``TREATYLIFE_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
import types
from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

try:  # the built-in SHA-256 loads in microseconds; hashlib pulls in OpenSSL (~4 ms at every start-up)
    from _sha256 import sha256 as _sha256_new  # type: ignore[import-not-found]  # CPython <= 3.11
except ImportError:  # pragma: no cover - depends on the Python version
    try:
        from _sha2 import sha256 as _sha256_new  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from hashlib import sha256 as _sha256_new

__all__ = ["cache_dir", "decode", "encode", "get_record", "put_record"]

FORMAT = 1


def cache_dir() -> str | None:
    """The cache directory, or None when caching is turned off."""
    if os.environ.get("TREATYLIFE_NO_CACHE"):
        return None
    explicit = os.environ.get("TREATYLIFE_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "treatylife")


# ---------------------------------------------------------------------------- generic dataclass JSON


def encode(obj: Any) -> Any:
    """A tree of dataclasses, dates, enums, named tuples, lists, tuples and str-keyed dicts as JSON data."""
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (int, float, str)):
        return obj
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: encode(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, _dt.datetime):
        return obj.isoformat()
    if isinstance(obj, _dt.date):
        return obj.isoformat()
    if isinstance(obj, (list, tuple)):
        return [encode(v) for v in obj]
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"cannot cache a dict with {type(k).__name__} keys")
            out[k] = encode(v)
        return out
    raise TypeError(f"cannot cache a {type(obj).__name__}")


_HINTS: dict[tuple[type, type, type], dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    # keyed by the current date classes too: a test clock (freezegun) swaps them while frozen
    key = (cls, _dt.date, _dt.datetime)
    h = _HINTS.get(key)
    if h is None:
        h = _HINTS[key] = get_type_hints(cls, vars(sys.modules[cls.__module__]))
    return h


def decode(tp: Any, data: Any) -> Any:
    """Rebuild a value of type ``tp`` from :func:`encode`'s output. Raises on anything unexpected."""
    if tp is Any or tp is object:
        return data  # JSON data as stored
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = get_args(tp)
        if data is None:
            if type(None) in args:
                return None
            raise ValueError("unexpected null")
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return decode(options[0], data)
        errors = []
        for a in options:  # e.g. Period | Literal["indefinite"]: the first that decodes exactly
            try:
                value = decode(a, data)
            except (TypeError, ValueError, KeyError) as exc:
                errors.append(exc)
                continue
            if encode(value) == data:
                return value
        raise ValueError(f"no type of {tp} fits {data!r}")
    if data is None:
        if tp is type(None):
            return None
        raise ValueError(f"unexpected null for {tp}")
    if origin is Literal:
        if data not in get_args(tp):
            raise ValueError(f"{data!r} is not one of {get_args(tp)}")
        return data
    if origin is list:
        (item,) = get_args(tp) or (Any,)
        return [decode(item, v) for v in _seq(data)]
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v) for v in _seq(data))
        if len(args) != len(data):
            raise ValueError("tuple of the wrong length")
        return tuple(decode(a, v) for a, v in zip(args, _seq(data), strict=True))
    if origin is dict:
        kt, vt = get_args(tp) or (str, Any)
        if not isinstance(data, dict) or kt is not str:
            raise ValueError("expected an object with string keys")
        return {k: decode(vt, v) for k, v in data.items()}
    if not isinstance(tp, type):
        raise TypeError(f"cannot decode {tp!r}")
    if is_dataclass(tp):
        if not isinstance(data, dict):
            raise ValueError(f"expected an object for {tp.__name__}")
        fs = fields(tp)
        names = {f.name for f in fs}
        if set(data) != names:
            raise KeyError(f"{tp.__name__}: fields differ ({sorted(set(data) ^ names)})")
        hints = _hints(tp)
        obj = tp.__new__(tp)
        for f in fs:
            object.__setattr__(obj, f.name, decode(hints[f.name], data[f.name]))
        return obj
    if issubclass(tp, Enum):
        return tp(data)
    if tp is _dt.datetime:
        return _dt.datetime.fromisoformat(_str(data))
    if tp is _dt.date:
        return _dt.date.fromisoformat(_str(data))
    if issubclass(tp, tuple) and hasattr(tp, "_fields"):  # a NamedTuple, e.g. dates.Period
        hints = _hints(tp)
        values = _seq(data)
        if len(values) != len(tp._fields):
            raise ValueError(f"{tp.__name__}: wrong number of values")
        return tp(*(decode(hints.get(n, Any), v) for n, v in zip(tp._fields, values, strict=True)))
    if tp is bool:
        if not isinstance(data, bool):
            raise ValueError("expected a boolean")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise ValueError("expected an integer")
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise ValueError("expected a number")
        return float(data)
    if tp is str:
        return _str(data)
    raise TypeError(f"cannot decode {tp.__name__}")


def _seq(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise ValueError("expected an array")
    return data


def _str(data: Any) -> str:
    if not isinstance(data, str):
        raise ValueError("expected a string")
    return data


# ---------------------------------------------------------------------------- the record cache


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return str(_sha256_new(fh.read()).hexdigest())
    except OSError:
        return None


def _code_fingerprint() -> str:
    """Size and modification time of the package's modules (a few stat calls): a Record built by other code
    is never reused, even where the code changes without the version (an editable install)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = []
    for folder, dirs, files in os.walk(package):  # every layer: code moved into a subpackage counts too
        dirs[:] = sorted(d for d in dirs if d not in ("data", "__pycache__"))
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                parts.append(
                    f"{os.path.relpath(os.path.join(folder, name), package)}:{st.st_size}:{st.st_mtime_ns}"
                )
    return str(_sha256_new("|".join(parts).encode("utf-8")).hexdigest()[:16])


def _entry_path(root: str, version: str, scenario: str | None) -> str:
    key = json.dumps([FORMAT, version, os.getcwd(), scenario])
    return os.path.join(root, "records", _sha256_new(key.encode("utf-8")).hexdigest()[:40] + ".json")


def get_record(scenario: str | None, version: str) -> Any:
    """The cached Record for ``scenario`` (as given on the command line), or None on any kind of miss."""
    root = cache_dir()
    if root is None:
        return None
    version = f"{version}+{_code_fingerprint()}"
    path = _entry_path(root, version, scenario)
    try:
        with open(path, encoding="utf-8") as fh:
            entry = json.load(fh)
    except (OSError, ValueError):
        return None
    try:
        if (
            entry.get("format") != FORMAT
            or entry.get("version") != version
            or entry.get("cwd") != os.getcwd()
        ):
            return None
        files = entry["files"]
        if not files or any(_sha256(p) != h for p, h in files.items()):
            return None
        from treatylife.model.record import Record

        return decode(Record, entry["record"])
    except Exception:  # a stale or damaged entry is a miss, never an error
        return None


def put_record(scenario: str | None, version: str, record: Any, files: dict[str, str]) -> bool:
    """Store ``record`` built from ``files`` ({path: sha256}); False when it cannot be cached faithfully."""
    root = cache_dir()
    if root is None:
        return False
    from treatylife.model.record import Record

    try:
        data = encode(record)
        if decode(Record, json.loads(json.dumps(data))) != record:
            return False
    except (TypeError, ValueError, KeyError):
        return False
    version = f"{version}+{_code_fingerprint()}"
    absolute = {os.path.realpath(os.path.join(os.getcwd(), p)): h for p, h in files.items()}
    if not absolute or any(_sha256(p) != h for p, h in absolute.items()):
        return False  # a file changed while we read it
    entry = {
        "format": FORMAT,
        "version": version,
        "cwd": os.getcwd(),
        "scenario": scenario,
        "files": absolute,
        "record": data,
    }
    path = _entry_path(root, version, scenario)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False))
        os.replace(tmp, path)
    except OSError:
        return False
    return True
