"""Warm worktrees with real git: made ahead at the target's tip, taken by a session as
its own branch, brought up to a moved tip, never handed out once something changed them."""

from __future__ import annotations

from pathlib import Path

from helpers.git import git
from loopwright.workspace import warm_pool


def worktrees_of(repo: Path) -> Path:
    return repo / ".loopwright" / "worktrees"


def test_a_session_takes_a_warm_worktree_as_its_own_branch(repo: Path) -> None:
    wts = worktrees_of(repo)
    assert warm_pool.fill(repo, wts, "main", 2) == 2
    assert warm_pool.fill(repo, wts, "main", 2) == 0  # bounded
    dest = wts / "fix-it"
    base = warm_pool.take(repo, wts, dest, "loopwright/t1-fix", "main")
    assert base == git(repo, "rev-parse", "main")
    assert git(dest, "branch", "--show-current") == "loopwright/t1-fix"
    assert (dest / "README.md").read_text() == "# sample\n"
    assert len(warm_pool.warm(wts)) == 1
    assert warm_pool.fill(repo, wts, "main", 2) == 1


def test_a_warm_worktree_behind_the_tip_is_brought_to_it(repo: Path) -> None:
    wts = worktrees_of(repo)
    warm_pool.fill(repo, wts, "main", 1)
    (repo / "README.md").write_text("moved on\n")
    git(repo, "commit", "-qam", "main moves")
    dest = wts / "later"
    assert warm_pool.take(repo, wts, dest, "loopwright/t2", "main") == git(
        repo, "rev-parse", "main")
    assert (dest / "README.md").read_text() == "moved on\n"


def test_a_changed_warm_worktree_is_never_handed_out(repo: Path) -> None:
    wts = worktrees_of(repo)
    warm_pool.fill(repo, wts, "main", 1)
    [path] = warm_pool.warm(wts)
    (path / "planted.txt").write_text("not from the target\n")
    assert warm_pool.take(repo, wts, wts / "x", "loopwright/t3", "main") is None
    assert not path.exists() and warm_pool.warm(wts) == []
    assert "loopwright/t3" not in git(repo, "branch", "--list")


def test_a_branch_that_exists_takes_the_ordinary_path(repo: Path) -> None:
    wts = worktrees_of(repo)
    warm_pool.fill(repo, wts, "main", 1)
    git(repo, "branch", "loopwright/t4", "main")
    assert warm_pool.take(repo, wts, wts / "y", "loopwright/t4", "main") is None
    assert len(warm_pool.warm(wts)) == 1
