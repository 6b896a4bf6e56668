"""Helpers for the push tests: the callback route served over real HTTP (uvicorn on a
loopback socket), the way the page serves it, and the [push] config pointing at a fake
ntfy server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from loopwright.manager.api import ActionRefused, FrontEndApi
from loopwright.project import Project
from loopwright.push.press import press
from loopwright.push.sender import KEY_FILE
from loopwright.push.sign import Signer


def push_config(ntfy_url: str, page_url: str, **more: object) -> str:
    lines = [f'url = "{ntfy_url}"', 'topic = "lw-test"', f'page_url = "{page_url}"',
             *(f"{k} = {v!r}".replace("'", '"') for k, v in more.items())]
    return "[push]\n" + "\n".join(lines) + "\n"


def free_port() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def callbacks(project: Project) -> AsyncIterator[str]:
    """A page that only takes action buttons' callbacks; yields its base URL."""
    api = FrontEndApi.open(project)

    async def act(request: Request) -> PlainTextResponse:
        signer = Signer.at(project.dot / KEY_FILE)
        status, text = press(api, signer, await request.body(), ActionRefused)
        return PlainTextResponse(text, status_code=status)

    app = Starlette(routes=[Route("/push/act", act, methods=["POST"])])
    sock = free_port()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.01)
        host, port = sock.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
        api.close()
