"""The `claude` triage agent: does a new task fit the project? Accept, decline or ask."""

from __future__ import annotations

import asyncio
import dataclasses

import msgspec

from .. import events as ev
from ..config import Config
from ..project import Project
from ..review.triage import Accept, Ask, Decline, OnRetry, TriageFailed, Verdict
from ..state import Task
from . import prompts
from .model import policy_of
from .oneshot import NoVerdict, verdict
from .project_notes import describe_task, project_notes
from .retry import Failure
from .tools.schemas import TRIAGE_TOOL


class ClaudeTriager:
    name = "claude"

    def __init__(self, project: Project, config: Config) -> None:
        self.project, self.config = project, config

    async def triage(self, task: Task, on_retry: OnRetry | None = None) -> Verdict:
        notes = await asyncio.to_thread(project_notes, self.project.root,
                                        self.config.project.goals, self.project.notes_path)
        attempts = policy_of(self.config.agent).max_retries + 1

        async def retrying(retry: int, failure: Failure, wait: float) -> None:
            if on_retry is not None:  # the try about to be made: the first retry is the 2nd
                on_retry(ev.TriageRetried(
                    task_id=task.task_id, attempt=retry + 1, attempts=attempts,
                    failure=failure.kind, detail=failure.detail, wait_seconds=round(wait, 2)))

        try:
            answer, reply = await verdict(
                self.config, system=prompts.system_blocks("triage", notes),
                text=describe_task(task), tool=TRIAGE_TOOL, agent="triage",
                user_id=f"triage-{task.task_id}", on_retry=retrying,
            )
        except NoVerdict as e:  # it answered, and that was paid for
            raise TriageFailed(str(e), (_of(e.reply, task),)) from e
        spent = _of(reply, task)
        try:
            return dataclasses.replace(parse_verdict(answer), spent=(spent,))
        except ValueError as e:
            raise TriageFailed(str(e), (spent,)) from e


def _of(reply: ev.ModelReplied, task: Task) -> ev.ModelReplied:
    """The reply counted in the task's totals."""
    return msgspec.structs.replace(reply, task_id=task.task_id)


def parse_verdict(answer: dict[str, object]) -> Verdict:
    reason = str(answer.get("reason") or "").strip()
    match answer.get("verdict"):
        case "accept":
            return Accept(reason)
        case "decline":
            return Decline(reason or "triage declined it without a reason")
        case "ask":
            question = str(answer.get("question") or "").strip()
            return Ask(question or f"{reason} Should this task be worked on?".strip())
    raise ValueError(f"triage gave an unknown verdict: {answer.get('verdict')!r}")
