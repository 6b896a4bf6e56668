"""Moved to `loopwright.views.overview` (the digest needs them below the manager);
re-exported here until every caller imports them there."""

from __future__ import annotations

from ..views.overview import (  # re-exported
    InboxItem,
    InboxKind,
    SessionRow,
    describe,
    duration,
    elapsed_seconds,
    inbox,
    needs_you,
    session_row,
    sessions,
)

__all__ = ["InboxItem", "InboxKind", "SessionRow", "describe", "duration",
           "elapsed_seconds", "inbox", "needs_you", "session_row", "sessions"]
