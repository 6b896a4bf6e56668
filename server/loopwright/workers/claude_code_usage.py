"""What a Claude Code run spent, as the worker's `ModelReplied` events.

Claude Code's stream-json says it twice, and neither is enough alone:
- each `assistant` message carries its API response's `message.usage`, but as of the
  response's start: input and cache figures are final, `output_tokens` is not (CLI 2.1
  sends 1); and a response of several content blocks comes as several messages with one id;
- the `result` message that ends the run carries its totals: `usage`, and `modelUsage`
  per model with Claude Code's own `costUSD`, side requests (no assistant message) included.

So each API response becomes one reply as soon as a later response of its model arrives
(live tokens and cost in `status`, one turn per model call), and the result tops up each
model's last reply to its exact totals. A run cut short (no result) keeps what it showed.

Replies are priced from `[prices]`, as every agent's are; a model with no price there is
charged what Claude Code reported for it (its list price) rather than $0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import events as ev
from ..config.workers import ModelPrice
from ..core.usage import Usage

Json = Mapping[str, Any]


def tokens_of(usage: Json, *, camel: bool = False) -> Usage:
    """From an API `usage` (snake_case) or a `modelUsage` entry (camel)."""
    keys = (("inputTokens", "outputTokens", "cacheCreationInputTokens",
             "cacheReadInputTokens") if camel else
            ("input_tokens", "output_tokens", "cache_creation_input_tokens",
             "cache_read_input_tokens"))
    return Usage(*(v if isinstance(v := usage.get(k), int) and v > 0 else 0 for k in keys))


@dataclass
class _Response:
    message_id: str
    model: str
    tokens: Usage
    stop_reason: str
    blocks: list[Json]  # what it said, shortened: `loopwright log` shows it


class Tally:
    """One run's spend, turned into replies as its messages arrive. Pure: the caller
    records what each method returns, and passes the monotonic time. A reply's seconds
    are the run's time since the reply before (tools included, waits on the human not)."""

    def __init__(self, prices: Mapping[str, ModelPrice], *, session_id: str, task_id: str,
                 model: str, started: float) -> None:
        self.prices, self.session_id, self.task_id = prices, session_id, task_id
        self.model = model  # the run's model, for a result without `modelUsage`
        self._last_at = started
        self._open: dict[str, _Response] = {}  # by model: its latest response, unrecorded
        self._counted: dict[str, Usage] = {}  # by model: tokens in replies returned
        self._charged: dict[str, float] = {}  # by model: dollars in replies returned
        self._done: set[str] = set()  # message ids of the responses counted

    def seen(self, message_id: str | None, model: str, usage: Json | None,
             stop_reason: str | None, at: float,
             blocks: Sequence[Json] = ()) -> list[ev.ModelReplied]:
        """An assistant message (`blocks`: its content, shortened); returns the reply of
        the response it closed, if any."""
        if not message_id or not usage or message_id in self._done:
            return []  # a later block of a response already counted (parallel subagents)
        model = self._known(model or self.model)
        current = self._open.get(model)
        if current is not None and current.message_id == message_id:
            current.stop_reason = stop_reason or current.stop_reason
            current.blocks += blocks
            return []
        self._open[model] = _Response(message_id, model, tokens_of(usage), stop_reason or "",
                                      list(blocks))
        if current is None:
            return []
        self._done.add(current.message_id)
        return [self._reply(current.model, current.tokens, current.stop_reason, at,
                            blocks=current.blocks)]

    def waited(self, seconds: float) -> None:
        """Time the run spent blocked on the human: no reply's seconds count it."""
        self._last_at += seconds

    def ended(self, model_usage: Mapping[str, Json] | None, usage: Json | None,
              stop_reason: str, at: float) -> list[ev.ModelReplied]:
        """The result: every open response's reply, each model topped up to its total."""
        totals: dict[str, tuple[Usage, float | None]] = {}
        for name, entry in (model_usage or {}).items():
            cost = entry.get("costUSD")
            canonical = str(entry.get("canonicalModel") or "")  # a provider's id may not match
            key = self._match(name) or (canonical and self._match(canonical)) or name
            totals[key] = (tokens_of(entry, camel=True),
                           float(cost) if isinstance(cost, int | float) else None)
        if not totals and usage:
            models = set(self._open) | set(self._counted)
            totals[models.pop() if len(models) == 1 else self.model] = (tokens_of(usage), None)
        replies = []
        for model in [*self._open, *(m for m in totals if m not in self._open)]:
            open_ = self._open.pop(model, None)
            tokens = open_.tokens if open_ else Usage()
            reported: float | None = None
            if model in totals:
                total, reported = totals[model]
                tokens = total.beyond(self._counted.get(model, Usage()))
            unpaid = (self._price(model) is None
                      and (reported or 0.0) > self._charged.get(model, 0.0))
            if tokens.total > 0 or unpaid:
                replies.append(self._reply(model, tokens, stop_reason, at, reported,
                                           open_.blocks if open_ else ()))
        return replies

    def cut_short(self, at: float) -> list[ev.ModelReplied]:
        """The run ended without a result: what its open responses showed."""
        replies = [self._reply(r.model, r.tokens, r.stop_reason or "cut_short", at,
                               blocks=r.blocks) for r in self._open.values()]
        self._open.clear()
        return replies

    def _known(self, model: str) -> str:
        """The name this run already counts `model` under: the API answers a request
        for `claude-x-1` as `claude-x-1-20250101`, and the result may use either."""
        return self._match(model) or model

    def _match(self, model: str) -> str | None:
        return next((known for known in (*self._open, *self._counted)
                     if _same(model, known)), None)

    def _price(self, model: str) -> ModelPrice | None:
        if (price := self.prices.get(model)) is not None:
            return price
        return self.prices.get(_undated(model))

    def _reply(self, model: str, tokens: Usage, stop_reason: str, at: float,
               reported: float | None = None, blocks: Sequence[Json] = ()
               ) -> ev.ModelReplied:
        price = self._price(model)
        if price is not None:
            dollars = price.dollars(tokens.input_tokens, tokens.output_tokens,
                                    tokens.cache_write_tokens, tokens.cache_read_tokens)
        else:  # Claude Code's own figure, once the result gives it
            dollars = max(0.0, (reported or 0.0) - self._charged.get(model, 0.0))
        self._counted[model] = self._counted.get(model, Usage()) + tokens
        self._charged[model] = self._charged.get(model, 0.0) + dollars
        seconds, self._last_at = max(0.0, at - self._last_at), at
        return ev.ModelReplied(
            agent="worker", model=model, session_id=self.session_id, task_id=self.task_id,
            content=json.dumps(list(blocks), separators=(",", ":")) if blocks else "",
            stop_reason=stop_reason, input_tokens=tokens.input_tokens,
            output_tokens=tokens.output_tokens, cache_write_tokens=tokens.cache_write_tokens,
            cache_read_tokens=tokens.cache_read_tokens, cost_usd=round(dollars, 6),
            seconds=round(seconds, 3))


_SNAPSHOT = re.compile(r"-\d{8}$")  # a dated snapshot's suffix: claude-x-1-20250101


def _undated(model: str) -> str:
    return _SNAPSHOT.sub("", model)


def _same(a: str, b: str) -> bool:
    return _undated(a) == _undated(b)


def shortened(block: Json, limit: int = 200) -> Json | None:
    """A content block as a reply records it: text and tool calls, long strings cut
    (the log is not Claude Code's transcript, which it keeps itself)."""
    if block.get("type") == "text" and str(block.get("text") or "").strip():
        return {"type": "text", "text": str(block["text"])[:500]}
    if block.get("type") == "tool_use":
        args = block.get("input") or {}
        return {"type": "tool_use", "name": block.get("name"), "input": {
            k: v[:limit] if isinstance(v, str) else v for k, v in args.items()
            if isinstance(v, str | int | float | bool)}}
    return None
