"""The digest: progress since the last one, a line per session, never an interruption."""

from __future__ import annotations

from collections.abc import Iterable

from .. import events as ev
from ..state import SessionState, State
from ..views.overview import describe
from .classify import PROGRESS, classify

# How a session ended by the human's hand: never an interruption (they did it), but
# news for the digest, or a killed session's last news would be whatever came before.
_ENDINGS = (ev.SessionKilled, ev.ChangeRejected)


def is_progress(record: ev.Record) -> bool:
    return classify(record.event) == PROGRESS


def is_news(record: ev.Record) -> bool:
    """What the digest tells: progress, and a session killed or rejected."""
    return is_progress(record) or isinstance(record.event, _ENDINGS)


def compose(records: Iterable[ev.Record], state: State) -> tuple[str, ...]:
    """One headline of where things stand, then the latest news of each session (and
    of tasks without one), in the order they first had news."""
    latest: dict[str, tuple[str, int]] = {}
    for r in records:
        if not is_news(r):
            continue
        line = describe(r, state)
        if line is None:
            continue
        key = getattr(r.event, "session_id", "") or f"seq:{r.seq}"
        if isinstance(r.event, ev.ManagerActed):  # each decision alone, with its overrule
            key = f"seq:{r.seq}"
        _, count = latest.get(key, ("", 0))
        latest[key] = (line, count + 1)
    if not latest:
        return ()
    lines = [_headline(state)]
    for line, count in latest.values():
        lines.append(f"{line}" + (f" (+{count - 1} earlier)" if count > 1 else ""))
    return tuple(lines)


def _headline(state: State) -> str:
    S = SessionState
    counts = [
        (state.count(S.LANDED), "landed"),
        (state.count(S.RUNNING, S.CHECKING, S.REVIEWING, S.LANDING), "working"),
        (state.count(S.WAITING, S.AWAITING_APPROVAL), "waiting on you"),
        (state.count(S.FAILED), "failed"),
        (state.count(S.KILLED), "killed"),
        (state.count(S.REJECTED), "rejected"),
        (state.count(S.QUEUED), "queued"),
    ]
    return " · ".join(f"{n} {what}" for n, what in counts if n) or "no sessions yet"
