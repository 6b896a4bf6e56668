"""The lifecycles the fold follows: their states and their transition tables.

One table per lifecycle (a session's state, its health, a task's verdict, a decision),
keyed by event type: an event moves only from the states its table lists; from any
other it changes nothing (`state.refused()` says why). Pure data; `state.py` applies it.
"""

from __future__ import annotations

from enum import StrEnum

from . import events as ev


class SessionState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"
    CHECKING = "checking"
    REVIEWING = "reviewing"
    AWAITING_APPROVAL = "awaiting_approval"
    LANDING = "landing"
    LANDED = "landed"
    FAILED = "failed"
    REJECTED = "rejected"
    KILLED = "killed"
    NO_CHANGE = "no_change"  # the worker finished without changing anything


S = SessionState
TERMINAL = frozenset({S.LANDED, S.FAILED, S.REJECTED, S.KILLED, S.NO_CHANGE})
LIVE = frozenset(S) - TERMINAL
# States in which a worker process is (or should be) doing something.
ACTIVE = frozenset({S.RUNNING, S.WAITING, S.CHECKING, S.REVIEWING, S.LANDING})


class Health(StrEnum):
    OK = "ok"
    STALLED = "stalled"
    OVER_BUDGET = "over_budget"


class TaskVerdict(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class DecisionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


# (event type, state it is legal in) -> next state
SESSION_TRANSITIONS: dict[type[ev._Event], dict[SessionState, SessionState]] = {
    ev.SessionStarted: {S.QUEUED: S.RUNNING},
    ev.SessionResumed: {S.QUEUED: S.RUNNING, S.RUNNING: S.RUNNING, S.WAITING: S.WAITING},
    ev.WorkerFinished: {S.RUNNING: S.CHECKING, S.WAITING: S.CHECKING},
    ev.WorkerFailed: {s: S.FAILED for s in (S.QUEUED, S.RUNNING, S.WAITING, S.CHECKING,
                                            S.REVIEWING)},
    ev.ChecksFinished: {S.CHECKING: S.REVIEWING},
    # An empty change: decided when the worker finishes, or when the review finds no diff.
    ev.NothingChanged: {S.CHECKING: S.NO_CHANGE, S.REVIEWING: S.NO_CHANGE},
    ev.GateDecided: {S.REVIEWING: S.AWAITING_APPROVAL},  # auto_land handled below
    ev.ChangeApproved: {S.AWAITING_APPROVAL: S.LANDING},
    # From reviewing: the reviewer agent sends the change back on its own (bounded rounds).
    ev.ChangesRequested: {S.AWAITING_APPROVAL: S.QUEUED, S.REVIEWING: S.QUEUED},
    ev.ChangeRejected: {s: S.REJECTED for s in (S.AWAITING_APPROVAL, S.LANDING)},
    ev.LandingFailed: {S.LANDING: S.FAILED},
    ev.ChangeLanded: {S.LANDING: S.LANDED},
    # Landing mode `pull-request`: a review on the PR sends the change back.
    ev.PullRequestReviewed: {S.LANDING: S.QUEUED},
    ev.SessionKilled: {s: S.KILLED for s in LIVE},
}

H = Health
# Health sits beside the state, for sessions that have not ended (an ended session keeps
# its mark: it did stall, it was over budget).
HEALTH_TRANSITIONS: dict[type[ev._Event], dict[Health, Health]] = {
    ev.BudgetExceeded: {H.OK: H.OVER_BUDGET, H.STALLED: H.OVER_BUDGET},
    ev.BudgetExtended: {H.OVER_BUDGET: H.OK},
    ev.StallDetected: {H.OK: H.STALLED},
    ev.StallCleared: {H.STALLED: H.OK},
}

V = TaskVerdict
# Triage settles a task once; only the human's overrule turns a decline around. A stale
# verdict (a triage that raced a restart, the human's answer) changes nothing.
VERDICT_TRANSITIONS: dict[type[ev._Event], dict[TaskVerdict, TaskVerdict]] = {
    ev.TaskAccepted: {V.PENDING: V.ACCEPTED},
    ev.TaskDeclined: {V.PENDING: V.DECLINED},
    ev.TaskOverruled: {V.DECLINED: V.ACCEPTED},
    # The human calls off a task nothing works on yet, or leaves a decline for good.
    ev.TaskCancelled: {V.PENDING: V.CANCELLED, V.DECLINED: V.CANCELLED},
}

# The first answer wins, wherever it was given.
DECISION_TRANSITIONS: dict[type[ev._Event], dict[DecisionStatus, DecisionStatus]] = {
    ev.DecisionAnswered: {DecisionStatus.OPEN: DecisionStatus.ANSWERED},
}
