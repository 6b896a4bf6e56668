"""The worker's file tools act only inside the worktree and say plainly what went wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loopwright.agent.tools import files
from loopwright.agent.tools.files import ToolError


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    (root / "pkg" / "deep" / "deeper").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("secret\n")
    (root / "pkg" / "a.py").write_text("def f():\n    return 1\n\ndef g():\n    return 1\n")
    (root / "pkg" / "deep" / "deeper" / "b.txt").write_text("needle here\n")
    (root / "README.md").write_text("# demo\n")
    return root


def test_listing_skips_git_and_stops_at_the_depth(tree: Path) -> None:
    listing = files.list_files(tree, ".", depth=2).splitlines()
    assert "README.md" in listing and "pkg/a.py" in listing
    assert "pkg/deep/" in listing
    assert not any(line.startswith(".git") for line in listing)


def test_reading_a_range_numbers_the_lines_and_says_where_it_is(tree: Path) -> None:
    text = files.read_file(tree, "pkg/a.py", 2, 3)
    assert text.splitlines() == ["2\t    return 1", "3\t", "(lines 2-3 of 5)"]
    assert files.read_file(tree, "pkg/a.py").startswith("1\tdef f():")


def test_reading_a_missing_file_or_past_the_end_is_a_clear_error(tree: Path) -> None:
    with pytest.raises(ToolError, match="no such file"):
        files.read_file(tree, "nope.py")
    with pytest.raises(ToolError, match="has 5 lines; start_line 9"):
        files.read_file(tree, "pkg/a.py", 9)


@pytest.mark.parametrize("ripgrep", [True, False], ids=["rg", "python"])
def test_search_finds_lines_with_or_without_ripgrep(
    tree: Path, monkeypatch: pytest.MonkeyPatch, ripgrep: bool,
) -> None:
    if ripgrep and shutil.which("rg") is None:
        pytest.skip("ripgrep is not installed here")
    if not ripgrep:
        monkeypatch.setattr(files.shutil, "which", lambda _name: None)
    assert files.search(tree, "needle") == "pkg/deep/deeper/b.txt:1:needle here"
    assert files.search(tree, r"return \d", glob="*.py").splitlines() == [
        "pkg/a.py:2:    return 1", "pkg/a.py:5:    return 1"]
    assert files.search(tree, "nothing-like-this") == "no matches"
    assert "secret" not in files.search(tree, "secret")


def test_an_edit_replaces_exactly_one_occurrence(tree: Path) -> None:
    assert files.edit_file(tree, "pkg/a.py", "def g():\n    return 1", "def g():\n    return 2")
    assert (tree / "pkg" / "a.py").read_text().endswith("def g():\n    return 2\n")


def test_an_edit_of_text_that_is_missing_or_ambiguous_says_what_to_do(tree: Path) -> None:
    with pytest.raises(ToolError, match=r"not found\. Read the file again"):
        files.edit_file(tree, "pkg/a.py", "return 3", "return 4")
    with pytest.raises(ToolError, match=r"occurs 2 times \(lines 2, 5\).*replace_all"):
        files.edit_file(tree, "pkg/a.py", "return 1", "return 4")
    assert files.edit_file(tree, "pkg/a.py", "return 1", "return 4", replace_all=True) == (
        "pkg/a.py: replaced 2 occurrences")


def test_writing_creates_folders_and_says_what_it_did(tree: Path) -> None:
    assert files.write_file(tree, "new/dir/c.txt", "x\ny\n") == "created new/dir/c.txt (2 lines)"
    assert files.write_file(tree, "new/dir/c.txt", "z") == "overwrote new/dir/c.txt (1 line)"


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", ".git/config"])
def test_paths_outside_the_worktree_are_refused(tree: Path, path: str) -> None:
    with pytest.raises(ToolError, match="refused"):
        files.read_file(tree, path)
    with pytest.raises(ToolError, match="refused"):
        files.write_file(tree, path, "x")


def test_a_symlink_that_leaves_the_worktree_is_refused(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("s3cret\n")
    (tree / "link").symlink_to(tmp_path)
    with pytest.raises(ToolError, match="symlink leads outside"):
        files.read_file(tree, "link/secret.txt")
    with pytest.raises(ToolError, match="symlink leads outside"):
        files.edit_file(tree, "link/secret.txt", "s3cret", "x")
    assert (tmp_path / "secret.txt").read_text() == "s3cret\n"
