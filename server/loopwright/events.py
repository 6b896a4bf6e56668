"""Every fact Loopwright knows, as one tagged union of immutable msgspec Structs.

Names are past-tense facts. The store stamps each event with a sequence number and a
time (see `Record`); events themselves carry only what happened. Events never hold
secrets: workers report command output only after `workspace.sandbox` has scrubbed the
environment, and nothing here stores configuration values.
"""

from __future__ import annotations

from typing import Literal

import msgspec


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Base of every event; `type` is the tag written to the log."""


# --- the manager process ---------------------------------------------------------


class ManagerStarted(_Event, frozen=True, tag="manager_started"):
    pid: int
    host: str
    version: str


class ManagerStopped(_Event, frozen=True, tag="manager_stopped"):
    pid: int
    reason: str = ""


class ConfigReloaded(_Event, frozen=True, tag="config_reloaded"):
    """The running manager read `config.toml` again: the dotted keys that changed, those
    now in force, and those that wait for a restart (the old value stays until then)."""

    changed: tuple[str, ...]
    applied: tuple[str, ...] = ()
    needs_restart: tuple[str, ...] = ()


class ConfigRefused(_Event, frozen=True, tag="config_refused"):
    """An edit of `config.toml` does not load; the last good configuration stays."""

    error: str


# --- intake and triage -----------------------------------------------------------

TaskSource = Literal["inbox", "cli", "lsp", "github", "build", "timer", "demo", "answer"]


class TaskFiled(_Event, frozen=True, tag="task_filed"):
    task_id: str
    title: str
    body: str
    source: TaskSource
    labels: tuple[str, ...] = ()
    priority: int = 0
    backend: str = ""
    origin: str = ""  # where it came from: a path, a URL, "cli"


class IntakeRefused(_Event, frozen=True, tag="intake_refused"):
    """A would-be task could not be read; the input is kept at `kept_at`."""

    source: TaskSource
    origin: str
    error: str
    kept_at: str = ""


class TaskAccepted(_Event, frozen=True, tag="task_accepted"):
    task_id: str
    reason: str = ""


class TaskDeclined(_Event, frozen=True, tag="task_declined"):
    task_id: str
    reason: str


class TriageRetried(_Event, frozen=True, tag="triage_retried"):
    """Triage's model call failed in a way worth another try; it waits, then tries
    again. `attempt` is the try about to be made, of `attempts` at most."""

    task_id: str
    attempt: int
    attempts: int
    failure: str  # the kind: overloaded, rate_limited, server_error, stalled, ...
    detail: str = ""
    wait_seconds: float = 0.0


class RefusalDismissed(_Event, frozen=True, tag="refusal_dismissed"):
    """The human has seen that an inbox file was refused: it leaves the inbox (the file
    stays where it was kept)."""

    origin: str
    by: str = "human"


class TaskCancelled(_Event, frozen=True, tag="task_cancelled"):
    """The human cancelled a task no session works on (pending or declined): it leaves
    the inbox and nothing more is done about it."""

    task_id: str
    by: str = "human"
    reason: str = ""


class TaskOverruled(_Event, frozen=True, tag="task_overruled"):
    """The human overruled a decline: the task is accepted."""

    task_id: str
    by: str = "human"


# --- sessions --------------------------------------------------------------------


class SessionQueued(_Event, frozen=True, tag="session_queued"):
    session_id: str
    task_id: str
    name: str
    branch: str
    backend: str
    attempt: int = 1
    note: str = ""  # instructions carried over from a retry or request-changes


class SessionStarted(_Event, frozen=True, tag="session_started"):
    session_id: str
    worktree: str
    base_commit: str
    target_branch: str


class SessionResumed(_Event, frozen=True, tag="session_resumed"):
    """A session picked up again after its worker stopped (restart, or changes asked)."""

    session_id: str
    reason: str
    note: str = ""


class WorkerActed(_Event, frozen=True, tag="worker_acted"):
    """One step a worker took (wrote a file, ran a command, ...); `step` counts from 0."""

    session_id: str
    step: int
    action: str
    detail: str = ""


class WorkerProgressed(_Event, frozen=True, tag="worker_progressed"):
    session_id: str
    message: str
    step: int | None = None  # set when the progress report is itself a recorded step


class CommandRan(_Event, frozen=True, tag="command_ran"):
    session_id: str
    command: str
    exit_code: int
    output_tail: str
    seconds: float
    timed_out: bool = False


class FilesCopiedIn(_Event, frozen=True, tag="files_copied_in"):
    """`[environment] copy`: what the manager copied into a session's worktree, and what
    it left out and why (`".env: missing in the checkout"`)."""
    session_id: str
    copied: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


class SetupRan(_Event, frozen=True, tag="setup_ran"):
    """One `[environment] setup` command, run in the worktree before the worker starts."""
    session_id: str
    command: str
    exit_code: int
    output_tail: str
    seconds: float
    timed_out: bool = False


class SetupSkipped(_Event, frozen=True, tag="setup_skipped"):
    """A resumed session's setup command that already succeeded, not run again."""
    session_id: str
    command: str


class WorkerFinished(_Event, frozen=True, tag="worker_finished"):
    session_id: str
    summary: str
    head_commit: str


class WorkerFailed(_Event, frozen=True, tag="worker_failed"):
    session_id: str
    reason: str


class SessionKilled(_Event, frozen=True, tag="session_killed"):
    session_id: str
    by: str = "human"
    reason: str = ""


class SessionRetried(_Event, frozen=True, tag="session_retried"):
    """The human asked for another attempt; a new session is queued for the same task."""

    session_id: str
    by: str = "human"


# --- agents: the built-in tool-use loop (workers.claude, triage, reviewer) ------------


class ModelPrompted(_Event, frozen=True, tag="model_prompted"):
    """The user side of a worker's conversation grew by one message. With `restart`, the
    conversation starts over from this message (a summary replaced what came before)."""

    session_id: str
    content: str  # the message's content blocks, compact JSON
    kind: Literal["task", "tool_results", "note", "nudge", "summary"] = "tool_results"
    restart: bool = False
    seconds: float = 0.0  # what the tools took, not counting waits on the human
    notes_seen: int = 0  # request-changes notes the conversation has had, this one included


class ModelReplied(_Event, frozen=True, tag="model_replied"):
    """A model answered one of an agent's requests; what it said (a worker's turns only)
    and what it cost. Triage replies carry the task and no session."""

    agent: Literal["worker", "reviewer", "triage", "manager"]
    model: str
    session_id: str = ""
    task_id: str = ""
    content: str = ""  # the reply's content blocks, compact JSON
    stop_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0  # the call, retries included


class BudgetExceeded(_Event, frozen=True, tag="budget_exceeded"):
    """A session crossed one of its budgets; it waits for the human to say go on or stop."""

    session_id: str
    reason: str


class BudgetExtended(_Event, frozen=True, tag="budget_extended"):
    """The human let an over-budget session go on, with another budget's worth."""

    session_id: str
    by: str = "human"


# --- decisions -------------------------------------------------------------------


class DecisionAsked(_Event, frozen=True, tag="decision_asked"):
    decision_id: str
    question: str
    options: tuple[str, ...] = ()
    default: str = ""
    blocking: bool = False
    session_id: str = ""  # empty when the manager asks about a task
    task_id: str = ""


class DecisionAnswered(_Event, frozen=True, tag="decision_answered"):
    decision_id: str
    answer: str
    by: str = "human"


# --- checks, review and the gate ---------------------------------------------------


class ChecksStarted(_Event, frozen=True, tag="checks_started"):
    session_id: str
    command: str
    on_merge: bool = False  # checks of the merged result, while landing


class ChecksFinished(_Event, frozen=True, tag="checks_finished"):
    session_id: str
    command: str
    passed: bool
    exit_code: int
    output_tail: str
    seconds: float
    timed_out: bool = False
    on_merge: bool = False


class Hunk(msgspec.Struct, frozen=True, kw_only=True):
    hunk_id: str
    path: str
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    header: str
    added: int
    removed: int


class ReviewComment(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    line: int
    body: str


class ReviewPrepared(_Event, frozen=True, tag="review_prepared"):
    """The change is ready: its hunks, and what the reviewer agent (if any) said."""

    session_id: str
    head_commit: str
    base_commit: str
    files: tuple[str, ...]
    hunks: tuple[Hunk, ...]
    added: int
    removed: int
    reviewer: str = ""  # empty: no reviewer agent configured
    reviewer_verdict: Literal["approve", "request_changes", ""] = ""
    reviewer_summary: str = ""
    comments: tuple[ReviewComment, ...] = ()
    binary_files: tuple[str, ...] = ()  # counted apart: they have no lines
    new_files: tuple[str, ...] = ()


class GateDecided(_Event, frozen=True, tag="gate_decided"):
    session_id: str
    auto_land: bool
    reasons: tuple[str, ...]  # why it needs a human (empty when auto_land)


class HunkJudged(_Event, frozen=True, tag="hunk_judged"):
    session_id: str
    hunk_id: str
    verdict: Literal["accept", "reject", "comment"]
    comment: str = ""
    by: str = "human"


class ChangeApproved(_Event, frozen=True, tag="change_approved"):
    session_id: str
    by: str = "human"


class ChangesRequested(_Event, frozen=True, tag="changes_requested"):
    session_id: str
    note: str
    by: str = "human"


class ChangeRejected(_Event, frozen=True, tag="change_rejected"):
    session_id: str
    why: str = ""
    by: str = "human"


class NothingChanged(_Event, frozen=True, tag="nothing_changed"):
    """The worker finished without changing anything: the session ends, nothing lands."""

    session_id: str
    reason: str = "the worker changed nothing"


# --- landing ---------------------------------------------------------------------


class LandingStarted(_Event, frozen=True, tag="landing_started"):
    session_id: str
    target_branch: str


class LandingBlocked(_Event, frozen=True, tag="landing_blocked"):
    """Landing waits: it will try again by itself once the reason is gone. The merge
    that waits to become the target's tip, and the tip it was prepared on, ride along
    so the retry moves the target without merging again."""

    session_id: str
    reason: str
    merged_commit: str = ""
    target_commit: str = ""


class LandingRaced(_Event, frozen=True, tag="landing_raced"):
    """The target moved on (to `target_commit`) while this landing merged and checked:
    the merge is prepared again on the new tip."""

    session_id: str
    target_commit: str


class LandingFailed(_Event, frozen=True, tag="landing_failed"):
    session_id: str
    reason: str


class ChangeLanded(_Event, frozen=True, tag="change_landed"):
    session_id: str
    target_branch: str
    commit: str


class WorktreeRemoved(_Event, frozen=True, tag="worktree_removed"):
    session_id: str
    path: str
    # The branch deleted with it and its last commit: `git branch <branch> <commit>`
    # brings it back. Empty when the branch was kept (or had landed).
    branch_deleted: str = ""
    branch_commit: str = ""


# --- the world wakes the loop: builds, timers, GitHub, parallel sessions -------------


class BuildChecked(_Event, frozen=True, tag="build_checked"):
    """The checks ran on the target branch itself, after a landing or on a schedule.
    `task_id` is the task filed because this check found a new breakage."""

    target_branch: str
    commit: str
    passed: bool
    command: str
    output_tail: str
    seconds: float
    timed_out: bool = False
    why: Literal["landing", "schedule", "start"] = "schedule"
    task_id: str = ""


class TimerArmed(_Event, frozen=True, tag="timer_armed"):
    """A configured timer was first seen (or its schedule changed): an `every` timer
    counts its periods from here, and runs missed while the manager was down count
    from its last run, or from here."""

    timer: str
    schedule: str


class TimerFired(_Event, frozen=True, tag="timer_fired"):
    """A timer came due: it filed `task_id`, or says why it skipped this run."""

    timer: str
    due_at: float
    task_id: str = ""
    missed: int = 0  # earlier runs that fell due while the manager was not running
    skipped: str = ""


class IssueStatusWritten(_Event, frozen=True, tag="issue_status_written"):
    """Loopwright told the GitHub issue behind a task how it stands (comment, label)."""

    task_id: str
    status: str
    url: str = ""  # the comment's address


class PullRequestOpened(_Event, frozen=True, tag="pull_request_opened"):
    """Landing mode `pull-request`: the session's branch was pushed and a PR opened."""

    session_id: str
    number: int
    url: str
    branch: str


class PullRequestReviewed(_Event, frozen=True, tag="pull_request_reviewed"):
    """A review of the session's pull request asked for changes: the note goes back to
    the worker as its next instruction."""

    session_id: str
    review_id: int
    note: str
    by: str = ""


class SessionRebased(_Event, frozen=True, tag="session_rebased"):
    """The target moved; the session's work now sits on its new tip."""

    session_id: str
    onto: str
    base_commit: str
    head_commit: str


class RebaseConflicted(_Event, frozen=True, tag="rebase_conflicted"):
    """The target moved and the session's work no longer applies cleanly on it; the
    worker is told through its next instruction."""

    session_id: str
    onto: str
    paths: tuple[str, ...]


class ConflictPredicted(_Event, frozen=True, tag="conflict_predicted"):
    """Two live sessions change the same files; `textual` when git could not merge
    their changes as they stand."""

    sessions: tuple[str, ...]
    paths: tuple[str, ...]
    textual: bool = False


class ConflictCleared(_Event, frozen=True, tag="conflict_cleared"):
    """Sessions once predicted to conflict no longer overlap (or one has ended)."""

    sessions: tuple[str, ...]


# --- attention: stalls, notifications, the digest, focus -------------------------------

AttentionKind = Literal["needs_decision", "needs_review", "progress", "wasting_time"]
StallSignal = Literal["no_diff_change", "failing_check", "repeated_call", "cost_per_line",
                      "silent"]


class DiffMeasured(_Event, frozen=True, tag="diff_measured"):
    """The supervisor looked at a running session's worktree and its work in progress
    (changes against the worktree's HEAD, untracked files included) had changed."""

    session_id: str
    fingerprint: str
    files: int
    added: int
    removed: int


class StallDetected(_Event, frozen=True, tag="stall_detected"):
    """A session is likely wasting time. `onset_at` is when the condition began; the
    proposal is put to the human as decision `decision_id`, unless policy `killed` it."""

    session_id: str
    signal: StallSignal
    evidence: str
    onset_at: float
    proposal: Literal["kill", "redirect"]
    decision_id: str = ""
    killed: bool = False


class StallCleared(_Event, frozen=True, tag="stall_cleared"):
    """The stalled session moved again, or the human said to let it run."""

    session_id: str
    reason: str


class NotificationRaised(_Event, frozen=True, tag="notification_raised"):
    """Something for the human. One is open per `key` (a session, or a task): a newer one
    `replaces` the open one. `interrupt`: front ends pop it up now; `held`: it would, but
    focus or quiet hours hold it until they end."""

    notification_id: str
    kind: AttentionKind
    key: str
    title: str
    detail: str = ""
    session_id: str = ""
    ref: str = ""  # what to act on: a decision id or a session id
    options: tuple[str, ...] = ()
    interrupt: bool = False
    held: bool = False
    replaces: str = ""
    cause_seq: int = 0  # the record that called for it


class NotificationWithdrawn(_Event, frozen=True, tag="notification_withdrawn"):
    """It no longer applies (answered anywhere, reviewed, the session ended): every front
    end takes it down."""

    notification_id: str
    reason: str


class NotificationsReleased(_Event, frozen=True, tag="notifications_released"):
    """Focus or quiet hours ended: what they held arrives as one batch."""

    notification_ids: tuple[str, ...]
    summary: str


class DigestPublished(_Event, frozen=True, tag="digest_published"):
    """The progress since the last digest, as lines; records `since_seq` < seq <= `until_seq`."""

    since_seq: int
    until_seq: int
    lines: tuple[str, ...]
    by: str = "loopwright"


class FocusChanged(_Event, frozen=True, tag="focus_changed"):
    """Focus mode on or off; while on, interruptions are held. `until` 0: until turned off."""

    on: bool
    until: float = 0.0
    by: str = "human"


# --- the manager agent: its thread, turns and acts (docs/manager.md) -----------------

ManagerWakeReason = Literal["task_filed", "worker_question", "stall", "failing_checks",
                            "verdict", "broken_build", "told", "answered", "round"]
ManagerActOutcome = Literal["done", "refused", "escalated", "read"]


class ManagerWake(msgspec.Struct, frozen=True, kw_only=True):
    """Why the manager looked: a reason, what it is about (a task, session or decision
    id), and the record that woke it (0 for a round)."""

    reason: ManagerWakeReason
    ref: str = ""
    seq: int = 0


class ManagerAgentReady(_Event, frozen=True, tag="manager_agent_ready"):
    """The manager agent runs beside the loop, deciding `decides` alone; until the
    manager stops, workers' questions go to it before they reach the human."""

    agent: str
    model: str
    decides: tuple[str, ...] = ()


class ManagerTold(_Event, frozen=True, tag="manager_told"):
    """A message to the manager, from the CLI, the editor or any front end."""

    message_id: str
    text: str
    by: str = "human"


class ManagerTurnStarted(_Event, frozen=True, tag="manager_turn_started"):
    """The manager took a turn for these wakes: every record up to `until_seq` has
    been seen by it."""

    turn: int
    wakes: tuple[ManagerWake, ...]
    until_seq: int


class ManagerPrompted(_Event, frozen=True, tag="manager_prompted"):
    """The user side of the manager's conversation grew by one message (what woke it,
    or its tools' results). With `restart`, the conversation starts over from here (a
    summary the loop wrote from the log replaced what came before)."""

    turn: int
    content: str  # content blocks, compact JSON
    kind: Literal["wake", "tool_results", "summary"] = "wake"
    restart: bool = False


class ManagerActed(_Event, frozen=True, tag="manager_acted"):
    """One tool call of the manager, carried out (or refused) once: keyed by its turn
    and the call's id, recorded in the same transaction as what it did."""

    act_id: str  # `m<turn>.<n>`
    turn: int
    call_id: str
    tool: str
    input: str  # the call's input, compact JSON
    outcome: ManagerActOutcome
    result: str  # what the model is told
    session_id: str = ""
    task_id: str = ""
    decision_id: str = ""


class ManagerEscalated(_Event, frozen=True, tag="manager_escalated"):
    """The manager put a question to the human, with its recommendation; the default
    stays in force until answered. `decision_id` is a worker's question it could not
    answer, or the manager's own (a `DecisionAsked` in the same transaction)."""

    act_id: str
    decision_id: str
    recommendation: str = ""
    why: str = ""


class ManagerNoted(_Event, frozen=True, tag="manager_noted"):
    """The manager remembered this in the project's notes (`.loopwright/notes.md`)."""

    act_id: str
    text: str


class ManagerOverruled(_Event, frozen=True, tag="manager_overruled"):
    """A human overruled a decision the manager took alone."""

    act_id: str
    by: str = "human"
    answer: str = ""
    why: str = ""


class ManagerTurnFinished(_Event, frozen=True, tag="manager_turn_finished"):
    turn: int
    acts: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    stop: str = ""  # why it ended: `end_turn`, `max_calls`, `model_failed: ...`
# --- delegation and steering: split a task, steer a session, set a priority ------------


class SubTask(msgspec.Struct, frozen=True, kw_only=True):
    """One sub-task of a `TaskSplit` (not an event): it becomes a task of its own."""

    task_id: str
    title: str
    body: str = ""
    depends_on: tuple[str, ...] = ()  # task ids of other sub-tasks of the same split
    labels: tuple[str, ...] = ()
    priority: int = 0
    backend: str = ""


class TaskSplit(_Event, frozen=True, tag="task_split"):
    """A task was split into sub-tasks: each starts once those it depends on are done;
    the task itself is never run, and is done when every sub-task is."""

    task_id: str
    children: tuple[SubTask, ...]
    by: str = "human"
    reason: str = ""


class SubTasksLanded(_Event, frozen=True, tag="sub_tasks_landed"):
    """Every sub-task of a split task is done (or dropped): the task is done too."""

    task_id: str


class SessionSteered(_Event, frozen=True, tag="session_steered"):
    """A note for a session's worker, which it receives at its next turn."""

    session_id: str
    note: str
    by: str = "human"


class SteerReceived(_Event, frozen=True, tag="steer_received"):
    """The worker took the session's `steer`-th note (from 1): as its step `step`, or
    (None) in its agent's conversation."""

    session_id: str
    steer: int
    step: int | None = None


class SubTaskDropped(_Event, frozen=True, tag="sub_task_dropped"):
    """A sub-task no session works on was called off: what depended on it goes ahead
    without it, and its task no longer waits for it."""

    task_id: str
    by: str = "human"
    reason: str = ""


class TaskPrioritised(_Event, frozen=True, tag="task_prioritised"):
    """A task's priority (and its sub-tasks') set: the queue starts higher first."""

    task_id: str
    priority: int
    by: str = "human"
    reason: str = ""
# --- review threads, rounds and viewed marks (issue 14) ----------------------------


class ThreadOpened(_Event, frozen=True, tag="thread_opened"):
    """A comment thread on a line of a session's change (the human's; the reviewer
    agent's comments become threads when their review is prepared). `line` is 1-based on
    `side` of the current review."""

    session_id: str
    thread_id: str
    path: str
    line: int
    body: str
    side: Literal["head", "base"] = "head"
    by: str = "human"


class ThreadReplied(_Event, frozen=True, tag="thread_replied"):
    """A reply in a thread: the human's, or the worker's answer after changes were
    requested (`by` "worker")."""

    session_id: str
    thread_id: str
    body: str
    by: str = "human"


class ThreadResolved(_Event, frozen=True, tag="thread_resolved"):
    """A thread resolved (or reopened, `resolved` false). Resolved threads do not go
    back to the worker."""

    session_id: str
    thread_id: str
    resolved: bool = True
    by: str = "human"


class FileViewed(_Event, frozen=True, tag="file_viewed"):
    """A changed file marked viewed (or not) in the session's current review round."""

    session_id: str
    path: str
    viewed: bool = True
    by: str = "human"


class RoundCompared(_Event, frozen=True, tag="round_compared"):
    """What changed between the last review's head and the next one's, as zero-context
    hunks: threads move through it, changed files become unviewed. Appended with the
    next `ReviewPrepared`, just before it."""

    session_id: str
    from_commit: str
    to_commit: str
    files: tuple[str, ...]
    hunks: tuple[Hunk, ...]
# --- push: interruptions sent to the phone (ntfy), and the human's presence ------------


class PresenceReported(_Event, frozen=True, tag="presence_reported"):
    """A front end says the human is active on it now (`active`), or has left it: while
    they were active in the last minute, a push waits `[push] hold_seconds` first."""

    active: bool
    by: str = "editor"


class PushHeld(_Event, frozen=True, tag="push_held"):
    """The push of notification `notification_id` waits `seconds`: the human is active
    in the editor and may answer there first."""

    notification_id: str
    seconds: float
    reason: str


class PushDropped(_Event, frozen=True, tag="push_dropped"):
    """The push of a notification was not sent (or not retried): the item was answered
    or withdrawn meanwhile."""

    notification_id: str
    reason: str


class PushSent(_Event, frozen=True, tag="push_sent"):
    """The channel took the push of `notification_id` (`attempt` 1, or a retry)."""

    notification_id: str
    channel: str
    attempt: int
    status: int  # the HTTP status the server answered


class PushFailed(_Event, frozen=True, tag="push_failed"):
    """The channel did not take it: `status` is the HTTP status (0: no answer, `error`
    says why); retried after `retry_in` seconds (0: not retried)."""

    notification_id: str
    channel: str
    attempt: int
    status: int
    error: str
    retry_in: float


class PushChannelDown(_Event, frozen=True, tag="push_channel_down"):
    """Every delivery on `channel` failed for `outage_seconds` or more since `since`: it
    shows in the inbox until a delivery gets through."""

    channel: str
    since: float
    error: str


class PushChannelRecovered(_Event, frozen=True, tag="push_channel_recovered"):
    """A delivery on a channel that was down got through."""

    channel: str
    down_seconds: float
# --- a session's environment and its preview (issue 15) ------------------------------


class PortsReserved(_Event, frozen=True, tag="ports_reserved"):
    """`[environment] ports`: the session's own free ports, held until it ends (a
    restart keeps them: the fold holds every live session's)."""
    session_id: str
    ports: tuple[int, ...]


class EnvironmentReleased(_Event, frozen=True, tag="environment_released"):
    """The ended session's teardown is done and its ports are free for others."""
    session_id: str
    ports: tuple[int, ...] = ()


class TeardownRan(_Event, frozen=True, tag="teardown_ran"):
    """One `[environment] teardown` command, run once the session ended."""
    session_id: str
    command: str
    exit_code: int
    output_tail: str
    seconds: float
    timed_out: bool = False


class PreviewRequested(_Event, frozen=True, tag="preview_requested"):
    """A human asked for the session's preview (`loopwright preview`, the editor)."""
    session_id: str
    by: str = "human"


class PreviewStarted(_Event, frozen=True, tag="preview_started"):
    session_id: str
    url: str
    command: str
    head_commit: str = ""  # the change it serves
    display: Literal["none", "vnc"] = "none"


class PreviewReady(_Event, frozen=True, tag="preview_ready"):
    """The preview answers at its URL, `seconds` after it was started."""
    session_id: str
    url: str
    seconds: float


class PreviewFailed(_Event, frozen=True, tag="preview_failed"):
    """The preview exited, or never answered within `[preview] ready_seconds`."""
    session_id: str
    reason: str
    output_tail: str = ""


class PreviewStopped(_Event, frozen=True, tag="preview_stopped"):
    session_id: str
    reason: str  # "landed", "rejected", "idle for 30 min", "the manager stopped"
    # When idle: the last ask the preview had seen. A later ask in the log came while it
    # was stopping, and starts it again (manager/environment_decide.py).
    idle_since: float = 0.0


class Screenshot(msgspec.Struct, frozen=True, kw_only=True):
    """One page, after (the session's build) and before (the target's), as PNG files
    under `.loopwright/previews/`; "" when that side could not be taken."""
    page: str
    after: str
    before: str = ""


class ScreenshotsTaken(_Event, frozen=True, tag="screenshots_taken"):
    session_id: str
    head_commit: str
    shots: tuple[Screenshot, ...]
    problems: tuple[str, ...] = ()  # what could not be taken, and why
# --- compute: the Ray cluster (docs/cluster.md) ------------------------------------


class ClusterUnreachable(_Event, frozen=True, tag="cluster_unreachable"):
    """The cluster in `[compute]` could not be reached (or was lost); work meant for it
    waits, or runs here under `fallback = "local"`."""

    address: str
    error: str
    waiting: int = 0  # how many runs wait for it


class ClusterReached(_Event, frozen=True, tag="cluster_reached"):
    address: str
    nodes: int
    cpus: float


class SessionPlaced(_Event, frozen=True, tag="session_placed"):
    """A session's worker went to a cluster node; nothing of it is on this machine until
    its work comes back (`WorkBroughtBack`)."""

    session_id: str
    node: str


class SessionCheckpointed(_Event, frozen=True, tag="session_checkpointed"):
    """The node sent the session's tree back as `commit` after `steps` steps (kept under
    refs/loopwright/checkpoints/): a lost node resumes from here."""

    session_id: str
    commit: str
    steps: int


class WorkBroughtBack(_Event, frozen=True, tag="work_brought_back"):
    """A session's work came back from its node onto its branch, checked out here."""

    session_id: str
    worktree: str
    commit: str


Event = (
    ManagerStarted
    | ManagerStopped
    | ConfigReloaded
    | ConfigRefused
    | TaskFiled
    | IntakeRefused
    | TaskAccepted
    | TaskDeclined
    | TaskOverruled
    | TaskCancelled
    | RefusalDismissed
    | TriageRetried
    | SessionQueued
    | SessionStarted
    | SessionResumed
    | WorkerActed
    | WorkerProgressed
    | CommandRan
    | FilesCopiedIn
    | SetupRan
    | SetupSkipped
    | WorkerFinished
    | WorkerFailed
    | SessionKilled
    | SessionRetried
    | ModelPrompted
    | ModelReplied
    | BudgetExceeded
    | BudgetExtended
    | DecisionAsked
    | DecisionAnswered
    | ChecksStarted
    | ChecksFinished
    | ReviewPrepared
    | GateDecided
    | HunkJudged
    | ChangeApproved
    | ChangesRequested
    | ChangeRejected
    | NothingChanged
    | LandingStarted
    | LandingBlocked
    | LandingRaced
    | LandingFailed
    | ChangeLanded
    | WorktreeRemoved
    | BuildChecked
    | TimerArmed
    | TimerFired
    | IssueStatusWritten
    | PullRequestOpened
    | PullRequestReviewed
    | SessionRebased
    | RebaseConflicted
    | ConflictPredicted
    | ConflictCleared
    | DiffMeasured
    | StallDetected
    | StallCleared
    | NotificationRaised
    | NotificationWithdrawn
    | NotificationsReleased
    | DigestPublished
    | FocusChanged
    | ManagerAgentReady
    | ManagerTold
    | ManagerTurnStarted
    | ManagerPrompted
    | ManagerActed
    | ManagerEscalated
    | ManagerNoted
    | ManagerOverruled
    | ManagerTurnFinished
    | TaskSplit
    | SubTasksLanded
    | SessionSteered
    | SteerReceived
    | TaskPrioritised
    | SubTaskDropped
    | ThreadOpened
    | ThreadReplied
    | ThreadResolved
    | FileViewed
    | RoundCompared
    | PresenceReported
    | PushHeld
    | PushDropped
    | PushSent
    | PushFailed
    | PushChannelDown
    | PushChannelRecovered
    | PortsReserved
    | EnvironmentReleased
    | TeardownRan
    | PreviewRequested
    | PreviewStarted
    | PreviewReady
    | PreviewFailed
    | PreviewStopped
    | ScreenshotsTaken
    | ClusterUnreachable
    | ClusterReached
    | SessionPlaced
    | SessionCheckpointed
    | WorkBroughtBack
)

EVENT_TYPES: tuple[type[_Event], ...] = Event.__args__

# Events that only a human (through any front end) appends; the manager consumes them.
HUMAN_EVENTS: tuple[type[_Event], ...] = (
    DecisionAnswered,
    HunkJudged,
    ChangeApproved,
    ChangesRequested,
    ChangeRejected,
    SessionKilled,
    SessionRetried,
    TaskOverruled,
    FocusChanged,
    ManagerTold,
    ManagerOverruled,
    ThreadOpened,
    ThreadResolved,
    FileViewed,
    PresenceReported,
    PreviewRequested,
)


class Record(msgspec.Struct, frozen=True):
    """An event as stored: its place in the log and when it was appended (Unix time)."""

    seq: int
    at: float
    event: Event


def tag_of(event: Event | type[_Event]) -> str:
    cls = event if isinstance(event, type) else type(event)
    tag = cls.__struct_config__.tag
    assert isinstance(tag, str)
    return tag


_encoder = msgspec.json.Encoder()
_decoder: msgspec.json.Decoder[Event] = msgspec.json.Decoder(Event)


def encode(event: Event) -> bytes:
    return _encoder.encode(event)


def decode(data: bytes) -> Event:
    return _decoder.decode(data)


_list_decoder: msgspec.json.Decoder[list[Event]] = msgspec.json.Decoder(list[Event])


def decode_many(data: bytes) -> list[Event]:
    """Decode a JSON array of events."""
    return _list_decoder.decode(data)


_record_encoder = msgspec.json.Encoder()


def encode_record(record: Record) -> bytes:
    return _record_encoder.encode(record)
