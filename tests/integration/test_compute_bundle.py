"""A commit shipped as a git bundle and checked out on the other side, with its git dir
beside the tree, never inside it."""

from __future__ import annotations

from pathlib import Path

from helpers.git import MakeRepo, git
from loopwright.compute.bundle import SHIP_REF, bundle_of, unpack


def test_a_commit_travels_as_a_bundle_and_checks_out_elsewhere(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.txt": "one\n", "pkg/b.py": "x = 1\n"})
    (root / "link").symlink_to("pkg/b.py")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "link")
    commit = git(root, "rev-parse", "HEAD")
    shipped = bundle_of(root, commit)
    # the temporary ref is gone again: nothing of the shipping stays in the repository
    assert SHIP_REF not in git(root, "for-each-ref")
    tree = tmp_path / "node" / "tree"
    unpack(shipped, commit, tmp_path / "node" / "git", tree)
    assert (tree / "a.txt").read_text() == "one\n"
    assert (tree / "link").is_symlink() and (tree / "link").read_text() == "x = 1\n"
    assert not (tree / ".git").exists()
    # the next commit reuses the objects already there
    (root / "a.txt").write_text("two\n")
    git(root, "commit", "-q", "-am", "two")
    second = git(root, "rev-parse", "HEAD")
    unpack(bundle_of(root, second), second, tmp_path / "node" / "git", tree)
    assert (tree / "a.txt").read_text() == "two\n"
