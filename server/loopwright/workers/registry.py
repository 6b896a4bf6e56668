"""Worker backends by name."""

from __future__ import annotations

from collections.abc import Callable

from ..config import Config
from .base import UnknownBackend, Worker
from .script import ScriptWorker

BACKENDS: dict[str, Callable[[Config], Worker]] = {
    "script": lambda _config: ScriptWorker(),
}


def make_worker(name: str, config: Config) -> Worker:
    factory = BACKENDS.get(name)
    if factory is None:
        raise UnknownBackend(
            f"unknown worker backend {name!r}; known: {', '.join(sorted(BACKENDS))}"
        )
    return factory(config)
