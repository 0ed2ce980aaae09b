"""Every question the loader asks the file system, in one place, so that the answers can be recorded.

The loader is a deterministic function of the working directory, the code, and the answers to these
questions (is this a directory? where does this path resolve to? what bytes does this file hold?). While
:func:`recording` is active, each question and its answer (or the exception it raised) is noted; the Record
cache stores that list and, before reusing a Record, :func:`replay` asks the same questions again with the
same functions: if every answer is the same, the loader would take the same steps and build the same Record.
A symlink repointed, a ``rules/`` folder or ``.git`` appearing above a file (the project root moves), a file
edited, replaced by a FIFO or removed: each changes one answer, and the cached Record is not used.

Only ``os``, ``stat`` and ``errno`` are imported here (not pathlib): the cache's fast path replays without YAML or pydantic.
"""

from __future__ import annotations

import errno as _errno
import os
import stat as _stat

TYPE_CHECKING = False  # not typing's: the start-up path of ``status`` does not import typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    __all__ = [
        "FileMeta",
        "digest",
        "exists",
        "is_dir",
        "is_file",
        "read",
        "read_at_most",
        "recording",
        "replay",
        "resolve",
        "stat",
    ]

_log: list[list[Any]] | None = None  # each [operation, path, argument or None, outcome]


class FileMeta(tuple[bool, int]):
    """What the loader may know from ``stat``: only these are recorded, so only these may be used.
    (A pair, as a NamedTuple would be, without importing typing at start-up.)"""

    __slots__ = ()

    def __new__(cls, regular: bool, size: int) -> FileMeta:
        return tuple.__new__(cls, (regular, size))

    @property
    def regular(self) -> bool:
        return self[0]

    @property
    def size(self) -> int:
        return self[1]


def _outcome_of_error(exc: BaseException) -> list[Any]:
    return ["raise", type(exc).__name__, getattr(exc, "errno", None)]


def _note(op: str, path: Path | str, arg: Any, outcome: Any) -> None:
    if _log is not None:
        _log.append([op, os.fspath(path), arg, outcome])


def _observed(op: str, path: Path, arg: Any, fn: Any, encode: Any = None) -> Any:
    if _log is None:
        return fn()
    try:
        value = fn()
    except Exception as exc:  # every error too: the loader catches some of them and goes on
        _note(op, path, arg, _outcome_of_error(exc))
        raise
    _note(op, path, arg, ["ok", encode(value) if encode is not None else value])
    return value


# The questions themselves, asked with ``os`` alone (both when recording and when replaying, so that the
# answers compare; and pathlib, 7 ms, stays off the start-up path). Their meaning is pathlib's on Python
# 3.11 (``Path.is_dir`` and friends), pinned here so that it does not move with the Python version: a
# missing file, a path through a file, or a symbolic-link loop answers False; any other error is raised.
_IGNORED_ERRNOS = (_errno.ENOENT, _errno.ENOTDIR, _errno.EBADF, _errno.ELOOP)
_IGNORED_WINERRORS = (21, 123, 1921)  # not ready, invalid name, link loop


def _mode(path: str | os.PathLike[str]) -> int | None:
    """The mode of ``path`` (symbolic links followed), or None where pathlib would answer False."""
    try:
        return os.stat(path).st_mode
    except OSError as exc:
        if exc.errno in _IGNORED_ERRNOS or getattr(exc, "winerror", None) in _IGNORED_WINERRORS:
            return None
        raise
    except ValueError:  # a name the OS cannot hold (a NUL byte)
        return None


def _is_dir(path: str | os.PathLike[str]) -> bool:
    mode = _mode(path)
    return mode is not None and _stat.S_ISDIR(mode)


def _is_file(path: str | os.PathLike[str]) -> bool:
    mode = _mode(path)
    return mode is not None and _stat.S_ISREG(mode)


def _exists(path: str | os.PathLike[str]) -> bool:
    return _mode(path) is not None


def _resolve(path: str | os.PathLike[str]) -> str:
    """``Path.resolve()`` of Python 3.11 as text: the real path, and a symbolic-link loop raised."""
    real = os.path.realpath(path)
    try:
        os.stat(real)
    except OSError as exc:
        if exc.errno == _errno.ELOOP or getattr(exc, "winerror", None) == 1921:
            raise RuntimeError(f"Symlink loop from {exc.filename!r}") from None
    return real


def is_dir(path: Path) -> bool:
    """``path.is_dir()``."""
    return bool(_observed("is_dir", path, None, lambda: _is_dir(path)))


def is_file(path: Path) -> bool:
    """``path.is_file()``."""
    return bool(_observed("is_file", path, None, lambda: _is_file(path)))


def exists(path: Path) -> bool:
    """``path.exists()``."""
    return bool(_observed("exists", path, None, lambda: _exists(path)))


def resolve(path: Path) -> Path:
    """``path.resolve()`` (symbolic links followed; may raise on a loop)."""
    from pathlib import Path

    return Path(_observed("resolve", path, None, lambda: _resolve(path)))


def _meta(path: str | os.PathLike[str]) -> FileMeta:
    st = os.stat(path)
    return FileMeta(_stat.S_ISREG(st.st_mode), st.st_size)


def stat(path: Path) -> FileMeta:
    """Whether ``path`` (symbolic links followed) is a regular file, and its size."""
    result: FileMeta = _observed("stat", path, None, lambda: _meta(path), list)
    return result


def _read(path: str | os.PathLike[str], limit: int) -> bytes:
    # O_NONBLOCK: a FIFO swapped in after the caller's stat check opens at once instead of blocking, and
    # is then refused like any file that is not regular; reads stop at ``limit`` bytes whatever the size
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not _stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(22, "not a regular file")
        return read_at_most(fd, limit)
    finally:
        os.close(fd)


def read_at_most(fd: int, limit: int) -> bytes:
    """At most ``limit`` bytes from the open file ``fd``, whatever its size says (it may grow while read)."""
    chunks = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of the regular file ``path`` (recorded as their SHA-256 and length)."""
    result: bytes = _observed("read", path, limit, lambda: _read(path, limit), digest)
    return result


def digest(data: bytes) -> list[Any]:
    return [_sha256(data), len(data)]


def _sha256(data: bytes) -> str:
    try:  # the built-in module loads in microseconds; hashlib pulls in OpenSSL (~4 ms at start-up)
        from _sha256 import sha256  # type: ignore[import-not-found]  # CPython <= 3.11
    except ImportError:  # pragma: no cover - depends on the Python version
        try:
            from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            from hashlib import sha256
    return str(sha256(data).hexdigest())


class recording:  # used as a function: ``with probe.recording() as observations``
    """Note every question asked (and its answer) inside the block, in order. (A class, not
    ``contextlib.contextmanager``: contextlib is not imported on the start-up path.)"""

    def __enter__(self) -> list[list[Any]]:
        global _log
        self.outer = _log
        _log = []
        return _log

    def __exit__(self, *exc: object) -> None:
        global _log
        _log = self.outer


_OPS: dict[str, Callable[[str, Any], Any]] = {
    "is_dir": lambda p, a: _is_dir(p),
    "is_file": lambda p, a: _is_file(p),
    "exists": lambda p, a: _exists(p),
    "resolve": lambda p, a: _resolve(p),
    "stat": lambda p, a: list(_meta(p)),
    "read": lambda p, a: digest(_read(p, a)),
}

#: a real scenario asks a few dozen questions; an entry with more is not ours
MAX_OBSERVATIONS = 10_000


def replay(observations: Any) -> bool:
    """Ask every recorded question again; True only if every answer (or error) is exactly the same.

    Stops at the first difference, so a file that has become a FIFO is never opened: its ``stat`` differs
    first (and :func:`read` refuses anything that is not a regular file in any case)."""
    if not isinstance(observations, list) or not 0 < len(observations) <= MAX_OBSERVATIONS:
        return False
    for ob in observations:
        if not isinstance(ob, list) or len(ob) != 4:
            return False
        op, path, arg, recorded = ob
        fn = _OPS.get(op) if isinstance(op, str) else None
        if fn is None or not isinstance(path, str) or "\0" in path:
            return False
        if op == "read" and not (isinstance(arg, int) and not isinstance(arg, bool) and 0 <= arg <= 1 << 26):
            return False
        if op != "read" and arg is not None:
            return False
        try:
            now: Any = ["ok", fn(path, arg)]
        except Exception as exc:
            now = _outcome_of_error(exc)
        if repr(now) != repr(recorded):  # repr: True is not 1, [1] is not (1,)
            return False
    return True
