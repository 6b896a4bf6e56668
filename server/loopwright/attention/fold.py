"""Moved to `loopwright.attention_state` (the state's fold is below attention); re-exported
here until every caller imports it there."""

from __future__ import annotations

from ..attention_state import ATTENTION_APPLY, Attention, Note, Stall  # re-exported

__all__ = ["ATTENTION_APPLY", "Attention", "Note", "Stall"]
