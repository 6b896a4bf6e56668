"""How a landed change is written onto the target: one squashed commit, a merge, or the
session's commits replayed -- each one ending in a commit that carries the session's
`Loopwright-Session:` trailer, which is how a landing is recognised after a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from loopwright.workspace.repo import GitResult, identity_args, run_ok
from loopwright.workspace.session_git import SessionGit, git, git_ok

__all__ = ["TRAILER", "LandStyle", "commit_message", "landed_sessions", "write_change"]

LandStyle = Literal["squash", "merge", "rebase"]
TRAILER = "Loopwright-Session"

_NO_HOOKS = ("--no-verify", "--no-gpg-sign")


def commit_message(style: LandStyle, name: str, title: str, summary: str,
                   session_id: str) -> str:
    """The landed commit's message: the task's title (with the session's name for a
    merge), the worker's summary, and the trailer."""
    subject = f"Land {name}: {title}" if style == "merge" else title
    body = summary.strip()
    return f"{subject}\n\n{body + chr(10) + chr(10) if body else ''}{TRAILER}: {session_id}\n"


def landed_sessions(root: Path, since: str, target_ref: str) -> set[str]:
    """The session ids in the trailers of the target's commits after `since`."""
    span = f"{since}..{target_ref}" if since else target_ref
    out = run_ok(root, "log", f"--format=%x00%(trailers:key={TRAILER},valueonly)", span)
    if out.status != 0:
        return set()
    return {word for word in out.text.replace("\0", " ").split() if word}


def write_change(sg: SessionGit, root: Path, style: LandStyle, target_tip: str,
                 session_head: str, message: str) -> str | GitResult:
    """Write the session's change onto `target_tip` in its worktree, left detached at the
    result. Returns the result's sha, or git's failed result (a conflict is left in the
    worktree for the caller to list and abort). A change whose content the target
    already has returns `target_tip`."""
    who = identity_args(root)
    if style == "rebase":
        git(sg, "checkout", "-q", "--detach", session_head)
        rebased = git_ok(sg, *who, "rebase", "-q", "--no-autostash", *_NO_HOOKS[1:],
                         target_tip)
        if rebased.status != 0:
            return rebased
        head = git(sg, "rev-parse", "--verify", "HEAD")
        if head == target_tip:
            return target_tip
        own = git(sg, "log", "-1", "--format=%B", "HEAD").rstrip()
        trailer = message.rstrip().rsplit("\n", 1)[-1]
        git(sg, *who, "commit", "-q", "--amend", *_NO_HOOKS, "-m", f"{own}\n\n{trailer}\n")
        return git(sg, "rev-parse", "--verify", "HEAD")
    git(sg, "checkout", "-q", "--detach", target_tip)
    merged = git_ok(sg, *who, "merge", "-q", "--no-ff", "--no-edit", *_NO_HOOKS,
                    "--no-autostash", "-m", message, session_head)
    if merged.status != 0:
        return merged
    if style == "squash":
        if git(sg, "rev-parse", "HEAD^{tree}") == git(sg, "rev-parse", f"{target_tip}^{{tree}}"):
            git(sg, "checkout", "-q", "--detach", target_tip)
            return target_tip
        git(sg, "reset", "-q", "--soft", target_tip)
        git(sg, *who, "commit", "-q", *_NO_HOOKS, "-m", message)
    return git(sg, "rev-parse", "--verify", "HEAD")
