"""Warm worktrees: checkouts of the target's tip made ahead of time, so a session on a
large repository starts by taking one (a rename and a new branch) instead of writing
every file of a fresh `git worktree add`.

They live in `.loopwright/worktrees/.warm/`, detached, never seen by a worker before a
session takes one. A warm worktree behind the tip is moved to it when taken (git writes
only the files that differ); one with anything changed in it is removed, never handed
out. The number is bounded by the caller (`[manager] warm_worktrees`); each is a full
checkout on disk.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from .repo import WorkspaceError, run, run_ok
from .session_git import git, session_git
from .worktrees import checkout_options

FOLDER = ".warm"
_ids = itertools.count()


def folder_of(worktrees: Path) -> Path:
    return worktrees / FOLDER


def warm(worktrees: Path) -> list[Path]:
    """The warm worktrees, oldest first (not those still being checked out)."""
    folder = folder_of(worktrees)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.name.startswith("w") and p.is_dir()),
                  key=lambda p: p.name)


def fill(root: Path, worktrees: Path, target: str, size: int) -> int:
    """Add warm worktrees at `target`'s tip until there are `size`; how many were added."""
    have = len(warm(worktrees))
    if have >= size:
        return 0
    tip = run(root, "rev-parse", "--verify", f"{target}^{{commit}}")
    folder = folder_of(worktrees)
    folder.mkdir(parents=True, exist_ok=True)
    added = 0
    for _ in range(size - have):
        name = f"{os.getpid()}-{next(_ids):04d}"
        making = folder / f"making-{name}"  # not offered until it is whole
        run(root, *checkout_options(root), "worktree", "add", "-q", "--detach", str(making),
            tip)
        run(root, "worktree", "move", str(making), str(folder / f"w{name}"))
        added += 1
    return added


def take(root: Path, worktrees: Path, dest: Path, branch: str, target: str) -> str | None:
    """Make a warm worktree the session's: moved to `dest`, brought to `target`'s tip,
    on a new `branch` there. The base commit, or None when none is warm (or `branch`
    already exists: a resumed session takes the ordinary path)."""
    if run_ok(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}").status == 0:
        return None
    tip = run(root, "rev-parse", "--verify", f"{target}^{{commit}}")
    for path in warm(worktrees):
        try:
            sg = session_git(root, path)
            if git(sg, "status", "--porcelain", "--untracked-files=all"):
                discard(root, path)  # something changed it: never hand it out
                continue
            if git(sg, "rev-parse", "HEAD") != tip:
                git(sg, "checkout", "-q", "--detach", tip)
            run(root, "worktree", "move", str(path), str(dest.absolute()))
        except WorkspaceError:
            discard(root, path)
            continue
        git(session_git(root, dest), "checkout", "-q", "-b", branch)
        return tip
    return None


def discard(root: Path, path: Path) -> None:
    run_ok(root, "worktree", "remove", "--force", str(path))
    run_ok(root, "worktree", "prune")
