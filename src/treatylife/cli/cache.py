"""A cache of compiled Records and the answers rendered from them, as JSON, reused only when the loader would
build the same Record again.

``treatylife status --on 2019-08-23`` is run from scripts and loops. Reading YAML, validating with pydantic
and replaying through ``transitions`` costs far more than answering: so the first run stores the
:class:`~treatylife.model.record.Record` it built, and later runs answer from it without importing any of
those. The promise: **an answer with the cache is byte for byte the answer without it** (stdout, stderr,
exit code), for every input. Why it holds:

* **What is cached is the Record, and beside it the answers rendered from that very Record**: an answer is
  a function of the Record and of the request (command, format, ``--explain``, the day asked about; see
  :func:`treatylife.cli.fastpath.request_key`), since the fast path renders only plain output in an
  environment it knows. So the entry's answer for the same request is the one this run would render; any
  other request is rendered now from the entry's Record, and stored beside it (at most
  :data:`MAX_ANSWERS`). A repeated ``status`` therefore never imports the Record's or the results' classes.
* **The Record is the loader's output, and the loader is a function of the code, the working directory, the
  scenario argument and the file system's answers to its questions** (:mod:`treatylife.files.probe`: is this
  a directory, where does this path resolve to, what bytes does this file hold). An entry stores the
  questions and answers; before it is used, every question is asked again with the same functions. A
  symlink repointed, a file edited or swapped, a ``rules/`` folder, ``pyproject.toml`` or ``.git`` appearing
  above a file (so the project root moves), a file turned into a FIFO: one answer differs, and it is a miss.
  The loader's own list of files read must be among the recorded reads, or nothing is stored.
* **The key** (:func:`cache_key`): entry format, version, a fingerprint of every file of the package (every
  subpackage) and of the dependency folders, the Python, the working directory, the scenario argument as
  given. An entry is used only if its key is equal and it names the scenario asked about.
* **Faithful**: a Record is stored only if it survives encode -> JSON -> decode *identical* (types, dict
  order, every attribute), never pickle: JSON decoded field by field against the dataclasses' type hints,
  so a cache file cannot execute code. A file that does not decode is a miss.
* **Ours**: the cache directory (and every folder above it) must belong to this user (or root) and be
  writable by no one else (sticky folders such as /tmp aside); an entry must be a regular file of this user,
  not writable by others, at most :data:`MAX_ENTRY_BYTES`, opened without following links and without
  blocking. Otherwise the cache is silently not used.

Where: ``$TREATYLIFE_CACHE_DIR``, else ``$XDG_CACHE_HOME/treatylife``, else ``~/.cache/treatylife``.
``TREATYLIFE_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import json
import os
import stat
import sys

TYPE_CHECKING = False  # not typing's: the start-up path of ``status`` does not import typing
if TYPE_CHECKING:
    from typing import Any

try:  # the built-in SHA-256 loads in microseconds; hashlib pulls in OpenSSL (~4 ms at every start-up)
    from _sha256 import sha256 as _sha256_new  # type: ignore[import-not-found]  # CPython <= 3.11
except ImportError:  # pragma: no cover - depends on the Python version
    try:
        from _sha2 import sha256 as _sha256_new  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from hashlib import sha256 as _sha256_new

__all__ = [
    "Entry",
    "cache_dir",
    "cache_key",
    "get_record",
    "lookup",
    "put_answer",
    "put_record",
]

FORMAT = 3  # 3: entries carry the answers rendered from their Record


def cache_dir() -> str | None:
    """The cache directory, or None when caching is turned off."""
    if os.environ.get("TREATYLIFE_NO_CACHE"):
        return None
    explicit = os.environ.get("TREATYLIFE_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "treatylife")


# ---------------------------------------------------------------------------- the record cache


def _trusted(st: os.stat_result, kind: int) -> bool:
    """Ours: of the right kind, owned by this user, writable by nobody else."""
    return stat.S_IFMT(st.st_mode) == kind and st.st_uid == os.geteuid() and not st.st_mode & 0o022


def _trusted_dir(path: str) -> bool:
    """``path`` is a directory of ours, and no other user can swap it or a folder above it."""
    try:
        real = os.path.realpath(path)
        if not _trusted(os.stat(real), stat.S_IFDIR):
            return False
        parent = os.path.dirname(real)
        while True:
            st = os.stat(parent)
            if st.st_uid not in (0, os.geteuid()) or (st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX):
                return False
            up = os.path.dirname(parent)
            if up == parent:
                return True
            parent = up
    except (OSError, ValueError):
        return False


#: a Record is a few tens of kB of JSON; anything far larger is not an entry of ours
MAX_ENTRY_BYTES = 8 * 1024 * 1024


def _read_entry(path: str) -> bytes | None:
    """The entry's bytes: a regular file of ours, read with a bound (never a FIFO, a link or /dev/zero)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None
    try:
        st = os.fstat(fd)
        if not _trusted(st, stat.S_IFREG) or st.st_size > MAX_ENTRY_BYTES:
            return None
        from treatylife.files.probe import read_at_most

        data = read_at_most(fd, MAX_ENTRY_BYTES + 1)
        return data if len(data) <= MAX_ENTRY_BYTES else None
    except OSError:
        return None
    finally:
        os.close(fd)


_FINGERPRINT: list[str] = []


def _code_fingerprint() -> str:
    """Size and modification time of every module of the package, in every subpackage (a few stat calls), and
    of the folders that hold the installed dependencies (pip adds or removes a ``.dist-info`` there): a Record
    built by other code is never reused, even where the code changes without the version (editable)."""
    if _FINGERPRINT:
        return _FINGERPRINT[0]
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    f = sys.flags  # those that can change what code does (not -B, -v, -q, -i)
    behaviour = (
        f.optimize,
        f.int_max_str_digits,
        f.utf8_mode,
        f.bytes_warning,
        f.ignore_environment,
        f.isolated,
    )
    parts = [package, sys.version, sys.prefix, os.path.realpath(sys.executable), repr(behaviour)]

    def walk(folder: str) -> None:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            if e.name == "__pycache__" or (folder == package and e.name == "data"):
                continue  # bundled data files: their reads and existence are observations (probe)
            if e.is_dir(follow_symlinks=False):
                walk(e.path)
            elif e.name.endswith((".py", ".pyi", ".so", ".pyd", ".pth")):
                st = e.stat()
                parts.append(f"{os.path.relpath(e.path, package)}:{st.st_size}:{st.st_mtime_ns}")

    walk(package)
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")) and os.path.isdir(entry):
            parts.append(f"{entry}:{os.stat(entry).st_mtime_ns}")
    _FINGERPRINT.append(str(_sha256_new("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()))
    return _FINGERPRINT[0]


def cache_key(scenario: str | None, version: str) -> dict[str, Any]:
    """Everything besides the files that a Record depends on: an entry is used only if its key is equal."""
    return {
        "format": FORMAT,
        "version": version,
        "code": _code_fingerprint(),
        "cwd": os.getcwd(),  # paths in answers are shown relative to it
        "scenario": scenario,  # exactly as given on the command line
    }


def _entry_path(root: str, key: dict[str, Any]) -> str:
    text = json.dumps(key, sort_keys=True)  # ASCII: a name with surrogates still hashes
    return os.path.join(root, "records", _sha256_new(text.encode("ascii")).hexdigest()[:40] + ".json")


class Entry:
    """A valid entry (ours, its key equal, its file-system questions answered as when it was built): the
    Record as JSON, and the answers already rendered from that Record."""

    def __init__(self, path: str, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    def answer(self, request: str) -> str | None:
        """The text printed for ``request`` (:func:`treatylife.cli.fastpath.request_key`), if stored."""
        answers = self.data.get("answers")
        text = answers.get(request) if isinstance(answers, dict) else None
        return text if isinstance(text, str) else None

    def record(self) -> Any:
        from treatylife.cli.codec import decode
        from treatylife.model.record import Record

        return decode(Record, self.data["record"])


def lookup(scenario: str | None, version: str) -> Entry | None:
    """The entry for ``scenario`` (as given on the command line), or None on any kind of miss.

    Used only if the entry file is ours (owner, permissions, a regular file of bounded size), its key is equal
    to this run's, it was built from the scenario asked about, and every question the loader asked the file
    system (:mod:`treatylife.files.probe`) still gets the same answer: the same files, resolved through the
    same links to the same real paths, with the same contents, under the same project root."""
    root = cache_dir()
    if root is None:
        return None
    try:
        if not _trusted_dir(root) or not _trusted_dir(os.path.join(root, "records")):
            return None
        key = cache_key(scenario, version)
        path = _entry_path(root, key)
        raw = _read_entry(path)
        if raw is None:
            return None
        entry = json.loads(raw)
        if not isinstance(entry, dict) or json.dumps(entry.get("key"), sort_keys=True) != json.dumps(
            key, sort_keys=True
        ):
            return None
        observations = entry["observations"]
        top = entry["top"]
        if not isinstance(top, str):
            return None
        if scenario is not None:
            from pathlib import Path  # the default scenario (no name given) does without it

            if top != os.fspath(Path(scenario)):
                return None  # built from another file than the one asked about
        if not any(isinstance(o, list) and o[:1] == ["read"] and o[1:2] == [top] for o in observations):
            return None
        from treatylife.files import probe

        if not probe.replay(observations):
            return None
        return Entry(path, entry)
    except Exception:  # a stale, damaged, forged or absurdly nested entry is a miss, never an error
        return None


def get_record(scenario: str | None, version: str) -> Any:
    """The cached Record for ``scenario``, or None on any kind of miss (see :func:`lookup`)."""
    entry = lookup(scenario, version)
    if entry is None:
        return None
    try:
        return entry.record()
    except Exception:  # an entry that does not decode is a miss
        return None


#: answers kept per entry (one per date, format and command asked): the newest are kept
MAX_ANSWERS = 64


def put_answer(entry: Entry, request: str, text: str) -> bool:
    """Add ``text``, rendered from ``entry``'s own Record for ``request``, to the entry (atomically)."""
    answers = entry.data.get("answers")
    if not isinstance(answers, dict):
        return False
    answers = {k: v for k, v in answers.items() if k != request}
    answers[request] = text
    while len(answers) > MAX_ANSWERS:
        del answers[next(iter(answers))]
    data = dict(entry.data, answers=answers)
    root = cache_dir()
    if root is None:
        return False
    return _write_entry(root, entry.path, json.dumps(data))


def put_record(
    scenario: str | None,
    version: str,
    record: Any,
    observations: list[Any],
    files: dict[str, str],
    top: str,
    answers: dict[str, str] | None = None,
) -> bool:
    """Store ``record``, built by the loader from ``top`` asking the file system ``observations``; ``files``
    ({shown path: sha256}) is the loader's own list of what it read, each of which must be among the
    observations; ``answers`` ({request: text}) were rendered from ``record``. False (nothing stored) when
    the Record cannot be cached faithfully."""
    from pathlib import Path

    from treatylife.cli.codec import decode, encode, identical
    from treatylife.files.loader import display_path
    from treatylife.model.record import Record

    root = cache_dir()
    if root is None:
        return False
    try:
        data = encode(record)
        text = json.dumps(
            {
                "key": cache_key(scenario, version),
                "top": top,
                "observations": observations,
                "record": data,
                "answers": dict(answers or {}),
            }
        )  # not sort_keys: the order of a Record's dicts is part of it (parties are listed in that order)
        entry = json.loads(text)
        if not identical(decode(Record, entry["record"]), record):
            return False
    except (TypeError, ValueError, KeyError, RecursionError):
        return False
    reads = {
        (display_path(Path(o[1])), o[3][1][0]) for o in observations if o[0] == "read" and o[3][0] == "ok"
    }
    if not files or any((name, sha) not in reads for name, sha in files.items()):
        return False  # the loader read something it did not ask through the probe: cannot be re-checked
    if not any(o[0] == "read" and o[1] == top for o in observations):
        return False
    return _write_entry(root, _entry_path(root, entry["key"]), text)


def _write_entry(root: str, path: str, text: str) -> bool:
    """Write an entry atomically (a temporary file of ours beside it, then a rename), in a folder of ours."""
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        if not _trusted_dir(root) or not _trusted_dir(os.path.dirname(path)):
            return False
        tmp = f"{path}.{os.getpid()}.tmp"
        flags = (
            os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        )
        fd = os.open(tmp, flags, 0o600)
        try:
            os.write(fd, text.encode("ascii"))
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except (OSError, UnicodeEncodeError):
        return False
    return True
