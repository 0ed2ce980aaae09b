"""The file-system questions the loader asks (treatylife.files.probe): what each answers, recorded and
replayed with the same functions, and the same on every Python version (pathlib's meaning on 3.11)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from treatylife.files import probe


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "dir").mkdir()
    (tmp_path / "file.yaml").write_text("id: x\n")
    if sys.platform != "win32":
        (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
        (tmp_path / "loop").symlink_to(tmp_path / "loop")
        (tmp_path / "to-dir").symlink_to(tmp_path / "dir")
    return tmp_path


CASES = [
    # name, is_dir, is_file, exists
    ("dir", True, False, True),
    ("file.yaml", False, True, True),
    ("missing.yaml", False, False, False),
    ("file.yaml/inside", False, False, False),  # through a file: ENOTDIR
]
LINKS = [
    ("dangling", False, False, False),
    ("loop", False, False, False),  # ELOOP answers False, as pathlib does
    ("to-dir", True, False, True),
]


@pytest.mark.parametrize(
    ("name", "is_dir", "is_file", "exists"), CASES + ([] if sys.platform == "win32" else LINKS)
)
def test_each_question_answers_as_pathlib_on_311(
    tree: Path, name: str, is_dir: bool, is_file: bool, exists: bool
) -> None:
    path = tree / name
    assert (probe.is_dir(path), probe.is_file(path), probe.exists(path)) == (is_dir, is_file, exists)
    if sys.version_info[:2] == (3, 11):  # the meaning pinned is pathlib's on 3.11: the oracle there
        assert (path.is_dir(), path.is_file(), path.exists()) == (is_dir, is_file, exists)


def test_a_name_with_a_nul_byte_is_absent() -> None:
    assert (
        not probe.exists(Path("a\0b")) and not probe.is_file(Path("a\0b")) and not probe.is_dir(Path("a\0b"))
    )


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_resolve_follows_links_and_raises_on_a_loop(tree: Path) -> None:
    assert probe.resolve(tree / "to-dir") == (tree / "dir").resolve()
    assert probe.resolve(tree / "missing.yaml") == tree.resolve() / "missing.yaml"
    with pytest.raises(RuntimeError, match="Symlink loop"):
        probe.resolve(tree / "loop")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads everything")
def test_an_unreadable_folder_is_an_error_not_an_absence(tree: Path) -> None:
    locked = tree / "locked"
    locked.mkdir()
    (locked / "f.yaml").write_text("x")
    locked.chmod(0)
    try:
        with pytest.raises(PermissionError):
            probe.exists(locked / "f.yaml")
    finally:
        locked.chmod(0o700)


def test_replay_asks_the_same_questions_and_sees_a_change(tree: Path) -> None:
    with probe.recording() as seen:
        probe.is_dir(tree / "dir")
        probe.is_file(tree / "file.yaml")
        probe.exists(tree / "missing.yaml")
        probe.resolve(tree / "dir")
        probe.read(tree / "file.yaml", 1000)
    assert [o[0] for o in seen] == ["is_dir", "is_file", "exists", "resolve", "read"]
    assert probe.replay(seen)
    (tree / "missing.yaml").write_text("now here\n")
    assert not probe.replay(seen)
    (tree / "missing.yaml").unlink()
    assert probe.replay(seen)
    (tree / "file.yaml").write_text("id: y\n")
    assert not probe.replay(seen)
