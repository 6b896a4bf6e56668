"""The `claude` reviewer: reads the task, the diff and the checks, and approves or asks
for changes with comments anchored to file:line. A reply that is not a verdict raises
`ReviewFailed` with what the call cost."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from pathlib import Path
from typing import Any, Literal

import msgspec

from .. import events as ev
from ..config import Config
from ..project import Project
from ..review.reviewer import ReviewFailed, Verdict
from ..state import Session, Task
from ..workspace.diff import diff_text
from . import prompts
from .oneshot import NoVerdict, verdict
from .project_notes import describe_task, project_notes
from .tools.schemas import REVIEW_TOOL

MAX_DIFF_CHARS = 80_000
MAX_SCREENSHOT_PAGES = 5  # before and after each: ten images at most
MAX_IMAGE_BYTES = 4 * 1024 * 1024  # the API's limit is 5 MB a base64 image


class ClaudeReviewer:
    name = "claude"

    def __init__(self, project: Project, config: Config) -> None:
        self.project, self.config = project, config

    async def review(self, task: Task, session: Session, change: ev.ReviewPrepared) -> Verdict:
        root = self.project.root
        notes = await asyncio.to_thread(project_notes, root, self.config.project.goals,
                                        self.project.notes_path)
        diff = await asyncio.to_thread(diff_text, root, change.base_commit, change.head_commit)
        shots = await asyncio.to_thread(screenshot_blocks, session, change.head_commit)
        try:
            answer, reply = await verdict(
                self.config, system=prompts.system_blocks("reviewer", notes),
                text=review_request(task, session, change, diff), tool=REVIEW_TOOL,
                agent="reviewer", user_id=f"review-{session.session_id}", blocks=shots,
                model=self.config.review.model,
            )
        except NoVerdict as e:  # it answered, and that was paid for
            raise ReviewFailed(str(e), (_of(e.reply, session, task),)) from e
        spent = _of(reply, session, task)
        try:
            return dataclasses.replace(parse_verdict(answer), spent=(spent,))
        except ValueError as e:
            raise ReviewFailed(str(e), (spent,)) from e


def _of(reply: ev.ModelReplied, session: Session, task: Task) -> ev.ModelReplied:
    """The reply counted in the session's totals."""
    return msgspec.structs.replace(reply, session_id=session.session_id,
                                   task_id=task.task_id)


def review_request(task: Task, session: Session, change: ev.ReviewPrepared, diff: str) -> str:
    checks = session.checks
    if checks is None or not checks.command:
        check_text = "No checks ran (no test command is configured or detected)."
    else:
        outcome = ("passed" if checks.passed else
                   "timed out" if checks.timed_out else f"failed (exit {checks.exit_code})")
        check_text = f"`{checks.command}` {outcome}. The end of its output:\n\n{checks.output_tail}"
    if len(diff) > MAX_DIFF_CHARS:
        diff = diff[:MAX_DIFF_CHARS] + "\n[... the diff is cut here: it is too long to show]"
    earlier = "".join(f"\n\n## Earlier request for changes {n}\n\n{note}"
                      for n, note in enumerate(session.feedback, 1))
    return (f"{describe_task(task)}\n\n## The worker's summary\n\n{session.summary or '(none)'}"
            f"\n\n## Checks\n\n{check_text}{earlier}\n\n## The diff "
            f"(+{change.added}/-{change.removed} in {len(change.files)} files)\n\n"
            f"```diff\n{diff}\n```")


SCREENSHOTS_INTRO = (
    "## Screenshots of the running preview\n\nEach page of the app, before the change "
    "(the target branch) and after it. Say in your summary what you saw.")


Side = Literal["before", "after"]


@dataclasses.dataclass(frozen=True)
class Screenshot:
    page: str
    side: Side
    png: bytes

    @property
    def label(self) -> str:
        return f"{self.page} {self.side} the change:"


def screenshots_of(session: Session, head_commit: str) -> list[Screenshot]:
    """The preview's screenshots of this change, before (the target) and after (the
    change) for each page, read once: both reviewers send these bytes."""
    preview = session.environment.preview
    if preview is None or preview.shots_of != head_commit or not preview.shots:
        return []
    found: list[Screenshot] = []
    for shot in preview.shots[:MAX_SCREENSHOT_PAGES]:
        sides: tuple[tuple[Side, str], ...] = (("before", shot.before), ("after", shot.after))
        for side, path in sides:
            try:
                data = Path(path).read_bytes() if path else b""
            except OSError:
                data = b""
            if data and len(data) <= MAX_IMAGE_BYTES:
                found.append(Screenshot(shot.page, side, data))
    return found


def screenshot_blocks(session: Session, head_commit: str) -> list[dict[str, Any]]:
    """The screenshots as image blocks, each named by a text block before it."""
    shots = screenshots_of(session, head_commit)
    blocks: list[dict[str, Any]] = [{"type": "text", "text": SCREENSHOTS_INTRO}] if shots else []
    for shot in shots:
        blocks.append({"type": "text", "text": shot.label})
        blocks.append({"type": "image", "source": {
            "type": "base64", "media_type": "image/png",
            "data": base64.b64encode(shot.png).decode("ascii")}})
    return blocks


def parse_verdict(answer: dict[str, object]) -> Verdict:
    kind = answer.get("verdict")
    if kind not in ("approve", "request_changes"):
        raise ValueError(f"the reviewer gave an unknown verdict: {kind!r}")
    comments = []
    raw = answer.get("comments")
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            line = item.get("line")
            comments.append(ev.ReviewComment(
                path=item["path"], line=line if isinstance(line, int) and line > 0 else 1,
                body=str(item.get("body") or "")))
    return Verdict(kind, str(answer.get("summary") or "").strip(), tuple(comments))

