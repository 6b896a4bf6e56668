"""`loopwright run --webhook [HOST:]PORT`: GitHub's deliveries, verified, into the loop.

A small HTTP server in a thread. Every delivery must be signed: `X-Hub-Signature-256`
is `sha256=` and the hex HMAC-SHA256 of the raw body under the secret from
`LOOPWRIGHT_WEBHOOK_SECRET` (`[webhook] secret_env`), compared in constant time. What
is refused, and how:

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
import ipaddress
import json
import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)
Deliver = Callable[[str, dict[str, Any]], None]


class WebhookError(Exception):
    pass


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


def parse_address(text: str) -> tuple[str, int]:
    """`PORT`, `HOST:PORT` or `[IPv6]:PORT`; the host defaults to 127.0.0.1."""
    host, sep, port = text.strip().rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text.strip()
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise WebhookError(f"--webhook {text!r}: give PORT or HOST:PORT (like 127.0.0.1:8787)")
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookServer:
    def __init__(self, host: str, port: int, secret: bytes, max_bytes: int,
                 deliver: Deliver) -> None:
        if not secret:
            raise WebhookError("the webhook needs a secret: set LOOPWRIGHT_WEBHOOK_SECRET "
                               "(the same one as in the GitHub webhook's settings)")
        self.secret, self.max_bytes, self.deliver = secret, max_bytes, deliver
        self.received = 0
        self.refused: dict[int, int] = {}  # status -> count
        server = self

        class Handler(_Handler):
            hook = server

        server_class = _HTTPServer6 if ":" in host else ThreadingHTTPServer
        try:
            self._http = server_class((host, port), Handler)
        except OSError as e:
            raise WebhookError(f"cannot listen on {host}:{port}: {e}") from e
        if not is_loopback(host):
            log.warning("the webhook listens on %s, not only on this machine", host)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True,
                                        name="loopwright-webhook")
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


class _HTTPServer6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    hook: WebhookServer
    protocol_version = "HTTP/1.1"
    server_version = "loopwright-webhook"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("webhook: " + format, *args)

    def do_POST(self) -> None:
        hook = self.hook
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            return self._answer(411, "Content-Length required", close=True)
        length = int(length_text)
        if length > hook.max_bytes:
            return self._answer(413, f"payload over {hook.max_bytes} bytes", close=True)
        body = self.rfile.read(length)
        sig = self.headers.get("X-Hub-Signature-256", "")
        if not sig:
            return self._answer(401, "unsigned: X-Hub-Signature-256 is missing")
        if not verify(hook.secret, body, sig):
            return self._answer(403, "X-Hub-Signature-256 does not match")
        event = self.headers.get("X-GitHub-Event", "")
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
        hook.received += 1
        try:
            hook.deliver(event, payload)
        except RuntimeError:  # the loop has stopped
            return self._answer(503, "shutting down")
        self._answer(202, "accepted")

    def do_GET(self) -> None:
        self._answer(405, "POST GitHub webhook deliveries here")

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _answer(self, status: int, message: str, *, close: bool = False) -> None:
        if status >= 400:
            self.hook.refused[status] = self.hook.refused.get(status, 0) + 1
            log.info("webhook refused a delivery: %d %s", status, message)
        body = json.dumps({"message": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
