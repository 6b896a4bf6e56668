"""What a reply cost: its usage priced from the `[prices]` table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import ModelPrice


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    @classmethod
    def of(cls, usage: Any) -> Usage:
        """From the SDK's usage object (missing cache fields count as 0)."""
        return cls(
            input_tokens=int(getattr(usage, "input_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
            cache_write_tokens=int(getattr(usage, "cache_creation_input_tokens", 0) or 0),
            cache_read_tokens=int(getattr(usage, "cache_read_input_tokens", 0) or 0),
        )

    @property
    def total(self) -> int:
        return (self.input_tokens + self.output_tokens + self.cache_write_tokens
                + self.cache_read_tokens)

    @property
    def context(self) -> int:
        """How big the conversation is after this reply, as the API counted it."""
        return self.total


def cost(usage: Usage, price: ModelPrice | None) -> float:
    """Dollars for `usage`; 0 when the model has no price."""
    if price is None:
        return 0.0
    return price.dollars(usage.input_tokens, usage.output_tokens, usage.cache_write_tokens,
                         usage.cache_read_tokens)
