"""Moved to `loopwright.core.ids`; re-exported here until every caller imports it there."""

from __future__ import annotations

from ..core.ids import LookupFailed, new_id, resolve, slug, unique_name  # re-exported

__all__ = ["LookupFailed", "new_id", "resolve", "slug", "unique_name"]
