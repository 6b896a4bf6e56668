"""The typed key of an owned task (the manager's registry, the listeners, the hooks)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class EffectKey:
    """Names one owned task: its kind, and what it is for (a session, a task; or nothing
    for the one-of-a-kind listeners)."""

    kind: str
    id: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}" if self.id else self.kind
