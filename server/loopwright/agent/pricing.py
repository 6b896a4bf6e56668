"""What a reply cost: its usage priced from the `[prices]` table."""

from __future__ import annotations

from typing import Any

from ..config import ModelPrice
from ..core.usage import Usage

__all__ = ["Usage", "cost", "usage_of"]


def usage_of(usage: Any) -> Usage:
    """From the SDK's usage object (missing cache fields count as 0)."""
    return Usage(
        input_tokens=int(getattr(usage, "input_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
        cache_write_tokens=int(getattr(usage, "cache_creation_input_tokens", 0) or 0),
        cache_read_tokens=int(getattr(usage, "cache_read_input_tokens", 0) or 0),
    )


def cost(usage: Usage, price: ModelPrice | None) -> float:
    """Dollars for `usage`; 0 when the model has no price."""
    if price is None:
        return 0.0
    return price.dollars(usage.input_tokens, usage.output_tokens, usage.cache_write_tokens,
                         usage.cache_read_tokens)
