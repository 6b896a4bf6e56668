"""Routing: from the state after each record to the notifications that should be open.

Pure: `route(state, record, config, now, new_id)` returns the events to append. For the
key a record touches (a session, or a task for the manager's own questions) it finds
what most needs the human now and makes the open notification say that: raise one, let
a newer one replace it (never stack), or withdraw it when nothing is left. A decision
answered anywhere therefore withdraws its notification everywhere. Kinds the config
lets interrupt pop up; during focus or quiet hours they are held and released as one
batch when it ends. Answers to a stall's proposal (kill, redirect, keep going) become
the events that carry them out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .. import events as ev
from ..attention_state import Notification
from ..config import AttentionConfig, parse_quiet_hours
from ..manager_state import with_manager
from ..state import SESSION_TRANSITIONS, Health, SessionState, State
from . import classify as c
from . import stalls

# Records after which what a key needs may have changed; the rest cannot change it.
_TOUCHES: frozenset[type[ev._Event]] = frozenset({
    *SESSION_TRANSITIONS, ev.DecisionAsked, ev.DecisionAnswered, ev.LandingBlocked,
    ev.LandingStarted, ev.BudgetExceeded, ev.BudgetExtended, ev.StallDetected,
    ev.StallCleared, ev.ReviewPrepared, ev.ManagerEscalated,
})


@dataclass(frozen=True)
class Need:
    """What one key needs from the human now."""

    kind: ev.AttentionKind
    ref: str
    title: str
    detail: str
    session_id: str
    options: tuple[str, ...]
    since: float


def route(state: State, record: ev.Record, cfg: AttentionConfig, now: float,
          new_id: Callable[[], str]) -> list[ev.Event]:
    e = record.event
    out = _stall_answer(state, e)
    if isinstance(e, ev.FocusChanged) and not e.on:
        out += release(state, cfg, now)
    if isinstance(e, ev.ManagerAgentReady):  # questions held for it, or now released
        keys = {key_of(state, ev.DecisionAnswered(decision_id=d.decision_id, answer=""))
                for d in state.decisions.values() if d.open}
        for key in sorted(k for k in keys if k):
            out += reconcile(state, key, record.seq, cfg, now, new_id)
    elif type(e) in _TOUCHES:
        key = key_of(state, e)
        if key:
            out += reconcile(state, key, record.seq, cfg, now, new_id)
    return out


def key_of(state: State, e: ev.Event) -> str:
    """The notification key an event concerns: its session, or its task."""
    if isinstance(e, ev.DecisionAnswered | ev.ManagerEscalated):
        d = state.decisions.get(e.decision_id)
        return (d.session_id or f"task:{d.task_id}") if d is not None else ""
    sid = getattr(e, "session_id", "")
    if sid:
        return str(sid)
    tid = getattr(e, "task_id", "")
    return f"task:{tid}" if tid else ""


def reconcile(state: State, key: str, cause_seq: int, cfg: AttentionConfig, now: float,
              new_id: Callable[[], str]) -> list[ev.Event]:
    note = state.attention.open_for(key)
    need = top_need(state, key)
    if need is None:
        if note is None:
            return []
        return [ev.NotificationWithdrawn(notification_id=note.notification_id,
                                         reason=_gone(state, note))]
    if note is not None and (note.kind, note.ref) == (need.kind, need.ref):
        return []
    wants = need.kind in cfg.interrupt
    quiet = is_quiet(state, cfg, now)
    return [ev.NotificationRaised(
        notification_id=new_id(), kind=need.kind, key=key, title=need.title,
        detail=need.detail, session_id=need.session_id, ref=need.ref, options=need.options,
        interrupt=wants and not quiet, held=wants and quiet,
        replaces=note.notification_id if note is not None else "", cause_seq=cause_seq,
    )]


def top_need(state: State, key: str) -> Need | None:
    """The newest thing that waits on the human for `key`, or None."""
    needs = _task_needs(state, key[5:]) if key.startswith("task:") else _session_needs(
        state, key)
    return max(needs, key=lambda n: n.since, default=None)


def _task_needs(state: State, task_id: str) -> list[Need]:
    return [_decision_need(state, d.decision_id) for d in state.decisions.values()
            if d.task_id == task_id and not d.session_id and d.open]


def _session_needs(state: State, sid: str) -> list[Need]:
    s = state.sessions.get(sid)
    if s is None or s.terminal:
        return []
    att = state.attention
    needs = [_decision_need(state, d.decision_id) for d in state.open_decisions(sid)
             if d.decision_id not in att.stall_decisions and not with_manager(state, d)]
    title = state.tasks[s.task_id].title if s.task_id in state.tasks else s.name
    if s.state == SessionState.AWAITING_APPROVAL and s.review is not None:
        r = s.review
        why = " ".join(s.gate_reasons) or "It needs your review."
        needs.append(Need(c.REVIEW, sid, f"{s.name} is ready for review: {title}",
                          f"+{r.added} -{r.removed} in {len(r.files)} file(s); {why}",
                          sid, (), s.changed_at))
    if s.state == SessionState.LANDING and s.landing_blocked:
        needs.append(Need(c.DECISION, sid, f"{s.name} cannot land yet",
                          s.landing_blocked, sid, (), s.changed_at))
    if s.health == Health.OVER_BUDGET:
        needs.append(Need(c.DECISION, sid, f"{s.name} is over its budget",
                          "let it go on with another budget's worth, or kill it", sid, (),
                          s.changed_at))
    stall = att.stalls.get(sid)
    if stall is not None and not stall.killed:
        d = state.decisions.get(stall.decision_id)
        if d is not None and d.open and not with_manager(state, d):
            needs.append(Need(c.WASTING, d.decision_id, f"{s.name} looks stuck",
                              f"{stall.evidence}; proposed: {stall.proposal}", sid,
                              d.options, stall.detected_at))
    return needs


def _decision_need(state: State, decision_id: str) -> Need:
    d = state.decisions[decision_id]
    s = state.sessions.get(d.session_id)
    who = s.name if s is not None else "triage"
    detail = ("blocked until you answer" if d.blocking
              else f"working on {d.default!r} meanwhile" if d.default else "")
    return Need(c.DECISION, decision_id, f"{who} asks: {d.question}", detail,
                d.session_id, d.options, d.asked_at)


def _gone(state: State, note: Notification) -> str:
    d = state.decisions.get(note.ref)
    if d is not None and not d.open:
        return f"answered by {d.answered_by}: {d.answer}"
    s = state.sessions.get(note.session_id)
    if s is not None:
        return f"{s.name} is {s.state.value.replace('_', ' ')}"
    return "no longer applies"


# --- focus and quiet hours ---------------------------------------------------------


def is_quiet(state: State, cfg: AttentionConfig, now: float) -> bool:
    att = state.attention
    if att.focus and (not att.focus_until or now < att.focus_until):
        return True
    return in_quiet_hours(cfg.quiet_hours, now)


def in_quiet_hours(quiet_hours: str, now: float) -> bool:
    span = parse_quiet_hours(quiet_hours)
    if span is None:
        return False
    start, end = span
    t = time.localtime(now)
    minute = t.tm_hour * 60 + t.tm_min
    return start <= minute < end if start <= end else minute >= start or minute < end


def release(state: State, cfg: AttentionConfig, now: float) -> list[ev.Event]:
    """What focus or quiet hours held, as one batch, once neither holds any more."""
    held = state.attention.held()
    if not held or is_quiet(state, cfg, now):
        return []
    counts: dict[str, int] = {}
    for n in held:
        counts[n.kind] = counts.get(n.kind, 0) + 1
    words = {c.DECISION: "decision(s)", c.REVIEW: "review(s)", c.WASTING: "stall(s)"}
    summary = "While you were away: " + ", ".join(
        f"{n} {words.get(k, k)}" for k, n in counts.items()) + " waiting"
    return [ev.NotificationsReleased(
        notification_ids=tuple(n.notification_id for n in held), summary=summary)]


def focus_expired(state: State, now: float) -> bool:
    att = state.attention
    return att.focus and bool(att.focus_until) and now >= att.focus_until


# --- a stall's proposal, answered ----------------------------------------------------


def _stall_answer(state: State, e: ev.Event) -> list[ev.Event]:
    if not isinstance(e, ev.DecisionAnswered) or e.by == "loopwright":
        return []
    sid = state.attention.stall_decisions.get(e.decision_id)
    s = state.sessions.get(sid) if sid else None
    stall = state.attention.stalls.get(sid) if sid else None
    if s is None or s.terminal or stall is None:
        return []
    if e.answer == "kill":
        return [ev.SessionKilled(session_id=s.session_id, by=e.by,
                                 reason=f"stalled: {stall.evidence}")]
    if e.answer == "redirect":
        return [ev.SessionKilled(session_id=s.session_id, by=e.by,
                                 reason=stalls.redirect_note(stall.evidence)),
                ev.SessionRetried(session_id=s.session_id, by=e.by)]
    return [ev.StallCleared(session_id=s.session_id, reason=f"{e.by} said: {e.answer}")]
