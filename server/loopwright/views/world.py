"""What front ends show of the world's events: one log line each, and inbox items for
pull requests waiting on GitHub and for conflicts predicted between live sessions."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .. import events as ev
from ..state import TERMINAL, SessionState, State

Item = TypeVar("Item")


def describe(e: ev.Event, name: Callable[[str], str]) -> str | None:
    """One human-readable line for a world event; None for other events."""
    match e:
        case ev.BuildChecked():
            verdict = "passes" if e.passed else ("timed out" if e.timed_out else "is BROKEN")
            filed = f"; filed {e.task_id} to fix it" if e.task_id else ""
            return (f"build of {e.target_branch} at {e.commit[:10]} {verdict} "
                    f"(checked after {_WHY[e.why]}){filed}")
        case ev.TimerArmed():
            return f"timer {e.timer} armed: {e.schedule}"
        case ev.TimerFired():
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.due_at))
            missed = f", {e.missed} earlier run(s) missed while stopped" if e.missed else ""
            what = f"filed {e.task_id}" if e.task_id else f"skipped: {e.skipped}"
            return f"timer {e.timer} due {when}{missed}: {what}"
        case ev.IssueStatusWritten():
            return f"task {e.task_id}: GitHub issue told {e.status!r}"
        case ev.PullRequestOpened():
            return f"{name(e.session_id)}: pull request #{e.number} opened: {e.url}"
        case ev.PullRequestReviewed():
            who = f" by {e.by}" if e.by else ""
            return f"{name(e.session_id)}: pull request reviewed{who}, changes asked: {e.note}"
        case ev.SessionRebased():
            return f"{name(e.session_id)}: rebased onto {e.onto[:10]}"
        case ev.RebaseConflicted():
            return (f"{name(e.session_id)}: the target moved to {e.onto[:10]} and conflicts "
                    f"in {', '.join(e.paths)}; the worker is told")
        case ev.ConflictPredicted():
            who = " and ".join(name(s) for s in e.sessions)
            how = "conflict" if e.textual else "touch the same files"
            return f"likely conflict: {who} {how}: {', '.join(e.paths)}"
        case ev.ConflictCleared():
            return f"conflict cleared: {' and '.join(name(s) for s in e.sessions)}"
        case ev.ClusterUnreachable():
            return f"the Ray cluster at {e.address} cannot be reached: {e.error}"
        case ev.ClusterReached():
            return (f"the Ray cluster at {e.address} is reachable: {e.nodes} node(s), "
                    f"{e.cpus:g} CPUs")
    return None


_WHY = {"landing": "a landing", "schedule": "its schedule", "start": "the manager started"}


def inbox_items(state: State, make: Callable[..., Item]) -> list[Item]:
    """Pull requests waiting on GitHub, and predicted conflicts between live sessions.
    `make` builds an inbox item (views.InboxItem) from keyword arguments."""
    items: list[Item] = []
    for sid, pr in state.world.pulls.items():
        s = state.sessions.get(sid)
        if s is None or s.state != SessionState.LANDING:
            continue
        items.append(make(
            kind="pull_request", ref=sid, session_id=sid, session_name=s.name,
            title=state.tasks[s.task_id].title,
            detail=f"pull request #{pr.number} waits for review and merge on GitHub: "
                   f"{pr.url}", since=s.changed_at, actions=("kill",),
        ))
    for c in state.world.conflicts.values():
        live = [state.sessions[s] for s in c.sessions
                if s in state.sessions and state.sessions[s].state not in TERMINAL]
        if len(live) < 2:
            continue
        how = "git cannot merge their changes" if c.textual else "they change the same files"
        items.append(make(
            kind="conflict", ref=live[0].session_id, session_id=live[0].session_id,
            session_name=live[0].name,
            title=f"{live[0].name} and {live[1].name} will likely conflict",
            detail=f"{how}: {', '.join(c.paths)}", since=c.at, actions=("kill",),
        ))
    cluster = state.world.cluster
    if cluster.reachable is False:
        items.append(make(
            kind="cluster", ref=cluster.address,
            title=f"the Ray cluster at {cluster.address} cannot be reached",
            detail=(f"{cluster.error}; work meant for it waits and goes on when it is "
                    "back ([compute] fallback = \"local\" runs it here instead)"),
            since=cluster.since, actions=(),
        ))
    return items
