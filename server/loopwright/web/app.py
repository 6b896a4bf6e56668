"""The page's app: the guard, the JSON API, the static page, and mounted extras
(the push callbacks, under /push)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from .. import store_snapshot
from ..config import Config
from ..manager.api import FrontEndApi
from ..project import Project
from ..store import Store
from . import routes
from .access import BadTokens, TokenCheck
from .context import WebContext
from .guard import Guard, policy

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PUSH_MOUNT = "/push"


def page() -> tuple[bytes, str]:
    """index.html with its style and script inlined (one round trip fewer on a phone),
    and the Content-Security-Policy that allows exactly those two by their hashes."""
    html = (STATIC / "index.html").read_text()
    css, js = (STATIC / "app.css").read_text(), (STATIC / "app.js").read_text()
    html = html.replace('<link rel="stylesheet" href="app.css">', f"<style>{css}</style>")
    html = html.replace('<script src="app.js"></script>', f"<script>{js}</script>")

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    return html.encode(), policy(script=digest(js), style=digest(css))


def create_app(project: Project, config: Config, base_url: str, *,
               extra_routes: Sequence[BaseRoute] = (), bad: BadTokens | None = None
               ) -> Guard:
    """The ASGI app. The front-end API is opened when the server starts, on its thread."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = Store(project.db_path)  # the snapshot's live part and the tail, not the log
        api = FrontEndApi(project, config, store, store_snapshot.load(store, history=False))
        ctx = WebContext(project=project, config=config, base_url=base_url, api=api)
        app.state.ctx = ctx
        try:
            await routes.refresh(ctx)
        except Exception:  # a view that fails must not keep the page (and push) down
            log.exception("web: could not build the page's first view; retrying")
        follower = asyncio.create_task(routes.follow_log(ctx), name="web-follow-log")
        try:
            yield
        finally:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
            api.close()

    html, csp = page()

    async def index(_request: Request) -> Response:
        return Response(html, media_type="text/html; charset=utf-8",
                        headers={"content-security-policy": csp, "cache-control": "no-cache"})

    mounts: list[BaseRoute] = [Route("/", index), *routes.ROUTES]
    if extra_routes:
        mounts.append(Mount(PUSH_MOUNT, routes=list(extra_routes)))
    mounts.append(Mount("/", app=StaticFiles(directory=STATIC, html=True)))
    app = Starlette(routes=mounts, lifespan=lifespan)
    return Guard(app, tokens=TokenCheck(project.dot), max_body_bytes=config.web.max_body_bytes,
                 bad=bad)
