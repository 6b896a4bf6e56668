"""The page's JSON API (all under /api/, behind the guard's token): read the view, act
through the front-end API as `web`, follow changes as server-sent events."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..manager.api import ActionRefused, FrontEndApi
from ..state import SessionState
from . import snapshot as snap
from .context import WebContext, web_context

log = logging.getLogger(__name__)
BY = "web"
KEEPALIVE_SECONDS = 15.0
RECHECK_SECONDS = 5.0  # the manager's liveness is re-read at least this often


async def state(request: Request) -> Response:
    return JSONResponse(web_context(request).snapshot)


async def review_diff(request: Request) -> Response:
    ctx = web_context(request)
    ref = request.path_params["session"]
    try:
        s = ctx.api.session(ref)
        text = await asyncio.to_thread(ctx.api.diff_of, s)  # git, in a thread
    except ActionRefused as e:
        return JSONResponse({"error": str(e)}, status_code=404)
    return JSONResponse({"session": s.session_id, "files": snap.files_of(text)})


async def act(request: Request) -> Response:
    ctx = web_context(request)
    verb = request.path_params["verb"]
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JSONResponse({"error": "the body is not JSON"}, status_code=400)
    if not isinstance(body, dict) or not isinstance(body.get("ref", ""), str):
        return JSONResponse({"error": "give {\"ref\": ...}"}, status_code=400)
    action = ACTIONS.get(verb)
    if action is None:
        return JSONResponse({"error": f"no action {verb!r}"}, status_code=404)
    ref = str(body.get("ref", ""))
    text = body.get("text", "")
    if not isinstance(text, str):
        return JSONResponse({"error": "text must be a string"}, status_code=400)
    late = already_settled(ctx.api, verb, ref)
    if late is not None:
        return JSONResponse({"error": late, "late": True}, status_code=409)
    try:
        message = action(ctx.api, ref, text)
    except ActionRefused as e:
        return JSONResponse({"error": str(e)}, status_code=409)
    await refresh(ctx)
    return JSONResponse({"ok": True, "message": message})


def already_settled(api: FrontEndApi, verb: str, ref: str) -> str | None:
    """First response wins: a late answer is told, politely, who answered first."""
    st = api.refresh()
    if verb == "answer" and (d := st.decisions.get(ref)) is not None and not d.open:
        who = {"web": "on the web page", "push": "from a notification",
               "cli": "from the command line", "human": "from the command line or editor",
               "editor": "in the editor"}.get(d.answered_by, f"by {d.answered_by}")
        return (f"Thanks, but this was already answered {who}: {d.answer!r}. "
                "Nothing more is needed.")
    s = st.sessions.get(ref)
    if verb in ("approve", "request-changes", "reject") and s is not None \
            and s.state != SessionState.AWAITING_APPROVAL:
        return (f"Thanks, but this change was already dealt with: it is {s.state.value} "
                "now. Nothing more is needed.")
    return None


Action = Callable[[FrontEndApi, str, str], str]


def tell(api: FrontEndApi, _ref: str, text: str) -> str:
    told = getattr(api, "tell", None)  # the manager agent's, where this version has it
    if told is None:
        raise ActionRefused("this version has no manager agent to tell")
    told(text, by=BY)
    return "told the manager"

ACTIONS: dict[str, Action] = {
    "answer": lambda api, ref, text: f"answered: {api.answer(ref, text, by=BY).answer}",
    "approve": lambda api, ref, _t: f"approved {api.approve(ref, by=BY).name}",
    "request-changes": lambda api, ref, text: (
        f"sent back to {api.request_changes(ref, text, by=BY).name}"),
    "reject": lambda api, ref, text: f"rejected {api.reject(ref, text, by=BY).name}",
    "kill": lambda api, ref, text: f"killed {api.kill(ref, text, by=BY).name}",
    "retry": lambda api, ref, _t: f"retrying {api.retry(ref, by=BY).name}",
    "tell": tell,
}


async def live(request: Request) -> Response:
    ctx = web_context(request)

    async def stream() -> AsyncIterator[dict[str, Any]]:
        seen = 0  # version 0: no view built yet
        while True:
            async with ctx.changed:
                while ctx.version == seen:
                    await ctx.changed.wait()
                seen, data = ctx.version, ctx.snapshot
            yield {"event": "snapshot", "data": json.dumps(data, separators=(",", ":"))}

    return EventSourceResponse(stream(), ping=int(KEEPALIVE_SECONDS),
                               headers={"Cache-Control": "no-store"})


async def refresh(ctx: WebContext, *, force: bool = False) -> None:
    """Build the view again and wake every live stream, when the log moved (or, with
    `force`, anyway: a manager killed without a word leaves no record)."""
    if not force and ctx.snapshot and ctx.api.store.last_seq() == ctx.snapshot.get("seq"):
        return
    data = snap.snapshot(ctx.api)
    async with ctx.changed:
        ctx.snapshot, ctx.version = data, ctx.version + 1
        ctx.changed.notify_all()


async def follow_log(ctx: WebContext) -> None:
    """Owned by the app's lifespan: keep the view fresh as anyone appends to the log."""
    loop = asyncio.get_running_loop()
    last = loop.time()
    while True:
        force = loop.time() - last >= RECHECK_SECONDS
        try:
            await refresh(ctx, force=force)
        except Exception:  # a bad moment reading the log must not end the page
            log.exception("web: could not refresh the page's view")
        if force:
            last = loop.time()
        await ctx.api.store.wait(RECHECK_SECONDS)


ROUTES: list[BaseRoute] = [
    Route("/api/state", state),
    Route("/api/live", live),
    Route("/api/review/{session}", review_diff),
    Route("/api/act/{verb}", act, methods=["POST"]),
]
