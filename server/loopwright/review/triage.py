"""The triage slot: does a new task fit the project? Accept, decline, or ask the human.

Without a triage agent configured every task is accepted. An agent (`[triage] agent`,
registered in `loopwright.backends`) reads the task against the project's goals and notes
and returns one of the verdicts below; `Ask` becomes a Decision whose answer ("accept" or
"decline") settles it (`manager.triage`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .. import events as ev
from ..state import Task


@dataclass(frozen=True)
class Accept:
    reason: str = ""
    spent: tuple[ev.ModelReplied, ...] = ()  # what judging cost, for the log


@dataclass(frozen=True)
class Decline:
    reason: str
    spent: tuple[ev.ModelReplied, ...] = ()


@dataclass(frozen=True)
class Ask:
    question: str
    default: str = "accept"  # the answer assumed until the human gives one
    spent: tuple[ev.ModelReplied, ...] = ()


Verdict = Accept | Decline | Ask


class TriageFailed(Exception):
    """Triage gave no verdict after the model answered: `spent` is what that cost,
    recorded with the question the task then waits on."""

    def __init__(self, reason: str, spent: tuple[ev.ModelReplied, ...] = ()) -> None:
        super().__init__(reason)
        self.spent = spent

ASK_OPTIONS = ("accept", "decline")
# Told each time a triage agent's model call failed and will be tried again; the slot
# records it, so `status` can say why a task waits.
OnRetry = Callable[[ev.TriageRetried], None]


class Triager(Protocol):
    name: str

    async def triage(self, task: Task, on_retry: OnRetry | None = None) -> Verdict: ...


class AcceptEverything:
    name = "none"

    async def triage(self, task: Task, on_retry: OnRetry | None = None) -> Verdict:
        return Accept("no triage agent configured")


class UnknownTriager(Exception):
    pass
