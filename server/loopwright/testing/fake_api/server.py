"""FakeMessagesAPI: scripts, faults and the record of requests, served on 127.0.0.1.

`reply` decides what each request gets (path, checks, faults, the next scripted step)
and returns a `Reply`; `transport.Sender` carries it out on the socket. Deciding is the
only part that touches shared state, under one lock.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from . import wire
from .script import Fault, Script, Step, Turn, coerce_turn, route, system_text
from .transport import LocalHTTPServer, Reply, shutdown_socket

log = logging.getLogger(__name__)

MESSAGES = "/v1/messages"
COUNT_TOKENS = "/v1/messages/count_tokens"
_CUT_OFF = Turn.text("This reply was cut off by an injected fault.")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it. Header names are lower-case; `body` is the
    parsed JSON (None when absent or not JSON); `conversation` the script it routed to."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    conversation: str | None
    request_id: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages = self.body.get("messages") if isinstance(self.body, dict) else None
        return messages if isinstance(messages, list) else []

    @property
    def system(self) -> str:
        return system_text(self.body) if isinstance(self.body, dict) else ""

    @property
    def images(self) -> list[bytes]:
        """The base64 images of the request's messages, decoded, in order."""
        return [base64.b64decode(b["source"]["data"]) for m in self.messages
                if isinstance(m.get("content"), list) for b in m["content"]
                if b.get("type") == "image" and b.get("source", {}).get("type") == "base64"]


class FakeMessagesAPI:
    """A local stand-in for the Anthropic Messages API that replays scripts.

    with FakeMessagesAPI(Script(["Hello!"])) as api:
        client = anthropic.Anthropic(base_url=api.base_url, api_key="test-key")
    """

    def __init__(
        self, *scripts: Script, port: int = 0, strict_roles: bool = True, chunk_chars: int = 16
    ) -> None:
        self._scripts: list[Script] = []
        self._cursors: dict[str, int] = {}
        self._faults: dict[str | None, deque[Fault]] = {}
        self._requests: list[RecordedRequest] = []
        self._errors: list[str] = []
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._server: LocalHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = port
        self.stopping = threading.Event()
        self.strict_roles = strict_roles
        self.chunk_chars = chunk_chars
        for script in scripts:
            self.add_script(script)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        self.stopping.clear()
        self._server = LocalHTTPServer(self._port, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-messages-api:{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.info("fake Messages API listening on %s", self.base_url)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving; ends stalled replies and idle keep-alive connections at once."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.stopping.set()
        server.shutdown()
        with self._lock:
            connections = dict(self._connections)
        for sock in connections.values():
            shutdown_socket(sock)
        server.server_close()
        deadline = time.monotonic() + timeout
        for worker in [thread, *connections]:
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                log.warning("fake Messages API: %s did not stop in time", worker.name)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake Messages API is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripting and faults ----------------------------------------------------------

    def add_script(self, script: Script) -> None:
        with self._lock:
            if script.name in self._cursors:
                raise ValueError(f"a script named {script.name!r} is already registered")
            self._scripts.append(script)
            self._cursors[script.name] = 0

    def inject(self, fault: Fault, *, conversation: str | None = None, times: int = 1) -> None:
        """Queue `fault` for the next `times` message requests of `conversation` (a
        script name), or of any conversation when None. A conversation's own queue is
        served before the global one; faults do not use up scripted turns."""
        with self._lock:
            self._faults.setdefault(conversation, deque()).extend([fault] * times)

    # -- assertions --------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, conversation: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.conversation == conversation]

    def last_request(self, conversation: str | None = None) -> RecordedRequest:
        found = self.requests if conversation is None else self.requests_for(conversation)
        if not found:
            raise LookupError(f"no requests recorded for {conversation or 'any conversation'}")
        return found[-1]

    @property
    def errors(self) -> list[str]:
        """Every refusal the fake made that was not an injected fault: rejected requests,
        exhausted or missing scripts, responders that raised."""
        with self._lock:
            return list(self._errors)

    def remaining(self, conversation: str = "default") -> int:
        with self._lock:
            script = next(s for s in self._scripts if s.name == conversation)
            return len(script.steps) - self._cursors[conversation]

    def unfinished(self) -> dict[str, int]:
        """Scripts with turns left, by name -> how many."""
        with self._lock:
            left = {s.name: len(s.steps) - self._cursors[s.name] for s in self._scripts}
        return {name: n for name, n in left.items() if n > 0}

    def __repr__(self) -> str:
        with self._lock:
            scripts = ", ".join(
                f"{s.name} {self._cursors[s.name]}/{len(s.steps)}" for s in self._scripts
            )
            faults = sum(len(q) for q in self._faults.values())
            state = f"{len(self._requests)} requests, {faults} faults queued"
        where = self.base_url if self._server is not None else "stopped"
        return f"<FakeMessagesAPI {where} scripts=[{scripts}] {state}>"

    # -- transport hooks (transport.App) -------------------------------------------------

    def opened(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections[threading.current_thread()] = sock

    def closed(self) -> None:
        with self._lock:
            self._connections.pop(threading.current_thread(), None)

    def reply(self, method: str, path: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        req = self._record(method, path, headers, body)
        if raw and body is None:
            reply = self._refuse(400, "request body is not valid JSON", req.request_id)
        else:
            reply = self._reply_to(req)
        fault = f" fault={reply.fault.kind}" if reply.fault else ""
        stream = " stream" if reply.stream else ""
        log.info(
            "%s %s [%s] -> %s%s%s", method, path, req.conversation, reply.status, stream, fault
        )
        return reply

    # -- deciding ----------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        with self._lock:
            self._ids[prefix] = n = self._ids.get(prefix, 0) + 1
        return f"{prefix}_fake{n:016d}"

    def _record(
        self, method: str, path: str, headers: Mapping[str, str], body: Any
    ) -> RecordedRequest:
        with self._lock:
            script = route(self._scripts, body) if isinstance(body, dict) else None
        conversation = script.name if script else None
        recorded = RecordedRequest(
            method, path, dict(headers), body, conversation, self._new_id("req")
        )
        with self._lock:
            self._requests.append(recorded)
        return recorded

    def _refuse(self, status: int, message: str, request_id: str) -> Reply:
        """An error the test did not ask for; `x-should-retry: false` so it shows at once."""
        with self._lock:
            self._errors.append(message)
        log.error("fake Messages API refused a request: %s", message)
        body = wire.error_body(wire.ERROR_TYPES.get(status, "api_error"), message, request_id)
        return Reply(request_id, status, body, {"x-should-retry": "false"})

    def _reply_to(self, req: RecordedRequest) -> Reply:
        route_path = urlsplit(req.path).path
        if req.method != "POST" or route_path not in (MESSAGES, COUNT_TOKENS):
            return self._refuse(404, f"Not found: {req.method} {route_path}", req.request_id)
        count_only = route_path == COUNT_TOKENS
        try:
            wire.check_headers(req.headers)
            wire.check_body(req.body, count_only=count_only, strict_roles=self.strict_roles)
        except wire.RequestRejected as rejected:
            return self._refuse(rejected.status, rejected.message, req.request_id)
        if count_only:
            tokens = wire.estimate_input_tokens(req.body)
            return Reply(req.request_id, body={"input_tokens": tokens})
        step = self._next_step(req)
        if isinstance(step, Reply):
            return step
        if not isinstance(step, Turn | Fault):
            try:
                step = coerce_turn(step(req.body))
            except Exception as err:
                log.exception("fake Messages API: a responder raised")
                message = f"fake API: the responder for {req.conversation!r} raised {err!r}"
                return self._refuse(500, message, req.request_id)
        return self._render(step, req)

    def _next_step(self, req: RecordedRequest) -> Step | Reply:
        with self._lock:
            for key in (req.conversation, None):
                queue = self._faults.get(key)
                if queue:
                    return queue.popleft()
            script = next((s for s in self._scripts if s.name == req.conversation), None)
            if script is not None and self._cursors[script.name] < len(script.steps):
                self._cursors[script.name] += 1
                return script.steps[self._cursors[script.name] - 1]
        if script is None:
            message = (
                "fake API: no script matches this request and there is no default script "
                f"(system={req.system[:80]!r}, metadata={req.body.get('metadata')!r}; "
                f"scripts: {[s.name for s in self._scripts]})"
            )
        else:
            message = (
                f"fake API: script {script.name!r} is exhausted: all {len(script.steps)} "
                f"turns were used. Last user message: {_last_user_text(req)[:300]!r}"
            )
        return self._refuse(500, message, req.request_id)

    def _render(self, step: Turn | Fault, req: RecordedRequest) -> Reply:
        stream = req.body.get("stream") is True
        if isinstance(step, Fault) and step.kind == "stream_error" and not stream:
            status = next((s for s, t in wire.ERROR_TYPES.items() if t == step.error_type), 500)
            step = Fault.status_error(status, step.error_type, step.message)
        if isinstance(step, Fault) and step.kind == "status":
            return _status_reply(step, req.request_id)
        message = wire.message_json(
            _CUT_OFF if isinstance(step, Fault) else step,
            body=req.body,
            message_id=self._new_id("msg"),
            new_tool_id=lambda: self._new_id("toolu"),
        )
        fault = step if isinstance(step, Fault) else None
        return Reply(req.request_id, body=message, stream=stream, fault=fault)


def _status_reply(fault: Fault, request_id: str) -> Reply:
    headers = {}
    if fault.retry_after is not None:
        seconds = fault.retry_after
        headers["retry-after"] = str(int(seconds)) if seconds == int(seconds) else str(seconds)
    body = wire.error_body(fault.error_type, fault.message, request_id)
    return Reply(request_id, fault.status, body, headers)


def _last_user_text(req: RecordedRequest) -> str:
    users = [m for m in req.messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        return ""
    content = users[-1].get("content")
    return content if isinstance(content, str) else json.dumps(content)
