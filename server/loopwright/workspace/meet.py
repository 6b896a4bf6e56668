"""Git for sessions that meet: what a session has changed so far, whether two changes
would merge, and bringing a session's work up to a target that moved.

Nothing here touches a worktree's index or files except `bring_up_to_date`, and that
only through git operations that refuse, changing nothing, when they would overwrite
uncommitted work: `merge --ff-only` (which checks every file it would update) and
`rebase` (only on a clean worktree, aborted on conflict).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .repo import WorkspaceError, identity_args, run, run_ok
from .session_git import git, git_ok, pinned, session_git
from .worktrees import snapshot_pathspecs

__all__ = ["Conflicted", "Rebased", "bring_up_to_date", "changed_paths", "merge_conflicts",
           "snapshot"]


@dataclass(frozen=True)
class Rebased:
    base_commit: str
    head_commit: str


@dataclass(frozen=True)
class Conflicted:
    paths: tuple[str, ...]


def changed_paths(root: Path, worktree: Path, base: str, exclude: Sequence[str] = ()
                  ) -> set[str]:
    """Files the session changed since `base`: committed, staged, modified, untracked.
    `exclude`: paths never part of a change (the files `[environment] copy` brought)."""
    sg = pinned(session_git(root, worktree))  # a look every round: two commands, not four
    committed = git(sg, "diff", "--name-only", "--no-renames", base, "HEAD")
    status = git_ok(sg, "status", "--porcelain=v1", "-z", "--untracked-files=all",
                    "--no-renames", *snapshot_pathspecs(exclude)).text
    paths = {p for p in committed.splitlines() if p}
    paths |= {entry[3:] for entry in status.split("\0") if len(entry) > 3}
    return paths


def snapshot(root: Path, worktree: Path, exclude: Sequence[str] = ()) -> str:
    """A commit of the worktree as it stands (untracked files too, ignored ones not),
    made through a temporary index: the worktree, its index and HEAD are untouched."""
    sg = session_git(root, worktree)
    with tempfile.TemporaryDirectory(prefix="loopwright-snap-") as tmp:
        index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}

        def run_git(*args: str) -> str:
            result = git_ok(sg, *args, env=index)
            if result.status != 0:
                raise WorkspaceError(f"git {args[0]} failed in {worktree}: "
                                     f"{result.stderr.strip()}")
            return result.text.strip()

        run_git("read-tree", "HEAD")
        run_git("add", "-A", *snapshot_pathspecs(exclude))
        tree = run_git("write-tree")
        return run_git(*identity_args(root), "commit-tree", tree, "-p", "HEAD", "-m",
                       "loopwright: snapshot")


def merge_conflicts(root: Path, a: str, b: str) -> tuple[str, ...]:
    """The paths git could not merge if commits `a` and `b` met; () when clean."""
    result = run_ok(root, "merge-tree", "--write-tree", "--name-only", "--no-messages", a, b)
    if result.status == 0:
        return ()
    if result.status != 1:
        raise WorkspaceError(f"git merge-tree failed: {result.stderr.strip()}")
    lines = [line for line in result.text.splitlines()[1:] if line]
    return tuple(sorted(set(lines)))


def bring_up_to_date(root: Path, worktree: Path, branch: str, base: str, onto: str
                     ) -> Rebased | Conflicted | None:
    """Put the session's work on `onto` (the target's new tip). None: nothing to do, or
    not safe now (committed work under uncommitted changes); Conflicted: it would not
    apply cleanly, and nothing was changed."""
    sg = session_git(root, worktree)
    head = git(sg, "rev-parse", "--verify", "HEAD")
    if run_ok(root, "merge-base", "--is-ancestor", onto, head).status == 0:
        return None  # already on it
    if head == base:  # no commits of its own yet: fast-forward under any edits
        moved = git_ok(sg, "merge", "-q", "--ff-only", "--no-autostash", onto)
        if moved.status == 0:
            return Rebased(onto, onto)
        return Conflicted(_overlap(root, worktree, onto) or ("(uncommitted changes)",))
    if git(sg, "status", "--porcelain=v1", "--untracked-files=no"):
        return None
    rebased = git_ok(sg, *identity_args(root), "rebase", "-q", "--onto", onto, base, branch)
    if rebased.status == 0:
        return Rebased(onto, git(sg, "rev-parse", "--verify", "HEAD"))
    paths = git_ok(sg, "diff", "--name-only", "--diff-filter=U").text.split()
    git_ok(sg, "rebase", "--abort")
    return Conflicted(tuple(sorted(paths)) or ("(rebase failed)",))


def _overlap(root: Path, worktree: Path, onto: str) -> tuple[str, ...]:
    """Why a fast-forward was refused: the files both the target and the worktree changed."""
    head = git(session_git(root, worktree), "rev-parse", "--verify", "HEAD")
    theirs = set(run(root, "diff", "--name-only", head, onto).splitlines())
    return tuple(sorted(theirs & changed_paths(root, worktree, head)))
