"""One request, one forced tool call: how triage and the reviewer give their verdicts.

The verdict arrives as the tool's input, checked against its schema by the model and
here for the fields the caller needs. What the call cost comes back with it as an
event (a `ModelReplied` without content) for the caller to hand to whoever records
facts (the manager's slot appends it), so it shows in the session's totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import anthropic

from .. import events as ev
from ..config import Config
from .model import OnRetry, call_model, make_client, policy_of
from .pricing import cost, usage_of

MAX_VERDICT_TOKENS = 4096


class NoVerdict(Exception):
    """The model answered without the verdict tool call; `reply` is what that cost."""

    def __init__(self, reason: str, reply: ev.ModelReplied) -> None:
        super().__init__(reason)
        self.reply = reply


async def verdict(
    config: Config, *, system: list[dict[str, Any]], text: str, tool: dict[str, Any],
    agent: Literal["reviewer", "triage"], user_id: str,
    client: anthropic.AsyncAnthropic | None = None, on_retry: OnRetry | None = None,
    model: str = "",
    blocks: Sequence[dict[str, Any]] = (),
) -> tuple[dict[str, Any], ev.ModelReplied]:
    """The verdict tool's input, and the reply as an event to record (no content).
    `model`: this role's own model; empty, `[agent] model`. `blocks` follow the text in
    the request (the preview's screenshots, as images)."""
    model = model or config.agent.model
    own = client is None
    client = client or make_client(config.agent)
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": min(config.agent.max_tokens, MAX_VERDICT_TOKENS),
        "system": system, "tools": [tool],
        "tool_choice": {"type": "tool", "name": tool["name"]},
        "messages": [{"role": "user",
                      "content": [{"type": "text", "text": text}, *blocks]}],
        "metadata": {"user_id": user_id},
    }
    try:
        message, seconds = await call_model(client, params, policy_of(config.agent),
                                            on_retry)
    finally:
        if own:
            await client.close()
    usage = usage_of(message.usage)
    reply = ev.ModelReplied(
        agent=agent, model=message.model or model,
        stop_reason=message.stop_reason or "", input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens, cache_write_tokens=usage.cache_write_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cost_usd=round(cost(usage, config.prices.get(model)), 6),
        seconds=round(seconds, 3),
    )
    for block in message.content:
        if (block.type == "tool_use" and block.name == tool["name"]
                and isinstance(block.input, dict)):
            return block.input, reply
    raise NoVerdict(f"the {agent} answered without calling {tool['name']}", reply)
