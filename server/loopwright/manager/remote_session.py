"""A session whose worker runs on a cluster node (`[compute] remote = ["sessions"]`).

The repository stays here: the node gets a bundle of the session's base (or its last
checkpoint), and every call of its worker comes back here to be recorded, exactly as a
local worker's would be. Its work comes back as a bundle onto the session's branch, in a
worktree here, and review and landing go on as for any session. A node lost in the
middle resumes the session on another from its last checkpoint.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from .. import events as ev
from ..compute import bundle, wire
from ..compute.client import ClusterClient, ClusterUnreachable, SessionLost
from ..core.commands import CommandResult
from ..runtime import Runtime
from ..state import Session, Task
from ..workers.base import WorkerContext, WorkerInput
from ..workspace import repo, worktrees
from . import checks_run, remote_spare

if TYPE_CHECKING:
    from . import remote_tools

log = logging.getLogger(__name__)

CHECKPOINT_REF = "refs/loopwright/checkpoints/"
REMOTE_BACKENDS = frozenset({"script", "claude-code", "codex", "claude"})
# The built-in agent keeps its loop (the model calls, and the key) here; its tools go.
TOOLS_ONLY = frozenset({"claude"})
LOSSES_WITHOUT_PROGRESS = 5  # then the session fails with the last reason, not a loop


class Context(WorkerContext, Protocol):
    """The session's context here (`manager.session.SessionContext`)."""

    def record_command(self, result: CommandResult, step: str | None) -> int: ...


def goes_remote(rt: Runtime, s: Session, task: Task) -> bool:
    """A session's first run goes to the cluster when `[compute]` says so; once its work
    came back (a worktree here), later rounds run here."""
    return (rt.config.compute.sends("sessions", task.labels) and not s.worktree
            and s.backend in REMOTE_BACKENDS)


async def run_remote(rt: Runtime, session_id: str, resume: bool, reason: str,
                     make_context: Callable[[Runtime, WorkerInput], Context]) -> bool:
    """Run the session on the cluster until its worker ends; False when it should run
    here instead (the cluster unreachable under `fallback = "local"`)."""
    s = rt.state.sessions[session_id]
    root = rt.project.root
    target = s.target_branch or rt.config.project.target_branch
    base = s.base_commit or await asyncio.to_thread(repo.head_commit, root, target)
    if resume:
        rt.append(ev.SessionResumed(session_id=session_id, reason=reason or "resumed"))
    elif not s.base_commit:
        rt.append(ev.SessionStarted(session_id=session_id, worktree="", base_commit=base,
                                    target_branch=target))
    client = checks_run.cluster(rt)
    remote_spare.ensure(rt, client)
    lost = 0
    while True:
        s = rt.state.sessions[session_id]
        start = await asyncio.to_thread(_start, rt, client, s, base)
        tools_only = s.backend in TOOLS_ONLY
        ctx = make_context(rt, WorkerInput(
            task=rt.state.tasks[s.task_id], session=s, worktree=Path(),
            config=rt.config, notes=tuple(s.feedback), repo_root=root,
            # the loop here goes on counting the steps it recorded; a worker on the
            # node skips those its checkpoint holds
            resume_step=s.steps_done if tools_only else start.resume_step))
        try:
            ended = await (_run_tools_only(rt, client, start, ctx, base) if tools_only
                           else client.run_session(start, _Calls(rt, session_id, ctx).answer))
        except SessionLost as e:
            progressed = rt.state.sessions[session_id].checkpoint_steps > start.resume_step
            lost = 1 if progressed else lost + 1
            if lost > LOSSES_WITHOUT_PROGRESS:
                rt.append(ev.WorkerFailed(session_id=session_id, reason=(
                    f"lost on the cluster {lost - 1} times in a row without progress: {e}")))
                return True
            await asyncio.sleep(min(1.0, rt.config.compute.retry_seconds))
            rt.append(ev.SessionResumed(
                session_id=session_id,
                reason=f"its node was lost ({e}); again from the checkpoint after "
                       f"{start.resume_step} step(s)"))
            continue
        except ClusterUnreachable as e:
            checks_run.report(rt, reachable=False, error=str(e))
            if rt.config.compute.fallback == "local":
                return False
            await asyncio.sleep(rt.config.compute.retry_seconds)
            continue
        checks_run.report(rt, reachable=True)
        break
    if not ended.finished:
        rt.append(ev.WorkerFailed(session_id=session_id, reason=ended.text))
        return True
    try:
        path = await asyncio.to_thread(_bring_back, rt, s, ended)
    except Exception as e:  # noqa: BLE001 - a bad bundle fails the session, not the loop
        rt.append(ev.WorkerFailed(session_id=session_id,
                                  reason=f"could not bring the work back from the node: {e}"))
        return True
    rt.append(ev.WorkBroughtBack(session_id=session_id, worktree=str(path),
                                 commit=ended.commit),
              ev.WorkerFinished(session_id=session_id, summary=ended.text,
                                head_commit=ended.commit))
    return True


async def _run_tools_only(rt: Runtime, client: ClusterClient, start: wire.SessionStart,
                          ctx: Context, base: str) -> wire.SessionEnded:
    """The built-in agent's loop here, its tools on the node, until both end."""
    from . import remote_tools  # the model SDK loads only for such a session

    channel = remote_tools.ToolChannel()
    tools = remote_tools.RemoteToolsContext(rt, ctx, channel, start.checkpoint_steps)
    calls = _Calls(rt, start.session_id, ctx, channel)
    loop = asyncio.create_task(remote_tools.run_loop(rt, tools, channel, base))
    try:
        ended = await client.run_session(start, calls.answer)
    except BaseException:
        loop.cancel()  # the node is gone: the loop starts again from the log
        await asyncio.gather(loop, return_exceptions=True)
        raise
    await loop  # it told the node how it ended, which `ended` says
    return ended


def _start(rt: Runtime, client: ClusterClient, s: Session, base: str) -> wire.SessionStart:
    """What the node starts from: the last checkpoint, else the base."""
    cfg = rt.config
    commit = s.checkpoint_commit or base
    tools_only = s.backend in TOOLS_ONLY
    return wire.SessionStart(
        session_id=s.session_id, bundle=client.shipment(rt.project.root, commit),
        commit=commit, base_commit=base,
        resume_step=s.checkpoint_steps if s.checkpoint_commit else 0,
        notes=list(s.feedback), task=msgspec.msgpack.encode(rt.state.tasks[s.task_id]),
        session=msgspec.msgpack.encode(s), config=msgspec.msgpack.encode(cfg),
        checkpoint_steps=cfg.compute.checkpoint_steps,
        resources=dict(cfg.compute.resources),
        env={} if tools_only else {k: os.environ[k] for k in cfg.compute.pass_keys
                                   if k in os.environ},
        spare=cfg.compute.spare_session, serve_tools=tools_only)


def _bring_back(rt: Runtime, s: Session, ended: wire.SessionEnded) -> Path:
    """The session's commit from the node onto its branch, checked out in a worktree."""
    root = rt.project.root
    ref = bundle.fetch_into(root, ended.bundle, ended.commit)
    try:
        path = rt.project.worktrees / s.name
        worktrees.create_worktree(root, path, s.branch, ended.commit)
    finally:
        repo.run_ok(root, "update-ref", "-d", ref)
    repo.run_ok(root, "update-ref", "-d", f"{CHECKPOINT_REF}{s.session_id}")
    return path


class _Calls:
    """Answers the worker's calls from its node, through the session's own context."""

    def __init__(self, rt: Runtime, session_id: str, ctx: Context,
                 tools: remote_tools.ToolChannel | None = None) -> None:
        self._rt, self._sid, self._ctx, self._tools = rt, session_id, ctx, tools

    async def answer(self, call: wire.SessionCall) -> Any:
        a, ctx = call.args, self._ctx
        match call.method:
            case "placed":
                self._rt.append(ev.SessionPlaced(session_id=self._sid, node=str(a["node"])))
                return None
            case "act":
                step = await ctx.act(str(a["action"]), str(a["detail"]))
                return self._with_news({"step": step})
            case "progress":
                await ctx.progress(str(a["message"]))
                return None
            case "command":
                result = CommandResult(str(a["command"]), int(a["exit_code"]),
                                       str(a["output"]), float(a["seconds"]),
                                       bool(a["timed_out"]))
                steps = ctx.record_command(result, a["step"])
                return self._with_news({"steps": steps})
            case "ask":
                answer = await ctx.ask(str(a["question"]), tuple(a["options"]),
                                       str(a["default"]), bool(a["blocking"]))
                return self._with_news({"answer": answer})
            case "reply":
                done = await ctx.reply(str(a["thread"]), str(a["text"]), step=a["step"])
                return self._with_news({"value": done})
            case "take_steer":
                taken = await ctx.take_steer(int(a["number"]), as_step=bool(a["as_step"]))
                return self._with_news({"value": taken})
            case "checkpoint":
                await asyncio.to_thread(self._keep_checkpoint, a["bundle"], str(a["commit"]))
                kept = ev.SessionCheckpointed(session_id=self._sid, commit=str(a["commit"]),
                                              steps=int(a["steps"]))
                if self._tools is not None:  # recorded with the turn it was taken for
                    self._tools.checkpointed = kept
                else:
                    self._rt.append(kept)
                return None
            case "turn":
                turn = [e for e in map(ev.decode, a["events"])
                        if isinstance(e, ev.ModelPrompted | ev.ModelReplied
                                      | ev.SteerReceived)]
                await ctx.record_turn(*turn)
                return None
            case "over_budget":
                return await ctx.over_budget(str(a["reason"]), int(a["round"]))
            case "tool" if self._tools is not None:
                return await self._tools.next_for_node(a["result"])
        raise ValueError(f"unknown call from the node: {call.method!r}")

    def _with_news(self, reply: dict[str, Any]) -> dict[str, Any]:
        return {**reply, "answers": self._ctx.answers(),
                "steers": msgspec.to_builtins(self._ctx.steers())}

    def _keep_checkpoint(self, shipped: bytes, commit: str) -> None:
        root = self._rt.project.root
        ref = bundle.fetch_into(root, shipped, commit)
        repo.run(root, "update-ref", f"{CHECKPOINT_REF}{self._sid}", commit)
        repo.run_ok(root, "update-ref", "-d", ref)
