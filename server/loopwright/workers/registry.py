"""Worker backends by name."""

from __future__ import annotations

from collections.abc import Callable

from ..config import Config
from .base import UnknownBackend, Worker
from .script import ScriptWorker


def _claude(config: Config) -> Worker:
    from .claude import ClaudeWorker  # the SDK loads only when a claude session runs

    return ClaudeWorker(config)


def _claude_code(config: Config) -> Worker:
    from .claude_code import ClaudeCodeWorker  # claude-agent-sdk loads only when used

    return ClaudeCodeWorker(config)


def _codex(config: Config) -> Worker:
    from .codex import CodexWorker

    return CodexWorker(config)


BACKENDS: dict[str, Callable[[Config], Worker]] = {
    "script": lambda _config: ScriptWorker(),
    "claude": _claude,
    "claude-code": _claude_code,
    "codex": _codex,
}


def make_worker(name: str, config: Config) -> Worker:
    factory = BACKENDS.get(name)
    if factory is None:
        raise UnknownBackend(
            f"unknown worker backend {name!r}; known: {', '.join(sorted(BACKENDS))}"
        )
    return factory(config)
