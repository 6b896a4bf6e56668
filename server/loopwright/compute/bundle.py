"""A commit as bytes that travel to another machine, and back into a folder there.

A git bundle carries the commit and its history; the receiving side unpacks it into a
git dir of its own beside (never inside) the folder it checks the tree out into, so
nothing the command later writes in that folder is ever read by git as configuration.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from ..workspace import repo

SHIP_REF = "refs/loopwright/ship/"


def _ship_ref(commit: str) -> str:
    # Its own name each time: two sessions may ship the same commit at once.
    return f"{SHIP_REF}{commit}-{secrets.token_hex(4)}"


def _head_of(git_dir: Path, path: Path) -> str:
    """The one ref a bundle of ours carries."""
    heads = repo.run(git_dir, "bundle", "list-heads", str(path)).split()
    if len(heads) < 2 or not heads[1].startswith(SHIP_REF):
        raise repo.WorkspaceError("the bundle does not carry a commit shipped by Loopwright")
    return heads[1]


def bundle_of(git_dir: Path, commit: str, since: str = "") -> bytes:
    """`commit` of the repository at `git_dir` as a bundle: with its whole history, or
    only what it adds to `since`, for a repository that already has `since`."""
    ref = _ship_ref(commit)
    repo.run(git_dir, "update-ref", ref, commit)
    without = [f"^{since}"] if since and since != commit else []
    try:
        with tempfile.TemporaryDirectory(prefix="loopwright-bundle-") as tmp:
            path = Path(tmp) / "ship.bundle"
            repo.run(git_dir, "bundle", "create", "--quiet", str(path), *without, ref)
            return path.read_bytes()
    finally:
        repo.run_ok(git_dir, "update-ref", "-d", ref)


def unpack(bundle: bytes, commit: str, git_dir: Path, tree: Path) -> None:
    """Check the tree of `commit` out of `bundle` into the folder `tree`, with the
    objects kept in `git_dir`: a new one (two git processes: a session or a check run
    on a node starts only after them), or one holding what the bundle was made since."""
    tree.mkdir(parents=True, exist_ok=True)
    git_dir.parent.mkdir(parents=True, exist_ok=True)
    path = git_dir.parent / f"incoming-{secrets.token_hex(4)}.bundle"
    path.write_bytes(bundle)
    try:
        if not (git_dir / "HEAD").exists():  # a mirror: the bundle's ref as it is named
            repo.run(git_dir.parent, "clone", "--quiet", "--mirror", str(path),
                     str(git_dir))
        else:
            ref = _head_of(git_dir, path)
            repo.run(git_dir, "fetch", "--quiet", str(path), f"+{ref}:{ref}")
            repo.run_ok(git_dir, "update-ref", "-d", ref)
    finally:
        path.unlink(missing_ok=True)
    repo.run(git_dir, f"--work-tree={tree}", "checkout", "--quiet", "--force", commit,
             "--", ".")


def commit_tree(git_dir: Path, tree: Path, parent: str, message: str) -> str:
    """Everything in `tree` now (what git would not ignore) as one commit on `parent`."""
    work = [f"--work-tree={tree}"]
    index_env = {"GIT_INDEX_FILE": str(git_dir / "session.index")}
    repo.run_ok(git_dir, *work, "read-tree", parent, env=index_env)
    added = repo.run_ok(git_dir, *work, "add", "-A", ".", env=index_env)
    if added.status != 0:
        raise repo.WorkspaceError(f"git add failed on the node: {added.stderr.strip()}")
    written = repo.run_ok(git_dir, *work, "write-tree", env=index_env)
    if written.status != 0:
        raise repo.WorkspaceError(f"git write-tree failed: {written.stderr.strip()}")
    made = repo.run_ok(git_dir, *repo.identity_args(git_dir), "commit-tree",
                       written.text.strip(), "-p", parent, "-m", message)
    if made.status != 0:
        raise repo.WorkspaceError(f"git commit-tree failed: {made.stderr.strip()}")
    return made.text.strip()


def fetch_into(root: Path, shipped: bytes, commit: str) -> str:
    """Take a bundle from a node into the repository at `root`: the ref it holds for
    `commit`, under `refs/loopwright/ship/`. Returns that ref; the caller deletes it."""
    with tempfile.TemporaryDirectory(prefix="loopwright-bundle-") as tmp:
        path = Path(tmp) / "back.bundle"
        path.write_bytes(shipped)
        ref = _head_of(root, path)
        repo.run(root, "fetch", "--quiet", "--no-tags", str(path), f"+{ref}:{ref}")
    if repo.run(root, "rev-parse", ref) != commit:
        repo.run_ok(root, "update-ref", "-d", ref)
        raise repo.WorkspaceError(f"the bundle from the node does not hold {commit}")
    return ref
