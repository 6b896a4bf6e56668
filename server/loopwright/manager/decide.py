"""Decide, then do: pure functions from (state, event) to the effects to carry out.

Nothing here touches git, the network, the clock or the log. `manager.loop` applies each
record to the state, asks `decide` what follows (for an event the fold's tables let
apply), and carries the effects out (`manager.effects`). `decide` composes small
deciders: the session's pipeline (checks, review and the reviewer's rounds, the gate,
landing step by step, an answer that differs from the worker's assumption), triage,
and the world's reactions (the build after a landing, sessions brought up to a moved
target, issue statuses). What a shell step reports
without a record (`StillBlocked`) is decided here too. Routing notifications is the
attention supervisor's pure decider (`attention.routing`), over its own view.
"""

from __future__ import annotations

from .. import events as ev
from ..config import Config
from ..core.commands import CommandResult
from ..core.keys import EffectKey
from ..review import gate
from ..state import LIVE, Checks, SessionState, State
from ..state_parts import follow_up_id
from . import delegation, environment_decide
from .effects import (
    AdvanceTarget,
    BringUpToDate,
    CheckBuild,
    DeliverAnswer,
    Effect,
    EndEnvironment,
    Land,
    Later,
    PrepareReview,
    QueueSession,
    Record,
    RemoveWorktree,
    RunChecks,
    StartPreview,
    StartWorker,
    StillBlocked,
    StopPreview,
    StopWorker,
    Triage,
    WriteIssueStatuses,
)

__all__ = [
    "AdvanceTarget",
    "BringUpToDate",
    "CheckBuild",
    "DeliverAnswer",
    "Effect",
    "EffectKey",
    "EndEnvironment",
    "Land",
    "Later",
    "PrepareReview",
    "QueueSession",
    "Record",
    "RemoveWorktree",
    "RunChecks",
    "StartPreview",
    "StartWorker",
    "StillBlocked",
    "StopPreview",
    "StopWorker",
    "Triage",
    "WriteIssueStatuses",
    "decide",
    "recover",
    "schedule",
]

S = SessionState
# States that hold one of the `max_parallel` worker slots. Landing does not: landings go
# through their own queue, one at a time. Waiting (blocked on the human's answer) does
# not either: four blocking asks must not stall the queue. The waiting worker stays in
# memory, and goes on when the answer comes (above `max_parallel` for a while: nothing
# new starts until the count is under it again).
SLOT_STATES = frozenset({S.RUNNING, S.CHECKING, S.REVIEWING})


LANDING_RETRY_SECONDS = 1.0  # a blocked landing tries to move the target this often
# Events after which a GitHub issue's status may have changed.
_STATUS_EVENTS = (
    ev.TaskAccepted, ev.TaskDeclined, ev.TaskOverruled, ev.SessionQueued, ev.GateDecided,
    ev.ChangeApproved, ev.PullRequestOpened, ev.PullRequestReviewed, ev.ChangeLanded,
    ev.WorkerFailed, ev.LandingFailed, ev.ChangeRejected, ev.SessionKilled, ev.NothingChanged,
    ev.ChangesRequested, ev.TaskSplit, ev.SubTasksLanded,
)


def decide(state: State, event: ev.Event | StillBlocked, config: Config) -> list[Effect]:
    """What follows from `event`, which has just been applied to `state`."""
    if isinstance(event, StillBlocked):
        return [_retry_advance(event.session_id, event.merged_commit, event.target_commit)]
    return (_pipeline(state, event, config) + _world(event, config)
            + delegation.decide(state, event)
            + environment_decide.decide(state, event, config))


def _pipeline(state: State, event: ev.Event, config: Config) -> list[Effect]:
    match event:
        case ev.TaskFiled(task_id=tid):
            return [Triage(tid)]
        case ev.TaskAccepted(task_id=tid) | ev.TaskOverruled(task_id=tid):
            task = state.tasks.get(tid)
            if task is None or any(state.sessions[s].state in LIVE for s in task.sessions):
                return []
            return [QueueSession(tid, attempt=len(task.sessions) + 1)]
        case ev.WorkerFinished(session_id=sid, head_commit=head):
            if not _is(state, sid, S.CHECKING):
                return []
            if head and head == state.sessions[sid].base_commit:  # no commit: no change
                return [Record((ev.NothingChanged(session_id=sid),))]
            return [RunChecks(sid)]
        case ev.ChecksFinished(session_id=sid, on_merge=False):
            return [PrepareReview(sid)] if _is(state, sid, S.REVIEWING) else []
        case ev.ReviewPrepared(session_id=sid):
            return after_review(state, sid, config)
        case ev.GateDecided(session_id=sid, auto_land=True) | ev.ChangeApproved(session_id=sid):
            return [Land(sid)] if _is(state, sid, S.LANDING) else []
        case ev.LandingRaced(session_id=sid):
            return [Land(sid, again=True)] if _is(state, sid, S.LANDING) else []
        case ev.LandingBlocked(session_id=sid, merged_commit=merged) if merged:
            if not _is(state, sid, S.LANDING):
                return []
            return [_retry_advance(sid, merged, event.target_commit)]
        case ev.ChangeRejected(session_id=sid):
            # The branch goes with its worktree; its last commit is in the WorktreeRemoved
            # record, so `git branch <branch> <commit>` brings it back.
            return [StopWorker(sid), RemoveWorktree(sid, delete_branch=True)]
        case ev.NothingChanged(session_id=sid):
            return [RemoveWorktree(sid, delete_branch=True)]  # nothing on it to keep
        case ev.SessionKilled(session_id=sid):
            return [StopWorker(sid)]
        case ev.ChangeLanded(session_id=sid):
            return [RemoveWorktree(sid, delete_branch=True), *follow_ups(state, sid)]
        case ev.SessionRetried(session_id=sid):
            old = state.sessions[sid]
            task = state.tasks[old.task_id]
            note = f"A previous attempt ended as {old.state}: {old.failure or old.summary}"
            return [QueueSession(old.task_id, attempt=len(task.sessions) + 1, note=note)]
        case ev.DecisionAnswered(decision_id=did, answer=answer):
            decision = state.decisions[did]
            task = state.tasks.get(decision.task_id)
            if not decision.session_id and task is not None and task.verdict == "pending":
                return [Record((_settle_triage(task.task_id, accept=answer != "decline"),))]
            return [DeliverAnswer(did, answer), *_answered_against(state, did)]
        case _:
            return []


def _world(event: ev.Event, config: Config) -> list[Effect]:
    """What the world's listeners do after a record (the build, sessions meeting, GitHub)."""
    out: list[Effect] = []
    if isinstance(event, ev.ChangeLanded):
        if config.build.on_landing:
            out.append(CheckBuild("landing"))
        if config.land.mode == "merge":
            out.append(BringUpToDate(event.commit))
    if config.github.repo and isinstance(event, _STATUS_EVENTS):
        out.append(WriteIssueStatuses())
    return out


ANSWER_NOTE = "A question you went on past was answered; redo what the answer changes."
ANSWER_REASON = ("A question was answered otherwise than the worker assumed: look at how "
                 "it followed the answer.")


def _answered_against(state: State, decision_id: str) -> list[Effect]:
    """A non-blocking question answered otherwise than the worker assumed: a change
    waiting for the human goes back to the worker; one that landed gets a follow-up
    task. (Before its review the session is sent back by `after_review`; while it lands,
    the follow-up is filed once it has.)"""
    d = state.decisions[decision_id]
    s = state.sessions.get(d.session_id)
    if s is None or not state.answered_against_worker(d):
        return []
    if s.state == S.AWAITING_APPROVAL and s.unheeded:
        return [_send_answers_back(s.session_id)]
    if s.state == S.LANDED:
        return follow_ups(state, s.session_id, (decision_id,))
    return []


def _send_answers_back(session_id: str) -> Record:
    return Record((ev.ChangesRequested(session_id=session_id, note=ANSWER_NOTE,
                                       by="answer"),))


def follow_ups(state: State, session_id: str,
               decision_ids: tuple[str, ...] | None = None) -> list[Effect]:
    """A task per answer that came too late for the landed change: what to change."""
    s = state.sessions[session_id]
    task = state.tasks[s.task_id]
    filed: list[ev.Event] = []
    for did in s.unheeded if decision_ids is None else decision_ids:
        d = state.decisions[did]
        task_id = follow_up_id(did)  # one per answer, found again on replay
        if state.has_task(task_id):
            continue
        filed.append(ev.TaskFiled(
            task_id=task_id, title=f"Follow the answer to: {d.question}"[:120],
            body=(f"{s.name} landed {task.title!r} assuming {d.default!r} for the question "
                  f"{d.question!r}. The answer is {d.answer!r}: change what landed to "
                  "follow it."),
            source="answer", labels=task.labels, priority=task.priority,
            backend=task.backend, origin=f"answer to {did} ({s.name})"))
    return [Record(tuple(filed))] if filed else []


def after_review(state: State, session_id: str, config: Config) -> list[Effect]:
    """The review is in: answers the worker has not followed yet send it back first; the
    reviewer's request for changes goes back to the worker on its own for up to
    `[review] max_rounds` rounds; otherwise the gate decides (and a change reworked
    after such an answer waits for the human)."""
    s = state.sessions.get(session_id)
    if s is None or s.state != S.REVIEWING or s.review is None:
        return []
    if s.unheeded:
        return [_send_answers_back(session_id)]
    review, task = s.review, state.tasks[s.task_id]
    if not review.files:  # the worker's commits add up to nothing
        return [Record((ev.NothingChanged(session_id=session_id),))]
    if (review.reviewer_verdict == "request_changes"
            and s.reviewer_rounds < config.review.max_rounds):
        return [Record((ev.ChangesRequested(session_id=session_id, by="reviewer",
                                            note=reviewer_note(review)),))]
    auto, reasons = gate.judge(
        config.gate, review=review, checks=_as_result(s.checks), labels=task.labels,
        reviewer_configured=bool(config.review.reviewer),
    )
    if s.heeded:
        auto, reasons = False, (*reasons, ANSWER_REASON)
    return [Record((ev.GateDecided(session_id=session_id, auto_land=auto, reasons=reasons),))]


def reviewer_note(review: ev.ReviewPrepared) -> str:
    """The reviewer's request for changes as the worker's next instruction."""
    lines = [f"The reviewer agent asks for changes: {review.reviewer_summary}"]
    lines += [f"- {c.path}:{c.line}: {c.body}" for c in review.comments]
    return "\n".join(lines)


def _as_result(checks: Checks | None) -> CommandResult | None:
    """The recorded checks as the gate reads them; None when no checks ran."""
    if checks is None or not checks.command:
        return None
    return CommandResult(checks.command, checks.exit_code, checks.output_tail,
                         checks.seconds, checks.timed_out)


def _settle_triage(task_id: str, accept: bool) -> ev.Event:
    if accept:
        return ev.TaskAccepted(task_id=task_id, reason="the human said to go ahead")
    return ev.TaskDeclined(task_id=task_id, reason="the human declined it")


def _retry_advance(session_id: str, merged: str, target: str) -> Effect:
    return Later(LANDING_RETRY_SECONDS, AdvanceTarget(session_id, merged, target))


def schedule(state: State, max_parallel: int, starting: frozenset[str]) -> list[StartWorker]:
    """Queued sessions to start now, highest priority first, then oldest."""
    live = state.live_sessions()  # not a walk over every session the log ever had
    busy = sum(1 for s in live if s.state in SLOT_STATES)
    busy += sum(1 for sid in starting if _is(state, sid, S.QUEUED))
    free = max_parallel - busy
    if free <= 0:
        return []
    queued = [s for s in live if s.state == S.QUEUED and s.session_id not in starting]
    queued.sort(key=lambda s: (-state.tasks[s.task_id].priority, s.queued_at))
    return [
        StartWorker(s.session_id, resume=s.worktree != "", reason="changes requested"
                    if s.feedback else "")
        for s in queued[:free]
    ]


def recover(state: State, config: Config) -> list[Effect]:
    """After a restart: pick every live session up where the log left it."""
    effects: list[Effect] = delegation.recover(state)
    for task in state.tasks.values():
        if task.verdict == "pending":
            effects.append(Triage(task.task_id))
        elif (task.verdict == "accepted" and not task.sessions
              and delegation.may_start(state, task.task_id)):  # not split, not waiting
            effects.append(QueueSession(task.task_id, attempt=1))
    for s in state.sessions.values():
        match s.state:
            case S.RUNNING | S.WAITING:
                effects.append(StartWorker(s.session_id, resume=True,
                                           reason="the manager restarted"))
            case S.CHECKING:
                effects.append(RunChecks(s.session_id))
            case S.REVIEWING if s.review is not None and s.review.head_commit == s.head_commit:
                effects += after_review(state, s.session_id, config)  # the review is in
            case S.REVIEWING:
                effects.append(PrepareReview(s.session_id))
            case S.AWAITING_APPROVAL if s.unheeded:  # the answer raced a restart
                effects.append(_send_answers_back(s.session_id))
            case S.LANDING:
                effects.append(Land(s.session_id))
            case S.LANDED:
                effects += follow_ups(state, s.session_id)
                if not s.worktree_removed:
                    effects.append(RemoveWorktree(s.session_id, delete_branch=True))
            case S.REJECTED | S.NO_CHANGE if not s.worktree_removed:
                effects.append(RemoveWorktree(s.session_id, delete_branch=True))
            case _:
                pass
    return effects + environment_decide.recover(state, config)


def _is(state: State, session_id: str, *states: SessionState) -> bool:
    s = state.sessions.get(session_id)
    return s is not None and s.state in states
