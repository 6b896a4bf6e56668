"""Landing, by mode: `merge` lands here (`pipeline.land_session`); `pull-request` pushes
the session's branch to the remote and opens a pull request on GitHub instead.

In `pull-request` mode the session stays `landing` while its PR is open: the inbox shows
the PR's link, a review asking for changes sends the note back to the worker (and the
next landing pushes the new commits to the same PR), a merge lands it, and closing the PR
unmerged rejects it. The branch is pushed without force, ever.
"""

from __future__ import annotations

import asyncio

from .. import events as ev
from ..runtime import Runtime
from ..triggers.github import GitHubSync, issue_number
from ..triggers.github_api import GitHubError
from ..workspace.repo import run_ok
from . import pipeline


async def land(rt: Runtime, session_id: str, lock: asyncio.Lock,
               github: GitHubSync | None, again: bool = False) -> None:
    if rt.config.land.mode == "merge":
        await pipeline.land_session(rt, session_id, lock, again)
        return
    if github is None:
        rt.append(ev.LandingFailed(
            session_id=session_id,
            reason="landing mode pull-request needs GitHub: set [github] repo and a token"))
        return
    await open_pull_request(rt, session_id, github)


async def open_pull_request(rt: Runtime, session_id: str, github: GitHubSync) -> None:
    s = rt.state.sessions[session_id]
    task = rt.state.tasks[s.task_id]
    remote = rt.config.land.remote
    existing = rt.state.world.pulls.get(session_id)
    before = await asyncio.to_thread(
        run_ok, rt.project.root, "ls-remote", remote, f"refs/heads/{s.branch}")
    if existing is not None and before.text.split("\t")[0] == s.head_commit:
        return  # a restart while the PR waits: nothing new to push or say
    rt.append(ev.LandingStarted(session_id=session_id, target_branch=s.target_branch))
    pushed = await asyncio.to_thread(
        run_ok, rt.project.root, "push", "--quiet", "--no-verify", remote,
        f"refs/heads/{s.branch}:refs/heads/{s.branch}")
    if pushed.status != 0:
        rt.append(ev.LandingFailed(
            session_id=session_id,
            reason=f"could not push {s.branch} to {remote} (never forced): "
                   f"{pushed.stderr.strip()}"))
        return
    if existing is not None:  # changes asked on the PR were made: the push updated it
        try:
            await github.client.comment(
                existing.number, f"Loopwright pushed new commits: {s.summary}".strip())
        except GitHubError as e:
            rt.append(ev.WorkerProgressed(session_id=session_id,
                                          message=f"could not comment on the PR: {e}"))
        return
    number = issue_number(task, github.repo)
    closes = f"\n\nCloses #{number}." if number is not None else ""
    body = (f"{s.summary or task.title}{closes}\n\n---\nOpened by Loopwright, session "
            f"`{s.name}` ({session_id}).")
    try:
        pr = await github.client.open_pull(title=task.title, head=s.branch,
                                           base=s.target_branch, body=body)
    except GitHubError as e:
        rt.append(ev.LandingFailed(session_id=session_id,
                                   reason=f"could not open a pull request: {e}"))
        return
    rt.append(ev.PullRequestOpened(session_id=session_id, number=int(pr["number"]),
                                   url=str(pr.get("html_url", "")), branch=s.branch))
