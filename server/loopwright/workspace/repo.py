"""The repository: running git (through GitPython), and plain questions about it.

Every function here is synchronous; the manager calls them through `asyncio.to_thread`.
Anything that fails raises `WorkspaceError` with a message a human can act on.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import git

__all__ = [
    "GitResult",
    "WorkspaceError",
    "WorktreeEntry",
    "checkout_of_branch",
    "common_dir",
    "current_branch",
    "ensure_ignored",
    "git_dir",
    "has_commits",
    "head_commit",
    "identity_args",
    "is_dirty",
    "run",
    "run_ok",
    "worktree_entries",
]

# git reads every worktree's admin files for many commands (`branch -D` asks whether
# the branch is checked out anywhere) and dies on one another git is still writing or
# removing ("failed to read .git/worktrees/build/commondir: Success"). The manager adds
# and removes worktrees beside its other git calls, so such a failure is tried again.
_HALF_MADE_WORKTREE = re.compile(r"failed to read \S*worktrees/[^/\s]+/\w+")
HALF_MADE_RETRIES = 5

LOOPWRIGHT_NAME = "Loopwright"
LOOPWRIGHT_EMAIL = "loopwright@localhost"


class WorkspaceError(Exception):
    """A git operation on the workspace failed; the message says what and why."""


@dataclass(frozen=True, slots=True)
class GitResult:
    status: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")


@lru_cache(maxsize=64)
def _git_in(cwd: str) -> git.Git:
    return git.Git(cwd)


def run_ok(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> GitResult:
    """Run `git args...` in `cwd` and return its status and output; never raises on status.
    `env` is added to the environment git inherits."""
    result = _run_once(cwd, args, env)
    for attempt in range(1, HALF_MADE_RETRIES):
        if result.status == 0 or not _HALF_MADE_WORKTREE.search(result.stderr):
            break
        time.sleep(0.02 * attempt)
        result = _run_once(cwd, args, env)
    return result


def _run_once(cwd: Path, args: tuple[str, ...], env: Mapping[str, str] | None) -> GitResult:
    if not cwd.is_dir():
        raise WorkspaceError(f"{cwd} does not exist or is not a folder")
    try:
        status, out, err = _git_in(str(cwd)).execute(
            [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args],
            with_extended_output=True,
            with_exceptions=False,
            stdout_as_string=False,
            strip_newline_in_stdout=False,
            env=env,
        )
    except git.GitCommandNotFound as error:
        raise WorkspaceError(f"git is not installed or not on PATH: {error}") from error
    assert isinstance(out, bytes)
    return GitResult(status, out, err)


def run(cwd: Path, *args: str) -> str:
    """Run `git args...` in `cwd`; return stdout without its final newline, or raise."""
    result = run_ok(cwd, *args)
    if result.status != 0:
        raise WorkspaceError(_failure(cwd, args, result))
    return result.text.removesuffix("\n")


def _failure(cwd: Path, args: tuple[str, ...], result: GitResult) -> str:
    said = result.stderr.strip() or result.text.strip() or f"exit status {result.status}"
    words = [a for i, a in enumerate(args) if a != "-c" and (i == 0 or args[i - 1] != "-c")]
    return f"git {' '.join(words[:3])} failed in {cwd}: {said}"


# --- where things are -----------------------------------------------------------------


def git_dir(checkout: Path) -> Path:
    """The git directory of a checkout (`.git`, or `.git/worktrees/<name>` for a worktree)."""
    dot_git = checkout / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():
        content = dot_git.read_text(encoding="utf-8", errors="surrogateescape").strip()
        if content.startswith("gitdir:"):
            return (checkout / content.removeprefix("gitdir:").strip()).resolve()
    return Path(run(checkout, "rev-parse", "--absolute-git-dir"))


def common_dir(root: Path) -> Path:
    """The git directory shared by all worktrees (where refs and `info/` live)."""
    own = git_dir(root)
    pointer = own / "commondir"
    if pointer.is_file():
        return (own / pointer.read_text(encoding="utf-8").strip()).resolve()
    return own


# --- questions --------------------------------------------------------------------------


def current_branch(root: Path) -> str | None:
    """The branch checked out at `root`, or None when HEAD is detached."""
    result = run_ok(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    if result.status == 1:
        return None
    if result.status != 0:
        raise WorkspaceError(_failure(root, ("symbolic-ref", "HEAD"), result))
    return result.text.strip()


def has_commits(root: Path) -> bool:
    result = run_ok(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if result.status not in (0, 1):
        raise WorkspaceError(_failure(root, ("rev-parse", "HEAD"), result))
    return result.status == 0


def head_commit(root: Path, ref: str = "HEAD") -> str:
    """The full sha of the commit `ref` names."""
    spec = f"{ref}^{{commit}}"
    result = run_ok(root, "rev-parse", "--verify", "--quiet", "--end-of-options", spec)
    if result.status != 0:
        raise WorkspaceError(f"{ref!r} does not name a commit in {root}")
    return result.text.strip()


def is_dirty(checkout: Path) -> bool:
    """True when tracked files are modified or staged (untracked files do not count)."""
    result = run_ok(
        checkout, "--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=no"
    )
    if result.status != 0:
        raise WorkspaceError(_failure(checkout, ("status",), result))
    return bool(result.stdout.strip(b"\0"))


@dataclass(frozen=True, slots=True)
class WorktreeEntry:
    """One line of `git worktree list`: the main checkout or a linked worktree."""

    path: Path
    head: str | None
    branch: str | None  # short name; None when detached (or bare)
    bare: bool = False
    locked: bool = False
    prunable: bool = False


def worktree_entries(root: Path) -> list[WorktreeEntry]:
    out = run(root, "worktree", "list", "--porcelain", "-z")
    entries: list[WorktreeEntry] = []
    for block in out.split("\0\0"):
        fields = [f for f in block.split("\0") if f]
        if not fields or not fields[0].startswith("worktree "):
            continue
        values: dict[str, str] = {}
        for field in fields:
            key, _, value = field.partition(" ")
            values[key] = value
        branch = values.get("branch")
        entries.append(
            WorktreeEntry(
                path=Path(values["worktree"]),
                head=values.get("HEAD"),
                branch=branch.removeprefix("refs/heads/") if branch else None,
                bare="bare" in values,
                locked="locked" in values,
                prunable="prunable" in values,
            )
        )
    return entries


def checkout_of_branch(root: Path, branch: str) -> Path | None:
    """The checkout (main checkout included) that has `branch` checked out, if any."""
    for entry in worktree_entries(root):
        if entry.branch == branch and not entry.bare:
            return entry.path
    return None


# --- small setup ----------------------------------------------------------------------


def ensure_ignored(root: Path, pattern: str = ".loopwright/") -> None:
    """Ignore `pattern` through `.git/info/exclude`, leaving the user's .gitignore alone."""
    exclude = common_dir(root) / "info" / "exclude"
    try:
        existing = exclude.read_text(encoding="utf-8") if exclude.exists() else ""
        if pattern in (line.strip() for line in existing.splitlines()):
            return
        exclude.parent.mkdir(parents=True, exist_ok=True)
        separator = "" if not existing or existing.endswith("\n") else "\n"
        with exclude.open("a", encoding="utf-8") as handle:
            handle.write(f"{separator}{pattern}\n")
    except OSError as error:
        raise WorkspaceError(f"could not add {pattern!r} to {exclude}: {error}") from error


def identity_args(cwd: Path) -> list[str]:
    """`-c user.name=… -c user.email=…` when git has no identity to commit as, else []."""
    keys = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")
    if all(os.environ.get(key) for key in keys):
        return []
    out = run_ok(cwd, "config", "--get-regexp", r"^(user|author|committer)\.(name|email)$")
    configured = {line.split(" ", 1)[0] for line in out.text.splitlines() if line.strip()}

    def has(role: str, what: str) -> bool:
        return bool(
            os.environ.get(f"GIT_{role.upper()}_{what.upper()}")
            or f"{role}.{what}" in configured
            or f"user.{what}" in configured
            or (what == "email" and os.environ.get("EMAIL"))
        )

    args: list[str] = []
    for what, fallback in (("name", LOOPWRIGHT_NAME), ("email", LOOPWRIGHT_EMAIL)):
        if not all(has(role, what) for role in ("author", "committer")):
            args += ["-c", f"user.{what}={fallback}"]
    return args
