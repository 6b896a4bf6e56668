"""The `claude` triage agent: does a new task fit the project? Accept, decline or ask."""

from __future__ import annotations

import asyncio

import msgspec

from ..config import Config
from ..project import Project
from ..review.triage import Accept, Ask, Decline, Verdict
from ..state import Task
from . import prompts
from .oneshot import record, verdict
from .project_notes import describe_task, project_notes
from .tools.schemas import TRIAGE_TOOL


class ClaudeTriager:
    name = "claude"

    def __init__(self, project: Project, config: Config) -> None:
        self.project, self.config = project, config

    async def triage(self, task: Task) -> Verdict:
        notes = await asyncio.to_thread(project_notes, self.project.root,
                                        self.config.project.goals, self.project.notes_path)
        answer, reply = await verdict(
            self.config, system=prompts.system_blocks("triage", notes),
            text=describe_task(task), tool=TRIAGE_TOOL, agent="triage",
            user_id=f"triage-{task.task_id}",
        )
        await asyncio.to_thread(record, self.project,
                                msgspec.structs.replace(reply, task_id=task.task_id))
        return parse_verdict(answer)


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
