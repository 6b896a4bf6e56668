"""Read-only views of the state that every front end shows: status, inbox, log lines."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from .. import events as ev
from .. import state_parts
from ..state import TERMINAL, Session, SessionState, State
from . import agent as agent_views
from . import delegation as delegation_views
from . import manager as manager_views
from . import preview as preview_views
from . import push as push_views
from . import review as review_views
from . import thread as thread_views
from . import world as world_views
from .preview import PreviewView, preview_view

InboxKind = Literal["decision", "review", "landing_blocked", "failed", "declined",
                    "pull_request", "conflict", "config", "refused", "channel", "cluster"]
D = msgspec.Meta  # a field's description: the protocol's doc tables are made of them


class InboxItem(msgspec.Struct, kw_only=True, rename="camel"):
    """Something that waits on the human, as every front end shows it."""

    kind: Annotated[InboxKind, D(description="what waits: a question, a change to review, "
                                             "a blocked landing, a failure, a declined task, "
                                             "a pull request, a conflict, a config.toml edit "
                                             "that did not apply, an inbox file that "
                                             "could not become a task, a push channel "
                                             "that keeps failing, a compute cluster that "
                                             "cannot be reached")]
    ref: Annotated[str, D(description="the decision id for a decision, the task id for a "
                                      "declined task, else the session id: what to pass "
                                      "to the CLI command or request")]
    title: Annotated[str, D(description="the question, or the task's title")]
    detail: Annotated[str, D(description="one line on why it waits")]
    since: Annotated[float, D(description="when it started waiting")]
    session_id: Annotated[str, D(description='the session it is about; `""` for declined '
                                             "tasks")] = ""
    session_name: Annotated[str, D(description="that session's name")] = ""
    options: Annotated[tuple[str, ...], D(description="a decision's choices; empty means "
                                                      "free text")] = ()
    actions: Annotated[tuple[str, ...], D(description="the CLI verbs that apply: `answer`, "
                                                      "`approve`, `request-changes`, "
                                                      "`reject`, `kill`, `retry`, `diff`, "
                                                      "`overrule`, `cancel`, `dismiss`")] = ()
    preview: Annotated[PreviewView | None, D(description="a change's running build and "
                                                         "its screenshots, when "
                                                         "`[preview]` is set")] = None


class SessionRow(msgspec.Struct, kw_only=True, rename="camel"):
    """One session, as the CLI's status, the editor's Sessions view and the report show it."""

    session_id: Annotated[str, D(description="the session's id")]
    name: Annotated[str, D(description="unique and readable")]
    task_id: Annotated[str, D(description="the task it works on")]
    title: Annotated[str, D(description="the task's title")]
    group: Annotated[str, D(description="the task's first label, else the id of the "
                                        "task it is part of (the top of its split "
                                        "tree; for grouping)")]
    labels: Annotated[tuple[str, ...], D(description="the task's labels")]
    state: Annotated[str, D(description="`queued` `running` `waiting` `checking` "
                                        "`reviewing` `awaiting_approval` `landing` "
                                        "`landed` `no_change` `failed` `rejected` "
                                        "`killed`")]
    health: Annotated[str, D(description="`ok` `stalled` `over_budget`")]
    backend: Annotated[str, D(description="the worker backend")]
    branch: Annotated[str, D(description="the session's git branch")]
    attempt: Annotated[int, D(description="1 for the first attempt at a task")]
    last_message: Annotated[str, D(description="the worker's last step or progress "
                                               "message")]
    queued_at: Annotated[float, D(description="when it was queued")]
    started_at: Annotated[float | None, D(description="when its worker started")]
    ended_at: Annotated[float | None, D(description="when it ended (terminal states)")]
    changed_at: Annotated[float, D(description="when its state last changed")]
    elapsed_seconds: Annotated[float, D(description="when the row was made: from start (or "
                                                    "queueing) to end (or now); tick it "
                                                    "from there while it is not ended")]
    needs_you: Annotated[bool, D(description="an open decision, a review, a blocked "
                                             "landing, or an unretried failure")]
    has_review: Annotated[bool, D(description="the change is reviewable")]
    added: Annotated[int, D(description="lines added, once reviewable")]
    removed: Annotated[int, D(description="lines removed, once reviewable")]
    failure: Annotated[str, D(description="why it failed (failed sessions)")]
    landed_commit: Annotated[str, D(description="the target branch's commit once landed")]
    tokens: Annotated[int, D(description="what the session's agents used")]
    cost_usd: Annotated[float, D(description="their cost at the configured `[prices]`")]
    parent: Annotated[str, D(description="the task its task is a sub-task of; `\"\"` "
                                         "none")] = ""
    depends_on: Annotated[tuple[str, ...], D(description="the sibling tasks its task "
                                                         "waited on (all done before it "
                                                         "started)")] = ()
    steers_pending: Annotated[int, D(description="steering notes its worker has not "
                                                 "taken yet")] = 0
    node: Annotated[str, D(description="the cluster node its worker runs (or ran) on; "
                                       "empty on this machine")] = ""


def elapsed_seconds(s: Session, now: float) -> float:
    """The one rule: from start (or queueing) to end (or `now`), in tenths."""
    start = s.started_at or s.queued_at
    end = s.ended_at if s.state in TERMINAL and s.ended_at else now
    return round(max(0.0, end - start), 1)


def duration(seconds: float | None) -> str:
    """The one way a duration reads, everywhere: `4.2s`, `42s`, `7m05s`, `3h20m`."""
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{max(0.0, seconds):.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def needs_you(state: State, session_id: str) -> bool:
    s = state.sessions[session_id]
    if s.terminal:
        t = state.tasks[s.task_id]  # split, or dropped: nothing more comes of this task
        return (s.state == SessionState.FAILED and not s.retried and not t.children
                and t.verdict != "cancelled")
    return (s.state == SessionState.AWAITING_APPROVAL or bool(s.landing_blocked)
            or bool(state.open_decisions(session_id)))


def session_row(state: State, session_id: str, now: float) -> SessionRow:
    s = state.sessions[session_id]
    task = state.tasks[s.task_id]
    review = s.review
    root = task
    while root.parent and root.parent in state.tasks:
        root = state.tasks[root.parent]
    return SessionRow(
        session_id=s.session_id, name=s.name, task_id=s.task_id, title=task.title,
        group=task.labels[0] if task.labels else root.task_id, labels=task.labels,
        state=s.state.value, health=s.health.value, backend=s.backend, branch=s.branch,
        attempt=s.attempt, last_message=s.last_message, queued_at=s.queued_at,
        started_at=s.started_at, ended_at=s.ended_at, changed_at=s.changed_at,
        elapsed_seconds=elapsed_seconds(s, now), needs_you=needs_you(state, session_id),
        has_review=review is not None, added=review.added if review else 0,
        removed=review.removed if review else 0, failure=s.failure,
        landed_commit=s.landed_commit, tokens=s.tokens, cost_usd=round(s.cost_usd, 4),
        parent=task.parent, depends_on=task.depends_on,
        steers_pending=delegation_views.live_steers(state, session_id),
        node=s.node,
    )


def sessions(state: State, now: float, *, current: bool = False) -> list[SessionRow]:
    """Every session of `state`; `current`: only those live, ended within a day, or
    failed and not retried (what `status` and the editor show; state_parts.py)."""
    return [session_row(state, sid, now) for sid, s in state.sessions.items()
            if not current or state_parts.current(s, now)]


def tasks(state: State, now: float, *, current: bool = False) -> list[str]:
    """The ids of every task; `current`: those `status` and the editor show."""
    return [tid for tid, t in state.tasks.items()
            if not current or state_parts.current_task(state, t, now)]


def inbox(state: State) -> list[InboxItem]:
    """What needs the human, oldest first. Nothing that waits on them is left out."""
    items = [i for d in state.decisions.values() if (i := decision_item(state, d.decision_id))]
    items += [i for sid in state.sessions if (i := session_item(state, sid))]
    items += [i for tid in state.tasks if (i := task_item(state, tid))]
    items += other_items(state)
    items.sort(key=lambda i: i.since)
    return items


# The inbox item of one decision, session or task (None: it waits on nobody), and the
# rest (refused files, the world's, the manager's): what changed in a batch is found
# from the records' own ids, so a front end never rebuilds the inbox by scanning.

def decision_item(state: State, decision_id: str) -> InboxItem | None:
    d = state.decisions.get(decision_id)
    if d is None:
        return None
    s = state.sessions.get(d.session_id)
    t = state.tasks.get(d.task_id)
    if not d.open or (s is not None and s.terminal) or (t is not None and (
            t.verdict == "cancelled" or (t.children and s is None))):
        return None  # (triage's question about a task since split: nothing waits on it)
    detail = "blocked until answered" if d.blocking else f"working on: {d.default!r}"
    return InboxItem(
        kind="decision", ref=d.decision_id, title=d.question, detail=detail,
        since=d.asked_at, session_id=d.session_id, session_name=s.name if s else "",
        options=d.options, actions=("answer",),
    )


def session_item(state: State, session_id: str) -> InboxItem | None:
    s = state.sessions.get(session_id)
    if s is None:
        return None
    title = state.tasks[s.task_id].title
    if s.state == SessionState.AWAITING_APPROVAL and s.review is not None:
        r = s.review
        why = " ".join(s.gate_reasons) or "needs review"
        return InboxItem(
            kind="review", ref=s.session_id, session_id=s.session_id,
            session_name=s.name, title=title,
            detail=f"+{r.added} -{r.removed} in {len(r.files)} file(s); {why}",
            since=s.changed_at, actions=("approve", "request-changes", "reject"),
            preview=preview_view(s),
        )
    if s.state == SessionState.LANDING and s.landing_blocked:
        return InboxItem(
            kind="landing_blocked", ref=s.session_id, session_id=s.session_id,
            session_name=s.name, title=title, detail=s.landing_blocked,
            since=s.changed_at, actions=("kill",),
        )
    if (s.state == SessionState.FAILED and not s.retried
            and not state.tasks[s.task_id].children
            and state.tasks[s.task_id].verdict != "cancelled"):
        return InboxItem(
            kind="failed", ref=s.session_id, session_id=s.session_id,
            session_name=s.name, title=title, detail=s.failure, since=s.changed_at,
            actions=("retry", "diff"),
        )
    return None


def task_item(state: State, task_id: str) -> InboxItem | None:
    t = state.tasks.get(task_id)
    if t is None or t.verdict != "declined":
        return None
    return InboxItem(
        kind="declined", ref=t.task_id, title=t.title, detail=t.verdict_reason,
        since=t.filed_at, actions=("overrule", "cancel"),
    )


def other_items(state: State) -> list[InboxItem]:
    """Refused inbox files, the world's items and the manager's (all few)."""
    items = [InboxItem(
        kind="refused", ref=refused.origin,
        title=f"inbox file {refused.origin} was refused",
        detail=(f"{refused.error} (kept at {refused.kept_at})" if refused.kept_at
                else refused.error),
        since=refused.refused_at, actions=("dismiss",),
    ) for refused in state.refused_files.values()]
    items += world_views.inbox_items(state, InboxItem)
    items += manager_views.inbox_items(state, InboxItem)
    items += push_views.inbox_items(state, InboxItem)
    return items


def inbox_key(item: InboxItem) -> str:
    """An item's identity in the inbox, kept while it waits: its kind, ref and title,
    joined by `\\n` (a client computes the same from the items it holds)."""
    return f"{item.kind}\n{item.ref}\n{item.title}"


# Steps whose own event (CommandRan, DecisionAsked) already says what happened.
_TOLD_ELSEWHERE = frozenset({"run", "ask"})


def describe(record: ev.Record, state: State | None = None) -> str | None:
    """One human-readable line for a log record; None when another record already
    said it (a script step that ran a command is shown by the command's record)."""
    e = record.event

    def name(session_id: str) -> str:
        if not session_id:  # the manager's own records (triage asks about a task)
            return "manager"
        if state is not None and session_id in state.sessions:
            return state.sessions[session_id].name
        return session_id

    match e:
        case ev.ManagerStarted():
            return f"manager started (pid {e.pid}, v{e.version})"
        case ev.ManagerStopped():
            return f"manager stopped (pid {e.pid}{', ' + e.reason if e.reason else ''})"
        case ev.TaskFiled():
            return f"task {e.task_id} filed from {e.source}: {e.title}"
        case ev.IntakeRefused():
            return f"refused {e.origin}: {e.error} (kept at {e.kept_at})"
        case ev.TaskAccepted():
            return f"task {e.task_id} accepted{': ' + e.reason if e.reason else ''}"
        case ev.TaskDeclined():
            return f"task {e.task_id} declined: {e.reason}"
        case ev.TaskCancelled():
            return f"task {e.task_id} cancelled by {e.by}{': ' + e.reason if e.reason else ''}"
        case ev.TriageRetried():
            return (f"task {e.task_id}: triage retrying, attempt {e.attempt} of "
                    f"{e.attempts}: {e.detail or e.failure}")
        case ev.TaskOverruled():
            return f"task {e.task_id}: decline overruled by {e.by}"
        case ev.SessionQueued():
            return f"{e.name}: queued on branch {e.branch} ({e.backend})"
        case ev.SessionStarted() if not e.worktree:
            return f"{name(e.session_id)}: started for the cluster"
        case ev.SessionStarted():
            return f"{name(e.session_id)}: started in {e.worktree}"
        case ev.SessionPlaced():
            return f"{name(e.session_id)}: runs on {e.node}"
        case ev.SessionCheckpointed():
            return f"{name(e.session_id)}: checkpoint after {e.steps} step(s)"
        case ev.WorkBroughtBack():
            return f"{name(e.session_id)}: work brought back to {e.worktree}"
        case ev.SessionResumed():
            return f"{name(e.session_id)}: resumed ({e.reason})"
        case ev.WorkerActed():
            if e.action in _TOLD_ELSEWHERE:
                return None
            return f"{name(e.session_id)}: {e.action} {e.detail}".rstrip()
        case ev.WorkerProgressed():
            return f"{name(e.session_id)}: {e.message}"
        case ev.CommandRan():
            status = "timed out" if e.timed_out else f"exit {e.exit_code}"
            return f"{name(e.session_id)}: ran `{e.command}` ({status}, {e.seconds:.1f}s)"
        case ev.WorkerFinished():
            return f"{name(e.session_id)}: worker finished: {e.summary}"
        case ev.WorkerFailed():
            return f"{name(e.session_id)}: FAILED: {e.reason}"
        case ev.SessionKilled():
            return f"{name(e.session_id)}: killed by {e.by}{': ' + e.reason if e.reason else ''}"
        case ev.SessionRetried():
            return f"{name(e.session_id)}: retry asked by {e.by}"
        case ev.DecisionAsked():
            how = "blocked until answered" if e.blocking else f"assuming {e.default!r}"
            return f"{name(e.session_id)}: asks {e.decision_id}: {e.question} ({how})"
        case ev.DecisionAnswered():
            return f"decision {e.decision_id} answered by {e.by}: {e.answer}"
        case ev.ChecksStarted():
            where = " on the merged result" if e.on_merge else ""
            return f"{name(e.session_id)}: checks started{where}: {e.command or '(none)'}"
        case ev.ChecksFinished():
            verdict = "passed" if e.passed else ("timed out" if e.timed_out else "FAILED")
            if not e.command:
                verdict = "none configured or detected"
            return f"{name(e.session_id)}: checks {verdict} ({e.seconds:.1f}s)"
        case ev.ReviewPrepared():
            return (f"{name(e.session_id)}: change ready: +{e.added} -{e.removed} in "
                    f"{len(e.files)} file(s), {len(e.hunks)} hunk(s)")
        case ev.GateDecided():
            if e.auto_land:
                return f"{name(e.session_id)}: gate passed, landing without a human"
            return f"{name(e.session_id)}: needs review: {' '.join(e.reasons)}"
        case ev.HunkJudged():
            return f"{name(e.session_id)}: hunk {e.hunk_id} {e.verdict}ed by {e.by}"
        case ev.ChangeApproved():
            return f"{name(e.session_id)}: approved by {e.by}"
        case ev.ChangesRequested():
            return f"{name(e.session_id)}: changes requested by {e.by}: {e.note}"
        case ev.ChangeRejected():
            return f"{name(e.session_id)}: rejected by {e.by}{': ' + e.why if e.why else ''}"
        case ev.LandingStarted():
            return f"{name(e.session_id)}: landing on {e.target_branch}"
        case ev.LandingBlocked():
            return f"{name(e.session_id)}: landing waits: {e.reason}"
        case ev.LandingFailed():
            return f"{name(e.session_id)}: landing FAILED: {e.reason}"
        case ev.ChangeLanded():
            return f"{name(e.session_id)}: LANDED on {e.target_branch} as {e.commit[:10]}"
        case ev.StallDetected():
            what = "killed" if e.killed else f"proposed: {e.proposal}"
            return f"{name(e.session_id)}: likely wasting time: {e.evidence} ({what})"
        case ev.StallCleared():
            return f"{name(e.session_id)}: moving again: {e.reason}"
        case ev.NotificationRaised(interrupt=interrupt, held=held) if interrupt or held:
            return f"{'held for later' if held else 'notified'}: {e.title}"
        case ev.NotificationsReleased():
            return e.summary
        case ev.DigestPublished():
            return f"digest: {e.lines[0] if e.lines else 'nothing new'}"
        case ev.FocusChanged():
            return f"focus {'on' if e.on else 'off'} ({e.by})"
        case (ev.DiffMeasured() | ev.NotificationRaised() | ev.NotificationWithdrawn()
              | ev.ManagerPrompted() | ev.RoundCompared()):
            return None  # bookkeeping: the lines around it say what happened
        case ev.ModelPrompted() | ev.ModelReplied() | ev.BudgetExceeded() | ev.BudgetExtended():
            return agent_views.describe(e, name)
    if isinstance(e, ev.PresenceReported):
        return None
    return (world_views.describe(e, name) or manager_views.describe(e, name)
            or thread_views.describe(e, name) or delegation_views.describe(e, name)
            or review_views.describe(e, name) or push_views.describe(e, name)
            or preview_views.describe(e, name) or ev.tag_of(e))
