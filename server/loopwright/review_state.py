"""The fold of a session's review rounds: comment threads, viewed marks, and what the
human last reviewed (for the interdiff).

`state.py` folds everything and calls in here (`REVIEW_APPLY` for this part's own
events, `review_prepared` and `changes_requested` for the session events that start a
round or end one); these functions change a session's `rounds` only.

A round is one prepared review. Between two rounds the manager records the change from
the last review's head to the next one's (`RoundCompared`, zero-context hunks): each
thread is carried through it to where its code is now, or marked outdated when its own
line changed, and every file it touches becomes unviewed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from . import events as ev
from .core.anchors import Span, remap

if TYPE_CHECKING:
    from .state import Session, State


class ThreadComment(msgspec.Struct, kw_only=True):
    author: str  # human | reviewer | worker
    body: str
    round: int
    at: float


class Thread(msgspec.Struct, kw_only=True):
    thread_id: str
    path: str
    side: str  # head | base
    line: int  # 1-based, where it is now
    original_line: int
    round: int  # the round it was opened on
    author: str
    comments: list[ThreadComment]
    outdated: bool = False
    resolved: bool = False


class Rounds(msgspec.Struct, kw_only=True):
    round: int = 0  # reviews prepared so far
    threads: dict[str, Thread] = msgspec.field(default_factory=dict)
    viewed: set[str] = msgspec.field(default_factory=set)
    reviewed_round: int = 0  # the round the human last sent back (0: none)
    reviewed_commit: str = ""  # its head
    since_reviewed: set[str] = msgspec.field(default_factory=set)  # files changed since
    pending: ev.RoundCompared | None = None  # the change into the next round

    def open_threads(self) -> list[Thread]:
        return [t for t in self.threads.values() if not t.resolved]


# --- the rules: what a human (or the worker) may not append ----------------------


def refused(st: State, e: ev.Event) -> str | None:
    """Why `e` (an event of this part) does not apply now, or None."""
    sid = getattr(e, "session_id", "")
    s = st.sessions.get(sid)
    if s is None:
        return f"no session {sid}"
    match e:
        case ev.ThreadOpened():
            if (why := _reviewable(s)) is not None:
                return why
            assert s.review is not None
            if e.path not in s.review.files:
                return f"{e.path} is not a file of the change of {s.name}"
            if e.thread_id in s.rounds.threads:
                return f"thread {e.thread_id} already exists"
            if e.line < 1:
                return "a thread's line is 1-based: 1 or more"
            if not e.body.strip():
                return "a thread needs its first comment"
        case ev.ThreadReplied() | ev.ThreadResolved():
            if e.thread_id not in s.rounds.threads:
                return f"no thread {e.thread_id} in the review of {s.name}"
            if isinstance(e, ev.ThreadReplied) and not e.body.strip():
                return "a reply needs its text"
            if e.by != "worker" and (why := _reviewable(s)) is not None:
                return why
        case ev.FileViewed():
            if (why := _reviewable(s)) is not None:
                return why
            assert s.review is not None
            if e.path not in s.review.files:
                return f"{e.path} is not a file of the change of {s.name}"
    return None


def _reviewable(s: Session) -> str | None:
    from .state import SessionState

    if s.review is None or s.state != SessionState.AWAITING_APPROVAL:
        return f"session {s.name} is {s.state}, not awaiting approval"
    return None


# --- the fold ------------------------------------------------------------------------


def _thread_opened(st: State, e: ev.ThreadOpened, at: float) -> None:
    if (s := st.sessions.get(e.session_id)) is None or refused(st, e) is not None:
        return
    r = s.rounds
    r.threads[e.thread_id] = Thread(
        thread_id=e.thread_id, path=e.path, side=e.side, line=e.line,
        original_line=e.line, round=r.round, author=e.by,
        comments=[ThreadComment(author=e.by, body=e.body.strip(), round=r.round, at=at)])


def _thread_replied(st: State, e: ev.ThreadReplied, at: float) -> None:
    if (s := st.sessions.get(e.session_id)) is None or refused(st, e) is not None:
        return
    author = e.by if e.by in ("worker", "reviewer") else "human"
    s.rounds.threads[e.thread_id].comments.append(
        ThreadComment(author=author, body=e.body.strip(), round=s.rounds.round, at=at))


def _thread_resolved(st: State, e: ev.ThreadResolved, at: float) -> None:
    if (s := st.sessions.get(e.session_id)) is None or refused(st, e) is not None:
        return
    s.rounds.threads[e.thread_id].resolved = e.resolved


def _file_viewed(st: State, e: ev.FileViewed, at: float) -> None:
    if (s := st.sessions.get(e.session_id)) is None or refused(st, e) is not None:
        return
    if e.viewed:
        s.rounds.viewed.add(e.path)
    else:
        s.rounds.viewed.discard(e.path)


def _round_compared(st: State, e: ev.RoundCompared, at: float) -> None:
    if (s := st.sessions.get(e.session_id)) is not None:
        s.rounds.pending = e


REVIEW_APPLY: dict[type[ev._Event], Callable[[State, Any, float], None]] = {
    ev.ThreadOpened: _thread_opened,
    ev.ThreadReplied: _thread_replied,
    ev.ThreadResolved: _thread_resolved,
    ev.FileViewed: _file_viewed,
    ev.RoundCompared: _round_compared,
}


def review_prepared(s: Session, e: ev.ReviewPrepared, at: float) -> None:
    """A new round: threads carried through the change since the last one, the files
    it touched unviewed, and the reviewer agent's comments opened as threads."""
    r = s.rounds
    r.round += 1
    if r.pending is not None and r.pending.to_commit == e.head_commit:
        _carry(r, r.pending, e)
    r.pending = None
    for k, c in enumerate(e.comments, 1):
        tid = f"rv{r.round}-{k}"
        r.threads[tid] = Thread(
            thread_id=tid, path=c.path, side="head", line=max(1, c.line),
            original_line=max(1, c.line), round=r.round, author="reviewer",
            comments=[ThreadComment(author="reviewer", body=c.body, round=r.round, at=at)])


def _carry(r: Rounds, change: ev.RoundCompared, review: ev.ReviewPrepared) -> None:
    spans: dict[str, list[Span]] = {}
    for h in change.hunks:
        spans.setdefault(h.path, []).append(
            Span(h.old_start, h.old_lines, h.new_start, h.new_lines))
    changed = set(change.files)
    in_review = set(review.files)
    for t in r.threads.values():
        if t.side != "head" or t.outdated:
            continue
        if t.path not in in_review:  # its file is no longer part of the change
            t.outdated = True
            continue
        if t.path in spans:
            moved = remap(t.line, spans[t.path])
            t.line, t.outdated = moved.line, moved.outdated
    r.viewed -= changed
    r.since_reviewed |= changed


def changes_requested(s: Session, by: str) -> None:
    """The human sent this round back: it is what they last reviewed."""
    if by == "reviewer" or s.review is None:
        return
    r = s.rounds
    r.reviewed_round, r.reviewed_commit = r.round, s.review.head_commit
    r.since_reviewed = set()


def threads_note(s: Session) -> str:
    """Every open thread, for the worker: it answers each by its id."""
    open_threads = s.rounds.open_threads()
    if not open_threads:
        return ""
    lines = ["Review threads: answer each one by its id (what you changed, or why not)"
             " with the reply_to_thread tool (a script: "
             '{"reply": "<thread id>", "text": "..."}).']
    for t in open_threads:
        where = f"{t.path} line {t.line}" + (" (base side)" if t.side == "base" else "")
        first, *rest = t.comments
        lines.append(f"- [{t.thread_id}] {where}, {first.author}: {first.body}")
        lines += [f"    {c.author}: {c.body}" for c in rest]
    return "\n".join(lines)
