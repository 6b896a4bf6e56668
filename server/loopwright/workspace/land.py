"""Landing: merge in the session's worktree, then advance the target without ever forcing.

The user's work is never at risk (DESIGN principle 5). The merge happens inside the
session's own worktree, detached at the target's tip, so checks can run on the merged
result. The target branch then moves only by a fast-forward: inside the checkout that
has it (so its files follow), and only when that checkout is clean; or by a
compare-and-swap `update-ref` when nobody has it checked out. Every step can be
repeated after a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from loopwright.workspace.repo import (
    WorkspaceError,
    current_branch,
    git_dir,
    head_commit,
    identity_args,
    is_dirty,
    run,
    run_ok,
    worktree_entries,
)

__all__ = [
    "Advanced",
    "Blocked",
    "LandOutcome",
    "Moved",
    "advance_target",
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
    root: Path, worktree: Path, session_branch: str, target_branch: str, message: str
) -> str | list[str]:
    """Merge the session into the target's tip inside the session's worktree.

    Returns the merge commit's sha (the worktree is left detached there, so checks can
    run on the merged result), the target's tip when it already contains the session
    (the worktree is left alone), or the sorted conflicting paths (the merge is aborted
    and the worktree is back on the session branch, clean).
    """
    target_tip = head_commit(root, f"refs/heads/{target_branch}")
    session_head = head_commit(root, f"refs/heads/{session_branch}")
    if _is_ancestor(root, session_head, target_tip):
        return target_tip
    restore_session_checkout(worktree, session_branch)
    if is_dirty(worktree):
        raise WorkspaceError(
            f"the session worktree {worktree} has uncommitted changes; commit them before landing"
        )
    run(worktree, "checkout", "-q", "--detach", target_tip)
    merged = run_ok(
        worktree,
        *identity_args(worktree),
        "-c",
        "rerere.enabled=false",
        "merge",
        "-q",
        "--no-ff",
        "--no-edit",
        "--no-verify",
        "--no-gpg-sign",
        "--no-autostash",
        "-m",
        message,
        session_head,
    )
    if merged.status == 0:
        return run(worktree, "rev-parse", "--verify", "HEAD")
    conflicts = _unmerged_paths(worktree)
    restore_session_checkout(worktree, session_branch)
    if conflicts:
        return conflicts
    said = merged.stderr.strip() or merged.text.strip()
    raise WorkspaceError(f"could not merge {session_branch} into {target_branch}: {said}")


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
    if is_dirty(checkout):
        return Blocked(
            f"{target_branch} is checked out at {checkout} with uncommitted changes; "
            "commit or stash them and landing will continue"
        )
    forward = run_ok(checkout, "merge", "-q", "--ff-only", "--no-autostash", new_commit)
    if forward.status == 0:
        return Advanced(new_commit)
    if "would be overwritten" in forward.stderr:
        return Blocked(
            f"{target_branch} is checked out at {checkout}, and landing would overwrite "
            f"files there that git does not track: {forward.stderr.strip()}"
        )
    return _after_failure(root, target_branch, expected_old, forward.stderr)


def is_landed(root: Path, target_branch: str, session_head: str) -> bool:
    """True when the target branch already contains `session_head`."""
    return _is_ancestor(root, session_head, head_commit(root, f"refs/heads/{target_branch}"))


def restore_session_checkout(worktree: Path, session_branch: str) -> None:
    """Put the session's worktree back on its branch after a merge (or checks on it)."""
    if (git_dir(worktree) / "MERGE_HEAD").exists():
        run(worktree, "merge", "--abort")
    branch = current_branch(worktree)
    if branch == session_branch:
        return
    if branch is not None:
        raise WorkspaceError(
            f"{worktree} is on {branch!r}, not on the session branch {session_branch!r}"
        )
    if is_dirty(worktree):
        # Detached at a merge Loopwright made: edits here are leftovers of checks.
        run(worktree, "reset", "-q", "--hard")
    run(worktree, "checkout", "-q", session_branch)


# --- helpers ----------------------------------------------------------------------------


def _is_ancestor(root: Path, ancestor: str, descendant: str) -> bool:
    result = run_ok(root, "merge-base", "--is-ancestor", ancestor, descendant)
    if result.status not in (0, 1):
        raise WorkspaceError(
            f"could not compare {ancestor[:12]} with {descendant[:12]}: {result.stderr.strip()}"
        )
    return result.status == 0


def _unmerged_paths(worktree: Path) -> list[str]:
    out = run_ok(worktree, "ls-files", "--unmerged", "-z").stdout
    paths = {
        record.split(b"\t", 1)[1].decode("utf-8", "replace")
        for record in out.split(b"\0")
        if b"\t" in record
    }
    return sorted(paths)


def _checkout_holding(root: Path, branch: str) -> tuple[Path | None, Blocked | None]:
    """The checkout that has `branch` (None if none), or why landing must wait for it."""
    ref = f"refs/heads/{branch}"
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
        gitdir = git_dir(entry.path)
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
