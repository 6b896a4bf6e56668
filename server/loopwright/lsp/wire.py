"""What the editor sees of the state: the shapes of `loopwright/state` and
`$/loopwright/changed`, camelCase on the wire. Pure functions of `State` and the time
they are given (the caller's clock).

The session rows and inbox items are the one projection every front end shows
(views/overview.py). client-vscode/src/protocol.ts and the tables of docs/protocol.md are
generated from these types (`make docs`, lsp/generate.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from .. import events as ev
from .. import state_parts
from ..state import ACTIVE, State
from ..views import delegation as tree
from ..views import overview as views
from ..views.overview import InboxItem as InboxItem
from ..views.overview import SessionRow as SessionRow
from ..views.thread import ManagerThread as ManagerThread
from ..views.thread import ThreadEntry as ThreadEntry

D = msgspec.Meta


class Wire(msgspec.Struct, kw_only=True, rename="camel"):
    pass


class TaskRow(Wire):
    """A task, as `State.tasks` and `Changed.tasks` carry it."""

    task_id: Annotated[str, D(description="the task's id")]
    title: Annotated[str, D(description="its title")]
    source: Annotated[str, D(description="`inbox` `cli` `lsp` `github` `build` `timer` "
                                         "`demo` `answer` `split` (a sub-task)")]
    labels: Annotated[tuple[str, ...], D(description="its labels")]
    priority: Annotated[int, D(description="higher goes first")]
    verdict: Annotated[str, D(description="triage's: `pending` `accepted` `declined` "
                                          "`cancelled`")]
    verdict_reason: Annotated[str, D(description="why")]
    filed_at: Annotated[float, D(description="when it arrived")]
    sessions: Annotated[list[str], D(description="its sessions' ids, oldest attempt first")]
    triage_retrying: Annotated[str, D(description="while triage retries, what and how far, "
                                                  "e.g. `triage retrying: API overloaded, "
                                                  "attempt 3 of 7`; else empty")] = ""
    parent: Annotated[str, D(description='the task it is a sub-task of; `""` none')] = ""
    children: Annotated[list[str], D(description="its sub-tasks' ids, in split order; "
                                                 "empty: not split")] = (
        msgspec.field(default_factory=list))
    depends_on: Annotated[tuple[str, ...], D(description="sibling tasks that must be done "
                                                         "before it starts")] = ()
    waiting_on: Annotated[tuple[str, ...], D(description="those of `dependsOn` not done "
                                                         "yet: no session starts while "
                                                         "any is left")] = ()
    done: Annotated[bool, D(description="its change landed, or it was split and every "
                                        "sub-task is done")] = False
    open_reason: Annotated[str, D(description="a split task not done yet: why, e.g. `1 of "
                                              "3 sub-tasks done; t-ab12 failed, t-cd34 "
                                              "waits on t-ab12`; else empty")] = ""


class ActivityLine(Wire):
    """One readable line per new record, for the Activity view."""

    seq: Annotated[int, D(description="the record's sequence number")]
    at: Annotated[float, D(description="when it was appended")]
    session_id: Annotated[str, D(description='the session it is about, or `""`')]
    text: Annotated[str, D(description="what happened")]


class StateResult(Wire):
    """`loopwright/state`: everything a client shows."""

    seq: Annotated[int, D(description="the last log record folded into this state; deltas "
                                      "with a `seq` ≤ this are already in it")]
    root: Annotated[str, D(description="the repository")]
    hosted_manager: Annotated[bool, D(description="this server runs the manager")]
    manager_pid: Annotated[int | None, D(description="pid of the process running the "
                                                     "manager (this server's when "
                                                     "hosted); null: none")]
    tasks: Annotated[list[TaskRow], D(description="the current tasks: every task but "
                                                  "those whose sessions all ended more "
                                                  "than a day ago (`loopwright status "
                                                  "--all` lists them)")]
    sessions: Annotated[list[SessionRow], D(description="the current sessions: live, ended "
                                                        "within a day, or failed and not "
                                                        "retried (a delta may still carry "
                                                        "an older one it touched)")]
    inbox: Annotated[list[InboxItem], D(description="what waits on the human, oldest "
                                                    "first")]
    running: Annotated[int, D(description="sessions in an active state (`running`, "
                                          "`waiting`, `checking`, `reviewing`, `landing`)")]
    need_you: Annotated[int, D(description="`inbox.length`")]


class Changed(Wire, omit_defaults=True):
    """`$/loopwright/changed`: what one batch of appended records changed; its size does
    not grow with the inbox or the history."""

    seq: Annotated[int, D(description="the last record included")]
    since: Annotated[int, D(description="the `seq` this delta applies to: the previous "
                                        "delta's, or the state's; a client at another "
                                        "`seq` fell behind and asks `loopwright/state` "
                                        "again")]
    hosted_manager: Annotated[bool, D(description="as in `State`, as of now")]
    manager_pid: Annotated[int | None, D(description="as in `State`, as of now")]
    tasks: Annotated[list[TaskRow], D(description="the tasks that changed (whole rows)")]
    sessions: Annotated[list[SessionRow], D(description="the sessions that changed (whole "
                                                        "rows)")]
    removed_sessions: Annotated[list[str], D(description="always `[]` today: sessions stay "
                                                         "in the log; kept for clients "
                                                         "that prune")]
    running: Annotated[int, D(description="as in `State`")]
    need_you: Annotated[int, D(description="as in `State`")]
    activity: Annotated[list[ActivityLine], D(description="one line per new record "
                                                          "(records another line already "
                                                          "tells, such as a script's `run` "
                                                          "step, have none)")]
    inbox_changed: Annotated[list[InboxItem], D(description="inbox items that appeared or "
                                                            "changed in this batch (omitted "
                                                            "when none)")] = []
    inbox_removed: Annotated[list[str], D(description="items that left the inbox in this "
                                                      "batch, by key: `kind`, `ref` and "
                                                      "`title` joined by `\\n` (omitted "
                                                      "when none)")] = []
    inbox: Annotated[list[InboxItem], D(description="never sent (older servers sent the "
                                                    "whole inbox here)")] = []


RevealKind = Literal["decision", "review", "session", "inbox"]


class RevealParams(Wire):
    """`$/loopwright/reveal`: show this (the user chose Open on a prompt)."""

    kind: Annotated[RevealKind, D(description="what to show")]
    ref: Annotated[str, D(description="the decision id (`decision`), else the session id")]
    session_id: Annotated[str, D(description="the session it is about")]


# --- what each request answers --------------------------------------------------------


class DispatchResult(Wire):
    task_id: str
    title: str


class AnswerResult(Wire):
    decision_id: str
    answer: str | None


class SessionResult(Wire):
    """The session's state right after the action was recorded."""

    session_id: str
    state: str


class TaskResult(Wire):
    """The task's verdict right after the action was recorded."""

    task_id: str
    verdict: str


class SplitResult(Wire):
    """The split task and its new sub-tasks, in split order."""

    task_id: str
    children: list[str]


class DismissResult(Wire):
    """The refused file whose item left the inbox."""

    file: str


class PresenceResult(Wire):
    """Whether the presence was recorded (false: the same was said under 15 s ago)."""

    recorded: bool


class HunkResult(Wire):
    session_id: str
    hunk: str
    verdict: str | None


class DocumentResult(Wire):
    text: str


class DashboardResult(Wire):
    """The report page, one self-contained HTML document."""

    html: str


class WebLinkResult(Wire):
    """The phone page's link (with its access token) and the same as a QR code."""

    url: Annotated[str, D(description="the link with the token in its fragment: whoever "
                                      "has it can act on the loop")]
    base_url: Annotated[str, D(description="the page without the token")]
    served: Annotated[bool, D(description="a `run --web` or `serve --web` serves it now; "
                                          "else it is where `[web]` would serve it")]
    svg: Annotated[str, D(description="the link as a QR code, one SVG element")]


def task_row(state: State, task_id: str) -> TaskRow:
    t = state.tasks[task_id]
    return TaskRow(task_id=t.task_id, title=t.title, source=t.source, labels=t.labels,
                   priority=t.priority, verdict=t.verdict, verdict_reason=t.verdict_reason,
                   filed_at=t.filed_at, sessions=list(t.sessions),
                   triage_retrying=t.triage_retrying, parent=t.parent,
                   children=list(t.children), depends_on=t.depends_on,
                   waiting_on=tree.waiting_on(state, task_id),
                   done=tree.task_done(state, task_id),
                   open_reason=tree.open_reason(state, task_id))


def session_row(state: State, session_id: str, now: float) -> SessionRow:
    return views.session_row(state, session_id, now)


def inbox(state: State) -> list[InboxItem]:
    """The whole inbox, oldest first (it is short: only what waits on the human)."""
    return views.inbox(state)


def running(state: State) -> int:
    return state.count(*ACTIVE)


def activity(record: ev.Record, state: State) -> ActivityLine | None:
    """The record's line in the Activity view; None when another record says it."""
    text = views.describe(record, state)
    if text is None:
        return None
    return ActivityLine(seq=record.seq, at=record.at,
                        session_id=getattr(record.event, "session_id", ""), text=text)


def state_result(state: State, *, root: str, hosted: bool, pid: int | None,
                 now: float) -> StateResult:
    box = inbox(state)
    return StateResult(
        seq=state.last_seq, root=root, hosted_manager=hosted, manager_pid=pid,
        # what is current (state_parts.py): live, ended within a day, or waiting on you
        tasks=[task_row(state, t) for t in state.tasks
               if state_parts.current_task(state, state.tasks[t], now)],
        sessions=[session_row(state, s, now) for s, row in state.sessions.items()
                  if state_parts.current(row, now)],
        inbox=box, running=running(state), need_you=len(box),
    )


class Ready(Wire):
    """`$/loopwright/ready`: startup is over (after `initialized`, and again after Set
    up Loopwright). Requests sent before it wait for it."""

    root: Annotated[str, D(description="the repository (or the folder) the server opened")]
    ok: Annotated[bool, D(description="requests will be answered; false: see `problem`")]
    problem: Annotated[str, D(description="why not (not a repository, not set up); `\"\"` "
                                          "when ok")]
    hosted: Annotated[bool, D(description="this server hosts the manager (else it attached "
                                          "to one, or none runs)")]


def to_json(value: object) -> object:
    """A wire struct as plain JSON values, ready for pygls to send."""
    return msgspec.to_builtins(value)


class ThreadParams(Wire):
    """`$/loopwright/thread`: the manager's new thread entries of one batch of records."""

    entries: Annotated[list[ThreadEntry], D(description="oldest first; append them to "
                                                        "what `loopwright/manager` gave "
                                                        "(drop `seq` ≤ the one you have)")]
