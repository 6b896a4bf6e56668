"""`loopwright run --webhook [HOST:]PORT`: GitHub's deliveries, verified, into the loop.

A Starlette app on the project's one HTTP layer (`serving.py`: uvicorn in a thread).
Every delivery must be signed: `X-Hub-Signature-256` is `sha256=` and the hex
HMAC-SHA256 of the raw body under the secret from `LOOPWRIGHT_WEBHOOK_SECRET`
(`[webhook] secret_env`), compared in constant time. What is refused, and how:

- no `Content-Length`: 411; a body over `[webhook] max_bytes`: 413, without reading it;
- no signature: 401; a signature that does not match: 403;
- no `X-GitHub-Event`, or a body that is not JSON: 400; anything but POST: 405.

A verified delivery is answered 202 at once and handed to the loop's thread; `ping` is
answered 200. The server binds to 127.0.0.1 unless an address says otherwise: put a
tunnel or a reverse proxy in front of it rather than exposing it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..serving import HttpServer, ServingError
from ..serving import is_loopback as is_loopback
from ..serving import parse_address as _parse_address

log = logging.getLogger(__name__)
Deliver = Callable[[str, dict[str, Any]], None]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


class WebhookError(Exception):
    pass


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


def parse_address(text: str) -> tuple[str, int]:
    """`PORT`, `HOST:PORT` or `[IPv6]:PORT`; the host defaults to 127.0.0.1."""
    try:
        address = _parse_address(text, option="--webhook")
    except ServingError as e:
        raise WebhookError(str(e)) from None
    return address.host, address.port


class WebhookServer:
    def __init__(self, host: str, port: int, secret: bytes, max_bytes: int,
                 deliver: Deliver) -> None:
        if not secret:
            raise WebhookError("the webhook needs a secret: set LOOPWRIGHT_WEBHOOK_SECRET "
                               "(the same one as in the GitHub webhook's settings)")
        self.secret, self.max_bytes, self.deliver = secret, max_bytes, deliver
        self.received = 0
        self.refused: dict[int, int] = {}  # status -> count
        self._app = Starlette(routes=[Route("/{path:path}", self._receive, methods=METHODS)])
        try:
            self._http = HttpServer(_parse_address(f"[{host}]:{port}", option="--webhook"),
                                    name="webhook")
        except ServingError as e:
            raise WebhookError(str(e)) from e
        if not is_loopback(host):
            log.warning("the webhook listens on %s, not only on this machine", host)

    @property
    def port(self) -> int:
        return self._http.port

    def start(self) -> None:
        self._http.start(self._app)

    def stop(self) -> None:
        self._http.stop()

    async def _receive(self, request: Request) -> JSONResponse:
        if request.method != "POST":
            return self._answer(405, "POST GitHub webhook deliveries here")
        length_text = request.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            return self._answer(411, "Content-Length required", close=True)
        if int(length_text) > self.max_bytes:
            return self._answer(413, f"payload over {self.max_bytes} bytes", close=True)
        body = await request.body()
        sig = request.headers.get("X-Hub-Signature-256", "")
        if not sig:
            return self._answer(401, "unsigned: X-Hub-Signature-256 is missing")
        if not verify(self.secret, body, sig):
            return self._answer(403, "X-Hub-Signature-256 does not match")
        event = request.headers.get("X-GitHub-Event", "")
        if not event:
            return self._answer(400, "X-GitHub-Event is missing")
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return self._answer(400, "the payload is not JSON")
        if not isinstance(payload, dict):
            return self._answer(400, "the payload is not a JSON object")
        if event == "ping":
            return self._answer(200, "pong")
        self.received += 1
        try:
            self.deliver(event, payload)
        except RuntimeError:  # the loop has stopped
            return self._answer(503, "shutting down")
        return self._answer(202, "accepted")

    def _answer(self, status: int, message: str, *, close: bool = False) -> JSONResponse:
        if status >= 400:
            self.refused[status] = self.refused.get(status, 0) + 1
            log.info("webhook refused a delivery: %d %s", status, message)
        headers = {"Connection": "close"} if close else None
        return JSONResponse({"message": message}, status_code=status, headers=headers)
