"""A local fake of the OpenAI Responses API (streaming), for driving the Codex CLI offline.

Codex takes a custom model provider (`-c model_provider=fake`, `base_url`, `wire_api =
"responses"`, `supports_websockets = false`); this serves `POST /v1/responses` as
server-sent events in the API's sequence (`response.created`, `response.output_item.added`,
`response.output_text.delta`, `response.output_item.done`, `response.completed`) and
`GET /v1/models` as an empty list, on 127.0.0.1. Each reply comes from `respond(request)`,
which returns a `Reply`: text, function calls, or both, and the usage it reports
(100 input tokens, none cached, 10 output, unless it says). Requests are recorded.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class Call:
    name: str
    arguments: Json


@dataclass(frozen=True)
class Reply:
    text: str = ""
    calls: tuple[Call, ...] = ()
    input_tokens: int = 100  # cached ones included, as the API counts them
    cached_tokens: int = 0
    output_tokens: int = 10


@dataclass
class FakeResponsesAPI:
    respond: Callable[[Json], Reply]
    requests: list[Json] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeResponsesAPI:
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name="fake-responses").start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def conversation(self) -> list[Json]:
        """The requests to the main conversation (those that offer tools)."""
        return [r for r in self.requests if r.get("tools")]

    def events(self, reply: Reply) -> list[Json]:
        n = next(self._ids)
        rid = f"resp_{n}"
        items: list[Json] = []
        if reply.text:
            items.append({"type": "message", "role": "assistant", "id": f"msg_{n}",
                          "status": "completed", "content": [
                              {"type": "output_text", "text": reply.text, "annotations": []}]})
        for i, call in enumerate(reply.calls):
            items.append({"type": "function_call", "id": f"fc_{n}_{i}",
                          "call_id": f"call_{n}_{i}", "name": call.name,
                          "arguments": json.dumps(call.arguments), "status": "completed"})
        out: list[Json] = [{"type": "response.created",
                            "response": {"id": rid, "status": "in_progress"}}]
        for index, item in enumerate(items):
            out.append({"type": "response.output_item.added", "output_index": index,
                        "item": item})
            if item["type"] == "message":
                out.append({"type": "response.output_text.delta", "item_id": item["id"],
                            "output_index": index, "content_index": 0, "delta": reply.text})
            out.append({"type": "response.output_item.done", "output_index": index,
                        "item": item})
        out.append({"type": "response.completed", "response": {
            "id": rid, "status": "completed", "output": items, "usage": {
                "input_tokens": reply.input_tokens,
                "input_tokens_details": {"cached_tokens": reply.cached_tokens},
                "output_tokens": reply.output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": reply.input_tokens + reply.output_tokens}}})
        return out


class _Handler(BaseHTTPRequestHandler):
    api: FakeResponsesAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._send(200, "application/json", json.dumps({"object": "list", "data": [],
                                                        "models": []}).encode())

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            self.api.errors.append("a request that is not JSON")
            return self._send(400, "application/json", b'{"error": {"message": "bad"}}')
        if not self.path.rstrip("/").endswith("/responses"):
            self.api.errors.append(f"unexpected POST {self.path}")
            return self._send(404, "application/json", b'{"error": {"message": "no"}}')
        self.api.requests.append(body)
        try:
            reply = self.api.respond(body)
        except Exception as e:  # noqa: BLE001 - a test's responder failed: say so
            self.api.errors.append(f"the responder raised {e!r}")
            return self._send(500, "application/json", b'{"error": {"message": "fake"}}')
        data = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n"
                       for e in self.api.events(reply)).encode()
        self._send(200, "text/event-stream", data)

    def _send(self, status: int, kind: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
