"""The HTTP side of the fake Messages API: a threaded server on 127.0.0.1 that reads a
request, asks its `App` for a `Reply`, and writes it — as JSON, as chunked SSE, or in the
broken way an injected fault asks for. No decisions are made here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from . import wire
from .script import Fault

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """What to send. `body` is a JSON body, or with `stream` the message to send as SSE;
    `fault` (stall, malformed, drop, stream_error) says how the sending breaks."""

    request_id: str
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    stream: bool = False
    fault: Fault | None = None


class App(Protocol):
    stopping: threading.Event
    chunk_chars: int

    def reply(self, method: str, path: str, headers: Mapping[str, str], raw: bytes) -> Reply: ...

    def opened(self, sock: socket.socket) -> None: ...

    def closed(self) -> None: ...


class LocalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, app: App) -> None:
        self.app = app
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up is ordinary here (faults provoke it); anything else is
        logged with its traceback rather than printed."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            log.debug("fake Messages API: connection from %s ended: %r", client_address, error)
        else:
            log.exception("fake Messages API: error while serving %s", client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LocalHTTPServer

    def setup(self) -> None:
        super().setup()
        # Each SSE event is its own small write: without this, Nagle's algorithm meets the
        # client's delayed ACK and every reply waits ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.app.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.app.closed()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.app.reply(self.command, self.path, headers, raw)
        try:
            Sender(self, self.server.app).send(reply)
        except OSError as err:
            log.debug("fake Messages API: client went away: %r", err)
            self.close_connection = True

    do_GET = do_PUT = do_DELETE = do_PATCH = do_POST


class Sender:
    """Writes one `Reply` to the socket: JSON, SSE (chunked), or a fault's way of failing."""

    def __init__(self, handler: Handler, app: App) -> None:
        self.h, self.app = handler, app

    def send(self, reply: Reply) -> None:
        kind = reply.fault.kind if reply.fault else None
        if reply.stream:
            self._send_stream(reply, kind)
        elif kind == "stall":
            self._stall(reply.fault)
        else:
            self._send_json(reply, kind)

    def _send_json(self, reply: Reply, kind: str | None) -> None:
        data = json.dumps(reply.body).encode()
        if kind == "malformed":
            data = data[: len(data) // 2]
        headers = {**reply.headers, "content-length": str(len(data))}
        self._head(reply, "application/json", headers)
        if kind == "drop":
            self.h.wfile.write(data[: len(data) // 2])
            self._abort()
        else:
            self.h.wfile.write(data)

    def _send_stream(self, reply: Reply, kind: str | None) -> None:
        headers = {**reply.headers, "cache-control": "no-cache", "transfer-encoding": "chunked"}
        self._head(reply, "text/event-stream; charset=utf-8", headers)
        events = wire.stream_events(reply.body, chunk_chars=self.app.chunk_chars)
        if kind is None:
            for event, data in events:
                self._chunk(wire.encode_sse(event, data))
            self._chunk(b"")
            return
        # message_start and ping; a dropped connection also gets a block's start and delta
        for _ in range(4 if kind == "drop" else 2):
            self._chunk(wire.encode_sse(*next(events)))
        if kind == "stall":
            self._stall(reply.fault)
        elif kind == "drop":
            self._abort()
        else:
            if kind == "malformed":
                self._chunk(wire.MALFORMED_EVENT)
            else:
                assert reply.fault is not None
                fault = reply.fault
                error = wire.error_body(fault.error_type, fault.message, reply.request_id)
                self._chunk(wire.encode_sse("error", error))
            self._chunk(b"")

    def _head(self, reply: Reply, content_type: str, headers: Mapping[str, str]) -> None:
        self.h.send_response(reply.status)
        self.h.send_header("content-type", content_type)
        self.h.send_header("request-id", reply.request_id)
        for name, value in headers.items():
            self.h.send_header(name, value)
        self.h.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.h.wfile.flush()

    def _stall(self, fault: Fault | None) -> None:
        seconds = fault.stall_seconds if fault else None
        deadline = None if seconds is None else time.monotonic() + seconds
        while not self.app.stopping.is_set() and not peer_closed(self.h.connection):
            if deadline is not None and time.monotonic() >= deadline:
                break
            self.app.stopping.wait(0.02)
        self._abort()

    def _abort(self) -> None:
        self.h.close_connection = True
        shutdown_socket(self.h.connection)


def peer_closed(sock: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def shutdown_socket(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
