"""The guard in front of every route: body limits, the token, security headers.

- A body (any method) needs `Content-Length`, at most `[web] max_body_bytes`: else 411
  or 413, unread.
- `/api/*` needs `Authorization: Bearer <token>`. A cookie is never enough (so no other
  site can make the browser act: no CSRF); a missing or bad token is 401, and repeated
  bad tokens from one client are answered ever more slowly, with 429.
- `/push/*` (the notification buttons' callbacks) carry their own per-item signature.
- The static page is public: it holds no secret.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .access import BadTokens, TokenCheck

log = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]



def policy(*, script: str = "'self'", style: str = "'self'") -> str:
    """The Content-Security-Policy: nothing but the page's own script, style and API."""
    return (f"default-src 'none'; script-src {script}; style-src {style}; "
            "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'")


CSP = b"content-security-policy"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
PROTECTED = "/api/"


class Guard:
    def __init__(self, app: App, *, tokens: TokenCheck, max_body_bytes: int,
                 bad: BadTokens | None = None) -> None:
        self.app, self.tokens, self.max_body_bytes = app, tokens, max_body_bytes
        self.bad = bad or BadTokens()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        refusal = self._body_refusal(scope, headers)
        if refusal is None and scope["path"].startswith(PROTECTED):
            refusal = await self._token_refusal(scope, headers)
        if refusal is not None:
            status, message, extra = refusal
            return await _answer(send, status, message, extra)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = list(message.get("headers", []))
                if not any(k.lower() == CSP for k, _ in have):  # the page brings its own
                    have.append((CSP, policy().encode()))
                message["headers"] = [*have, *SECURITY_HEADERS]
                if scope["path"].startswith(PROTECTED):
                    message["headers"].append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, _capped(receive, self.max_body_bytes), with_headers)

    def _body_refusal(self, scope: Scope, headers: dict[str, str]
                      ) -> tuple[int, str, dict[str, str]] | None:
        if scope["method"] in ("GET", "HEAD", "OPTIONS") and "content-length" not in headers \
                and "transfer-encoding" not in headers:
            return None
        length = headers.get("content-length", "")
        if not length.isdigit():
            return 411, "Content-Length required", {"connection": "close"}
        if int(length) > self.max_body_bytes:
            return (413, f"the request body is over {self.max_body_bytes} bytes",
                    {"connection": "close"})
        return None

    async def _token_refusal(self, scope: Scope, headers: dict[str, str]
                             ) -> tuple[int, str, dict[str, str]] | None:
        scheme, _, presented = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.tokens.matches(presented.strip()):
            return None
        client = (scope.get("client") or ("?", 0))[0]
        delay = self.bad.missed(str(client))
        if delay:
            log.warning("web: repeated bad tokens from %s; slowing down", client)
            await asyncio.sleep(delay)
            return 429, "too many bad tokens: wait, then open the link again", {
                "retry-after": str(max(1, round(delay)))}
        if not presented:
            why = ("the token goes in the Authorization header; a cookie alone is not "
                   "accepted" if "cookie" in headers else "no token: open the link that "
                   "`loopwright web url` prints")
            return 401, why, {"www-authenticate": "Bearer"}
        return 401, ("this token is not (or no longer) valid: `loopwright web url` prints "
                     "the current link"), {"www-authenticate": "Bearer"}


def _capped(receive: Receive, limit: int) -> Receive:
    """Never hand the app more than `limit` bytes, whatever the header said."""
    seen = 0

    async def inner() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise ValueError("request body over the limit")
        return message

    return inner


async def _answer(send: Send, status: int, message: str, extra: dict[str, str]) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()), (CSP, policy().encode()),
               *SECURITY_HEADERS,
               *((k.encode(), v.encode()) for k, v in extra.items())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
