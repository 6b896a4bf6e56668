"""Worker backends by name."""

from __future__ import annotations

from collections.abc import Callable

from ..config import Config
from .base import UnknownBackend, Worker
from .script import ScriptWorker


def _claude(config: Config) -> Worker:
    from .claude import ClaudeWorker  # the SDK loads only when a claude session runs

    return ClaudeWorker(config)


BACKENDS: dict[str, Callable[[Config], Worker]] = {
    "script": lambda _config: ScriptWorker(),
    "claude": _claude,
}


def make_worker(name: str, config: Config) -> Worker:
    factory = BACKENDS.get(name)
    if factory is None:
        raise UnknownBackend(
            f"unknown worker backend {name!r}; known: {', '.join(sorted(BACKENDS))}"
        )
    return factory(config)
