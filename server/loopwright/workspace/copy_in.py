"""`[environment] copy`: files of the main checkout copied into a session's worktree.

The manager does this itself, outside the sandbox, before the worker starts: it reads
the user's files, so it refuses anything that would read outside the checkout (a path
with `..`, a symlink pointing out) or write outside the worktree (a folder in the
worktree the worker replaced by a symlink, found on a resumed session). A file already in
the worktree is left as it is: a tracked file, or the copy a resumed session made and
its worker may have changed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from loopwright.config import copy_path_problem

__all__ = ["CopyResult", "copy_in"]


@dataclass(frozen=True)
class CopyResult:
    copied: tuple[str, ...]
    skipped: tuple[str, ...]  # "<path>: <why>"


def copy_in(checkout: Path, worktree: Path, paths: Sequence[str]) -> CopyResult:
    """Copy each of `paths` from `checkout` into `worktree`; never raises for one file's
    sake: what could not be copied is in `skipped` with the reason."""
    copied: list[str] = []
    skipped: list[str] = []
    for path in paths:
        try:
            problem = _copy_one(checkout.resolve(), worktree.resolve(), path)
        except OSError as e:
            problem = f"could not be copied: {e.strerror or e}"
        if problem is None:
            copied.append(path)
        else:
            skipped.append(f"{path}: {problem}")
    return CopyResult(tuple(copied), tuple(skipped))


def _copy_one(checkout: Path, worktree: Path, path: str) -> str | None:
    if (problem := copy_path_problem(path)) is not None:
        return problem
    source = checkout / path
    if not os.path.lexists(source):
        return "missing in the checkout"
    real = source.resolve()
    if not real.is_relative_to(checkout):
        return "is a symlink pointing outside the checkout; refused"
    if not real.is_file():
        return "is not a file"
    target = worktree / path
    if os.path.lexists(target):
        return "already in the worktree; left as it is"
    parent = target.parent
    existing = parent
    while not os.path.lexists(existing):
        existing = existing.parent
    if not existing.resolve().is_relative_to(worktree):  # checked before mkdir makes any
        return "its folder in the worktree leads outside it; refused"
    parent.mkdir(parents=True, exist_ok=True)
    data = real.read_bytes()
    mode = stat.S_IMODE(real.stat().st_mode) & 0o777
    # O_EXCL | O_NOFOLLOW: nothing planted in the meantime is followed or overwritten.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return None
