"""Path safety: a worker names files relative to its worktree and never reaches outside.

`resolve_inside` is a check made when a tool is called; the sandbox (bubblewrap) is what
holds when a command runs. Between the check and the use a symlink could be swapped, so
callers open the returned path at once and never cache it.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


class PathEscape(ValueError):
    """A path that would leave the worktree, or reach into its `.git`."""


def resolve_inside(root: Path, relative: str) -> Path:
    """Resolve `relative` (as a worker gave it) against the worktree `root`.

    Returns the fully resolved path. Raises `PathEscape` for an absolute path outside
    the worktree, a `..` that climbs out, a symlink (at any component, dangling or not)
    that leads out, a symlink loop, and anything inside `.git`.
    """
    if "\0" in relative:
        raise PathEscape(f"{relative!r}: a path cannot contain a NUL byte")
    base = root.resolve()
    given = Path(relative)  # "" is "."
    lexical = Path(os.path.normpath(base / given))
    if not _within(lexical, base):
        if given.is_absolute():
            raise PathEscape(f"{relative}: an absolute path outside the worktree ({base})")
        raise PathEscape(f"{relative}: '..' leads outside the worktree")
    try:
        resolved = (base / given).resolve()
    except (RuntimeError, OSError) as e:  # 3.11 raises RuntimeError on a symlink loop
        raise PathEscape(f"{relative}: cannot be resolved (symlink loop?): {e}") from e
    if not _within(resolved, base):
        raise PathEscape(f"{relative}: a symlink leads outside the worktree (to {resolved})")
    for path in (lexical, resolved):
        if _in_git_dir(path, base):
            raise PathEscape(f"{relative}: the worktree's .git is off limits")
    return resolved


def _within(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


def _in_git_dir(path: Path, base: Path) -> bool:
    # casefold: on case-insensitive file systems `.GIT` is the same directory
    parts = PurePosixPath(path.relative_to(base).as_posix()).parts
    return any(part.casefold() == ".git" for part in parts)
