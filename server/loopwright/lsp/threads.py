"""Review threads, viewed marks and the interdiff over the protocol: `loopwright/threads`,
`openThread`, `replyThread`, `resolveThread`, `viewed`, `interdiff`.

Thin: params in, the front-end API called, a wire struct of the fold's `Rounds` out.
Lines are 1-based here, as the reviewer's `file:line` comments are.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from ..manager.api import FrontEndApi
from ..review_state import Thread
from ..state import Session
from ..workspace.diff import diff_text
from ..workspace.repo import WorkspaceError
from . import params as p
from . import wire
from .live import ClientSync
from .review_uri import ReviewUri, session

D = wire.D


class ThreadCommentRow(wire.Wire):
    """One comment of a thread."""

    author: Annotated[str, D(description="`human` `reviewer` `worker`")]
    body: Annotated[str, D(description="its text")]
    round: Annotated[int, D(description="the review round it was written on (a worker's "
                                        "reply: the round it answers)")]
    at: Annotated[float, D(description="when (Unix time)")]


class ThreadRow(wire.Wire):
    """A comment thread on a line of the change."""

    thread_id: Annotated[str, D(description="`th-…` (a human's) or `rv<round>-<k>` (the "
                                            "reviewer agent's)")]
    session_id: Annotated[str, D(description="its session")]
    path: Annotated[str, D(description="repository-relative")]
    side: Annotated[str, D(description="`head` (the change's new side) or `base`")]
    line: Annotated[int, D(description="1-based, where it is now: carried through every "
                                       "later round")]
    original_line: Annotated[int, D(description="where it was opened, on its round")]
    round: Annotated[int, D(description="the review round it was opened on (1: the first)")]
    outdated: Annotated[bool, D(description="its own line changed (or its file left the "
                                            "change) in a later round")]
    resolved: Annotated[bool, D(description="resolved threads do not go back to the worker")]
    author: Annotated[str, D(description="who opened it: `human` or `reviewer`")]
    comments: Annotated[list[ThreadCommentRow], D(description="oldest first; the first "
                                                              "opened it")]


class ThreadsResult(wire.Wire):
    """`loopwright/threads`: a session's threads."""

    session_id: Annotated[str, D(description="the session")]
    round: Annotated[int, D(description="its current review round")]
    threads: Annotated[list[ThreadRow], D(description="resolved and outdated included")]


class ThreadResult(wire.Wire):
    """One thread, as it is after the action."""

    session_id: Annotated[str, D(description="the session")]
    thread: Annotated[ThreadRow, D(description="the thread")]


class ViewedResult(wire.Wire):
    """`loopwright/viewed`: the file's mark and the count."""

    session_id: Annotated[str, D(description="the session")]
    path: Annotated[str, D(description="the file")]
    viewed: Annotated[bool, D(description="its mark now")]
    viewed_count: Annotated[int, D(description="files of the change marked viewed")]
    file_count: Annotated[int, D(description="files of the change")]


class InterdiffFile(wire.Wire):
    """A file that changed since the human last reviewed."""

    path: Annotated[str, D(description="repository-relative")]
    from_uri: Annotated[str, D(description="as last reviewed (`reviewed` side)")]
    to_uri: Annotated[str, D(description="as it is now (`head` side)")]


class InterdiffResult(wire.Wire):
    """`loopwright/interdiff`: only what changed since the human last reviewed."""

    session_id: Annotated[str, D(description="the session")]
    from_commit: Annotated[str, D(description="the head the human last sent back")]
    to_commit: Annotated[str, D(description="the head under review now")]
    from_round: Annotated[int, D(description="the round the human last sent back")]
    to_round: Annotated[int, D(description="the current round")]
    diff: Annotated[str, D(description="the unified diff between the two")]
    files: Annotated[list[InterdiffFile], D(description="the files it changes")]


def thread_row(sid: str, t: Thread) -> ThreadRow:
    return ThreadRow(
        thread_id=t.thread_id, session_id=sid, path=t.path, side=t.side, line=t.line,
        original_line=t.original_line, round=t.round, outdated=t.outdated,
        resolved=t.resolved, author=t.author,
        comments=[ThreadCommentRow(author=c.author, body=c.body, round=c.round, at=c.at)
                  for c in t.comments])


def thread_rows(s: Session, path: str = "") -> list[ThreadRow]:
    return [thread_row(s.session_id, t) for t in s.rounds.threads.values()
            if not path or t.path == path]


def viewed_count(s: Session) -> tuple[int, int]:
    files = s.review.files if s.review is not None else ()
    return sum(1 for f in files if f in s.rounds.viewed), len(files)


def _followed(live: ClientSync, api: FrontEndApi, ref: str) -> Session:
    sid = session(api, ref).session_id
    live.pump()
    return live.follower.state.sessions[sid]


async def threads(live: ClientSync, q: p.ThreadsParams) -> Any:
    s = _followed(live, live.repo.api, q.session)
    return ThreadsResult(session_id=s.session_id, round=s.rounds.round,
                         threads=thread_rows(s, q.path))


async def open_thread(live: ClientSync, q: p.OpenThreadParams) -> Any:
    api = live.repo.api
    sid = session(api, q.session).session_id
    t = api.open_thread(sid, q.path, q.line, q.body, q.side)  # one `git show`: quick
    return ThreadResult(session_id=sid, thread=thread_row(sid, t))


async def reply_thread(live: ClientSync, q: p.ReplyThreadParams) -> Any:
    api = live.repo.api
    sid = session(api, q.session).session_id
    t = api.reply_thread(sid, q.thread, q.body)
    return ThreadResult(session_id=sid, thread=thread_row(sid, t))


async def resolve_thread(live: ClientSync, q: p.ResolveThreadParams) -> Any:
    api = live.repo.api
    sid = session(api, q.session).session_id
    t = api.resolve_thread(sid, q.thread, q.resolved)
    return ThreadResult(session_id=sid, thread=thread_row(sid, t))


async def viewed(live: ClientSync, q: p.ViewedParams) -> Any:
    api = live.repo.api
    s = api.mark_viewed(session(api, q.session).session_id, q.path, q.viewed)
    done, total = viewed_count(s)
    return ViewedResult(session_id=s.session_id, path=q.path,
                        viewed=q.path in s.rounds.viewed, viewed_count=done,
                        file_count=total)


async def interdiff(live: ClientSync, q: p.SessionParams) -> Any:
    s = _followed(live, live.repo.api, q.session)
    r = s.rounds
    if s.review is None or not r.reviewed_commit or r.round <= r.reviewed_round:
        raise p.RequestFailed(
            f"session {s.name} has no round since you last reviewed it (round "
            f"{r.round}; last sent back: {r.reviewed_round or 'none'}): the whole change "
            "is in loopwright/review")
    head = s.review.head_commit
    try:
        text = await asyncio.to_thread(diff_text, live.repo.project.root,
                                       r.reviewed_commit, head)
    except WorkspaceError as e:  # the reviewed head is gone (a rebase, a gc)
        raise p.RequestFailed(f"the round you last reviewed is gone: {e}") from None
    changed = [f for f in s.review.files if f in r.since_reviewed]
    changed += sorted(r.since_reviewed - set(s.review.files))  # reverted to the base
    return InterdiffResult(
        session_id=s.session_id, from_commit=r.reviewed_commit, to_commit=head,
        from_round=r.reviewed_round, to_round=r.round, diff=text,
        files=[InterdiffFile(path=f, from_uri=str(ReviewUri(s.session_id, "reviewed", f)),
                             to_uri=str(ReviewUri(s.session_id, "head", f)))
               for f in changed])
