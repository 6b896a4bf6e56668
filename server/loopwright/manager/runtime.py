"""What the manager's effect handlers share: the project, its config, the log and state."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field

from .. import events as ev
from ..config import Config
from ..project import Project
from ..state import State
from ..store import Store

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    project: Project
    config: Config
    store: Store
    state: State
    # Blocking questions a worker is waiting on, by decision id.
    answers: dict[str, asyncio.Future[str]] = field(default_factory=dict)
    # Tasks that are waiting on the human (blocking ask, blocked landing), for --once.
    waiting_on_human: set[str] = field(default_factory=set)
    # Check runs compete for the same cores: at most this many at once.
    checks_slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.checks_slots = asyncio.Semaphore(
            self.config.checks.max_parallel or os.cpu_count() or 1
        )

    def append(self, *events: ev.Event) -> list[ev.Record]:
        """The one way the manager records a fact. The fold happens when the main loop
        reads the record back, so every state change is applied in log order."""
        return self.store.append(*events)
