"""The one interface every worker backend implements, and what the manager hands it.

A worker gets a `WorkerContext` and returns an `Outcome`. Everything it does that the
human or the manager should know about goes through the context, which turns it into
events: steps (`act`), progress, commands (sandboxed, time-limited), questions (`ask`).
The manager commits whatever the worker left in the worktree when it returns `Finished`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .. import events as ev
from ..config import Config
from ..core.commands import CommandResult
from ..delegation_state import Steer
from ..state import Session, Task

__all__ = ["Failed", "Finished", "Outcome", "TranscriptEvent", "UnknownBackend",
           "Worker", "WorkerContext", "WorkerInput"]

TranscriptEvent = ev.ModelPrompted | ev.ModelReplied


@dataclass(frozen=True)
class Finished:
    summary: str


@dataclass(frozen=True)
class Failed:
    reason: str


Outcome = Finished | Failed


@dataclass(frozen=True)
class WorkerInput:
    """What a worker starts from. `resume_step` > 0 means it ran before: skip those steps."""

    task: Task
    session: Session
    worktree: Path
    config: Config
    resume_step: int = 0
    notes: tuple[str, ...] = field(default=())  # request-changes notes, oldest first
    repo_root: Path | None = None  # the repository the worktree belongs to (the sandbox's)


class WorkerContext(Protocol):
    @property
    def input(self) -> WorkerInput: ...

    async def act(self, action: str, detail: str = "") -> int:
        """Record that a step was done; returns its number (counting from 0). The action
        `progress` records a progress report (`detail`) as the step."""
        ...

    async def progress(self, message: str) -> None: ...

    async def reply(self, thread_id: str, text: str, *, step: str | None = None) -> bool:
        """Answer a review thread the last note carried (what was changed, or why not);
        it shows in the thread on the next review. False: no such thread. With `step`,
        the reply is also the worker's next step, in the same write."""
        ...

    async def run_command(self, command: str, *, step: str | None = None) -> CommandResult:
        """Run a shell command in the worktree, sandboxed, scrubbed and time-limited.
        With `step` (its detail), the command is also the worker's next step, recorded
        in the same write as its result: a restart never runs a finished command again."""
        ...

    async def ask(
        self, question: str, options: tuple[str, ...] = (), default: str = "",
        blocking: bool = False,
    ) -> str:
        """Ask the human. Non-blocking: returns `default` at once and the answer reaches
        a later turn. Blocking: waits for the answer. Asking the same question again in
        the same session (after a restart) returns the recorded answer or waits on it."""
        ...

    def answers(self) -> dict[str, str]:
        """Answers that arrived so far to this session's questions, by question text."""
        ...

    def steers(self) -> tuple[Steer, ...]:
        """The notes steered to this session so far (numbered from 1, oldest first), each
        marked once the worker has taken it. Read live: a note may arrive at any turn."""
        ...

    async def take_steer(self, number: int, *, as_step: bool = True) -> int | None:
        """Record that the worker took steering note `number`: as its next step (returns
        the step's number; a resumed worker skips it), or into its conversation (None)."""
        ...

    def transcript(self) -> list[TranscriptEvent]:
        """The worker's conversation so far, as recorded (agent backends resume from it)."""
        ...

    async def record_turn(self, *events: TranscriptEvent | ev.SteerReceived) -> None:
        """Append conversation events to the log, together (one transaction); with the
        steering notes the prompt carries, marked received in the same write."""
        ...

    async def over_budget(self, reason: str, round: int) -> bool:
        """Mark the session over budget and ask the human, blocking, whether to go on
        with another budget's worth (`round` counts the budgets used, from 1). True: go
        on. After a restart the same round gets the recorded answer."""
        ...


class Worker(Protocol):
    name: str

    async def run(self, ctx: WorkerContext) -> Outcome: ...


class UnknownBackend(Exception):
    pass
