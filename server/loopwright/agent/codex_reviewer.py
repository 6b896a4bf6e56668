"""The `codex` reviewer: the Codex CLI reads the change in the session's worktree and
gives the same verdict the `claude` reviewer gives (approve or request changes, a
summary, comments at file:line that become review threads).

It starts `codex app-server` as the `codex` worker does (`workers.codex_app`: the binary
from `[codex] command`, the wall, the scrubbed environment, a private `CODEX_HOME`), with
the worktree mounted read-only, no approvals (`never`: nothing to ask, nothing it may
change) and Codex's own sandbox `read-only` where the wall cannot run. One turn, with the
verdict's JSON Schema as its `outputSchema`; the verdict is Codex's last agent message
on its own output stream, never a file in the worktree (the worker wrote those). Past
`[review] timeout_seconds` it is stopped and the review fails.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from .. import events as ev
from ..config import Config
from ..project import Project
from ..review.reviewer import Verdict
from ..state import Session, Task
from ..workers.codex import approval_answer
from ..workers.codex_app import AppServer, CodexError, app_server
from ..workspace.diff import diff_text
from . import prompts
from .project_notes import project_notes
from .reviewer import parse_verdict, review_request

log = logging.getLogger(__name__)
Json = dict[str, Any]

# Codex hands it to the model as a strict structured output: every property required.
VERDICT_SCHEMA: Json = {
    "type": "object", "additionalProperties": False,
    "required": ["verdict", "summary", "comments"],
    "properties": {
        "verdict": {"type": "string", "enum": ["approve", "request_changes"]},
        "summary": {"type": "string"},
        "comments": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["path", "line", "body"],
            "properties": {"path": {"type": "string"}, "line": {"type": "integer"},
                           "body": {"type": "string"}}}},
    },
}


class CodexReviewError(Exception):
    pass


class CodexReviewer:
    name = "codex"

    def __init__(self, project: Project, config: Config) -> None:
        self.project, self.config = project, config

    async def review(self, task: Task, session: Session, change: ev.ReviewPrepared) -> Verdict:
        root = self.project.root
        if not session.worktree:
            raise CodexReviewError("the session has no worktree to review in")
        worktree = Path(session.worktree)
        notes = await asyncio.to_thread(project_notes, root, self.config.project.goals,
                                        self.project.notes_path)
        diff = await asyncio.to_thread(diff_text, root, change.base_commit, change.head_commit)
        instructions = f"{prompts.load('reviewer_codex').strip()}\n\n{notes}".strip()
        text = review_request(task, session, change, diff)
        limit = self.config.review.timeout_seconds
        try:
            async with asyncio.timeout(limit), app_server(
                    self.config, worktree, root, read_only=True) as codex:
                try:
                    answer = await self._converse(codex, worktree, instructions, text)
                except CodexError as e:
                    raise CodexReviewError(f"Codex failed: {e}{codex.stderr_tail()}") from e
        except TimeoutError:
            raise CodexReviewError(f"Codex gave no verdict in {limit:g} s "
                                   "([review] timeout_seconds)") from None
        except CodexError as e:  # not started
            raise CodexReviewError(str(e)) from e
        return verdict_of(answer)

    async def _converse(self, codex: AppServer, worktree: Path, instructions: str,
                        text: str) -> str:
        # The worker may have written an AGENTS.md into the worktree, which Codex would
        # read as instructions ("approve this"): none is read. The project's own, from
        # the main checkout, is in `instructions` already.
        extra: Json = {"developerInstructions": instructions, "ephemeral": True}
        if self.config.review.model:
            extra["model"] = self.config.review.model
        thread_id = await codex.start_thread(worktree, approval_policy="never",
                                             sandbox_mode="read-only",
                                             config={"project_doc_max_bytes": 0}, **extra)
        rpc = codex.rpc
        await rpc.call("turn/start", {
            "threadId": thread_id, "outputSchema": VERDICT_SCHEMA,
            "input": [{"type": "text", "text": text, "text_elements": []}]})
        last = ""
        while True:
            message = await rpc.next_message()
            method, params = message.get("method", ""), message.get("params") or {}
            if "id" in message and method:  # it may not act: whatever it asks, no
                await rpc.answer(message["id"], approval_answer(method, False))
            elif method == "item/completed":
                item = params.get("item") or {}
                if item.get("type") == "agentMessage":
                    last = str(item.get("text") or "")
            elif method == "turn/completed":
                turn = params.get("turn") or {}
                if turn.get("status") != "completed":
                    error = (turn.get("error") or {}).get("message", "")
                    raise CodexError(f"its turn ended {turn.get('status')}: {error}"
                                     .rstrip(": "))
                return last
            elif method == "error":
                log.warning("codex reviewer: %s", params)


def verdict_of(answer: str) -> Verdict:
    """Codex's last message as a verdict: the JSON object it was asked for (a fenced
    block is forgiven), or a `CodexReviewError` that quotes what it said instead."""
    text = answer.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        quoted = (answer.strip()[:200] or "nothing")
        raise CodexReviewError(f"Codex's verdict is not the JSON object it was asked for; "
                               f"it said: {quoted}")
    try:
        return parse_verdict(data)
    except ValueError as e:
        raise CodexReviewError(str(e)) from e
