"""What every route of the page's app gets (also the push callbacks w2 mounts)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from ..config import Config
from ..manager.api import FrontEndApi
from ..project import Project


def item_url(base_url: str, ref: str) -> str:
    """Where the page shows one inbox item: `<base>/#/item/<ref>` (decision id, or the
    session id of a review). The token is not in it: the phone keeps it."""
    return f"{base_url.rstrip('/')}/#/item/{ref}"


@dataclass
class WebContext:
    project: Project
    config: Config
    base_url: str
    api: FrontEndApi  # opened on the server's thread: use from async handlers only
    snapshot: dict[str, Any] = field(default_factory=dict)  # the page's view, kept fresh
    version: int = 0  # bumped each time `snapshot` changes
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def item_url(self, ref: str) -> str:
        return item_url(self.base_url, ref)


def web_context(request: Request) -> WebContext:
    ctx = request.app.state.ctx
    assert isinstance(ctx, WebContext)
    return ctx
