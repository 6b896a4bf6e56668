"""Moved to `loopwright.runtime` (triggers and the supervisor need it too); re-exported
here until every caller imports it there."""

from __future__ import annotations

from ..runtime import Runtime  # re-exported

__all__ = ["Runtime"]
