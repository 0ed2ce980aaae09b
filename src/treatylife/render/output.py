"""Writing an output file (``-o``): never over an input, and never half a file.

:func:`write_file` is the one way every command writes its ``--output``:

- an output that *is* one of the command's inputs (the scenario, its rules file, a what-if's base, a
  register), however it is named (a symbolic link, a hard link, ``./x.yaml`` for ``x.yaml``), is refused
  before anything is written: ``TL005``, compared by device and inode (``os.stat``) and by real path;
- the bytes go to a temporary file in the target's own directory, are flushed to disk, and replace the
  target in one ``os.replace``: a reader sees the old file or the new one, and a failed write (a full disk,
  a quota, ``ulimit -f``) leaves the old file byte for byte as it was and removes the temporary file
  (``TL004``);
- a symbolic link given as the output stays a link: the file it points to is replaced; the new file keeps
  the old one's permission bits (a new file gets the usual ``0o666`` minus the umask);
- a target that exists and is not a regular file (``/dev/stdout``, a FIFO, a terminal) is written in
  place, as a stream: it cannot be replaced, and must not be.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from treatylife.errors import InputError

__all__ = ["STANDARD_INPUT", "is_same_file", "refused", "write_file"]


class _StandardInput:
    """Standard input as one of a command's inputs: when it was redirected from a file (``< reg.csv``), an
    output may not replace that file, whatever it is called on the command line."""

    def __fspath__(self) -> str:
        return "-"

    def __str__(self) -> str:
        return "standard input"


#: put among a command's inputs when it reads standard input (``portfolio - -o reg.csv < reg.csv``: TL005)
STANDARD_INPUT = _StandardInput()


def _identity(path: str | os.PathLike[str]) -> tuple[tuple[int, int] | None, str]:
    """(device, inode) of what ``path`` names after symbolic links (None if it does not exist), real path."""
    if path is STANDARD_INPUT:  # the file standard input was opened on, if it is one (not a pipe)
        try:
            st = os.fstat(0)
        except OSError:
            return None, "\0"
        return ((st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None), "\0"
    real = os.path.realpath(path)
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None, real
    return (st.st_dev, st.st_ino), real


def is_same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two names reach the same file (symbolic links, hard links, relative spellings)."""
    (ida, reala), (idb, realb) = _identity(a), _identity(b)
    return reala == realb or (ida is not None and ida == idb)


def refused(output: str | os.PathLike[str], given: str | os.PathLike[str]) -> InputError:
    """TL005, worded once for every writer: ``output`` reaches the input ``given``."""
    if given is STANDARD_INPUT:
        what = f"the file standard input reads (< {output})"
    else:
        real = os.path.realpath(given)
        what = f"the input {given}" + ("" if str(output) == str(given) else f" ({output} -> {real})")
    return InputError(
        f"{output}: is {what}; an input is never overwritten",
        field="--output",
        code="TL005",
        hint="choose another --output file",
    )


def _refuse_inputs(output: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    out_id, out_real = _identity(output)
    for given in inputs:
        in_id, in_real = _identity(given)
        if out_real == in_real or (out_id is not None and out_id == in_id):
            raise refused(output, given)


def _cannot(output: Path, exc: OSError, hint: str = "check the --output path") -> InputError:
    reason = exc.strerror or str(exc)
    return InputError(f"{output}: cannot write: {reason}", field="--output", code="TL004", hint=hint)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def write_file(
    output: str | os.PathLike[str], data: bytes, inputs: Iterable[str | os.PathLike[str]] = ()
) -> None:
    """Write ``data`` to ``output`` atomically, refusing an output that is one of ``inputs``.

    Raises :class:`~treatylife.errors.InputError`: ``TL005`` (the output is an input; nothing written),
    ``TL004`` (cannot write; an existing file is left exactly as it was)."""
    output = Path(output)
    _refuse_inputs(output, inputs)
    target = Path(os.path.realpath(output))
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise _cannot(output, exc) from None
    if old is not None and stat.S_ISDIR(old.st_mode):
        raise _cannot(output, OSError(errno.EISDIR, "is a directory"))
    if old is not None and not stat.S_ISREG(old.st_mode):
        _write_stream(output, target, data)
        return
    tmp, fd = _temporary(output, target)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
            if old is not None:
                os.chmod(fd, stat.S_IMODE(old.st_mode))
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        raise _cannot(output, exc, "the previous file, if any, is unchanged") from None
    except BaseException:
        _remove(tmp)
        raise
    _sync_directory(target.parent)


def _temporary(output: Path, target: Path) -> tuple[Path, int]:
    """A new, empty, exclusively created file beside ``target`` (the same file system, so the rename is
    atomic), named ``.NAME.XXXXXXXX.tmp``."""
    import secrets

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            hint = "the file is written beside its target, then renamed: the directory must be writable"
            raise _cannot(output, exc, hint) from None
    raise _cannot(output, OSError(errno.EEXIST, "no free temporary file name"))  # pragma: no cover


def _write_stream(output: Path, target: Path, data: bytes) -> None:
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _cannot(output, exc) from None


def _remove(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every system can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
