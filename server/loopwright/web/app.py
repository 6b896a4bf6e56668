"""The page's app: the guard, the JSON API, the static page, and mounted extras
(the push callbacks, under /push)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from ..config import Config
from ..manager.api import FrontEndApi
from ..project import Project
from ..state import State
from ..store import Store
from . import routes
from .access import BadTokens, TokenCheck
from .context import WebContext
from .guard import Guard

STATIC = Path(__file__).parent / "static"
PUSH_MOUNT = "/push"


def create_app(project: Project, config: Config, base_url: str, *,
               extra_routes: Sequence[BaseRoute] = (), bad: BadTokens | None = None
               ) -> Guard:
    """The ASGI app. The front-end API is opened when the server starts, on its thread."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        api = FrontEndApi(project, config, Store(project.db_path), State())
        ctx = WebContext(project=project, config=config, base_url=base_url, api=api)
        app.state.ctx = ctx
        await routes.refresh(ctx)
        follower = asyncio.create_task(routes.follow_log(ctx), name="web-follow-log")
        try:
            yield
        finally:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
            api.close()

    mounts: list[BaseRoute] = [*routes.ROUTES]
    if extra_routes:
        mounts.append(Mount(PUSH_MOUNT, routes=list(extra_routes)))
    mounts.append(Mount("/", app=StaticFiles(directory=STATIC, html=True)))
    app = Starlette(routes=mounts, lifespan=lifespan)
    return Guard(app, tokens=TokenCheck(project.dot), max_body_bytes=config.web.max_body_bytes,
                 bad=bad)
