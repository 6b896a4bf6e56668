"""A session's side on a node: its tree (the git dir beside it, never inside), the
worker, and a context whose every call goes to the manager, which keeps the log.

The worker runs here exactly as it would on the manager's machine, behind the same
`WorkerContext`; only the commands run here, in this node's sandbox. After every
`checkpoint_steps` steps the tree goes back to the manager as a commit on the session's
base, so a lost node costs at most those steps.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from .. import events as ev
from ..backends import make_worker
from ..config import Config
from ..core.commands import CommandResult
from ..delegation_state import Steer
from ..state import Session, Task
from ..workers.base import Failed, Outcome, TranscriptEvent, WorkerInput
from ..workspace import sandbox
from ..workspace.repo import WorkspaceError
from . import bundle as bundle_mod
from . import node_environment, node_tools, wire
from .node import node_folder

Call = Callable[[str, dict[str, Any]], Awaitable[Any]]
# Made once, when a spare actor loads this module, not when a session starts on it.
_config = msgspec.msgpack.Decoder(Config)
_task = msgspec.msgpack.Decoder(Task)
_session = msgspec.msgpack.Decoder(Session)


class NodeContext:
    """What the worker sees of the loop, from a node: each call a round trip."""

    def __init__(self, inp: WorkerInput, call: Call, checkpoint: Callable[[int], Awaitable[None]],
                 every: int, env: dict[str, str]) -> None:
        self._input = inp
        self._env = env  # the session's name and ports, for every command
        self._call = call
        self._checkpoint = checkpoint
        self._every = every
        self._answers: dict[str, str] = {}
        self._steers: tuple[Steer, ...] = tuple(inp.session.steers)

    def _took(self, reply: dict[str, Any]) -> None:
        """What every reply brings besides its value: the answers and steering notes so
        far, so the worker reads them as it would on the manager's machine."""
        self._answers = reply["answers"]
        self._steers = msgspec.convert(reply["steers"], tuple[Steer, ...])

    @property
    def input(self) -> WorkerInput:
        return self._input

    async def act(self, action: str, detail: str = "") -> int:
        reply = await self._call("act", {"action": action, "detail": detail})
        self._took(reply)
        step = int(reply["step"])
        if self._every and (step + 1) % self._every == 0:
            await self._checkpoint(step + 1)
        return step

    async def progress(self, message: str) -> None:
        await self._call("progress", {"message": message})

    async def run_command(self, command: str, *, step: str | None = None) -> CommandResult:
        cfg = self._input.config
        result = await sandbox.run(command, self._input.worktree,
                                   timeout=cfg.sandbox.command_timeout_seconds,
                                   config=cfg.sandbox, tail_lines=cfg.checks.output_tail_lines,
                                   extra_env=self._env)
        reply = await self._call("command", {
            "command": command, "exit_code": result.exit_code, "output": result.output,
            "seconds": result.seconds, "timed_out": result.timed_out, "step": step})
        self._took(reply)
        if step is not None and self._every and int(reply["steps"]) % self._every == 0:
            await self._checkpoint(int(reply["steps"]))
        return result

    async def ask(self, question: str, options: tuple[str, ...] = (), default: str = "",
                  blocking: bool = False) -> str:
        reply = await self._call("ask", {"question": question, "options": list(options),
                                         "default": default, "blocking": blocking})
        self._took(reply)
        return str(reply["answer"])

    def answers(self) -> dict[str, str]:
        return dict(self._answers)

    async def reply(self, thread_id: str, text: str, *, step: str | None = None) -> bool:
        reply = await self._call("reply", {"thread": thread_id, "text": text, "step": step})
        self._took(reply)
        return bool(reply["value"])

    def steers(self) -> tuple[Steer, ...]:
        return self._steers

    async def take_steer(self, number: int, *, as_step: bool = True) -> int | None:
        reply = await self._call("take_steer", {"number": number, "as_step": as_step})
        self._took(reply)
        step = reply["value"]
        return None if step is None else int(step)

    # The built-in agent's conversation: its sessions stay on the manager's machine, where
    # the model calls and the key are (docs/cluster.md), so these are only for a worker
    # that keeps a transcript of its own.
    def transcript(self) -> list[TranscriptEvent]:
        return []

    async def record_turn(self, *events: TranscriptEvent | ev.SteerReceived) -> None:
        await self._call("turn", {"events": [ev.encode(e) for e in events]})

    async def over_budget(self, reason: str, round: int) -> bool:
        return bool(await self._call("over_budget", {"reason": reason, "round": round}))


@dataclass(frozen=True)
class Warmed:
    """A spare's tree, checked out ahead at `commit` (the target's head), in `home`."""

    commit: str
    home: Path  # its git/ and tree/, as a session's home holds them


def warm_tree(bundle: bytes, commit: str, node_id: str) -> Warmed:
    """Check `commit` out for the spare actor of this process, before any session asks:
    a session that starts there then needs no unpacking."""
    spares = node_folder(node_id) / "spares"
    _sweep(spares)
    home = spares / str(os.getpid())
    shutil.rmtree(home, ignore_errors=True)
    bundle_mod.unpack(bundle, commit, home / "git", home / "tree")
    return Warmed(commit, home)


def _sweep(spares: Path) -> None:
    """The trees of spares whose process is gone (their driver ended)."""
    for home in spares.glob("*"):
        with contextlib.suppress(ValueError, OSError):
            os.kill(int(home.name), 0)
            continue
        shutil.rmtree(home, ignore_errors=True)


class NodeSession:
    def __init__(self, start: wire.SessionStart, node_id: str, call: Call,
                 warmed: Warmed | None = None) -> None:
        self.start = start
        self.call = call
        home = node_folder(node_id) / "sessions" / start.session_id
        self.git_dir, self.tree = home / "git", home / "tree"
        self.home = home
        self._warmed = warmed

    def _tree(self) -> None:
        """The session's tree: the spare's warm one when it is at the session's commit,
        else out of the bundle."""
        start, warmed = self.start, self._warmed
        shutil.rmtree(self.home, ignore_errors=True)  # a resumed session starts clean
        if warmed is not None and warmed.commit == start.commit:
            self.home.parent.mkdir(parents=True, exist_ok=True)
            warmed.home.rename(self.home)
            return
        if warmed is not None:
            shutil.rmtree(warmed.home, ignore_errors=True)
        if not start.bundle:
            raise WorkspaceError(f"no bundle came for {start.commit}, and no warm tree")
        bundle_mod.unpack(start.bundle, start.commit, self.git_dir, self.tree)

    async def run(self) -> wire.SessionEnded:
        start = self.start
        self._tree()
        # `[compute] pass_keys`: for an agent CLI, which reads them from this process's
        # environment. The actor is this session's alone and ends with it.
        os.environ.update(start.env)
        config = _config.decode(start.config)
        task = _task.decode(start.task)
        session = _session.decode(start.session)
        inp = WorkerInput(task=task, session=session, worktree=self.tree, config=config,
                          resume_step=start.resume_step, notes=tuple(start.notes))
        env = node_environment.session_env(config, session.name)
        ctx = NodeContext(inp, self.call, self._checkpoint, start.checkpoint_steps, env)
        failed = await node_environment.setup(self.tree, config, env, self.call)
        outcome = Failed(failed) if failed else await self._work(ctx, env)
        # the work is committed before the teardown, which may change the tree
        commit = "" if isinstance(outcome, Failed) else self._commit(
            f"{task.title}\n\n{outcome.summary}".strip())
        await node_environment.teardown(self.tree, config, env, self.call)
        if isinstance(outcome, Failed):
            return wire.SessionEnded(session_id=start.session_id, finished=False,
                                     text=outcome.reason, bundle=b"", commit="")
        shipped = bundle_mod.bundle_of(self.git_dir, commit, since=start.base_commit)
        shutil.rmtree(self.home, ignore_errors=True)
        return wire.SessionEnded(session_id=start.session_id, finished=True,
                                 text=outcome.summary, bundle=shipped, commit=commit)

    async def _work(self, ctx: NodeContext, env: dict[str, str]) -> Outcome:
        """The worker's run here, or the built-in agent's tools for its loop there."""
        inp = ctx.input
        try:
            if self.start.serve_tools:
                return await node_tools.serve(self.tree, inp.config, self.call,
                                              self._checkpoint, env)
            return await make_worker(inp.session.backend, inp.config).run(ctx)
        except Exception as e:  # noqa: BLE001 - a crashing worker ends its session, not the node
            return Failed(f"the {inp.session.backend} worker crashed: "
                          f"{type(e).__name__}: {e}")

    async def _checkpoint(self, steps: int) -> None:
        commit = self._commit(f"checkpoint after {steps} step(s)")
        shipped = bundle_mod.bundle_of(self.git_dir, commit, since=self.start.base_commit)
        await self.call("checkpoint", {"commit": commit, "steps": steps, "bundle": shipped})

    def _commit(self, message: str) -> str:
        """The tree as it is now, as one commit on the session's base."""
        return bundle_mod.commit_tree(self.git_dir, self.tree, self.start.base_commit, message)
