"""The fold of the human's attention: open notifications, focus, the last digest, stalls,
the human's presence and the push channels' health.

`state.py` folds everything; it hands this part of the vocabulary to `ATTENTION_APPLY`
here, so every front end that folds the log (the manager, the CLI, the editor) knows the
same open notifications. These functions change `state.attention` only (a stall's mark
on the session's health is folded by `state.py`) and replace what they change rather
than edit it in place, so `ahead()` can show the supervisor what it has appended and the
fold has not read back yet, on a copy, without writing the state on the side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from . import events as ev

if TYPE_CHECKING:
    from .state import State


class Notification(msgspec.Struct, kw_only=True):
    """An open notification."""

    notification_id: str
    kind: ev.AttentionKind
    key: str
    title: str
    detail: str
    session_id: str
    ref: str
    options: tuple[str, ...]
    interrupt: bool
    held: bool
    raised_at: float
    cause_seq: int
    pushed: bool = False  # its push got through (PushSent): a restart does not resend it


class Stall(msgspec.Struct, kw_only=True):
    """A session flagged as likely wasting time, until it is cleared or ends."""

    session_id: str
    signal: ev.StallSignal
    evidence: str
    onset_at: float
    detected_at: float
    proposal: str
    decision_id: str
    killed: bool


class Channel(msgspec.Struct, kw_only=True):
    """A push channel's health, from its deliveries: failing since the first failure
    after the last success; `down` once that lasted `[push] outage_seconds`."""

    failing_since: float = 0.0  # 0: the last delivery got through (or none was tried)
    last_error: str = ""
    last_status: int = 0
    down: bool = False
    down_at: float = 0.0


class Attention(msgspec.Struct, kw_only=True):
    notes: dict[str, Notification] = msgspec.field(default_factory=dict)  # open, by id
    by_key: dict[str, str] = msgspec.field(default_factory=dict)  # key -> open id
    focus: bool = False
    focus_until: float = 0.0  # 0: until turned off
    digest_seq: int = 0  # records up to this one were in a digest
    digest_at: float = 0.0
    stalls: dict[str, Stall] = msgspec.field(default_factory=dict)  # open, by session
    stall_decisions: dict[str, str] = msgspec.field(default_factory=dict)  # -> session
    present: bool = False  # a front end said the human is active on it (PresenceReported)
    present_at: float = 0.0  # ... when it last said so
    channels: dict[str, Channel] = msgspec.field(default_factory=dict)  # push, by name

    def open_for(self, key: str) -> Notification | None:
        nid = self.by_key.get(key)
        return self.notes.get(nid) if nid is not None else None

    def held(self) -> list[Notification]:
        return sorted((n for n in self.notes.values() if n.held), key=lambda n: n.raised_at)

    def interrupting(self) -> list[Notification]:
        """What front ends should show as pop-ups now (delivered, not held)."""
        return sorted((n for n in self.notes.values() if n.interrupt and not n.held),
                      key=lambda n: n.raised_at)


def _raised(st: State, e: ev.NotificationRaised, at: float) -> None:
    att = st.attention
    if e.notification_id in att.notes:
        return
    for old in (e.replaces, att.by_key.get(e.key, "")):
        _drop(att, old)
    att.notes[e.notification_id] = Notification(
        notification_id=e.notification_id, kind=e.kind, key=e.key, title=e.title,
        detail=e.detail, session_id=e.session_id, ref=e.ref, options=e.options,
        interrupt=e.interrupt, held=e.held, raised_at=at, cause_seq=e.cause_seq,
    )
    att.by_key[e.key] = e.notification_id


def _withdrawn(st: State, e: ev.NotificationWithdrawn, at: float) -> None:
    _drop(st.attention, e.notification_id)


def _drop(att: Attention, notification_id: str) -> None:
    note = att.notes.pop(notification_id, None) if notification_id else None
    if note is not None and att.by_key.get(note.key) == notification_id:
        del att.by_key[note.key]


def _released(st: State, e: ev.NotificationsReleased, at: float) -> None:
    notes = st.attention.notes
    for nid in e.notification_ids:  # delivered now, as one batch
        if (note := notes.get(nid)) is not None:
            notes[nid] = msgspec.structs.replace(note, held=False, interrupt=True)


def _focus(st: State, e: ev.FocusChanged, at: float) -> None:
    st.attention.focus, st.attention.focus_until = e.on, e.until if e.on else 0.0


def _digest(st: State, e: ev.DigestPublished, at: float) -> None:
    st.attention.digest_seq = max(st.attention.digest_seq, e.until_seq)
    st.attention.digest_at = at


def _stall_detected(st: State, e: ev.StallDetected, at: float) -> None:
    att = st.attention
    if (old := att.stalls.get(e.session_id)) is not None and old.decision_id == e.decision_id:
        return
    att.stalls[e.session_id] = Stall(
        session_id=e.session_id, signal=e.signal, evidence=e.evidence,
        onset_at=e.onset_at, detected_at=at, proposal=e.proposal,
        decision_id=e.decision_id, killed=e.killed,
    )
    if e.decision_id:
        att.stall_decisions[e.decision_id] = e.session_id


def _stall_cleared(st: State, e: ev.StallCleared, at: float) -> None:
    st.attention.stalls.pop(e.session_id, None)


def _presence(st: State, e: ev.PresenceReported, at: float) -> None:
    st.attention.present, st.attention.present_at = e.active, at


def _channel(st: State, name: str) -> Channel:
    channels = st.attention.channels
    old = channels.get(name) or Channel()
    channels[name] = new = msgspec.structs.replace(old)  # a copy: `ahead` shares the rest
    return new


def _push_sent(st: State, e: ev.PushSent, at: float) -> None:
    notes = st.attention.notes
    if (note := notes.get(e.notification_id)) is not None:
        notes[e.notification_id] = msgspec.structs.replace(note, pushed=True)
    ch = _channel(st, e.channel)
    ch.failing_since, ch.last_error, ch.last_status = 0.0, "", e.status


def _push_failed(st: State, e: ev.PushFailed, at: float) -> None:
    ch = _channel(st, e.channel)
    ch.failing_since = ch.failing_since or at
    ch.last_error, ch.last_status = e.error, e.status


def _channel_down(st: State, e: ev.PushChannelDown, at: float) -> None:
    ch = _channel(st, e.channel)
    ch.down, ch.down_at = True, at
    ch.failing_since = ch.failing_since or e.since


def _channel_recovered(st: State, e: ev.PushChannelRecovered, at: float) -> None:
    ch = _channel(st, e.channel)
    ch.down, ch.down_at, ch.failing_since = False, 0.0, 0.0


def _nothing(st: State, e: ev.Event, at: float) -> None:
    """Facts for the stall detector and the metrics; the state keeps nothing of them."""


def ahead(st: State, records: list[ev.Record]) -> State:
    """`st` as it will be once `records` (attention events appended, not yet folded) are
    read back: a view sharing everything with `st` but a copy of its attention."""
    att = st.attention
    view = msgspec.structs.replace(st, attention=msgspec.structs.replace(
        att, notes=dict(att.notes), by_key=dict(att.by_key), stalls=dict(att.stalls),
        stall_decisions=dict(att.stall_decisions), channels=dict(att.channels)))
    for r in records:
        if (part := ATTENTION_APPLY.get(type(r.event))) is not None:
            part(view, r.event, r.at)
    return view


ATTENTION_APPLY: dict[type[ev._Event], Callable[[State, Any, float], None]] = {
    ev.DiffMeasured: _nothing,
    ev.StallDetected: _stall_detected,
    ev.StallCleared: _stall_cleared,
    ev.NotificationRaised: _raised,
    ev.NotificationWithdrawn: _withdrawn,
    ev.NotificationsReleased: _released,
    ev.DigestPublished: _digest,
    ev.FocusChanged: _focus,
    ev.PresenceReported: _presence,
    ev.PushHeld: _nothing,
    ev.PushDropped: _nothing,
    ev.PushSent: _push_sent,
    ev.PushFailed: _push_failed,
    ev.PushChannelDown: _channel_down,
    ev.PushChannelRecovered: _channel_recovered,
}
