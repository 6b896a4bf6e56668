"""A commit shipped as a git bundle and checked out on the other side, with its git dir
beside the tree, never inside it."""

from __future__ import annotations

import secrets
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


def test_a_bundle_since_a_base_carries_only_what_the_commit_adds(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    big = secrets.token_hex(100_000)  # does not compress: the base is what weighs
    root = make_repo({"big.txt": big})
    base = git(root, "rev-parse", "HEAD")
    (root / "small.txt").write_text("new\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "small")
    head = git(root, "rev-parse", "HEAD")
    node = tmp_path / "node"
    unpack(bundle_of(root, base), base, node / "git", node / "first")  # the node has base
    since = bundle_of(root, head, since=base)
    assert len(since) < len(bundle_of(root, head)) // 10
    unpack(since, head, node / "git", node / "second")
    assert (node / "second" / "small.txt").read_text() == "new\n"
    assert (node / "second" / "big.txt").read_text() == big
