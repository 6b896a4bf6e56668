"""`loopwright/*` requests, and the same actions as `workspace/executeCommand` commands.

One thin function per action: typed params in, the manager API called, a small JSON
result out. A refused action becomes a JSON-RPC error whose message says why:
InvalidParams (-32602) for bad or stale input (a missing field, an unknown session,
a hunk id from an older review), RequestFailed (-32803) for an action that does not
apply now (the session is in another state, the decision was already answered).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..insight.history import History
from ..insight.report import render_report
from ..manager.api import ActionRefused, FrontEndApi
from ..state import Session
from ..store import Store
from ..workspace.diff import file_at
from . import params as p
from . import reviews, wire
from .live import ClientSync

Handler = Callable[[ClientSync, Any], Awaitable[Any]]


@dataclass(frozen=True)
class Action:
    name: str  # `loopwright/<name>` and `loopwright.<name>`
    params: type[p.Params]
    result: type[Any]  # a wire struct: what protocol.ts and docs/protocol.md say it answers
    run: Handler


def session(api: FrontEndApi, ref: str) -> Session:
    try:
        return api.session(ref)
    except ActionRefused as e:
        raise p.InvalidParams(str(e)) from None


async def state(live: ClientSync, _: p.NoParams) -> Any:
    return live.state_result()


async def dispatch(live: ClientSync, q: p.DispatchParams) -> Any:
    task = live.repo.api.dispatch(q.title, _with_context(q.body, q.context), labels=q.labels,
                                  priority=q.priority, backend=q.backend, source="lsp")
    return wire.DispatchResult(task_id=task.task_id, title=task.title)


async def answer(live: ClientSync, q: p.AnswerParams) -> Any:
    api = live.repo.api
    try:
        d = api.decision(q.decision)
    except ActionRefused as e:
        raise p.InvalidParams(str(e)) from None
    d = api.answer(d.decision_id, q.answer)
    return wire.AnswerResult(decision_id=d.decision_id, answer=d.answer)


def _session_action(act: Callable[[FrontEndApi, str, Any], Session]) -> Handler:
    async def run(live: ClientSync, q: Any) -> Any:
        api = live.repo.api
        sid = session(api, q.session).session_id
        s = act(api, sid, q)
        return wire.SessionResult(session_id=s.session_id, state=s.state.value)

    return run


async def hunk(live: ClientSync, q: p.HunkParams) -> Any:
    api = live.repo.api
    s = session(api, q.session)
    if s.review is not None and q.hunk not in {h.hunk_id for h in s.review.hunks}:
        raise p.InvalidParams(
            f"no hunk {q.hunk} in the current review of {s.name} (it has "
            f"{len(s.review.hunks)}); the review may have changed: ask loopwright/review")
    if q.verdict == "comment" and not q.comment.strip():
        raise p.InvalidParams("`comment`: a comment on a hunk needs its text (clients ask "
                              "the user for it before sending loopwright.hunk)")
    s = api.judge_hunk(s.session_id, q.hunk, q.verdict, q.comment)
    return wire.HunkResult(session_id=s.session_id, hunk=q.hunk,
                           verdict=s.hunk_verdicts.get(q.hunk))


async def cancel(live: ClientSync, q: p.TaskParams) -> Any:
    api = live.repo.api
    try:
        t = api.task(q.task)
    except ActionRefused as e:
        raise p.InvalidParams(str(e)) from None
    t = api.cancel(t.task_id, q.reason)
    return wire.TaskResult(task_id=t.task_id, verdict=t.verdict.value)


async def dismiss(live: ClientSync, q: p.DismissParams) -> Any:
    live.repo.api.dismiss(q.file)
    return wire.DismissResult(file=q.file)


async def review(live: ClientSync, q: p.SessionParams) -> Any:
    sid = session(live.repo.api, q.session).session_id
    live.pump()
    st = live.follower.state
    return reviews.review_result(st, st.sessions[sid])


async def review_document(live: ClientSync, q: p.ReviewDocumentParams) -> Any:
    uri = reviews.parse_uri(q.uri)
    if uri is None:
        raise p.InvalidParams(f"{q.uri} is not a review document (scheme "
                              f"{reviews.SCHEME}:)")
    live.pump()
    s = reviews.session_of(live.follower.state, uri)
    commit = reviews.commit_of(s, uri.side)
    if not commit:
        raise p.RequestFailed(f"session {s.name} has not started yet: no files to show")
    text = await asyncio.to_thread(file_at, live.repo.project.root, commit, uri.path)
    return wire.DocumentResult(text=text or "")


async def dashboard(live: ClientSync, _: p.NoParams) -> Any:
    """The page of `loopwright report --html`, of the log as it is now. Folding the
    whole log and drawing it takes a while on a long one, so it happens in a thread,
    on a connection of its own (a store is not shared between threads)."""
    project = live.repo.project
    html = await asyncio.to_thread(_render_dashboard, project.db_path,
                                   f"Loopwright · {project.root.name}")
    return wire.DashboardResult(html=html)


def _render_dashboard(db_path: Path, title: str) -> str:
    store = Store(db_path)
    try:
        history = History.of(store.read_all())
    finally:
        store.close()
    return render_report(history, time.time(), title=title)


ACTIONS = (
    Action("state", p.NoParams, wire.StateResult, state),
    Action("dispatch", p.DispatchParams, wire.DispatchResult, dispatch),
    Action("answer", p.AnswerParams, wire.AnswerResult, answer),
    Action("approve", p.SessionParams, wire.SessionResult,
           _session_action(lambda a, s, _q: a.approve(s))),
    Action("requestChanges", p.RequestChangesParams, wire.SessionResult,
           _session_action(lambda a, s, q: a.request_changes(s, q.note))),
    Action("reject", p.RejectParams, wire.SessionResult,
           _session_action(lambda a, s, q: a.reject(s, q.why))),
    Action("kill", p.KillParams, wire.SessionResult,
           _session_action(lambda a, s, q: a.kill(s, q.reason))),
    Action("retry", p.SessionParams, wire.SessionResult,
           _session_action(lambda a, s, _q: a.retry(s))),
    Action("cancel", p.TaskParams, wire.TaskResult, cancel),
    Action("dismiss", p.DismissParams, wire.DismissResult, dismiss),
    Action("hunk", p.HunkParams, wire.HunkResult, hunk),
    Action("review", p.SessionParams, reviews.ReviewResult, review),
    Action("reviewDocument", p.ReviewDocumentParams, wire.DocumentResult, review_document),
    Action("dashboard", p.NoParams, wire.DashboardResult, dashboard),
)


async def perform(action: Action, method: str, live: ClientSync, raw: Any) -> Any:
    """Parse, run, and turn a refusal into the JSON-RPC error a client can show. What
    the action appended goes out as a delta before the response does."""
    q = p.parse(method, raw, action.params)
    try:
        result = await action.run(live, q)
        live.pump()
        return wire.to_json(result)
    except ActionRefused as e:
        raise p.RequestFailed(f"{method}: {e}") from None
    except p.InvalidParams as e:
        raise p.InvalidParams(f"{method}: {e.message}") from None
    except p.RequestFailed as e:
        raise p.RequestFailed(f"{method}: {e.message}") from None


def _with_context(body: str, context: p.Context | str | None) -> str:
    if context is None:
        return body
    if isinstance(context, str):
        text, where = context, ""
    else:
        text, where = context.text, context.uri
        if where and context.start_line is not None:
            end = context.end_line if context.end_line is not None else context.start_line
            where += f" lines {context.start_line + 1}-{end + 1}"
    if not text.strip():
        return body
    fence = "````" if "```" in text else "```"
    head = f"Context from {where}:" if where else "Context:"
    return f"{body.rstrip()}\n\n{head}\n{fence}\n{text.rstrip()}\n{fence}\n".lstrip()
