"""The triage slot: does a new task fit the project? Accept, decline, or ask the human.

Without a triage agent configured every task is accepted. An agent (`[triage] agent`)
reads the task against the project's goals and notes and returns one of the verdicts
below; `Ask` becomes a Decision whose answer ("accept" or "decline") settles it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .. import events as ev
from ..config import Config
from ..project import Project
from ..state import Task
from .ids import new_id
from .runtime import Runtime


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



def _claude(project: Project, config: Config) -> Triager:
    from ..agent.triage import ClaudeTriager  # the SDK loads only when configured

    return ClaudeTriager(project, config)


TRIAGERS: dict[str, Callable[[Project, Config], Triager]] = {"claude": _claude}


def make_triager(project: Project, config: Config) -> Triager:
    name = config.triage.agent
    if not name:
        return AcceptEverything()
    factory = TRIAGERS.get(name)
    if factory is None:
        known = ", ".join(sorted(TRIAGERS)) or "none yet"
        raise UnknownTriager(f"unknown triage agent {name!r} in [triage]; known: {known}")
    return factory(project, config)


async def triage_task(rt: Runtime, triager: Triager, task_id: str) -> None:
    """Run the triager on one task and record its verdict. A task already judged
    (a restart raced this) is left alone."""
    task = rt.state.tasks[task_id]
    if task.verdict != "pending" or any(
        d.task_id == task_id and not d.session_id for d in rt.state.decisions.values()
    ):
        return
    try:
        verdict = await triager.triage(task)
    except Exception as e:  # noqa: BLE001 - triage failing must not lose the task
        verdict = Ask(f"Triage could not judge this task ({e}). Work on it anyway?")
    match verdict:
        case Accept(reason=reason):
            rt.append(*verdict.spent, ev.TaskAccepted(task_id=task_id, reason=reason))
        case Decline(reason=reason):
            rt.append(*verdict.spent, ev.TaskDeclined(task_id=task_id, reason=reason))
        case Ask(question=question, default=default):
            rt.append(*verdict.spent, ev.DecisionAsked(
                decision_id=new_id("d"), question=question, options=ASK_OPTIONS,
                default=default, blocking=True, task_id=task_id,
            ))
