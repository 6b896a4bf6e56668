"""The fold of the human's attention: open notifications, focus, the last digest, stalls.

`state.py` folds everything; it hands this part of the vocabulary to `ATTENTION_APPLY`
here, so every front end that folds the log (the manager, the CLI, the editor) knows the
same open notifications. Applying a notification event twice changes nothing: the
supervisor applies what it raises at once and again when it reads it back from the log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from . import events as ev

if TYPE_CHECKING:
    from .state import State


class Note(msgspec.Struct, kw_only=True):
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


class Attention(msgspec.Struct, kw_only=True):
    notes: dict[str, Note] = msgspec.field(default_factory=dict)  # open, by id
    by_key: dict[str, str] = msgspec.field(default_factory=dict)  # key -> open id
    focus: bool = False
    focus_until: float = 0.0  # 0: until turned off
    digest_seq: int = 0  # records up to this one were in a digest
    digest_at: float = 0.0
    stalls: dict[str, Stall] = msgspec.field(default_factory=dict)  # open, by session
    stall_decisions: dict[str, str] = msgspec.field(default_factory=dict)  # -> session

    def open_for(self, key: str) -> Note | None:
        nid = self.by_key.get(key)
        return self.notes.get(nid) if nid is not None else None

    def held(self) -> list[Note]:
        return sorted((n for n in self.notes.values() if n.held), key=lambda n: n.raised_at)

    def interrupting(self) -> list[Note]:
        """What front ends should show as pop-ups now (delivered, not held)."""
        return sorted((n for n in self.notes.values() if n.interrupt and not n.held),
                      key=lambda n: n.raised_at)


def _raised(st: State, e: ev.NotificationRaised, at: float) -> None:
    att = st.attention
    if e.notification_id in att.notes:
        return
    for old in (e.replaces, att.by_key.get(e.key, "")):
        _drop(att, old)
    att.notes[e.notification_id] = Note(
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
    for nid in e.notification_ids:  # delivered now, as one batch
        if (note := st.attention.notes.get(nid)) is not None:
            note.held, note.interrupt = False, True


def _focus(st: State, e: ev.FocusChanged, at: float) -> None:
    st.attention.focus, st.attention.focus_until = e.on, e.until if e.on else 0.0


def _digest(st: State, e: ev.DigestPublished, at: float) -> None:
    st.attention.digest_seq = max(st.attention.digest_seq, e.until_seq)
    st.attention.digest_at = at


def _stall_detected(st: State, e: ev.StallDetected, at: float) -> None:
    from .state import TERMINAL, Health

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
    s = st.sessions.get(e.session_id)
    if s is not None and s.state not in TERMINAL and s.health == Health.OK:
        s.health = Health.STALLED


def _stall_cleared(st: State, e: ev.StallCleared, at: float) -> None:
    from .state import Health

    st.attention.stalls.pop(e.session_id, None)
    s = st.sessions.get(e.session_id)
    if s is not None and not s.terminal and s.health == Health.STALLED:
        s.health = Health.OK  # an ended session keeps the mark: it did stall


def _nothing(st: State, e: ev.Event, at: float) -> None:
    """Facts for the stall detector and the metrics; the state keeps nothing of them."""


ATTENTION_APPLY: dict[type[ev._Event], Callable[[State, Any, float], None]] = {
    ev.DiffMeasured: _nothing,
    ev.StallDetected: _stall_detected,
    ev.StallCleared: _stall_cleared,
    ev.NotificationRaised: _raised,
    ev.NotificationWithdrawn: _withdrawn,
    ev.NotificationsReleased: _released,
    ev.DigestPublished: _digest,
    ev.FocusChanged: _focus,
}
