"""The Record cache's codec: a tree of dataclasses as JSON data and back, exactly (never pickle).

A module apart from :mod:`treatylife.cli.cache` so that the start-up path that prints a stored answer
imports none of ``dataclasses``, ``enum`` or ``typing``: only a Record read or stored needs this.
"""

from __future__ import annotations

import datetime as _dt
import sys
import types
from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

__all__ = ["decode", "encode", "identical"]


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


def identical(a: Any, b: Any, depth: int = 0) -> bool:
    """``a`` and ``b`` are the same value in every way a query can see: same types all the way down (``True``
    is not ``1``, a tuple is not a list), same dict order, same attributes (not only the dataclass fields that
    take part in ``==``). Anything else (a set, an object of another kind) is not identical: not cacheable."""
    if depth > 100 or type(a) is not type(b):
        return False
    if a is None or isinstance(a, (bool, int, str, Enum, _dt.date)):
        return bool(a == b) and repr(a) == repr(b)
    if isinstance(a, float):
        return repr(a) == repr(b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(identical(x, y, depth + 1) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return (
            len(a) == len(b)
            and all(identical(k, j, depth + 1) for k, j in zip(a, b, strict=True))
            and all(identical(a[k], b[k], depth + 1) for k in a)
        )
    if is_dataclass(a) and hasattr(a, "__dict__") and not hasattr(type(a), "__slots__"):
        return identical(vars(a), vars(b), depth + 1)
    return False
