"""What model calls spent, in the Messages API's terms: the cache apart from the input.

Each agent reads it from its own source (the SDK's usage object, Claude Code's
stream-json, Codex's token totals) and prices it with `ModelPrice.dollars`."""

from __future__ import annotations

from dataclasses import astuple, dataclass


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    @property
    def total(self) -> int:
        return (self.input_tokens + self.output_tokens + self.cache_write_tokens
                + self.cache_read_tokens)

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def beyond(self, counted: Usage) -> Usage:
        """What this total has beyond what was `counted` of it, never below 0."""
        return Usage(*(max(0, a - b)
                       for a, b in zip(astuple(self), astuple(counted), strict=True)))
