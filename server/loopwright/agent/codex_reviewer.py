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

The preview's screenshots go with the request as `localImage` inputs, each named by a
text before it (the page, before or after the change), as the `claude` reviewer's
images are: copies handed to Codex in a private folder. What the turn cost (Codex's
`thread/tokenUsage/updated`) comes back as the `ModelReplied` the claude reviewer's
call gives, priced from `[prices]`, so `loopwright stats` counts it; a turn that fails,
runs out of time or answers with no verdict raises `CodexReviewError` (a `ReviewFailed`)
with what Codex had reported spent so far.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Any

from .. import events as ev
from ..config import Config
from ..core.usage import Usage
from ..project import Project
from ..review.reviewer import ReviewFailed, Verdict
from ..state import Session, Task
from ..workers.codex import approval_answer
from ..workers.codex_app import AppServer, CodexError, app_server, spent, thread_total
from ..workspace.diff import diff_text
from . import prompts
from .project_notes import project_notes
from .reviewer import (
    SCREENSHOTS_INTRO,
    Screenshot,
    parse_verdict,
    review_request,
    screenshots_of,
)

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


class CodexReviewError(ReviewFailed):
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
        shots = await asyncio.to_thread(screenshots_of, session, change.head_commit)
        files = {_file_name(n, shot): shot.png for n, shot in enumerate(shots)}
        limit = self.config.review.timeout_seconds
        turn = _Turn()
        try:
            async with asyncio.timeout(limit), app_server(
                    self.config, worktree, root, read_only=True, files=files) as codex:
                try:
                    await self._converse(codex, worktree, instructions,
                                         [_text(text), *_image_inputs(codex, shots)], turn)
                except CodexError as e:
                    raise CodexReviewError(f"Codex failed: {e}{codex.stderr_tail()}",
                                           self._spent(turn, session, task, "turn_failed")
                                           ) from e
        except TimeoutError:
            raise CodexReviewError(f"Codex gave no verdict in {limit:g} s "
                                   "([review] timeout_seconds)",
                                   self._spent(turn, session, task, "timed_out")) from None
        except CodexError as e:  # not started
            raise CodexReviewError(str(e)) from e
        cost = self._spent(turn, session, task, "turn_completed")
        try:
            return dataclasses.replace(verdict_of(turn.answer), spent=cost)
        except CodexReviewError as e:
            raise CodexReviewError(str(e), cost) from e

    def _spent(self, turn: _Turn, session: Session, task: Task,
               stop_reason: str) -> tuple[ev.ModelReplied, ...]:
        """What the turn cost so far: nothing for a turn that failed before Codex reported
        any tokens (no reply to count)."""
        if stop_reason != "turn_completed" and turn.tokens == Usage():
            return ()
        seconds = turn.seconds
        if seconds is None:
            seconds = time.monotonic() - turn.started if turn.started else 0.0
        return (spent(turn.tokens, self.config, agent="reviewer",
                      model=turn.model or self.config.review.model,
                      session_id=session.session_id, task_id=task.task_id,
                      stop_reason=stop_reason, seconds=seconds),)

    async def _converse(self, codex: AppServer, worktree: Path, instructions: str,
                        inputs: list[Json], turn: _Turn) -> None:
        """One turn, its answer and what it cost kept in `turn` as they come: a turn
        that fails or runs out of time has still spent what Codex reported."""
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
        turn.model, turn.started = codex.model, time.monotonic()
        await rpc.call("turn/start", {
            "threadId": thread_id, "outputSchema": VERDICT_SCHEMA, "input": inputs})
        while True:
            message = await rpc.next_message()
            method, params = message.get("method", ""), message.get("params") or {}
            if "id" in message and method:  # it may not act: whatever it asks, no
                await rpc.answer(message["id"], approval_answer(method, False))
            elif method == "thread/tokenUsage/updated":
                turn.tokens = thread_total(params)  # the thread's total so far
            elif method == "item/completed":
                item = params.get("item") or {}
                if item.get("type") == "agentMessage":
                    turn.answer = str(item.get("text") or "")
            elif method == "turn/completed":
                turn.seconds = time.monotonic() - turn.started
                ended = params.get("turn") or {}
                if ended.get("status") != "completed":
                    error = (ended.get("error") or {}).get("message", "")
                    raise CodexError(f"its turn ended {ended.get('status')}: {error}"
                                     .rstrip(": "))
                return
            elif method == "error":
                log.warning("codex reviewer: %s", params)


@dataclasses.dataclass
class _Turn:
    """The review's one turn as it goes."""
    answer: str = ""  # its last agent message
    tokens: Usage = dataclasses.field(default_factory=Usage)  # the thread's total
    model: str = ""
    started: float = 0.0  # monotonic, when the turn was asked for
    seconds: float | None = None  # how long it took, once it ended


def _text(text: str) -> Json:
    return {"type": "text", "text": text, "text_elements": []}


def _file_name(n: int, shot: Screenshot) -> str:
    return f"{n:02d}-{shot.side}.png"  # the page is in the text before it, not the name


def _image_inputs(codex: AppServer, shots: list[Screenshot]) -> list[Json]:
    """The screenshots as turn inputs: the claude reviewer's texts, each before its
    image, the image a copy Codex reads from the folder it was handed."""
    if not shots:
        return []
    inputs = [_text(SCREENSHOTS_INTRO)]
    for n, shot in enumerate(shots):
        inputs += [_text(shot.label),
                   {"type": "localImage", "path": str(codex.handed / _file_name(n, shot))}]
    return inputs


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
