"""How a worktree's work in progress stands now: its changes against its own HEAD,
untracked files included.

The supervisor measures running sessions with this on every tick and records a
`DiffMeasured` only when the fingerprint moved, which is what "the diff changed" means to
the stall detector. Against HEAD rather than the session's base, so a rebase of the
session onto a moved target (which moves HEAD and keeps the work) is not a change; a
measurement during which HEAD moved is thrown away.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

MAX_UNTRACKED_BYTES = 1_000_000  # per file: larger files count by their size alone
EMPTY = hashlib.sha1(b"", usedforsecurity=False).hexdigest()[:16]  # no change at all


@dataclass(frozen=True)
class DiffStat:
    fingerprint: str
    files: int
    added: int
    removed: int


def measure(worktree: Path, timeout: float = 30.0) -> DiffStat | None:
    """The uncommitted work in `worktree`; None when git cannot tell (gone, broken, HEAD
    moving under us)."""
    try:
        head = _git(worktree, timeout, "rev-parse", "HEAD")
        diff = _git(worktree, timeout, "diff", "--no-color", "--no-ext-diff", "--no-renames",
                    "HEAD")
        others = _git(worktree, timeout, "ls-files", "--others", "--exclude-standard", "-z")
        after = _git(worktree, timeout, "rev-parse", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return None
    if diff is None or others is None or head is None or head != after:
        return None
    digest = hashlib.sha1(diff, usedforsecurity=False)
    files = added = removed = 0
    for line in diff.split(b"\n"):
        if line.startswith(b"diff --git "):
            files += 1
        elif line.startswith(b"+") and not line.startswith(b"+++ "):
            added += 1
        elif line.startswith(b"-") and not line.startswith(b"--- "):
            removed += 1
    for name in sorted(p for p in others.split(b"\0") if p):
        files += 1
        digest.update(b"\0untracked\0" + name)
        path = worktree / name.decode("utf-8", "surrogateescape")
        try:
            size = path.stat().st_size
            data = path.read_bytes() if size <= MAX_UNTRACKED_BYTES else b""
        except OSError:
            continue
        digest.update(data or str(size).encode())
        added += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return DiffStat(digest.hexdigest()[:16], files, added, removed)


def _git(cwd: Path, timeout: float, *args: str) -> bytes | None:
    # No optional locks: a look must never take the index lock from the worker's own git.
    proc = subprocess.run(["git", "--no-optional-locks", *args], cwd=cwd, capture_output=True,
                          timeout=timeout, check=False)
    return proc.stdout if proc.returncode == 0 else None
