"""The Messages API wire format, without I/O: request checks, replies, SSE events.

Streaming and non-streaming replies agree by construction: `stream_events` takes the
very message `message_json` builds and cuts it into the event sequence the API sends
(message_start, ping, content_block_start/delta/stop per block, message_delta,
message_stop).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .script import Turn

SSEEvent = tuple[str, dict[str, Any]]

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class RequestRejected(Exception):
    """The request is one the real API would refuse; carries the status and error type."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = ERROR_TYPES.get(status, "api_error")
        self.message = message


def error_body(error_type: str, message: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": request_id,
    }


def check_headers(headers: Mapping[str, str]) -> None:
    """Auth (x-api-key or Authorization: Bearer, any value) and anthropic-version."""
    bearer = headers.get("authorization", "")
    if not headers.get("x-api-key") and not bearer.lower().startswith("bearer "):
        raise RequestRejected(401, "x-api-key header is required")
    if not headers.get("anthropic-version"):
        raise RequestRejected(400, "anthropic-version: header is required")


def check_body(body: Any, *, count_only: bool, strict_roles: bool) -> None:
    """The cheap checks the real API makes on a messages (or count_tokens) body."""
    if not isinstance(body, dict):
        raise RequestRejected(400, "request body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise RequestRejected(400, "model: Field required")
    max_tokens = body.get("max_tokens")
    if not count_only and (type(max_tokens) is not int or max_tokens < 1):
        raise RequestRejected(400, "max_tokens: Field required (an integer >= 1)")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestRejected(400, "messages: at least one message is required")
    for i, message in enumerate(messages):
        _check_message(i, message)
    if strict_roles:
        _check_roles(messages)
    _check_tool_pairs(messages)
    tools = body.get("tools", [])
    if not isinstance(tools, list) or any(
        not isinstance(t, dict) or not isinstance(t.get("name"), str) for t in tools
    ):
        raise RequestRejected(400, "tools: each tool needs a string 'name'")


def _check_message(i: int, message: Any) -> None:
    if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
        raise RequestRejected(400, f'messages.{i}.role: Input should be "user" or "assistant"')
    content = message.get("content")
    if isinstance(content, str):
        return
    if not isinstance(content, list) or any(
        not isinstance(b, dict) or not isinstance(b.get("type"), str) for b in content
    ):
        raise RequestRejected(
            400, f"messages.{i}.content: a string or a list of blocks with a 'type'"
        )
    for j, block in enumerate(content):
        if block["type"] == "image":
            _check_image(f"messages.{i}.content.{j}", block)


IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def _check_image(where: str, block: dict[str, Any]) -> None:
    """An image block as the real API takes it: base64 data of a known media type."""
    source = block.get("source")
    if not isinstance(source, dict) or source.get("type") not in ("base64", "url"):
        raise RequestRejected(400, f"{where}.source: a base64 or url image source")
    if source["type"] == "url":
        return
    if source.get("media_type") not in IMAGE_TYPES:
        raise RequestRejected(400, f"{where}.source.media_type: one of {', '.join(IMAGE_TYPES)}")
    try:
        base64.b64decode(str(source.get("data", "")), validate=True)
    except binascii.Error as e:
        raise RequestRejected(400, f"{where}.source.data: not base64: {e}") from e


def _check_roles(messages: list[dict[str, Any]]) -> None:
    if messages[0]["role"] != "user":
        raise RequestRejected(400, 'messages.0: the first message must use the "user" role')
    for i in range(1, len(messages)):
        if messages[i]["role"] == messages[i - 1]["role"]:
            raise RequestRejected(
                400,
                f'messages.{i}: roles must alternate between "user" and "assistant", '
                f'but found two "{messages[i]["role"]}" messages in a row',
            )
    if messages[-1]["role"] != "user":
        raise RequestRejected(
            400, 'messages: the last message must use the "user" role (no assistant prefill)'
        )


def _blocks(message: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    content = message.get("content")
    return [b for b in content if b["type"] == kind] if isinstance(content, list) else []


def _check_tool_pairs(messages: list[dict[str, Any]]) -> None:
    """Every tool_use is answered by a tool_result in the very next message, and only then."""
    pending: set[str] = set()
    for i, message in enumerate(messages):
        results = {str(b.get("tool_use_id")) for b in _blocks(message, "tool_result")}
        unexpected = results - pending if message["role"] == "user" else results
        if unexpected:
            raise RequestRejected(
                400,
                f"messages.{i}: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{', '.join(sorted(unexpected))}. Each `tool_result` block must have a "
                "corresponding `tool_use` block in the previous message.",
            )
        if pending - results:
            raise RequestRejected(
                400,
                f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                f"immediately after: {', '.join(sorted(pending - results))}. Each `tool_use` "
                "block must have a corresponding `tool_result` block in the next message.",
            )
        pending = {str(b.get("id")) for b in _blocks(message, "tool_use")}
        if message["role"] != "assistant":
            pending = set()


def _tokens(value: Any) -> int:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return math.ceil(len(text) / 4)


def estimate_input_tokens(body: Mapping[str, Any]) -> int:
    """chars/4 over the JSON of system + messages + tools: what count_tokens answers and
    what a reply's usage.input_tokens defaults to, so the two agree for one request."""
    return _tokens({k: body[k] for k in ("system", "messages", "tools") if k in body})


def message_json(
    turn: Turn,
    *,
    body: Mapping[str, Any],
    message_id: str,
    new_tool_id: Callable[[], str],
) -> dict[str, Any]:
    """The non-streaming reply to `body` that `turn` scripts."""
    content = []
    for block in turn.content:
        block = dict(block)
        if block["type"] == "tool_use":
            block.setdefault("id", new_tool_id())
            block.setdefault("input", {})
        elif block["type"] == "thinking":
            block.setdefault("signature", f"fake-signature-{len(block['thinking'])}")
        content.append(block)
    usage = {
        "input_tokens": estimate_input_tokens(body),
        "output_tokens": max(1, _tokens(content)),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        **turn.usage,
    }
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake-model"),
        "content": content,
        "stop_reason": turn.resolved_stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def _chunks(text: str, size: int) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


def message_start(message: Mapping[str, Any]) -> SSEEvent:
    usage = {**message["usage"], "output_tokens": 1}
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage}
    return "message_start", {"type": "message_start", "message": start}


PING: SSEEvent = ("ping", {"type": "ping"})


def block_events(index: int, block: Mapping[str, Any], chunk_chars: int) -> Iterator[SSEEvent]:
    """content_block_start, its deltas, content_block_stop — for one block."""
    kind = block["type"]
    if kind == "text":
        start: dict[str, Any] = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": c} for c in _chunks(block["text"], chunk_chars)]
    elif kind == "tool_use":
        start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
        raw = json.dumps(block["input"])
        deltas = [{"type": "input_json_delta", "partial_json": ""}]
        deltas += [
            {"type": "input_json_delta", "partial_json": c} for c in _chunks(raw, chunk_chars)
        ]
    elif kind == "compaction":  # the whole summary arrives in one delta
        start = {"type": "compaction", "content": None}
        deltas = [{"type": "compaction_delta", "content": block["content"]}]
    else:
        start = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [
            {"type": "thinking_delta", "thinking": c}
            for c in _chunks(block["thinking"], chunk_chars)
        ]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    yield (
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": start},
    )
    for delta in deltas:
        yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
    yield "content_block_stop", {"type": "content_block_stop", "index": index}


def stream_events(message: Mapping[str, Any], *, chunk_chars: int = 16) -> Iterator[SSEEvent]:
    """The whole SSE sequence for a finished message."""
    yield message_start(message)
    yield PING
    for index, block in enumerate(message["content"]):
        yield from block_events(index, block, chunk_chars)
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    yield "message_delta", {"type": "message_delta", "delta": delta, "usage": message["usage"]}
    yield "message_stop", {"type": "message_stop"}


def encode_sse(event: str, data: Mapping[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


MALFORMED_EVENT = b'event: content_block_start\ndata: {"type": "content_block_start", "ind\n\n'
"""An SSE event whose data is cut-off JSON, as a broken proxy might deliver it."""
