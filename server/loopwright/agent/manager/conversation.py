"""The manager's conversation as the log keeps it, and rebuilt from the log.

Each user message is a `ManagerPrompted` (what woke it, or its tools' results), each
reply a `ModelReplied(agent="manager")`, content blocks as compact JSON. A prompt with
`restart` starts the conversation over (a summary replaced what came before); a reply
holding a `compaction` block (the API's own compaction) makes everything before it moot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ... import events as ev

Message = dict[str, Any]


def encode(content: list[dict[str, Any]]) -> str:
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False)


@dataclass
class ManagerConversation:
    messages: list[Message] = field(default_factory=list)
    last_context: int = 0  # tokens the conversation held after the last reply

    def add_prompt(self, event: ev.ManagerPrompted) -> None:
        content = json.loads(event.content)
        if event.restart:
            self.messages, self.last_context = [], 0
        if self.messages and self.messages[-1]["role"] == "user":
            # a turn cut short left a user message last: the API wants them alternating
            self.messages[-1] = {"role": "user",
                                 "content": [*self.messages[-1]["content"], *content]}
        else:
            self.messages.append({"role": "user", "content": content})

    def add_reply(self, event: ev.ModelReplied) -> None:
        content = json.loads(event.content)
        if any(b.get("type") == "compaction" for b in content):
            self.messages = []
        self.messages.append({"role": "assistant", "content": content})
        self.last_context = (event.input_tokens + event.output_tokens
                             + event.cache_write_tokens + event.cache_read_tokens)

    def pending_calls(self) -> list[dict[str, Any]]:
        """Tool calls of the last reply that have no results yet."""
        if not self.messages or self.messages[-1]["role"] != "assistant":
            return []
        return [b for b in self.messages[-1]["content"] if b.get("type") == "tool_use"]

    @property
    def awaiting_reply(self) -> bool:
        return bool(self.messages) and self.messages[-1]["role"] == "user"

    def size(self) -> int:
        """Tokens it holds now: the last reply's count, or an estimate (4 characters a
        token) when it has not been sent since it started over."""
        return self.last_context or estimate(self.messages)


def estimate(content: Any) -> int:
    return len(json.dumps(content, ensure_ascii=False)) // 4 + 1


def rebuild(records: Iterable[ev.Record]) -> ManagerConversation:
    conversation = ManagerConversation()
    for r in records:
        e = r.event
        if isinstance(e, ev.ManagerPrompted):
            conversation.add_prompt(e)
        elif isinstance(e, ev.ModelReplied) and e.agent == "manager":
            conversation.add_reply(e)
    return conversation
