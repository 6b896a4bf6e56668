"""After the worker: checks, the review, landing step by step, and cleaning up.

Each function is one step an effect asks for; it does the I/O and records what came of
it. What follows (the reviewer's request sent back or the gate, a landing merged again
or retried later) is `manager.decide`'s.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import msgspec

from .. import events as ev
from ..backends import make_reviewer
from ..review import checks as checks_mod
from ..review.reviewer import Reviewer, ReviewFailed
from ..runtime import Runtime
from ..state import Session, Task
from ..workspace import diff, land, repo, worktrees
from ..workspace.repo import WorkspaceError
from . import checks_run, environment, preview
from .effects import StillBlocked

log = logging.getLogger(__name__)
# A worktree or branch git would not remove yet (another git holds a lock) is tried
# again after these pauses; the session's worktree is not left behind by one refusal.
CLEANUP_RETRY_SECONDS = (1.0, 5.0, 30.0, 120.0)


async def run_checks(rt: Runtime, session_id: str) -> None:
    s = rt.state.sessions[session_id]
    worktree = Path(s.worktree)
    command = await asyncio.to_thread(checks_mod.command_for, worktree, rt.config)
    async with rt.checks_slots:
        rt.append(ev.ChecksStarted(session_id=session_id, command=command))
        result = await checks_run.run_checks(rt, session_id, worktree, command,
                                             s.head_commit)
    if result is None:
        rt.append(ev.ChecksFinished(
            session_id=session_id, command="", passed=False, exit_code=0,
            output_tail="no test command configured or detected", seconds=0.0,
        ))
        return
    rt.append(ev.ChecksFinished(
        session_id=session_id, command=result.command, passed=result.ok,
        exit_code=result.exit_code, output_tail=result.output,
        seconds=round(result.seconds, 3), timed_out=result.timed_out,
    ))


async def prepare_review(rt: Runtime, session_id: str) -> None:
    """The session's hunks, and the reviewer's verdict folded in (when one is set)."""
    s = rt.state.sessions[session_id]
    task = rt.state.tasks[s.task_id]
    root = rt.project.root
    hunks, files, added, removed = await asyncio.to_thread(
        diff.compute_hunks, root, s.base_commit, s.head_commit
    )
    kinds = await asyncio.to_thread(diff.file_kinds, root, s.base_commit, s.head_commit)
    review = ev.ReviewPrepared(
        session_id=session_id, head_commit=s.head_commit, base_commit=s.base_commit,
        files=tuple(files), hunks=tuple(hunks), added=added, removed=removed,
        binary_files=kinds.binary, new_files=kinds.new,
    )
    spent: tuple[ev.ModelReplied, ...] = ()
    reviewer = make_reviewer(rt.project, rt.config)
    if reviewer is not None:
        await preview.screenshots_settled(rt, session_id)  # the reviewer sees them too
        s = rt.state.sessions[session_id]
        spent, review = await _ask_reviewer(reviewer, task, s, review)
    rt.append(*spent, *await _round_compared(rt, s), review)


async def _round_compared(rt: Runtime, s: Session) -> tuple[ev.RoundCompared, ...]:
    """The change since the last round's head, line by line, for the threads to move
    through (none on the first round, or when the head did not move)."""
    last = s.review
    if last is None or last.head_commit == s.head_commit:
        return ()
    try:
        hunks, files, _, _ = await asyncio.to_thread(
            diff.compute_hunks, rt.project.root, last.head_commit, s.head_commit, context=0)
    except WorkspaceError as e:  # the old head is gone: threads stay where they were
        log.warning("threads of %s not carried to the new round: %s", s.name, e)
        return ()
    return (ev.RoundCompared(session_id=s.session_id, from_commit=last.head_commit,
                             to_commit=s.head_commit, files=tuple(files),
                             hunks=tuple(hunks)),)


async def _ask_reviewer(
    reviewer: Reviewer, task: Task, s: Session, review: ev.ReviewPrepared,
) -> tuple[tuple[ev.ModelReplied, ...], ev.ReviewPrepared]:
    """What the review cost, and its verdict folded into the review. A reviewer that
    fails leaves the change to the human, with the reason as its summary; what it spent
    before failing (`ReviewFailed`) is counted as a verdict's cost is."""
    try:
        verdict = await reviewer.review(task, s, review)
    except Exception as e:  # any failure: the change goes to the human instead
        log.warning("the %s reviewer failed on %s", reviewer.name, s.name, exc_info=True)
        spent = e.spent if isinstance(e, ReviewFailed) else ()
        return spent, msgspec.structs.replace(
            review, reviewer=reviewer.name,
            reviewer_summary=f"The reviewer could not review this change: {e}")
    return verdict.spent, msgspec.structs.replace(
        review, reviewer=reviewer.name, reviewer_verdict=verdict.verdict,
        reviewer_summary=verdict.summary, comments=verdict.comments,
    )


async def land_session(rt: Runtime, session_id: str, lock: asyncio.Lock,
                       again: bool = False) -> None:
    """One landing step: merge the session onto its target's tip (in its worktree),
    check the merged result, and try once to advance the target (`advance`).

    Idempotent: a session whose head is already on the target is recorded as landed.
    Landings take `lock` one at a time: that is the merge queue. `again`: the target
    moved under the last attempt, which already said the landing started.
    """
    async with lock:
        s = rt.state.sessions[session_id]
        root, target, worktree = rt.project.root, s.target_branch, Path(s.worktree)
        if await asyncio.to_thread(land.is_landed, root, target, s.head_commit, session_id,
                                   s.base_commit):
            tip = await asyncio.to_thread(repo.head_commit, root, target)
            rt.append(ev.ChangeLanded(session_id=session_id, target_branch=target,
                                      commit=tip))
            return
        if not again:
            rt.append(ev.LandingStarted(session_id=session_id, target_branch=target))
        task = rt.state.tasks[s.task_id]
        style = rt.config.land.style
        message = land.commit_message(style, s.name, task.title, s.summary, session_id)
        old = await asyncio.to_thread(repo.head_commit, root, target)
        # The merge and its checks use the session's worktree: nothing else may move it
        # meanwhile (bringing sessions up to a moved target takes the same lock).
        async with rt.worktree_lock(session_id):
            merged = await asyncio.to_thread(
                land.prepare_merge, root, worktree, s.branch, target, message, style
            )
            if isinstance(merged, list):
                rt.append(ev.LandingFailed(
                    session_id=session_id,
                    reason=f"conflicts with {target} in: {', '.join(merged)}",
                ))
                return
            if not await _merged_checks_pass(rt, session_id, worktree, merged):
                await asyncio.to_thread(land.restore_session_checkout, root, worktree,
                                        s.branch)
                return
        await _advance(rt, session_id, merged, old)


async def advance(rt: Runtime, session_id: str, merged: str, old: str,
                  lock: asyncio.Lock) -> StillBlocked | None:
    """Try once to move the target from `old` to the checked merge `merged`."""
    async with lock:
        return await _advance(rt, session_id, merged, old)


async def _advance(rt: Runtime, session_id: str, merged: str, old: str
                   ) -> StillBlocked | None:
    """Landed, raced (the target moved: `LandingRaced`) or blocked (`LandingBlocked`,
    recorded when its reason is new; the same reason again is only reported)."""
    s = rt.state.sessions[session_id]
    root, target, worktree = rt.project.root, s.target_branch, Path(s.worktree)
    outcome = await asyncio.to_thread(land.advance_target, root, target, merged, old)
    if isinstance(outcome, land.Advanced):
        rt.waiting_on_human.discard(session_id)
        await asyncio.to_thread(land.restore_session_checkout, root, worktree, s.branch)
        rt.append(ev.ChangeLanded(session_id=session_id, target_branch=target,
                                  commit=outcome.commit))
        return None
    if isinstance(outcome, land.Moved):
        rt.waiting_on_human.discard(session_id)
        rt.append(ev.LandingRaced(session_id=session_id, target_commit=outcome.actual))
        return None
    rt.waiting_on_human.add(session_id)
    if outcome.reason == s.landing_blocked:
        return StillBlocked(session_id, merged, old)
    rt.append(ev.LandingBlocked(session_id=session_id, reason=outcome.reason,
                                merged_commit=merged, target_commit=old))
    return None


async def _merged_checks_pass(rt: Runtime, session_id: str, worktree: Path,
                              merged: str) -> bool:
    command = await asyncio.to_thread(checks_mod.command_for, worktree, rt.config)
    if not command:
        return True
    async with rt.checks_slots:
        rt.append(ev.ChecksStarted(session_id=session_id, command=command, on_merge=True))
        result = await checks_run.run_checks(rt, session_id, worktree, command, merged)
    if result is None:
        return True
    rt.append(ev.ChecksFinished(
        session_id=session_id, command=result.command, passed=result.ok,
        exit_code=result.exit_code, output_tail=result.output,
        seconds=round(result.seconds, 3), timed_out=result.timed_out, on_merge=True,
    ))
    if not result.ok:
        what = "timed out" if result.timed_out else f"exited {result.exit_code}"
        rt.append(ev.LandingFailed(
            session_id=session_id,
            reason=f"checks failed on the result of merging into the target ({what})",
        ))
    return result.ok


async def remove_worktree(rt: Runtime, session_id: str, delete_branch: bool) -> None:
    await environment.end(rt, session_id)  # the teardown runs in the worktree, first
    s = rt.state.sessions[session_id]
    if not s.worktree:
        return
    for pause in (*CLEANUP_RETRY_SECONDS, None):
        try:
            commit = await asyncio.to_thread(
                worktrees.remove_worktree, rt.project.root, Path(s.worktree),
                delete_branch=delete_branch, branch=s.branch,
            )
            break
        except WorkspaceError as e:
            if pause is None:
                raise
            log.warning("could not clean up after %s yet (%s); trying again in %g s",
                        s.name, e, pause)
            await asyncio.sleep(pause)
    landed = s.landed_commit != ""  # a landed branch is in the target: nothing to restore
    rt.append(ev.WorktreeRemoved(
        session_id=session_id, path=s.worktree,
        branch_deleted=s.branch if commit and not landed else "",
        branch_commit=commit if not landed else ""))
