"""The registers a server serves, kept in step with the files on disk.

Files stay the source of truth: every request asks its register for the current :class:`Snapshot`, which
stats the register's files (at most every ``check_every`` seconds) and reloads them when one changed. A
reload is taken only when it is whole: the files must have been left alone for ``settle`` seconds, and they
must not change while they are read (stat before and after); otherwise the previous snapshot is served and
the reload is tried again on a later request. A register that turns invalid keeps serving its last good
snapshot, with the error attached (the page shows it, the API sends it in a header and in
``/api/registers``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from treatylife.errors import InputError, TreatyLifeError

__all__ = ["Agreement", "Served", "Snapshot", "Store", "bundled_examples"]

#: how many replayed records / rendered answers one snapshot keeps (least recently used first out)
RECORD_CACHE = 20_000
ANSWER_CACHE = 256

Signature = tuple[tuple[str, int, int, int], ...]


def bundled_examples() -> Path:
    """The bundled example scenarios: what ``treatylife serve`` serves with no register named."""
    from treatylife.files.loader import default_scenario

    return default_scenario().parent


@dataclass(frozen=True)
class Agreement:
    """One agreement of a served register, addressed by its id (never by a path)."""

    id: str
    register: str
    row: int
    title: str
    agreement: str
    parties: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "register": self.register,
            "title": self.title,
            "agreement": self.agreement,
            "parties": list(self.parties),
        }


class _LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = make()  # outside the lock: two threads may compute the same value, both right
        with self.lock:
            self.data[key] = value
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value


@dataclass
class Snapshot:
    """A register as last read whole and valid; never changed after it is built."""

    register: Any  # treatylife.bulk.register.Register
    agreements: dict[str, Agreement]
    signature: Signature
    version: int
    loaded_at: float
    records: _LRU = field(default_factory=lambda: _LRU(RECORD_CACHE))
    answers: _LRU = field(default_factory=lambda: _LRU(ANSWER_CACHE))

    def record(self, agreement: Agreement) -> Any:
        """The agreement replayed (a Record), cached for this snapshot."""
        return self.records.get(agreement.row, lambda: self.register.record(agreement.row))

    def answer(self, key: Any, make: Callable[[], Any]) -> Any:
        """An answer that depends only on this snapshot and ``key`` (a rendered register-wide answer)."""
        return self.answers.get(key, make)


def _stat(path: Path) -> tuple[str, int, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (str(path), -1, -1, -1)
    return (str(path), st.st_mtime_ns, st.st_size, st.st_ino)


def _signature(path: Path, extra: Iterable[str]) -> Signature:
    """What identifies the register's files as they are: (path, mtime, size, inode) of each."""
    from treatylife.bulk.columnar import SUFFIXES  # the register formats a directory may hold

    watched = (".yaml", ".yml", *SUFFIXES)
    names = {str(path)}
    if path.is_dir():
        with contextlib.suppress(OSError):
            names.update(str(p) for p in path.iterdir() if p.suffix.lower() in watched)
    names.update(extra)
    return tuple(_stat(Path(n)) for n in sorted(names))


def _agreements(name: str, reg: Any) -> dict[str, Agreement]:
    parties: dict[int, tuple[str, ...]] = {
        i: tuple(rec.parties) for i, rec in reg.records.items() if i in reg.scenario_files
    }
    for g in reg.groups:
        codes = tuple(g.rules.party_codes())
        for i in g.rows.tolist():
            parties[i] = codes
    ids = [x for seg in reg.names for x in seg[0].to_pylist()]
    titles = [x for seg in reg.names for x in seg[1].to_pylist()]
    agreements = [x for seg in reg.names for x in seg[2].to_pylist()]
    return {
        x: Agreement(x, name, i, titles[i] or x, agreements[i] or "", parties.get(i, ()))
        for i, x in enumerate(ids)
    }


def _watched(reg: Any) -> list[str]:
    files = list(reg.sources)
    for rec in reg.records.values():
        files += [rec.scenario_path, rec.rules_path]
    return files


class Served:
    """One register on disk, served: its current snapshot, and the error of its files if they turned bad."""

    def __init__(self, name: str, path: Path, *, check_every: float = 0.25, settle: float = 0.2) -> None:
        self.name = name
        self.path = path
        self.check_every = check_every
        self.settle = settle
        self.error: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._checked = 0.0
        self._failed: Signature | None = None  # the files as they were when they last failed to load
        self._version = 0
        snap = self._load()  # at start a bad register is the user's error: raised, the server does not start
        if snap is None:
            raise InputError(
                "the register changed while it was read; try again", file=str(path), code="TL620"
            )
        self.snapshot: Snapshot = snap

    def _load(self) -> Snapshot | None:
        from treatylife.bulk.register import load_register

        before = _signature(self.path, _watched(self.snapshot.register) if self._version else ())
        reg = load_register(self.path)
        watched = _watched(reg)
        after = _signature(self.path, watched)
        if _without_new(after, before) != before:
            return None  # a file changed while it was read: not whole, try later
        self._version += 1
        return Snapshot(reg, _agreements(self.name, reg), after, self._version, time.time())

    def current(self) -> Snapshot:
        """The snapshot to answer from, reloaded first if the files changed (and are whole again)."""
        now = time.monotonic()
        if now - self._checked < self.check_every:
            return self.snapshot
        if not self._lock.acquire(blocking=False):
            return self.snapshot  # another request is reloading: answer from the last good one meanwhile
        try:
            self._checked = now
            snap = self.snapshot
            sig = _signature(self.path, (s[0] for s in snap.signature))
            if sig == snap.signature or sig == self._failed:
                return snap
            newest = max((s[1] for s in sig if s[1] > 0), default=0)
            if time.time_ns() - newest < self.settle * 1e9:
                return snap  # still being written: look again on a later request
            try:
                fresh = self._load()
            except TreatyLifeError as exc:
                self.error = exc.to_dict()
                self._failed = sig
                return snap
            except Exception as exc:  # a file that crashes the loader must not take the server down
                self.error = {
                    "code": "TL999",
                    "message": f"internal error reading the register: {type(exc).__name__}",
                    "file": str(self.path),
                    "line": None,
                    "field": None,
                    "hint": "this is a bug in treatylife; please report it",
                }
                self._failed = sig
                return snap
            if fresh is None:
                return snap
            self.snapshot, self.error, self._failed = fresh, None, None
            return fresh
        finally:
            self._lock.release()

    def describe(self) -> dict[str, Any]:
        snap = self.snapshot
        return {
            "name": self.name,
            "count": len(snap.agreements),
            "version": snap.version,
            "loaded_at": _dt.datetime.fromtimestamp(snap.loaded_at, _dt.UTC).isoformat(timespec="seconds"),
            "error": self.error,
        }


def _without_new(after: Signature, before: Signature) -> Signature:
    """``after`` restricted to the files ``before`` knew (a first load learns which rules files it reads)."""
    known = {s[0] for s in before}
    return tuple(s for s in after if s[0] in known)


class Store:
    """Every register a server serves, by name; agreements by id across them."""

    def __init__(self, paths: list[Path], *, check_every: float = 0.25, settle: float = 0.2) -> None:
        if not paths:
            paths = [bundled_examples()]
        self.registers: dict[str, Served] = {}
        self.pages = _LRU(64)  # register pages, by (versions of the registers, question)
        for p in paths:
            name = _name_for(p, self.registers)
            self.registers[name] = Served(name, p, check_every=check_every, settle=settle)
        seen: dict[str, str] = {}
        for reg in self.registers.values():
            for x in reg.snapshot.agreements:
                if x in seen:
                    raise InputError(
                        f"agreement id {x!r} is in two registers ({seen[x]} and {reg.name})",
                        field="id",
                        code="TL136",
                        hint="serve them separately, or rename one",
                    )
                seen[x] = reg.name

    def register(self, name: str) -> Served:
        try:
            return self.registers[name]
        except KeyError:
            raise InputError(
                f"no register named {name!r}",
                field="register",
                code="TL622",
                hint="registers served: " + ", ".join(self.registers),
            ) from None

    def find(self, agreement_id: str) -> tuple[Served, Snapshot, Agreement]:
        """The agreement with this id, in the current snapshot of its register."""
        for reg in self.registers.values():
            snap = reg.current()
            if agreement_id in snap.agreements:
                return reg, snap, snap.agreements[agreement_id]
        import difflib

        ids = [x for reg in self.registers.values() for x in reg.snapshot.agreements]
        close = difflib.get_close_matches(agreement_id, ids, n=1)
        raise InputError(
            f"no agreement with id {agreement_id!r}",
            field="id",
            code="TL621",
            hint=f"did you mean {close[0]!r}?" if close else "GET /api/agreements lists them",
        )


def _name_for(path: Path, taken: dict[str, Served]) -> str:
    base = path.stem if path.suffix else path.name
    base = "".join(c if c.isalnum() or c in "-_." else "-" for c in base) or "register"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name
