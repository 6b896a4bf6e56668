"""The fold of what the loop knows beyond its sessions: the build, timers, GitHub issue
status and pull requests, and conflicts predicted between live sessions.

`state.py` folds everything; it hands the events of this part of the vocabulary to
`WORLD_APPLY` here, so the session table stays there and the world's facts stay here.
These functions change `state.world` only; what the same events change in a session
(a rebase's commits, the note to its worker) is folded by `state.py`.
A session's pull request review (`PullRequestReviewed`) moves the session, so that one
is in `state.SESSION_TRANSITIONS` like every other move.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from . import events as ev

if TYPE_CHECKING:
    from .state import State


class BuildState(msgspec.Struct, kw_only=True):
    last_commit: str = ""  # the last commit of the target the checks ran on
    checked_at: float = 0.0
    passed: bool | None = None  # None: never checked
    broken_since: str = ""  # the first failing commit of the current breakage
    broken_at: float = 0.0
    fix_task: str = ""  # the one task filed for the current breakage
    output_tail: str = ""


class TimerMark(msgspec.Struct, kw_only=True):
    schedule: str
    armed_at: float
    last_due: float  # the last run (or the arming), from which the next is due
    task_id: str = ""  # the task the last run filed


class PullRequest(msgspec.Struct, kw_only=True):
    session_id: str
    number: int
    url: str
    branch: str
    last_review_id: int = 0  # reviews up to this one went back to the worker


class Conflict(msgspec.Struct, kw_only=True):
    sessions: tuple[str, ...]
    paths: tuple[str, ...]
    textual: bool
    at: float


class Cluster(msgspec.Struct, kw_only=True):
    """What the manager last knew of the Ray cluster in `[compute]`."""

    address: str = ""
    reachable: bool | None = None  # None: not tried yet
    error: str = ""
    since: float = 0.0  # when it became what it is
    nodes: int = 0
    cpus: float = 0.0


class ConfigFile(msgspec.Struct, kw_only=True):
    """What the running manager made of `config.toml` since it started."""

    error: str = ""  # the last edit did not load: why (the last good config stays)
    error_at: float = 0.0
    needs_restart: tuple[str, ...] = ()  # keys edited whose new value waits for a restart
    reloaded_at: float = 0.0


class World(msgspec.Struct, kw_only=True):
    build: BuildState = msgspec.field(default_factory=BuildState)
    timers: dict[str, TimerMark] = msgspec.field(default_factory=dict)
    issue_status: dict[str, str] = msgspec.field(default_factory=dict)  # task -> status
    pulls: dict[str, PullRequest] = msgspec.field(default_factory=dict)  # by session
    conflicts: dict[str, Conflict] = msgspec.field(default_factory=dict)  # conflict_key
    rebase_conflicts: dict[str, ev.RebaseConflicted] = msgspec.field(default_factory=dict)
    config: ConfigFile = msgspec.field(default_factory=ConfigFile)
    cluster: Cluster = msgspec.field(default_factory=Cluster)


def conflict_key(sessions: tuple[str, ...]) -> str:
    return "+".join(sorted(sessions))


def rebase_note(e: ev.RebaseConflicted) -> str:
    """What the worker is told when the target moved under it and its work conflicts."""
    return (f"The target branch moved on to {e.onto[:12]}, and your change no longer "
            f"applies cleanly on it: {', '.join(e.paths)} changed there too. Work from "
            "the target's new version of those files, or your change cannot land.")


def _build_checked(st: State, e: ev.BuildChecked, at: float) -> None:
    b = st.world.build
    b.last_commit, b.passed, b.output_tail = e.commit, e.passed, e.output_tail
    b.checked_at = at
    if e.passed:
        b.broken_since, b.broken_at, b.fix_task = "", 0.0, ""
        return
    if not b.broken_since:
        b.broken_since, b.broken_at = e.commit, at
    if e.task_id:
        b.fix_task = e.task_id


def _timer_armed(st: State, e: ev.TimerArmed, at: float) -> None:
    st.world.timers[e.timer] = TimerMark(schedule=e.schedule, armed_at=at, last_due=at)


def _timer_fired(st: State, e: ev.TimerFired, at: float) -> None:
    mark = st.world.timers.get(e.timer)
    if mark is None:
        return
    mark.last_due = e.due_at
    if e.task_id:
        mark.task_id = e.task_id


def _issue_status(st: State, e: ev.IssueStatusWritten, at: float) -> None:
    st.world.issue_status[e.task_id] = e.status


def _pull_request_opened(st: State, e: ev.PullRequestOpened, at: float) -> None:
    st.world.pulls[e.session_id] = PullRequest(
        session_id=e.session_id, number=e.number, url=e.url, branch=e.branch)


def _session_rebased(st: State, e: ev.SessionRebased, at: float) -> None:
    s = st.sessions.get(e.session_id)
    if s is None or s.terminal:
        return
    st.world.rebase_conflicts.pop(e.session_id, None)  # (its commits: the session's fold)


def _rebase_conflicted(st: State, e: ev.RebaseConflicted, at: float) -> None:
    s = st.sessions.get(e.session_id)
    if s is None or s.terminal:
        return
    st.world.rebase_conflicts[e.session_id] = e  # (the worker's note: the session's fold)


def _conflict_predicted(st: State, e: ev.ConflictPredicted, at: float) -> None:
    st.world.conflicts[conflict_key(e.sessions)] = Conflict(
        sessions=e.sessions, paths=e.paths, textual=e.textual, at=at)


def _conflict_cleared(st: State, e: ev.ConflictCleared, at: float) -> None:
    st.world.conflicts.pop(conflict_key(e.sessions), None)


def record_session_detail(st: State, e: ev.Event) -> None:
    """Details of session events this part of the fold keeps (called for every one)."""
    if isinstance(e, ev.PullRequestReviewed):
        pr = st.world.pulls.get(e.session_id)
        if pr is not None:
            pr.last_review_id = max(pr.last_review_id, e.review_id)


def _config_reloaded(st: State, e: ev.ConfigReloaded, at: float) -> None:
    st.world.config = ConfigFile(needs_restart=e.needs_restart, reloaded_at=at)


def _config_refused(st: State, e: ev.ConfigRefused, at: float) -> None:
    st.world.config.error, st.world.config.error_at = e.error, at


def manager_started(st: State) -> None:
    """A (re)started manager reads the file afresh: nothing waits on a restart any more."""
    st.world.config = ConfigFile()


def _cluster_unreachable(st: State, e: ev.ClusterUnreachable, at: float) -> None:
    c = st.world.cluster
    since = c.since if c.reachable is False else at
    st.world.cluster = Cluster(address=e.address, reachable=False, error=e.error,
                               since=since, nodes=0, cpus=0.0)


def _cluster_reached(st: State, e: ev.ClusterReached, at: float) -> None:
    st.world.cluster = Cluster(address=e.address, reachable=True, since=at,
                               nodes=e.nodes, cpus=e.cpus)


WORLD_APPLY: dict[type[ev._Event], Callable[[State, Any, float], None]] = {
    ev.ConfigReloaded: _config_reloaded,
    ev.ConfigRefused: _config_refused,
    ev.BuildChecked: _build_checked,
    ev.TimerArmed: _timer_armed,
    ev.TimerFired: _timer_fired,
    ev.IssueStatusWritten: _issue_status,
    ev.PullRequestOpened: _pull_request_opened,
    ev.SessionRebased: _session_rebased,
    ev.RebaseConflicted: _rebase_conflicted,
    ev.ConflictPredicted: _conflict_predicted,
    ev.ConflictCleared: _conflict_cleared,
    ev.ClusterUnreachable: _cluster_unreachable,
    ev.ClusterReached: _cluster_reached,
}
