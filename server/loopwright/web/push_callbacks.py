"""The callbacks of push notifications' action buttons, mounted under `/push`.

The ntfy app POSTs a button's signed body here when it is pressed; it cannot carry the
page's token, so the signature is the credential (push/sign.py), for that one item and
answer. `push.press` checks it, refuses a press that came too late (saying who
answered first), and acts through the front-end API as `push`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route

from ..manager.api import ActionRefused
from ..push.press import press
from ..push.sender import KEY_FILE
from ..push.sign import MAX_TOKEN, Signer
from .context import web_context


async def act(request: Request) -> PlainTextResponse:
    ctx = web_context(request)
    body = await request.body()
    if len(body) > MAX_TOKEN:
        return PlainTextResponse("Refused: that is not a callback.", status_code=413)
    signer = Signer.at(ctx.project.dot / KEY_FILE)
    status, text = press(ctx.api, signer, body, ActionRefused)
    return PlainTextResponse(text, status_code=status)


def routes() -> list[BaseRoute]:
    return [Route("/act", act, methods=["POST"])]
