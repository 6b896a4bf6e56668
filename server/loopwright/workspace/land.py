"""Landing: write the change in the session's worktree, then advance the target without
ever forcing.

The user's work is never at risk (DESIGN principle 5). The change is squashed, merged or
rebased (land_styles.py) inside the session's own worktree, detached at the target's
tip, so checks can run on the result. The target branch then moves only by a
fast-forward: inside the checkout that has it (so its files follow), which git does
without touching a file you changed -- landing waits, naming them, only when the change
touches a file you have uncommitted changes to, or would replace one git does not track
there; or by a compare-and-swap `update-ref` when nobody has it checked out. Every step
can be repeated after a crash.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from loopwright.workspace.land_styles import (
    LandStyle,
    commit_message,
    landed_sessions,
    write_change,
)
from loopwright.workspace.repo import (
    WorkspaceError,
    head_commit,
    run_ok,
    worktree_entries,
)
from loopwright.workspace.session_git import SessionGit, admin_dirs, git, git_ok, session_git

__all__ = [
    "Advanced",
    "Blocked",
    "LandOutcome",
    "Moved",
    "advance_target",
    "commit_message",
    "is_landed",
    "prepare_merge",
    "restore_session_checkout",
]


@dataclass(frozen=True, slots=True)
class Advanced:
    """The target branch now points at `commit`."""

    commit: str


@dataclass(frozen=True, slots=True)
class Blocked:
    """Landing must wait for the human; `reason` says what to do. Nothing was touched."""

    reason: str


@dataclass(frozen=True, slots=True)
class Moved:
    """The target moved on to `actual` since the merge was prepared: prepare it again."""

    actual: str


LandOutcome = Advanced | Blocked | Moved

_IN_PROGRESS = {
    "MERGE_HEAD": "merge",
    "CHERRY_PICK_HEAD": "cherry-pick",
    "REVERT_HEAD": "revert",
    "rebase-merge": "rebase",
    "rebase-apply": "rebase",
}


def prepare_merge(
    root: Path, worktree: Path, session_branch: str, target_branch: str, message: str,
    style: LandStyle = "merge",
) -> str | list[str]:
    """Write the session's change onto the target's tip inside the session's worktree,
    in `style` (land_styles.py), `message` its landed commit's message.

    Returns the new commit's sha (the worktree is left detached there, so checks can
    run on the result), the target's tip when it already contains the session (the
    worktree is left alone), or the sorted conflicting paths (the merge is aborted
    and the worktree is back on the session branch, clean).
    """
    target_tip = head_commit(root, f"refs/heads/{target_branch}")
    session_head = head_commit(root, f"refs/heads/{session_branch}")
    if _is_ancestor(root, session_head, target_tip):
        return target_tip
    restore_session_checkout(root, worktree, session_branch)
    sg = session_git(root, worktree)
    if _is_dirty(sg):
        raise WorkspaceError(
            f"the session worktree {worktree} has uncommitted changes; commit them before landing"
        )
    written = write_change(sg, root, style, target_tip, session_head, message)
    if isinstance(written, str):
        return written
    conflicts = _unmerged_paths(sg)
    restore_session_checkout(root, worktree, session_branch)
    if conflicts:
        return conflicts
    said = written.stderr.strip() or written.text.strip()
    raise WorkspaceError(f"could not {style} {session_branch} onto {target_branch}: {said}")


def advance_target(
    root: Path, target_branch: str, new_commit: str, expected_old: str
) -> LandOutcome:
    """Move `target_branch` from `expected_old` to `new_commit`, by fast-forward only."""
    ref = f"refs/heads/{target_branch}"
    actual = head_commit(root, ref)
    if actual == new_commit:
        return Advanced(new_commit)
    if actual != expected_old:
        return Moved(actual)
    if not _is_ancestor(root, expected_old, new_commit):
        raise WorkspaceError(
            f"{new_commit[:12]} does not contain {target_branch} ({expected_old[:12]}); "
            "landing it would rewrite the branch, which Loopwright never does"
        )
    checkout, blocked = _checkout_holding(root, target_branch)
    if blocked is not None:
        return blocked
    if checkout is None:
        swapped = run_ok(root, "update-ref", "-m", "loopwright: land", ref, new_commit, actual)
        if swapped.status == 0:
            return Advanced(new_commit)
        return _after_failure(root, target_branch, expected_old, swapped.stderr)
    # a linked worktree holding the target is run on like a session's: trusting nothing
    sg = session_git(root, checkout) if checkout.resolve() != root.resolve() else None
    overlap = sorted(_local_changes(sg, checkout) & _changed_paths(root, expected_old,
                                                                    new_commit))
    if overlap:
        return Blocked(
            f"{target_branch} is checked out at {checkout}, where you have uncommitted "
            f"changes to {_some(overlap)}, which the change also changes; commit or stash "
            "them and landing will continue"
        )
    in_the_way = untracked_in_the_way(root, checkout, expected_old, new_commit)
    if in_the_way:
        return Blocked(
            f"{target_branch} is checked out at {checkout}, and landing would replace "
            f"{in_the_way}, which git does not track there (an ignored or untracked file: "
            "yours, not the change's); move it aside and landing will continue"
        )
    ff = ("merge", "-q", "--ff-only", "--no-autostash", new_commit)
    forward = git_ok(sg, *ff) if sg is not None else run_ok(checkout, *ff)
    if forward.status == 0:
        return Advanced(new_commit)
    if "index.lock" in forward.stderr:  # your own git command holds the index just now
        return Blocked(
            f"{target_branch} is checked out at {checkout}, where another git command is "
            "running (its index.lock exists); landing will continue when it ends"
        )
    if "would be overwritten" in forward.stderr:  # you edited them meanwhile
        return Blocked(
            f"{target_branch} is checked out at {checkout}, and landing would overwrite "
            f"your changes there: {' '.join(forward.stderr.split())}"
        )
    return _after_failure(root, target_branch, expected_old, forward.stderr)


def untracked_in_the_way(root: Path, checkout: Path, old: str, new: str) -> str:
    """The first file (or link) in `checkout` that moving from `old` to `new` would create
    or replace although `old` does not track it -- an ignored `.env`, a force-added note --
    or "" when there is none. Git itself only refuses for untracked files it does not
    ignore, and silently replaces ignored ones."""
    changed = run_ok(root, "diff", "--name-only", "-z", "--no-renames", "--diff-filter=d",
                     old, new).stdout
    tracked = set(run_ok(root, "ls-tree", "-r", "-z", "--name-only", old).stdout.split(b"\0"))
    for raw in sorted(p for p in changed.split(b"\0") if p):
        if raw in tracked:
            continue
        path = raw.decode("utf-8", "surrogateescape")
        parts = Path(path).parts
        for depth in range(1, len(parts) + 1):
            here = checkout.joinpath(*parts[:depth])
            if not os.path.lexists(here):
                break
            leaf = depth == len(parts)
            if leaf or here.is_symlink() or not here.is_dir():
                return "/".join(parts[:depth])
    return ""


def is_landed(root: Path, target_branch: str, session_head: str, session_id: str = "",
              since: str = "") -> bool:
    """True when the target branch already contains `session_head`, or (a squash or a
    rebase, whose commits are new) a commit after `since` carries `session_id`'s trailer."""
    tip = head_commit(root, f"refs/heads/{target_branch}")
    if _is_ancestor(root, session_head, tip):
        return True
    return bool(session_id) and session_id in landed_sessions(root, since, tip)


def restore_session_checkout(root: Path, worktree: Path, session_branch: str) -> None:
    """Put the session's worktree back on its branch after a merge (or checks on it)."""
    sg = session_git(root, worktree)
    if (sg.git_dir / "MERGE_HEAD").exists():
        git(sg, "merge", "--abort")
    if any((sg.git_dir / state).exists() for state in ("rebase-merge", "rebase-apply")):
        git(sg, "rebase", "--abort")
    head = git_ok(sg, "symbolic-ref", "--quiet", "--short", "HEAD")
    branch = head.text.strip() if head.status == 0 else None
    if branch == session_branch:
        return
    if branch is not None:
        raise WorkspaceError(
            f"{worktree} is on {branch!r}, not on the session branch {session_branch!r}"
        )
    if _is_dirty(sg):
        # Detached at a merge Loopwright made: edits here are leftovers of checks.
        git(sg, "reset", "-q", "--hard")
    git(sg, "checkout", "-q", session_branch)


# --- helpers ----------------------------------------------------------------------------


def _is_ancestor(root: Path, ancestor: str, descendant: str) -> bool:
    result = run_ok(root, "merge-base", "--is-ancestor", ancestor, descendant)
    if result.status not in (0, 1):
        raise WorkspaceError(
            f"could not compare {ancestor[:12]} with {descendant[:12]}: {result.stderr.strip()}"
        )
    return result.status == 0


def _is_dirty(sg: SessionGit) -> bool:
    out = git_ok(sg, "status", "--porcelain=v1", "-z", "--untracked-files=no")
    if out.status != 0:
        raise WorkspaceError(f"git status failed in {sg.worktree}: {out.stderr.strip()}")
    return bool(out.stdout.strip(b"\0"))


def _local_changes(sg: SessionGit | None, checkout: Path) -> set[str]:
    """Paths with uncommitted changes (staged or not) in the checkout, both sides of a
    staged rename included."""
    args = ("--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=no",
            "--no-renames")
    out = git_ok(sg, *args) if sg is not None else run_ok(checkout, *args)
    if out.status != 0:
        raise WorkspaceError(f"git status failed in {checkout}: {out.stderr.strip()}")
    return {record[3:].decode("utf-8", "surrogateescape")
            for record in out.stdout.split(b"\0") if len(record) > 3}


def _changed_paths(root: Path, old: str, new: str) -> set[str]:
    out = run_ok(root, "diff", "--name-only", "-z", "--no-renames", old, new).stdout
    return {raw.decode("utf-8", "surrogateescape") for raw in out.split(b"\0") if raw}


def _some(paths: list[str]) -> str:
    return ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")


def _unmerged_paths(sg: SessionGit) -> list[str]:
    out = git_ok(sg, "ls-files", "--unmerged", "-z").stdout
    paths = {
        record.split(b"\t", 1)[1].decode("utf-8", "replace")
        for record in out.split(b"\0")
        if b"\t" in record
    }
    return sorted(paths)


def _checkout_holding(root: Path, branch: str) -> tuple[Path | None, Blocked | None]:
    """The checkout that has `branch` (None if none), or why landing must wait for it."""
    ref = f"refs/heads/{branch}"
    admin = admin_dirs(root)
    for entry in worktree_entries(root):
        if entry.bare:
            continue
        if not entry.path.exists():
            if entry.branch == branch and entry.locked:
                return None, Blocked(
                    f"{branch} is checked out in the locked worktree {entry.path}, which is "
                    "not available; unlock or remove it and landing will continue"
                )
            continue
        gitdir = admin.get(entry.path.resolve())
        if gitdir is None:  # git lists it, but its admin dir is not where git keeps them
            continue
        rebasing = _rebasing(gitdir)
        if entry.branch != branch and rebasing != ref:
            continue
        for marker, operation in _IN_PROGRESS.items():
            if (gitdir / marker).exists():
                return None, Blocked(
                    f"{branch} is checked out at {entry.path}, where a {operation} is in "
                    "progress; finish or abort it and landing will continue"
                )
        return entry.path, None
    return None, None


def _rebasing(gitdir: Path) -> str | None:
    for state in ("rebase-merge", "rebase-apply"):
        head_name = gitdir / state / "head-name"
        if head_name.is_file():
            return head_name.read_text(encoding="utf-8", errors="replace").strip()
    return None


def _after_failure(root: Path, target_branch: str, expected_old: str, said: str) -> LandOutcome:
    actual = head_commit(root, f"refs/heads/{target_branch}")
    if actual != expected_old:
        return Moved(actual)
    raise WorkspaceError(f"could not advance {target_branch}: {said.strip()}")
