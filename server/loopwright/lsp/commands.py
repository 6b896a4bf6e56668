"""`loopwright/*` requests, and the same actions as `workspace/executeCommand` commands.

One thin function per action: typed params in, the manager API called, a small JSON
result out. A refused action becomes a JSON-RPC error whose message says why:
InvalidParams (-32602) for what is wrong with the request itself (a missing or empty
field, an unknown session, thread or hunk, a line outside the file), RequestFailed
(-32803) for a well-formed action that does not apply now (the session is in another
state, the decision was already answered). Every message starts with the method.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.split_plan import PlanError, SubTaskSpec, parse_plan
from ..insight import history_snapshot
from ..insight.report import render_report
from ..manager.api import ActionRefused, BadInput, FrontEndApi
from ..state import Session
from ..store import Store
from ..views.preview import PreviewView, preview_view
from ..workspace.diff import file_at
from . import lenses, reviews, threads, wire
from . import params as p
from .live import ClientSync
from .review_uri import session

Handler = Callable[[ClientSync, Any], Awaitable[Any]]


@dataclass(frozen=True)
class Action:
    name: str  # `loopwright/<name>` and `loopwright.<name>`
    params: type[p.Params]
    result: type[Any]  # a wire struct: what protocol.ts and docs/protocol.md say it answers
    run: Handler


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


def task_of(api: FrontEndApi, ref: str) -> str:
    try:
        return api.task(ref).task_id
    except ActionRefused as e:
        raise p.InvalidParams(str(e)) from None


async def split(live: ClientSync, q: p.SplitParams) -> Any:
    api = live.repo.api
    tid = task_of(api, q.task)
    if q.plan and q.children:
        raise p.InvalidParams("give `children` or `plan`, not both")
    try:
        specs = (parse_plan(q.plan, source="`plan`") if q.plan else
                 [SubTaskSpec(key=c.key, title=c.title, body=c.body,
                              depends_on=c.depends_on, labels=c.labels,
                              priority=c.priority, backend=c.backend)
                  for c in q.children])
    except PlanError as e:
        raise p.InvalidParams(str(e)) from None
    t = api.split(tid, specs, reason=q.reason)
    return wire.SplitResult(task_id=t.task_id, children=list(t.children))


async def steer(live: ClientSync, q: p.SteerParams) -> Any:
    api = live.repo.api
    s = api.steer(session(api, q.session).session_id, q.note)
    return wire.SessionResult(session_id=s.session_id, state=s.state.value)


async def priority(live: ClientSync, q: p.PriorityParams) -> Any:
    api = live.repo.api
    t = api.prioritise(task_of(api, q.task), q.priority, reason=q.reason)
    return wire.TaskResult(task_id=t.task_id, verdict=t.verdict.value)


async def dismiss(live: ClientSync, q: p.DismissParams) -> Any:
    live.repo.api.dismiss(q.file)
    return wire.DismissResult(file=q.file)


async def presence(live: ClientSync, q: p.PresenceParams) -> Any:
    return wire.PresenceResult(recorded=live.repo.api.presence(q.active, by="editor"))


async def review(live: ClientSync, q: p.SessionParams) -> Any:
    sid = session(live.repo.api, q.session).session_id
    live.pump()
    st = live.follower.state
    return reviews.review_result(st, st.sessions[sid], live.repo.api.config.gate)


PREVIEW_SLACK_SECONDS = 30.0  # besides ready_seconds: the manager notices, starts, waits


async def preview(live: ClientSync, q: p.SessionParams) -> Any:
    """Start (or keep up) the session's preview; answers once it is ready or failed."""
    api = live.repo.api
    s = api.request_preview(session(api, q.session).session_id, by="lsp")
    asked = s.environment.preview_requested_at
    deadline = time.monotonic() + api.config.preview.ready_seconds + PREVIEW_SLACK_SECONDS
    while time.monotonic() < deadline:
        live.pump()
        current = live.follower.state.sessions[s.session_id]
        got = current.environment.preview
        if got is not None and (got.status == "ready" or (
                got.status == "failed" and got.started_at >= asked)):
            return preview_view(current)
        await asyncio.sleep(0.05)
    raise p.RequestFailed(f"the preview of {s.name} did not come up in time")


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
        history = history_snapshot.load(store)
    finally:
        store.close()
    return render_report(history, time.time(), title=title)


async def tell(live: ClientSync, q: p.TellParams) -> Any:
    return live.repo.api.tell(q.text)


async def manager(live: ClientSync, q: p.ManagerParams) -> Any:
    live.pump()
    return live.repo.api.manager_thread(q.after)


async def overrule_act(live: ClientSync, q: p.OverruleActParams) -> Any:
    return live.repo.api.overrule_act(q.act, q.answer, q.why)
async def web_link(live: ClientSync, _: p.NoParams) -> Any:
    """The phone page's link and its QR code as SVG, for the editor to show: the running
    page's, else the one `[web]` would serve."""
    from ..web import qr  # the page's modules (Starlette, uvicorn): 0.2 s the editor's
    from ..web.server import page_link  # start need not wait for

    project = live.repo.project
    link = page_link(project, live.repo.api.config)
    return wire.WebLinkResult(url=link.url, base_url=link.base, served=link.served,
                              svg=qr.svg(link.url))


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
    Action("split", p.SplitParams, wire.SplitResult, split),
    Action("steer", p.SteerParams, wire.SessionResult, steer),
    Action("priority", p.PriorityParams, wire.TaskResult, priority),
    Action("presence", p.PresenceParams, wire.PresenceResult, presence),
    Action("hunk", p.HunkParams, wire.HunkResult, hunk),
    Action("review", p.SessionParams, reviews.ReviewResult, review),
    Action("reviewDocument", p.ReviewDocumentParams, wire.DocumentResult, review_document),
    Action("preview", p.SessionParams, PreviewView, preview),
    Action("dashboard", p.NoParams, wire.DashboardResult, dashboard),
    Action("tell", p.TellParams, wire.ThreadEntry, tell),
    Action("manager", p.ManagerParams, wire.ManagerThread, manager),
    Action("overruleAct", p.OverruleActParams, wire.ThreadEntry, overrule_act),
    Action("threads", p.ThreadsParams, threads.ThreadsResult, threads.threads),
    Action("openThread", p.OpenThreadParams, threads.ThreadResult, threads.open_thread),
    Action("replyThread", p.ReplyThreadParams, threads.ThreadResult, threads.reply_thread),
    Action("resolveThread", p.ResolveThreadParams, threads.ThreadResult,
           threads.resolve_thread),
    Action("viewed", p.ViewedParams, threads.ViewedResult, threads.viewed),
    Action("interdiff", p.SessionParams, threads.InterdiffResult, threads.interdiff),
    Action("reviewLenses", p.ReviewLensesParams, lenses.ReviewLensesResult,
           lenses.review_lenses),
    Action("hunkLenses", p.ReviewLensesParams, lenses.HunkLensesResult, lenses.hunk_lenses),
    Action("webLink", p.NoParams, wire.WebLinkResult, web_link),
)


async def perform(action: Action, method: str, live: ClientSync, raw: Any) -> Any:
    """Parse, run, and turn a refusal into the JSON-RPC error a client can show. What
    the action appended goes out as a delta before the response does."""
    q = p.parse(method, raw, action.params)
    try:
        result = await action.run(live, q)
        live.pump()
        return result if isinstance(result, lenses.Encoded) else wire.to_json(result)
    except BadInput as e:
        raise p.InvalidParams(f"{method}: {e}") from None
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
