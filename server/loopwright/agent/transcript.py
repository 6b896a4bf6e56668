"""A worker's conversation as the log keeps it, and rebuilt from the log.

Each user message is a `ModelPrompted`, each reply a `ModelReplied`, content blocks as
compact JSON. Rebuilding replays them: a prompt with `restart` (a client-side summary)
starts the conversation over; a reply holding a `compaction` block (server-side
compaction) makes everything before it moot, so only the first message is kept before
it. What the worker spent comes back with it, for its budgets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import events as ev
from .budget import Spent

Message = dict[str, Any]
ANSWER_MARK = "The human answered your earlier question "


def encode(content: list[dict[str, Any]]) -> str:
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False)


def answer_text(question: str, answer: str) -> str:
    """How an answer to a non-blocking question reaches the model in a later message."""
    return f"{_marker(question)}: {answer}"


def _marker(question: str) -> str:
    return ANSWER_MARK + json.dumps(question, ensure_ascii=False)


@dataclass
class Conversation:
    messages: list[Message] = field(default_factory=list)
    spent: Spent = field(default_factory=Spent)
    notes_seen: int = 0
    open_questions: list[str] = field(default_factory=list)  # asked, answer not yet given
    last_context: int = 0  # tokens in the conversation after the last reply

    def add_prompt(self, event: ev.ModelPrompted) -> None:
        self.spent.add(event)
        content = json.loads(event.content)
        if event.restart:
            self.messages, self.last_context = [], 0  # unknown until the next reply
        self.messages.append({"role": "user", "content": content})
        self.notes_seen = max(self.notes_seen, event.notes_seen)
        said = " ".join(b.get("text", "") for b in content if b.get("type") == "text")
        self.open_questions = [q for q in self.open_questions if _marker(q) not in said]

    def add_reply(self, event: ev.ModelReplied) -> None:
        self.spent.add(event)
        content = json.loads(event.content)
        if any(b.get("type") == "compaction" for b in content):
            self.messages = self.messages[:1]
        # stop_reason rides along for the loop; only role and content are ever sent
        self.messages.append({"role": "assistant", "content": content,
                              "stop_reason": event.stop_reason})
        self.last_context = (event.input_tokens + event.output_tokens
                             + event.cache_write_tokens + event.cache_read_tokens)
        for block in content:
            if block.get("type") == "tool_use" and block.get("name") == "ask":
                args = block.get("input") or {}
                if not args.get("blocking") and isinstance(args.get("question"), str):
                    self.open_questions.append(args["question"])

    def pending_calls(self) -> list[dict[str, Any]]:
        """Tool calls of the last reply that have no results yet."""
        if not self.messages or self.messages[-1]["role"] != "assistant":
            return []
        return [b for b in self.messages[-1]["content"] if b.get("type") == "tool_use"]

    @property
    def awaiting_reply(self) -> bool:
        return bool(self.messages) and self.messages[-1]["role"] == "user"


def rebuild(events: Iterable[ev.ModelPrompted | ev.ModelReplied]) -> Conversation:
    conversation = Conversation()
    for event in events:
        if isinstance(event, ev.ModelPrompted):
            conversation.add_prompt(event)
        elif event.agent == "worker":
            conversation.add_reply(event)
    return conversation
