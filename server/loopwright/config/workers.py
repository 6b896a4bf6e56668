"""The configuration sections of the workers: the built-in agent on the Anthropic API
(`[agent]`), what a task may spend (`[budget]`), the price table (`[prices]`) and the
external Codex CLI (`[codex]`). Part of the one tree in `config/tree.py`."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from .sections import HOUR, WEEK, Section, doc

PRICE = 10_000.0  # dollars per million tokens; list prices are under 100


class AgentConfig(Section):
    model: Annotated[str, doc(
        "Model the `claude` worker and triage use, and the reviewer and manager agents "
        "unless `[review] model` or `[manager] model` names their own.")] = "claude-sonnet-4-6"
    max_tokens: Annotated[int, doc(
        "Most tokens one reply may have (thinking included).", ge=1, le=1_000_000)] = 16_000
    thinking: Annotated[Literal["off", "adaptive", "enabled"], doc(
        "Extended thinking for the worker: `adaptive` (the model decides when and how "
        "much to think; what the newest models want), `enabled` (up to "
        "`thinking_budget_tokens` a reply), or `off`.")] = "off"
    thinking_budget_tokens: Annotated[int, doc(
        "With `thinking = \"enabled\"`: tokens the worker may think per reply, at least "
        "1024 and under `max_tokens`.", ge=0, le=1_000_000)] = 4096
    context_budget_tokens: Annotated[int, doc(
        "Most tokens the worker's conversation may hold; past 80% of it the conversation "
        "is compacted.", ge=2_000, le=10_000_000)] = 160_000
    compaction: Annotated[Literal["server", "client", "off"], doc(
        "How a long conversation is compacted: `server` (the API's compaction, beta "
        "`compact-2026-01-12`), `client` (the worker asks for a summary and starts over "
        "from it), or `off`.")] = "client"
    clear_tool_uses_at_tokens: Annotated[int, doc(
        "Past this many input tokens the API clears old tool results (context editing, "
        "`clear_tool_uses_20250919`); 0 turns it off.", ge=0, le=10_000_000)] = 100_000
    clear_tool_uses_keep: Annotated[int, doc(
        "How many of the latest tool results context editing keeps.", ge=0, le=1000)] = 4
    request_timeout_seconds: Annotated[float, doc(
        "Longest wait for the API to answer or to send the next part of a reply.",
        ge=0.1, le=HOUR)] = 600.0
    max_retries: Annotated[int, doc(
        "Retries of one request on 429, 5xx, 529 or a broken stream before the human is "
        "asked whether to go on.", ge=0, le=100)] = 6
    retry_max_seconds: Annotated[float, doc(
        "Longest wait between retries (backoff doubles from 1 second; `retry-after` is "
        "honoured up to this).", ge=0.05, le=HOUR)] = 60.0
    tool_output_chars: Annotated[int, doc(
        "Longest tool result given back to the model; longer output is cut with a note.",
        ge=500, le=10_000_000)] = 20_000

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.thinking == "enabled" and not (
            1024 <= self.thinking_budget_tokens < self.max_tokens
        ):
            raise ValueError("with thinking enabled, thinking_budget_tokens must be at "
                             "least 1024 and under max_tokens")


class BudgetConfig(Section):
    tokens: Annotated[int, doc(
        "Most tokens (input, output, cache writes and reads) a task's worker may use; "
        "0: no limit.", ge=0, le=10**12)] = 20_000_000
    dollars: Annotated[float, doc(
        "Most dollars a task's worker may spend, priced from `[prices]`; 0: no limit.",
        ge=0, le=1_000_000)] = 10.0
    wall_seconds: Annotated[float, doc(
        "Most time a task's worker may work (waits on the human not counted); 0: no "
        "limit.", ge=0, le=WEEK)] = 3600.0
    turns: Annotated[int, doc(
        "Most model turns a task's worker may take; 0: no limit.", ge=0,
        le=1_000_000)] = 200


class ModelPrice(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    input: Annotated[float, doc("Dollars per million input tokens.", ge=0, le=PRICE)]
    output: Annotated[float, doc("Dollars per million output tokens.", ge=0, le=PRICE)]
    cache_write: Annotated[float, doc(
        "Dollars per million tokens written to the prompt cache (5-minute).", ge=0,
        le=PRICE)]
    cache_read: Annotated[float, doc(
        "Dollars per million tokens read from the prompt cache.", ge=0, le=PRICE)]

    def dollars(self, input_tokens: int, output_tokens: int, cache_write_tokens: int = 0,
                cache_read_tokens: int = 0) -> float:
        """What these tokens cost at this price (every agent's replies, any backend)."""
        return (input_tokens * self.input + output_tokens * self.output
                + cache_write_tokens * self.cache_write
                + cache_read_tokens * self.cache_read) / 1_000_000


def _price(i: float, o: float) -> ModelPrice:
    return ModelPrice(input=i, output=o, cache_write=i * 1.25, cache_read=i / 10)


# Anthropic's list prices (platform.claude.com/docs/en/about-claude/pricing).
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "claude-opus-5": _price(5.0, 25.0),
    "claude-opus-4-8": _price(5.0, 25.0),
    "claude-opus-4-7": _price(5.0, 25.0),
    "claude-opus-4-6": _price(5.0, 25.0),
    "claude-opus-4-5": _price(5.0, 25.0),
    "claude-sonnet-4-6": _price(3.0, 15.0),
    "claude-haiku-4-5": _price(1.0, 5.0),
}


class CodexConfig(Section):
    command: Annotated[str, doc(
        "The Codex CLI the `codex` worker runs (`codex app-server`): a name on PATH or a "
        "path.")] = "codex"
    config: Annotated[list[str], doc(
        "`key=value` overrides passed as `-c` to Codex (a model provider, a model, ...); "
        "Codex's own `~/.codex/config.toml` applies under them.")] = msgspec.field(
        default_factory=list)
    approval_policy: Annotated[Literal["untrusted", "on-request", "never"], doc(
        "When Codex asks before acting; each ask is a Decision. `untrusted`: every "
        "command that is not known to be read-only.")] = "untrusted"
    sandbox: Annotated[Literal["read-only", "workspace-write", "danger-full-access"], doc(
        "Codex's own sandbox for the commands it runs, where Loopwright's wall cannot "
        "run (no bubblewrap); inside the wall Codex is given `danger-full-access`, the "
        "wall being the sandbox.")] = "workspace-write"
