"""The triage slot: does a new task fit the project? Accept, decline, or ask the human.

Without a triage agent configured every task is accepted. An agent (`[triage] agent`,
registered in `loopwright.backends`) reads the task against the project's goals and notes
and returns one of the verdicts below; `Ask` becomes a Decision whose answer ("accept" or
"decline") settles it (`manager.triage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..state import Task


@dataclass(frozen=True)
class Accept:
    reason: str = ""


@dataclass(frozen=True)
class Decline:
    reason: str


@dataclass(frozen=True)
class Ask:
    question: str
    default: str = "accept"  # the answer assumed until the human gives one


Verdict = Accept | Decline | Ask
ASK_OPTIONS = ("accept", "decline")


class Triager(Protocol):
    name: str

    async def triage(self, task: Task) -> Verdict: ...


class AcceptEverything:
    name = "none"

    async def triage(self, task: Task) -> Verdict:
        return Accept("no triage agent configured")


class UnknownTriager(Exception):
    pass
