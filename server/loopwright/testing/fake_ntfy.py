"""A local fake of an ntfy server, for tests, benchmarks and offline demos.

It serves ntfy's JSON publish API over real HTTP on 127.0.0.1: `POST /` with a JSON body
naming its `topic` answers 200 with the message as ntfy does (`id`, `time`, `event`,
`topic`, ...), and records what was posted. With a `token`, a request without
`Authorization: Bearer <token>` gets ntfy's 401. `fail(status)` makes it answer that
status (ntfy's error JSON) until `recover()`, as a server that is down or overloaded
would. `press(message, label)` does what the ntfy app does when an `http` action button
is tapped: it sends the action's request to its URL.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Json = dict[str, Any]
MAX_BODY = 64 * 1024  # ntfy's own limit on a message body is far lower for text


@dataclass
class Posted:
    """One publish the fake received."""

    body: Json
    authorization: str
    at: float  # time.time() when it arrived: against the log's record times
    status: int  # what the fake answered

    @property
    def title(self) -> str:
        return str(self.body.get("title", ""))

    @property
    def actions(self) -> list[Json]:
        return list(self.body.get("actions", []))

    def action(self, label: str) -> Json:
        for a in self.actions:
            if a.get("label") == label:
                return a
        raise KeyError(f"no action {label!r} in {[a.get('label') for a in self.actions]}")


@dataclass
class Pressed:
    """What the page answered a pressed button."""

    status: int
    text: str


@dataclass
class FakeNtfy:
    token: str = ""  # "": no authorization needed
    posts: list[Posted] = field(default_factory=list)  # accepted ones
    attempts: list[Posted] = field(default_factory=list)  # every one, failed included
    failing: int = 0  # the status answered while failing; 0: working
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeNtfy:
        fake = self

        class Handler(_Handler):
            ntfy = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name="fake-ntfy").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeNtfy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what a test does ------------------------------------------------------------

    def fail(self, status: int = 503) -> None:
        with self._lock:
            self.failing = status

    def recover(self) -> None:
        with self._lock:
            self.failing = 0

    def wait_for(self, count: int, timeout: float = 10.0, *,
                 attempts: bool = False) -> list[Posted]:
        """Block until `count` publishes were accepted (or attempted); all of them."""
        deadline = time.monotonic() + timeout
        with self._lock:
            seen = self.attempts if attempts else self.posts
            while len(seen) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(seen)} of {count} publishes after {timeout}s")
                self._lock.wait(left)
            return list(seen)

    def press(self, posted: Posted, label: str, timeout: float = 10.0) -> Pressed:
        """Tap action `label` of a received notification, as the ntfy app does: an
        `http` action sends its method, headers and body to its URL."""
        a = posted.action(label)
        if a.get("action") != "http":
            raise ValueError(f"{label!r} is a {a.get('action')} action: it opens a page")
        data = str(a.get("body", "")).encode()
        req = urllib.request.Request(str(a["url"]), data=data,
                                     method=str(a.get("method", "POST")),
                                     headers=dict(a.get("headers", {})))
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Pressed(r.status, r.read().decode())
        except urllib.error.HTTPError as e:
            return Pressed(e.code, e.read().decode())

    # --- the server ------------------------------------------------------------------

    def _receive(self, body: Json, authorization: str) -> tuple[int, Json]:
        with self._lock:
            status = self._status(body, authorization)
            posted = Posted(body=body, authorization=authorization, at=time.time(),
                            status=status)
            self.attempts.append(posted)
            if status == 200:
                self.posts.append(posted)
            self._lock.notify_all()
        if status != 200:
            return status, _error(status)
        return 200, {"id": secrets.token_hex(6), "time": int(time.time()),
                     "event": "message", "topic": body["topic"],
                     **{k: body[k] for k in ("title", "message", "priority", "tags",
                                             "click", "actions") if k in body}}

    def _status(self, body: Json, authorization: str) -> int:
        if self.failing:
            return self.failing
        if self.token and authorization != f"Bearer {self.token}":
            return 401
        if not isinstance(body.get("topic"), str) or not body["topic"]:
            return 400
        return 200


_ERRORS = {400: (40001, "invalid request"), 401: (40101, "unauthorized"),
           429: (42901, "limit reached: too many requests"),
           500: (50001, "internal server error"), 503: (50301, "service unavailable")}


def _error(status: int) -> Json:
    code, text = _ERRORS.get(status, (status * 100 + 1, "error"))
    return {"code": code, "http": status, "error": text}


class _Handler(BaseHTTPRequestHandler):
    ntfy: FakeNtfy

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.path not in ("/", "") or length > MAX_BODY:
            self._send(404 if length <= MAX_BODY else 413, _error(404))
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._send(400, _error(400))
            return
        if not isinstance(body, dict):
            self._send(400, _error(400))
            return
        self._send(*self.ntfy._receive(body, self.headers.get("Authorization", "")))

    def _send(self, status: int, payload: Json) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass
