"""The agents' prompts, one small Markdown file per role, and the system prompt built
from them: the role and the project's notes first (the same for every task, so the
prompt cache serves them across sessions), then the task."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

CACHED = {"type": "ephemeral"}


@cache
def load(name: str) -> str:
    """The prompt `name` (worker, triage, reviewer, summarize)."""
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")


def system_blocks(role: str, project: str, task: str = "") -> list[dict[str, Any]]:
    """System prompt blocks, each stable prefix marked for the prompt cache."""
    blocks = [{"type": "text", "text": f"{load(role).strip()}\n\n{project}".strip(),
               "cache_control": CACHED}]
    if task:
        blocks.append({"type": "text", "text": task, "cache_control": CACHED})
    return blocks
