"""What each event asks of the human: one pure table, every event type in it.

Each event maps to at most one kind: `needs_decision` and `needs_review` may interrupt
(routing decides), `progress` goes into the digest, `wasting_time` proposes a kill or a
redirect. `None`: the event asks nothing of anyone (a human's own action, bookkeeping,
or a step whose meaning another event carries). A new event type must be added here;
`tests/test_attention_classify.py` fails until it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from .. import events as ev

Kind = ev.AttentionKind
KINDS: Final[tuple[Kind, ...]] = ("needs_decision", "needs_review", "progress",
                                  "wasting_time")
DECISION: Final = "needs_decision"
REVIEW: Final = "needs_review"
PROGRESS: Final = "progress"
WASTING: Final = "wasting_time"

# A kind, None, or a function of the event for the few whose fields decide.
Rule = Kind | None | Callable[[ev.Event], Kind | None]


def _gate(e: ev.Event) -> Kind | None:
    return PROGRESS if isinstance(e, ev.GateDecided) and e.auto_land else REVIEW


def _by_reviewer(e: ev.Event) -> Kind | None:
    # The reviewer agent sending a change back is news, and so is an answer that differs
    # from the worker's assumption sending it back; the human's own note is not.
    return (PROGRESS if isinstance(e, ev.ChangesRequested) and e.by in ("reviewer", "answer")
            else None)


def _by_manager(e: ev.Event) -> Kind | None:
    """A delegation act is news when the manager did it alone (the human knows their own)."""
    return PROGRESS if getattr(e, "by", "human") != "human" else None
def _teardown(e: ev.Event) -> Kind | None:
    return PROGRESS if isinstance(e, ev.TeardownRan) and e.exit_code != 0 else None


def _build(e: ev.Event) -> Kind | None:
    return PROGRESS if isinstance(e, ev.BuildChecked) and not e.passed else None


def _manager_act(e: ev.Event) -> Kind | None:
    return (PROGRESS if isinstance(e, ev.ManagerActed) and e.outcome == "done"
            and e.tool != "remember" else None)  # a note is told by its ManagerNoted


TABLE: Final[dict[type[ev._Event], Rule]] = {
    # the manager process
    ev.ManagerStarted: None,
    ev.ManagerStopped: None,
    ev.ConfigReloaded: None,  # the inbox names what waits for a restart
    ev.ConfigRefused: PROGRESS,
    # intake and triage
    ev.TaskFiled: PROGRESS,
    ev.IntakeRefused: PROGRESS,
    ev.TaskAccepted: None,
    ev.TaskDeclined: PROGRESS,  # waits in the inbox to be overruled; never interrupts
    ev.TaskOverruled: None,
    ev.TaskCancelled: None,  # the human's own doing
    ev.RefusalDismissed: None,  # the human's own doing
    ev.TriageRetried: None,  # shown in `status` while it lasts; the verdict is the news
    # sessions
    ev.SessionQueued: None,
    ev.SessionStarted: PROGRESS,
    ev.SessionResumed: None,
    ev.WorkerActed: None,  # evidence for the stall detector, too fine for the digest
    ev.WorkerProgressed: PROGRESS,
    ev.CommandRan: None,
    ev.FilesCopiedIn: None,
    ev.SetupRan: None,  # a failed one ends the session: WorkerFailed is the news
    ev.SetupSkipped: None,
    ev.WorkerFinished: PROGRESS,
    ev.WorkerFailed: PROGRESS,
    ev.SessionKilled: None,
    ev.SessionRetried: None,
    # agents
    ev.ModelPrompted: None,
    ev.ModelReplied: None,
    ev.BudgetExceeded: DECISION,  # the session waits for the human: go on, or stop
    ev.BudgetExtended: None,
    # decisions
    ev.DecisionAsked: DECISION,
    ev.DecisionAnswered: None,
    # checks, review and the gate
    ev.ChecksStarted: None,
    ev.ChecksFinished: None,  # the gate's verdict says what the checks meant
    ev.ReviewPrepared: None,
    ev.GateDecided: _gate,
    ev.HunkJudged: None,
    ev.ChangeApproved: None,
    ev.ChangesRequested: _by_reviewer,
    ev.ChangeRejected: None,
    ev.NothingChanged: PROGRESS,
    # landing
    ev.LandingStarted: None,
    ev.LandingBlocked: DECISION,  # a dirty checkout holds the target: only the human can
    ev.LandingRaced: None,  # it merges again by itself
    ev.LandingFailed: PROGRESS,
    ev.ChangeLanded: PROGRESS,
    ev.WorktreeRemoved: None,
    # the world
    ev.BuildChecked: _build,
    ev.TimerArmed: None,
    ev.TimerFired: None,  # the task it files is the news
    ev.IssueStatusWritten: None,
    ev.PullRequestOpened: PROGRESS,
    ev.PullRequestReviewed: PROGRESS,
    ev.SessionRebased: None,
    ev.RebaseConflicted: PROGRESS,
    ev.ConflictPredicted: PROGRESS,
    ev.ConflictCleared: None,
    # attention itself: never classified again, or it would feed on itself
    ev.DiffMeasured: None,
    ev.StallDetected: WASTING,
    ev.StallCleared: PROGRESS,
    ev.NotificationRaised: None,
    ev.NotificationWithdrawn: None,
    ev.NotificationsReleased: None,
    ev.DigestPublished: None,
    ev.FocusChanged: None,
    # the manager agent: what it decided alone is news (with its overrule); what it
    # escalates reaches the human as the decision it holds
    ev.ManagerAgentReady: None,
    ev.ManagerTold: None,  # the human's own doing
    ev.ManagerTurnStarted: None,
    ev.ManagerPrompted: None,
    ev.ManagerActed: _manager_act,
    ev.ManagerEscalated: None,
    ev.ManagerNoted: PROGRESS,
    ev.ManagerOverruled: None,  # the human's own doing
    ev.ManagerTurnFinished: None,
    # delegation and steering
    ev.TaskSplit: _by_manager,
    ev.SubTasksLanded: PROGRESS,
    ev.SessionSteered: _by_manager,
    ev.SteerReceived: None,  # the worker's own bookkeeping
    ev.TaskPrioritised: _by_manager,
    ev.SubTaskDropped: _by_manager,
    # review threads and rounds: the review itself is the news
    ev.ThreadOpened: None,
    ev.ThreadReplied: None,
    ev.ThreadResolved: None,
    ev.FileViewed: None,
    ev.RoundCompared: None,
    # push: deliveries and presence; a channel down shows in the inbox by itself
    ev.PresenceReported: None,
    ev.PushHeld: None,
    ev.PushDropped: None,
    ev.PushSent: None,
    ev.PushFailed: None,
    ev.PushChannelDown: None,
    ev.PushChannelRecovered: None,
    # a session's environment and preview: a failure is news, the rest is on the review
    ev.PortsReserved: None,
    ev.EnvironmentReleased: None,
    ev.TeardownRan: _teardown,
    ev.PreviewRequested: None,
    ev.PreviewStarted: None,
    ev.PreviewReady: None,
    ev.PreviewFailed: PROGRESS,
    ev.PreviewStopped: None,
    ev.ScreenshotsTaken: None,
    ev.ClusterUnreachable: PROGRESS,  # the inbox item is what asks for attention
    ev.ClusterReached: PROGRESS,
    ev.SessionPlaced: None,
    ev.SessionCheckpointed: None,
    ev.WorkBroughtBack: None,
}


def classify(event: ev.Event) -> Kind | None:
    """The one kind `event` is, or None. A type missing from the table is a bug: KeyError."""
    rule = TABLE[type(event)]
    if rule is None or isinstance(rule, str):
        return rule
    return rule(event)
