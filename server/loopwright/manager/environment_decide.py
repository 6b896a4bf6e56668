"""Decide, for a session's environment and preview: pure, like `manager.decide`, which
adds these effects to its own. The preview starts with the review (so the reviewer can
see it), on a human's request, again after a restart while the change waits, and again
when it stopped idle without having seen an ask already in the log. It stops when the
change lands, is rejected, goes back to the worker or the session ends. A session that
ended with its worktree kept (failed, killed) has its teardown here; the others' runs
before their worktree is removed (`pipeline.remove_worktree`)."""

from __future__ import annotations

from .. import events as ev
from ..config import Config
from ..state import SessionState, State
from .effects import Effect, EndEnvironment, Record, StartPreview, StopPreview

S = SessionState
PREVIEW_STATES = frozenset({S.REVIEWING, S.AWAITING_APPROVAL})
KEPT_WORKTREE = frozenset({S.FAILED, S.KILLED})
_STOPS = {ev.ChangeLanded: "landed", ev.ChangeRejected: "rejected",
          ev.NothingChanged: "no change", ev.ChangesRequested: "changes requested"}


def decide(state: State, event: ev.Event, config: Config) -> list[Effect]:
    sid = getattr(event, "session_id", None)
    s = state.sessions.get(sid) if isinstance(sid, str) else None
    if s is None:
        return []
    if isinstance(event, ev.ChecksFinished | ev.PreviewRequested):
        if isinstance(event, ev.ChecksFinished) and event.on_merge:
            return []
        if (config.preview.enabled and s.state in PREVIEW_STATES and s.worktree
                and not s.worktree_removed):
            return [StartPreview(s.session_id)]
        return []
    if isinstance(event, ev.PreviewStopped) and event.idle_since:
        missed = s.environment.preview_requested_at > event.idle_since
        if (missed and config.preview.enabled and s.state in PREVIEW_STATES
                and s.worktree and not s.worktree_removed):
            return [StartPreview(s.session_id)]
        return []
    if (reason := _STOPS.get(type(event))) is not None:
        # Also when none is recorded yet: one may be starting (its record not read yet).
        wanted = config.preview.enabled or _previewing(s.environment)
        return [StopPreview(s.session_id, reason)] if wanted else []
    if isinstance(event, ev.WorkerFailed | ev.SessionKilled) and s.state in KEPT_WORKTREE:
        out: list[Effect] = []
        if config.preview.enabled or _previewing(s.environment):
            out.append(StopPreview(s.session_id, "the session ended"))
        if not s.environment.released and (s.environment.ports
                                           or config.environment.teardown):
            out.append(EndEnvironment(s.session_id))
        return out
    return []


def recover(state: State, config: Config) -> list[Effect]:
    """After a restart: previews of changes still under review start again, the others
    are recorded as stopped; an ended session's environment is undone."""
    out: list[Effect] = []
    for s in state.sessions.values():
        env = s.environment
        if _previewing(env):
            if (not s.terminal and s.state in PREVIEW_STATES and config.preview.enabled
                    and not s.worktree_removed):
                out.append(StartPreview(s.session_id))
            else:
                out.append(Record((ev.PreviewStopped(session_id=s.session_id,
                                                     reason="the manager restarted"),)))
        if s.terminal and not env.released and (
                s.state in KEPT_WORKTREE or s.worktree_removed) and (
                env.ports or (config.environment.teardown and not s.worktree_removed)):
            out.append(EndEnvironment(s.session_id))
    return out


def _previewing(env: object) -> bool:
    preview = getattr(env, "preview", None)
    return preview is not None and preview.status in ("starting", "ready")
