"""Session worktrees: create (idempotently, after a crash too), commit into, list, remove."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from loopwright.workspace.repo import (
    WorkspaceError,
    common_dir,
    identity_args,
    run,
    run_ok,
    worktree_entries,
)
from loopwright.workspace.session_git import git, git_ok, session_git

__all__ = [
    "SNAPSHOT_EXCLUDES",
    "checkout_options",
    "commit_all",
    "create_worktree",
    "list_worktrees",
    "remove_worktree",
    "snapshot_pathspecs",
]

# What interpreters and tools leave behind when a worker or the checks run: never part of
# a change. Passed as pathspecs on the manager's own command line, so nothing the worker
# writes (a .gitignore that un-ignores them, say) can bring them back. Files the
# repository already tracks there are left as the base has them.
SNAPSHOT_EXCLUDES = (
    "__pycache__/", "*.pyc", "*.pyo", ".pytest_cache/", ".mypy_cache/", ".ruff_cache/",
    ".hypothesis/", ".tox/", ".nox/", ".venv/", "node_modules/", ".eslintcache",
    ".DS_Store", "Thumbs.db",
)

_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
# Parallel checkout (git >= 2.32; older gits ignore the key). On a 50k-file repository a
# checkout is mostly the kernel creating files, and several processes doing it took a
# third of the time of one in bench/large_repo.py. git itself stays sequential below
# `checkout.thresholdForParallelism` (100 files), so a small repository is unchanged.
_MAX_CHECKOUT_WORKERS = 8


@lru_cache(maxsize=64)
def checkout_options(root: Path) -> tuple[str, ...]:
    """`-c checkout.workers=N` for the manager's own checkouts, unless the repository's
    owner set `checkout.workers` (theirs is kept). Read once per repository per process."""
    if run_ok(root, "config", "--get", "checkout.workers").status == 0:
        return ()
    workers = min(os.cpu_count() or 1, _MAX_CHECKOUT_WORKERS)
    return ("-c", f"checkout.workers={workers}") if workers > 1 else ()


def create_worktree(root: Path, path: Path, branch: str, base_ref: str) -> str:
    """Check out a new `branch` from `base_ref` at `path`; return the base commit's sha.

    Idempotent: when `path` is already a worktree on `branch`, or `branch` survived a
    crash that lost the folder, the session is picked up again and the base returned is
    the merge-base of `base_ref` (pass the sha recorded at the start) and the branch.
    The common case is a single `git worktree add -b` (a parallel checkout:
    `checkout_options`).
    """
    path = path.absolute()
    if not path.exists() or _is_empty_folder(path):
        added = run_ok(root, *checkout_options(root), "worktree", "add", "-q", "-b", branch,
                       str(path), base_ref)
        if added.status == 0:
            return _base_of_new_branch(root, branch, base_ref)
        if not _branch_exists(root, branch):
            raise WorkspaceError(
                f"could not create a worktree for {branch!r} at {path} from {base_ref!r}: "
                f"{added.stderr.strip()}"
            )
        # The branch outlived its folder (a crash, or someone deleted it): re-attach it.
        run(root, "worktree", "prune")
        if not path.exists():
            run(root, *checkout_options(root), "worktree", "add", "-q", str(path), branch)
    on = _branch_of_worktree(root, path)
    if on != branch:
        where = f"on {on!r}" if on else "not a worktree of this repository"
        raise WorkspaceError(f"{path} already exists and is {where}, not on {branch!r}")
    return run(root, "merge-base", base_ref, f"refs/heads/{branch}")


def _base_of_new_branch(root: Path, branch: str, base_ref: str) -> str:
    """The sha the new branch starts at, without spawning git in the common cases."""
    if _FULL_SHA.fullmatch(base_ref):
        return base_ref
    loose = common_dir(root) / "refs" / "heads" / branch
    try:
        sha = loose.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        sha = ""
    if _FULL_SHA.fullmatch(sha):
        return sha
    return run(root, "rev-parse", "--verify", f"refs/heads/{branch}")


def _is_empty_folder(path: Path) -> bool:
    return path.is_dir() and next(path.iterdir(), None) is None


def _branch_exists(root: Path, branch: str) -> bool:
    return run_ok(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}").status == 0


def _branch_of_worktree(root: Path, path: Path) -> str | None:
    wanted = path.resolve()
    for entry in worktree_entries(root):
        if entry.path.resolve() == wanted:
            return entry.branch
    return None


def commit_all(root: Path, worktree: Path, message: str,
               exclude: Sequence[str] = ()) -> str:
    """Snapshot the worktree into a commit on its branch; return HEAD's sha.

    The worker never commits (its sandbox sees the repository's git dir read-only): the
    manager stages everything (deletions too) but what `.gitignore` ignores and the
    caches of `SNAPSHOT_EXCLUDES`, and commits if anything changed, through
    `session_git`, so nothing the worker wrote decides where git looks or what it runs.
    Raises `WorktreeTampered` when the worktree's `.git` pointer was changed.
    Commits as "Loopwright <loopwright@localhost>" unless git already has an identity.
    `exclude`: more paths never staged (the files `[environment] copy` brought in).
    """
    sg = session_git(root, worktree)
    git(sg, "add", "-A", *snapshot_pathspecs(exclude))
    if git_ok(sg, "diff", "--cached", "--quiet").status == 1:
        who = identity_args(root)
        git(sg, *who, "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", message)
    return git(sg, "rev-parse", "--verify", "HEAD")


def snapshot_pathspecs(paths: Sequence[str] = ()) -> list[str]:
    """`-- . :(exclude)...`: everything but `SNAPSHOT_EXCLUDES` and the literal `paths`
    (relative to the worktree's root), for `git add` or `status`."""
    specs = ["--", "."]
    for pattern in SNAPSHOT_EXCLUDES:
        below = "/**" if pattern.endswith("/") else ""
        specs.append(f":(exclude,glob)**/{pattern.rstrip('/')}{below}")
    # `[.]env`, not `.env`: git refuses to `add` when an exact pathspec names an ignored
    # file, even to exclude it. The paths have no glob characters (config/environment.py).
    specs += [f":(exclude,top,glob)[{p[0]}]{p[1:]}" for p in paths if p]
    return specs


def remove_worktree(root: Path, path: Path, *, delete_branch: bool, branch: str) -> str:
    """Remove the worktree at `path` (gone already is fine), and its branch if asked.

    The branch is deleted with `-D`: the caller decides it is no longer wanted (landed,
    rejected or killed), and git's own check only knows about the current HEAD. Returns
    the deleted branch's last commit (so it can be recorded and restored), else "".
    """
    path = path.absolute()
    if path.exists():
        removed = run_ok(root, "worktree", "remove", "--force", str(path))
        if removed.status != 0 and path.exists():
            raise WorkspaceError(f"could not remove the worktree at {path}: {removed.stderr}")
    run(root, "worktree", "prune")
    if not (delete_branch and _branch_exists(root, branch)):
        return ""
    commit = run(root, "rev-parse", "--verify", f"refs/heads/{branch}").strip()
    run(root, "branch", "-q", "-D", branch)
    return commit


def list_worktrees(root: Path) -> list[tuple[Path, str | None]]:
    """Every checkout git knows of, the main one first: (path, branch or None if detached)."""
    return [(entry.path, entry.branch) for entry in worktree_entries(root) if not entry.bare]
