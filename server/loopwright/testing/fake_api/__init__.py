"""A fake Anthropic Messages API, served over real HTTP, that replays scripted turns.

Tests, benchmarks and `loopwright demo` point the real `anthropic` SDK at it
(`base_url=api.base_url`) so agents run end to end without network or API key.
See docs/fake-model.md.
"""

from __future__ import annotations

from .script import (
    Fault,
    Responder,
    Script,
    Turn,
    TurnLike,
    compaction_block,
    load_script_file,
    load_scripts,
    text_block,
    thinking_block,
    tool_use_block,
)
from .server import FakeMessagesAPI, RecordedRequest

__all__ = [
    "FakeMessagesAPI",
    "Fault",
    "RecordedRequest",
    "Responder",
    "Script",
    "Turn",
    "TurnLike",
    "compaction_block",
    "load_script_file",
    "load_scripts",
    "text_block",
    "thinking_block",
    "tool_use_block",
]
