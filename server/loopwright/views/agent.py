"""What front ends show of the agents' events: one log line each, or nothing when the
events around it say it better (a tool's result shows as the file edited, the command
run)."""

from __future__ import annotations

import json
from collections.abc import Callable

from .. import events as ev

AgentEvent = ev.ModelPrompted | ev.ModelReplied | ev.BudgetExceeded | ev.BudgetExtended


def describe(e: AgentEvent, name: Callable[[str], str]) -> str | None:
    match e:
        case ev.ModelReplied(agent="worker"):
            return f"{name(e.session_id)}: model: {said(e.content)} ({cost(e)})"
        case ev.ModelReplied(agent="manager"):
            return f"manager agent: {said(e.content)} ({cost(e)})"
        case ev.ModelReplied(agent=agent):
            about = name(e.session_id) if e.session_id else f"task {e.task_id}"
            return f"{about}: {agent} agent replied ({cost(e)})"
        case ev.ModelPrompted(kind="summary"):
            return f"{name(e.session_id)}: conversation compacted to fit the context budget"
        case ev.ModelPrompted(kind="note"):
            return f"{name(e.session_id)}: the note went to the worker as its next instruction"
        case ev.BudgetExceeded():
            return f"{name(e.session_id)}: OVER BUDGET: {e.reason}"
        case ev.BudgetExtended():
            return f"{name(e.session_id)}: budget extended by {e.by}"
    return None


def said(content: str, width: int = 90) -> str:
    """A reply in a line: its tool calls, else the start of its text."""
    try:
        blocks = json.loads(content) if content else []
    except ValueError:
        return "(unreadable reply)"
    calls = [f"{b.get('name')}({_arg(b.get('input'))})" for b in blocks
             if b.get("type") == "tool_use"]
    text = " ".join(b.get("text", "") for b in blocks if b.get("type") == "text").strip()
    line = ", ".join(calls) if calls else text or "(empty reply)"
    if any(b.get("type") == "compaction" for b in blocks):
        line = f"[compacted by the API] {line}"
    return line if len(line) <= width else line[: width - 1] + "…"


def _arg(value: object) -> str:
    if not isinstance(value, dict) or not value:
        return ""
    key = next((k for k in ("path", "command", "summary", "question", "message", "pattern",
                            "verdict") if k in value), next(iter(value)))
    return json.dumps(value[key], ensure_ascii=False)[:60]


def cost(e: ev.ModelReplied) -> str:
    tokens = e.input_tokens + e.output_tokens + e.cache_write_tokens + e.cache_read_tokens
    return f"{tokens:,} tokens, ${e.cost_usd:.4f}"
