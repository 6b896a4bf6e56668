"""The `claude` backend: Loopwright's own tool-use loop on the Anthropic SDK.

It reads the project's goals and notes, then runs `agent.loop.WorkerLoop` in the
session's worktree. The API key and endpoint come from the environment
(`ANTHROPIC_API_KEY`, optional `ANTHROPIC_BASE_URL`); see docs/agents.md.
"""

from __future__ import annotations

import asyncio

from ..config import Config
from ..project import NotARepository, Project
from ..workers.base import Outcome, WorkerContext
from .loop import WorkerLoop
from .model import make_client
from .project_notes import project_notes


class ClaudeWorker:
    name = "claude"

    def __init__(self, config: Config) -> None:
        self.config = config

    async def run(self, ctx: WorkerContext) -> Outcome:
        inp = ctx.input
        try:
            project = await asyncio.to_thread(Project.find, inp.worktree)
            notes_path = project.notes_path
        except NotARepository:
            notes_path = None
        notes = await asyncio.to_thread(project_notes, inp.worktree,
                                        inp.config.project.goals, notes_path)
        client = make_client(inp.config.agent)
        try:
            return await WorkerLoop(ctx, client, inp.config, notes).run()
        finally:
            await client.close()
