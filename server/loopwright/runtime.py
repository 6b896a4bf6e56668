"""What the effect handlers share (the manager's, the triggers', the supervisor's): the
project, its config, the log and the state."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from . import events as ev
from .config import Config
from .project import Project
from .state import State
from .store import Store

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
    # Held while git changes a session's worktree from outside its worker (bringing it
    # up to a moved target) and while the worker's work is committed: never both at once.
    worktree_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    # Held while a session's ports are picked and recorded: one reservation at a time.
    ports_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Set when a session took a warm worktree: the pool refills (manager/warm.py).
    warm_wanted: asyncio.Event = field(default_factory=asyncio.Event)
    # Check runs compete for the same cores: at most this many at once.
    checks_slots: asyncio.Semaphore = field(init=False)
    # The handle on the Ray cluster (manager/checks_run.py), made when first needed.
    compute: Any = None

    def __post_init__(self) -> None:
        self.checks_slots = asyncio.Semaphore(
            self.config.checks.max_parallel or os.cpu_count() or 1
        )

    def append(self, *events: ev.Event) -> list[ev.Record]:
        """The one way the manager records a fact. The fold happens when the main loop
        reads the record back, so every state change is applied in log order."""
        return self.store.append(*events)

    def clock(self) -> float:
        """The manager's one clock: the store stamps records with it, timers and the
        attention supervisor read it."""
        return self.store.clock()

    def reconfigure(self, config: Config) -> None:
        """Put a reloaded configuration in force (manager.reload). Safe because it is one
        assignment of a new tree, on the loop's thread, and the tree in force is never
        changed in place: a step sees the old tree or the new one, never half of each.
        What was built from the old one at start (the checks' slots) stays as it is:
        those keys wait for a restart (`config.RESTART_KEYS`)."""
        self.config = config

    def worktree_lock(self, session_id: str) -> asyncio.Lock:
        return self.worktree_locks.setdefault(session_id, asyncio.Lock())

    async def append_applied(self, *events: ev.Event) -> list[ev.Record]:
        """Append, then wait until the main loop has folded the records, so an owned
        task that decides again from the state sees what it has just recorded."""
        records = self.store.append(*events)
        while self.state.last_seq < records[-1].seq:  # noqa: ASYNC110 - the loop folds
            await asyncio.sleep(0.005)  # in batches; a few ms of polling is all this costs
        return records
