"""What to do with an interrupting notification now: pure, from the state and a clock.

Push it when it interrupts (or focus and quiet hours hold it but the config lets its
kind break through); hold it first while the human is active in the editor; drop it once
nothing waits on it; retry with a doubling wait; call a channel down once it has failed
for `outage_seconds` without a delivery.
"""

from __future__ import annotations

from ..attention_state import Notification
from ..config import PushConfig
from ..state import State

PRESENCE_SECONDS = 60.0  # "active in the last minute"


def wants_push(note: Notification, cfg: PushConfig) -> bool:
    if note.interrupt and not note.held:
        return True
    return note.held and note.kind in cfg.break_through


def hold_for(state: State, cfg: PushConfig, now: float) -> float:
    """How long to wait before pushing: `hold_seconds` while the human was active in
    the editor in the last minute, else 0."""
    att = state.attention
    if not att.present or now - att.present_at >= PRESENCE_SECONDS:
        return 0.0
    return cfg.hold_seconds


def gone(state: State, notification_id: str, ref: str) -> str:
    """Why a notification needs no push any more, or "" while it is open."""
    if notification_id in state.attention.notes:
        return ""
    d = state.decisions.get(ref)
    if d is not None:
        return (f"answered by {d.answered_by}: {d.answer}" if not d.open
                else "replaced by a newer notification of the same session")
    s = state.sessions.get(ref)
    if s is not None:
        return f"{s.name} is {s.state.value.replace('_', ' ')}"
    return "withdrawn: it no longer applies"


def backoff(attempt: int, cfg: PushConfig) -> float:
    """The wait after failed attempt `attempt` (1, 2, ...): doubling, capped."""
    return min(cfg.retry_seconds * float(2 ** min(attempt - 1, 30)), cfg.max_retry_seconds)


def outage(state: State, channel: str, cfg: PushConfig, now: float) -> bool:
    """The channel has failed for `outage_seconds` without a delivery, and is not yet
    called down."""
    ch = state.attention.channels.get(channel)
    return (ch is not None and not ch.down and ch.failing_since > 0
            and now - ch.failing_since >= cfg.outage_seconds)
