"""What front ends show of push: one log line per delivery, and an inbox item for a push
channel that has been failing (docs/anywhere.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .. import events as ev
from ..state import State

Item = TypeVar("Item")


def describe(e: ev.Event, name: Callable[[str], str]) -> str | None:
    """One human-readable line for a push event; None for other events."""
    match e:
        case ev.PushSent(attempt=1):
            return f"push {e.notification_id} sent to {e.channel}"
        case ev.PushSent():
            return f"push {e.notification_id} sent to {e.channel} (attempt {e.attempt})"
        case ev.PushFailed():
            again = f", retrying in {e.retry_in:g}s" if e.retry_in else ""
            return (f"push {e.notification_id} to {e.channel} FAILED (attempt {e.attempt}): "
                    f"{e.error}{again}")
        case ev.PushHeld():
            return f"push {e.notification_id} held {e.seconds:g}s: {e.reason}"
        case ev.PushDropped():
            return f"push {e.notification_id} not sent: {e.reason}"
        case ev.PushChannelDown():
            return f"push to {e.channel} is DOWN: {e.error}"
        case ev.PushChannelRecovered():
            return f"push to {e.channel} works again (down {e.down_seconds:g}s)"
        case ev.PresenceReported():
            return None  # bookkeeping: when the editor says you are there
    return None


def inbox_items(state: State, make: Callable[..., Item]) -> list[Item]:
    """Each push channel that is down: failing since its first failure, until a delivery
    gets through again. `make` builds an inbox item (views.InboxItem)."""
    return [make(kind="channel", ref=name,
                 title=f"push notifications to {name} are failing: you may miss what "
                       "needs you away from the editor",
                 detail=ch.last_error or f"HTTP {ch.last_status}",
                 since=ch.failing_since or ch.down_at)
            for name, ch in sorted(state.attention.channels.items()) if ch.down]
