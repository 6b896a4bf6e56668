"""A commit as bytes that travel to another machine, and back into a folder there.

A git bundle carries the commit and its history; the receiving side unpacks it into a
git dir of its own beside (never inside) the folder it checks the tree out into, so
nothing the command later writes in that folder is ever read by git as configuration.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..workspace import repo

SHIP_REF = "refs/loopwright/ship/"


def bundle_of(root: Path, commit: str) -> bytes:
    """The commit `commit` of the repository at `root` (with its history) as a bundle."""
    ref = f"{SHIP_REF}{commit}"
    repo.run(root, "update-ref", ref, commit)
    try:
        with tempfile.TemporaryDirectory(prefix="loopwright-bundle-") as tmp:
            path = Path(tmp) / "ship.bundle"
            repo.run(root, "bundle", "create", "--quiet", str(path), ref)
            return path.read_bytes()
    finally:
        repo.run_ok(root, "update-ref", "-d", ref)


def unpack(bundle: bytes, commit: str, git_dir: Path, tree: Path) -> None:
    """Check the tree of `commit` out of `bundle` into the folder `tree`, with the
    objects kept in `git_dir` (created when missing)."""
    git_dir.mkdir(parents=True, exist_ok=True)
    tree.mkdir(parents=True, exist_ok=True)
    if not (git_dir / "HEAD").exists():
        repo.run(git_dir, "init", "--quiet", "--bare")
    path = git_dir / "incoming.bundle"
    path.write_bytes(bundle)
    try:
        ref = f"{SHIP_REF}{commit}"
        repo.run(git_dir, "fetch", "--quiet", str(path), f"+{ref}:{ref}")
    finally:
        path.unlink(missing_ok=True)
    repo.run(git_dir, f"--work-tree={tree}", "checkout", "--quiet", "--force", commit,
             "--", ".")
