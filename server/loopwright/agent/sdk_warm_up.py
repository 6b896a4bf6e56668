"""The model SDK's first call, made once off the event loop.

The `anthropic` SDK builds pydantic's schemas for its request and stream types on first
use: the first streamed call of a process spent 0.4-0.9 s of CPU doing it, in slices of
up to ~100 ms, all on the loop's thread (every record, wake and LSP request waited).
`warm_up()` makes that same call once in a worker thread, through the SDK's public API
only: an async client, on an event loop of the thread's own (`anyio.run`: the SDK's HTTP
stack also loads anyio's asyncio backend on its first request), whose `http_client` has
an `httpx2.MockTransport` answering with a canned stream (thinking, text, a tool call,
usage), so nothing leaves the process. The schemas it builds are the classes' own,
shared by every client after it.

`warmed()` starts it at most once per process and waits for it; `call_model` waits for
it before its first request, and the manager starts it as it starts when an agent that
uses the SDK is configured, so the first real call rarely waits at all.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

import anthropic
import anyio
import httpx2

log = logging.getLogger(__name__)
Json = dict[str, Any]

_lock = threading.Lock()
_done = False
_pending: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None

_TOOL: Json = {"name": "warm_up", "description": "A warm-up tool.", "input_schema": {
    "type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}}
_PARAMS: Json = {  # as `call_model` passes them
    "model": "warm-up", "max_tokens": 16, "tools": [_TOOL],
    "tool_choice": {"type": "tool", "name": "warm_up"},
    "system": [{"type": "text", "text": "warm", "cache_control": {"type": "ephemeral"}}],
    "metadata": {"user_id": "warm-up"},
    "messages": [{"role": "user", "content": [
        {"type": "text", "text": "warm"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                     "data": "AA=="}}]}],
}


def _events() -> list[Json]:
    usage = {"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": 0,
             "cache_read_input_tokens": 0}
    return [
        {"type": "message_start", "message": {
            "id": "msg_warm_up", "type": "message", "role": "assistant", "model": "warm-up",
            "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage}},
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "thinking_delta", "thinking": "warm"}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "signature_delta", "signature": "sig"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1,
         "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 1,
         "delta": {"type": "text_delta", "text": "warm"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "content_block_start", "index": 2, "content_block": {
            "type": "tool_use", "id": "toolu_warm_up", "name": "warm_up", "input": {}}},
        {"type": "content_block_delta", "index": 2,
         "delta": {"type": "input_json_delta", "partial_json": '{"ok": true}'}},
        {"type": "content_block_stop", "index": 2},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
         "usage": {"output_tokens": 3}},
        {"type": "message_stop"},
    ]


def _answer(request: httpx2.Request) -> httpx2.Response:
    body = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in _events())
    return httpx2.Response(200, headers={"content-type": "text/event-stream"},
                           content=body.encode())


async def _call() -> None:
    async with anthropic.AsyncAnthropic(
            api_key="warm-up", base_url="http://warm-up.invalid", max_retries=0,
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(_answer)),
    ) as client, client.beta.messages.stream(**_PARAMS) as stream:
        message = await stream.get_final_message()
    message.to_dict()
    message.model_dump_json()


def warm_up() -> None:
    """One streamed call of the shape Loopwright's agents make (system, tools, a forced
    tool choice, text and image blocks, metadata), answered in-process. Blocking: run it
    in a thread. Never raises: a warm-up that fails only leaves the work to the first
    real call."""
    global _done
    with _lock:
        if _done:
            return
        try:
            anyio.run(_call)  # its own event loop, in this thread: not the caller's
        except Exception as e:  # noqa: BLE001 - an optimisation; the real call will say
            log.warning("the model SDK's warm-up failed (its first call will be slower): %s",
                        e)
        _done = True


async def warmed() -> None:
    """Once the warm-up has run: started on this loop's executor if nobody started it,
    one thread however many callers wait (the manager's pool has one per core)."""
    global _pending
    if _done:
        return
    loop = asyncio.get_running_loop()
    if _pending is None or _pending[0] is not loop:
        _pending = (loop, loop.run_in_executor(None, warm_up))
    await asyncio.shield(_pending[1])
