"""Keeping a long conversation inside its context budget.

- `server`: the API compacts by itself (beta `compact-2026-01-12`, edit
  `compact_20260112`) once the input passes the trigger; the reply then starts with a
  `compaction` block that stands for everything before it.
- `client`: before a request that would pass the trigger, the worker asks the model
  for a summary (same system prompt and tools, so the cached prefix still serves) and
  starts the conversation over from the task and that summary.
- In every mode, context editing (`clear_tool_uses_20250919`) lets the API drop old
  tool results past `clear_tool_uses_at_tokens`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..config import AgentConfig
from . import prompts

BETA_COMPACTION = "compact-2026-01-12"
BETA_CONTEXT_EDITING = "context-management-2025-06-27"
COMPACT_AT = 0.8  # of the context budget: the rest is room for one more turn
NEVER_CLEARED = ["ask", "finish"]  # their results are the human's words and the end


def trigger_tokens(config: AgentConfig) -> int:
    return int(config.context_budget_tokens * COMPACT_AT)


def context_management(config: AgentConfig) -> tuple[list[str], dict[str, Any] | None]:
    """(betas, context_management) for the worker's requests."""
    edits: list[dict[str, Any]] = []
    betas: list[str] = []
    if config.clear_tool_uses_at_tokens:
        edits.append({
            "type": "clear_tool_uses_20250919",
            "trigger": {"type": "input_tokens", "value": config.clear_tool_uses_at_tokens},
            "keep": {"type": "tool_uses", "value": config.clear_tool_uses_keep},
            "exclude_tools": NEVER_CLEARED,
        })
        betas.append(BETA_CONTEXT_EDITING)
    if config.compaction == "server":
        edits.append({"type": "compact_20260112",
                      "trigger": {"type": "input_tokens", "value": trigger_tokens(config)}})
        betas.append(BETA_COMPACTION)
    return betas, ({"edits": edits} if edits else None)


def estimate_tokens(content: Any) -> int:
    """A rough count (4 characters a token) for content not yet sent."""
    return math.ceil(len(json.dumps(content, ensure_ascii=False)) / 4)


def should_summarize(config: AgentConfig, context: int, next_content: Any) -> bool:
    """Whether the next request would pass the trigger, in `client` mode."""
    return (config.compaction == "client"
            and context + estimate_tokens(next_content) >= trigger_tokens(config))


def summary_request(next_content: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pending user message with the request for a summary added to its end."""
    return [*next_content, {"type": "text", "text": prompts.load("summarize").strip()}]


def restart_content(summary: str) -> list[dict[str, Any]]:
    """The one message a summarized conversation starts over from."""
    return [{"type": "text", "text": (
        "This conversation was compacted to fit the context budget. Your summary of "
        f"the work so far:\n\n{summary.strip()}\n\nCarry on with the task from here.")}]
