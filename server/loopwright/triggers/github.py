"""GitHub as a trigger: labeled issues become tasks, their status is written back, and
pull requests opened by the `pull-request` landing mode are watched for reviews and merges.

What each task's issue should say (`desired_status`, `status_comment`) is a pure function
of the state; `GitHubSync` carries it out and records it (`IssueStatusWritten`), so a
restart does not repeat a comment it already made. An issue is filed once: its task's
origin is `github:owner/name#N`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

from .. import events as ev
from ..core.ids import new_id
from ..runtime import Runtime
from ..state import SessionState, State, Task
from .github_api import GitHubClient, GitHubError, RateLimited

log = logging.getLogger(__name__)
S = SessionState
Json = dict[str, Any]
LABEL_PREFIX = "loopwright:"
_ORIGIN = re.compile(r"github:(?P<repo>[^#\s]+)#(?P<number>\d+)")


def origin_of(repo: str, number: int) -> str:
    return f"github:{repo}#{number}"


def issue_number(task: Task, repo: str) -> int | None:
    m = _ORIGIN.fullmatch(task.origin) if task.source == "github" else None
    return int(m["number"]) if m and m["repo"] == repo else None


def issue_task(issue: Json, repo: str) -> ev.TaskFiled:
    labels = tuple(label["name"] for label in issue.get("labels", [])
                   if not label["name"].startswith(LABEL_PREFIX))
    body = (issue.get("body") or "").strip()
    body += f"\n\n(GitHub issue #{issue['number']}: {issue.get('html_url', '')})\n"
    return ev.TaskFiled(task_id=new_id("t"), title=issue["title"], body=body.lstrip(),
                        source="github", labels=labels,
                        origin=origin_of(repo, issue["number"]))


def desired_status(state: State, task: Task) -> str:
    """The one word the issue should carry now ("" before triage has spoken)."""
    if task.verdict == "declined":
        return "declined"
    if task.verdict != "accepted":
        return ""
    if task.children:  # split: its sub-tasks do the work
        return "landed" if task.sub_tasks_landed else "split"
    if not task.sessions:
        return "accepted"
    s = state.sessions[task.sessions[-1]]
    if s.state == S.AWAITING_APPROVAL:
        return "needs-review"
    if s.state == S.LANDING and s.session_id in state.world.pulls:
        return "pull-request"
    if s.state == S.NO_CHANGE:
        return "no-change"
    if s.state in (S.LANDED, S.FAILED, S.REJECTED, S.KILLED):
        return s.state.value
    return "working"


def status_comment(status: str, state: State, task: Task) -> str:
    """What the issue is told when its status becomes `status` ("" for a label only)."""
    s = state.sessions[task.sessions[-1]] if task.sessions else None
    match status:
        case "split":
            return (f"Loopwright split this into {len(task.children)} sub-tasks: "
                    + "; ".join(state.tasks[c].title for c in task.children if c in state.tasks))
        case "landed" if task.children:
            return "Loopwright landed every sub-task of this issue."
        case "declined":
            return f"Loopwright declined this issue: {task.verdict_reason}"
        case "working" if s is not None and s.attempt == 1 and not s.feedback:
            return f"Loopwright is working on this (session `{s.name}`, branch `{s.branch}`)."
        case "pull-request" if s is not None:
            pr = state.world.pulls[s.session_id]
            return f"Loopwright opened a pull request for this: {pr.url}"
        case "landed" if s is not None:
            return (f"Loopwright landed the change on `{s.target_branch}` as "
                    f"{s.landed_commit[:12]}.")
        case "failed" if s is not None:
            return f"Loopwright's attempt failed: {s.failure}"
        case "no-change" if s is not None:
            return f"Loopwright's attempt changed nothing (session `{s.name}`)."
        case "rejected" | "killed" if s is not None:
            return f"Loopwright's attempt was {status} (session `{s.name}`)."
    return ""


def review_note(number: int, reviews: list[Json], comments: dict[int, list[Json]]) -> str:
    """One instruction for the worker from the reviews asking for changes."""
    parts = []
    for r in reviews:
        who = r.get("user", {}).get("login", "someone")
        how = r.get("state", "").lower().replace("_", " ")
        lines = [f"Review by @{who} on pull request #{number} ({how}):"]
        if (r.get("body") or "").strip():
            lines.append(r["body"].strip())
        for c in comments.get(r["id"], []):
            line = c.get("line") or c.get("original_line") or "?"
            lines.append(f"- {c.get('path', '?')}:{line}: {c.get('body', '').strip()}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


class GitHubSync:
    """The shell: polls, files, writes status back, watches pull requests."""

    def __init__(self, rt: Runtime, client: GitHubClient) -> None:
        self.rt, self.client = rt, client
        self._filed: set[str] = set()  # origins filed by this process (not yet folded)
        self.last_error = ""
        # The poller and the webhook may both ask at once: one writer, one watcher.
        self._writing, self._watching = asyncio.Lock(), asyncio.Lock()

    @property
    def repo(self) -> str:
        return self.client.repo

    # --- issues in -----------------------------------------------------------------

    def file_issue(self, issue: Json) -> bool:
        """File an open issue carrying the label as a task, once; True if filed now."""
        label = self.rt.config.github.label
        if issue.get("state", "open") != "open" or "pull_request" in issue:
            return False
        if label not in {lb["name"] for lb in issue.get("labels", [])}:
            return False
        origin = origin_of(self.repo, issue["number"])
        if origin in self._filed or origin in self.rt.state.origins:
            return False
        self._filed.add(origin)
        self.rt.append(issue_task(issue, self.repo))
        return True

    async def poll_issues(self) -> int:
        issues = await self.client.labeled_issues(self.rt.config.github.label)
        return sum(self.file_issue(i) for i in issues or [])

    # --- status out ----------------------------------------------------------------

    async def write_statuses(self) -> None:
        async with self._writing:
            await self._write_statuses()

    async def _write_statuses(self) -> None:
        cfg = self.rt.config.github
        for task in list(self.rt.state.tasks.values()):
            number = issue_number(task, self.repo)
            if number is None:
                continue
            want = desired_status(self.rt.state, task)
            had = self.rt.state.world.issue_status.get(task.task_id, "")
            if not want or want == had:
                continue
            url = ""
            text = status_comment(want, self.rt.state, task) if cfg.comments else ""
            if text:
                url = (await self.client.comment(number, text)).get("html_url", "")
            if cfg.status_labels:
                await self.client.add_labels(number, [LABEL_PREFIX + want])
                if had:
                    await self.client.remove_label(number, LABEL_PREFIX + had)
            await self.rt.append_applied(
                ev.IssueStatusWritten(task_id=task.task_id, status=want, url=url))

    # --- pull requests -------------------------------------------------------------

    async def watch_pulls(self) -> None:
        async with self._watching:
            await self._watch_pulls()

    async def _watch_pulls(self) -> None:
        for sid, pr in list(self.rt.state.world.pulls.items()):
            s = self.rt.state.sessions.get(sid)
            if s is None or s.state != S.LANDING:
                continue
            data = await self.client.pull(pr.number)
            if data.get("merged"):
                sha = data.get("merge_commit_sha") or ""
                await self.rt.append_applied(ev.ChangeLanded(
                    session_id=sid, target_branch=s.target_branch, commit=sha))
                continue
            if data.get("state") == "closed":
                await self.rt.append_applied(ev.ChangeRejected(
                    session_id=sid, by="github",
                    why=f"pull request #{pr.number} was closed without merging"))
                continue
            await self._take_reviews(sid, pr.number, pr.last_review_id)

    async def _take_reviews(self, sid: str, number: int, after: int) -> None:
        reviews = await self.client.reviews(number)
        if reviews is None:
            return
        new = [r for r in reviews if r["id"] > after
               and r.get("state") in ("CHANGES_REQUESTED", "COMMENTED")]
        comments = {r["id"]: await self.client.review_comments(number, r["id"]) for r in new}
        asking = [r for r in new if (r.get("body") or "").strip() or comments[r["id"]]]
        if not asking:
            return
        who = ", ".join(sorted({r.get("user", {}).get("login", "") for r in asking}))
        await self.rt.append_applied(ev.PullRequestReviewed(
            session_id=sid, review_id=max(r["id"] for r in asking),
            note=review_note(number, asking, comments), by=who))

    # --- the poller ----------------------------------------------------------------

    async def poll_once(self) -> None:
        await self.poll_issues()
        await self.watch_pulls()
        await self.write_statuses()

    async def poll_forever(self) -> None:
        seconds = self.rt.config.github.poll_seconds
        while True:
            wait = seconds
            try:
                await self.poll_once()
                self.last_error = ""
            except RateLimited as e:
                wait = max(1.0, e.until - time.time())
                self._report(str(e))
            except GitHubError as e:
                self._report(str(e))
            await asyncio.sleep(wait)

    def _report(self, message: str) -> None:
        if message != self.last_error:  # once per distinct trouble, not every poll
            log.warning("GitHub: %s", message)
            self.last_error = message
