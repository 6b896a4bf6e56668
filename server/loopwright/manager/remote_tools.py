"""The built-in `claude` worker of a session on a cluster node: its loop here, its tools
there (docs/cluster.md, "What travels where").

The model calls, and the key, stay in this process; each file tool and command goes to
the session's actor on its node, which carries it out in the session's tree and sends
the result back. Everything else the worker does (its steps, questions, conversation)
is recorded here through the session's own context, as for a local session.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import events as ev
from ..agent.loop import WorkerLoop
from ..agent.model import make_client
from ..agent.project_notes import NOTE_FILES, project_notes
from ..agent.tools.files import ToolError
from ..core.commands import CommandResult
from ..delegation_state import Steer
from ..runtime import Runtime
from ..workers.base import Failed, Finished, Outcome, TranscriptEvent, WorkerInput
from ..workspace import repo

if TYPE_CHECKING:
    from .remote_session import Context

# A prompt that carries what the tools did: when they may have changed the tree, the
# tree is sent back first and recorded with it, so a resumed session's tree holds every
# tool result its conversation holds.
AFTER_TOOLS = frozenset({"tool_results", "note", "nudge"})
CHANGES_TREE = frozenset({"edit_file", "write_file"})  # and every command


class ToolChannel:
    """The requests of the loop here, handed to the node one at a time as it asks for
    the next (with the result of the last)."""

    def __init__(self) -> None:
        self._requests: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._result: asyncio.Future[dict[str, Any]] | None = None
        self.checkpointed: ev.SessionCheckpointed | None = None  # the last one taken

    async def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send `request` to the node; its result."""
        self._result = asyncio.get_running_loop().create_future()
        await self._requests.put(request)
        return await self._result

    def end(self, request: dict[str, Any]) -> None:
        """The last request (`finish` or `fail`): nothing comes back."""
        self._requests.put_nowait(request)

    async def next_for_node(self, result: dict[str, Any] | None) -> dict[str, Any]:
        """The node's `tool` call: the result of the request before, the next one back."""
        if result is not None and self._result is not None and not self._result.done():
            self._result.set_result(result)
        return await self._requests.get()


class RemoteToolsContext:
    """The session's context, with the file tools and commands on the node."""

    def __init__(self, rt: Runtime, ctx: Context, channel: ToolChannel, every: int) -> None:
        # `every` (`checkpoint_steps`) 0: no checkpoints; else one after each turn whose
        # tools may have changed the tree, whatever the steps, so the two never differ
        self._rt, self._ctx, self._channel, self._every = rt, ctx, channel, every
        # counted here, as the context numbers them: the fold may not have caught up
        self._steps = ctx.input.resume_step
        self._changed = False  # the tree, since the last checkpoint

    @property
    def input(self) -> WorkerInput:
        return self._ctx.input

    async def file_tool(self, name: str, args: dict[str, Any]) -> str:
        self._changed |= name in CHANGES_TREE
        result = await self._channel.ask({"op": "file", "name": name, "args": args})
        if "error" in result:
            raise ToolError(str(result["error"]))
        return str(result["text"])

    async def run_command(self, command: str, *, step: str | None = None) -> CommandResult:
        self._changed = True
        r = await self._channel.ask({"op": "command", "command": command})
        result = CommandResult(str(r["command"]), int(r["exit_code"]), str(r["output"]),
                               float(r["seconds"]), bool(r["timed_out"]))
        self._steps = self._ctx.record_command(result, step)
        return result

    async def record_turn(self, *events: TranscriptEvent | ev.SteerReceived) -> None:
        after_tools = any(isinstance(e, ev.ModelPrompted) and e.kind in AFTER_TOOLS
                          for e in events)
        if after_tools and self._every and self._changed:
            self._channel.checkpointed = None
            await self._channel.ask({"op": "checkpoint", "steps": self._steps})
            if (done := self._channel.checkpointed) is not None:
                # one write: a resumed session's tree holds exactly what its
                # conversation says was done (a node lost before this write resumes
                # from the checkpoint before, and runs this turn's tools again)
                self._rt.append(done, *events)
                self._changed = False
                return
        await self._ctx.record_turn(*events)

    # What stays here: everything but the tools.
    async def act(self, action: str, detail: str = "") -> int:
        step = await self._ctx.act(action, detail)
        self._steps = step + 1
        return step

    async def progress(self, message: str) -> None:
        await self._ctx.progress(message)

    async def reply(self, thread_id: str, text: str, *, step: str | None = None) -> bool:
        replied = await self._ctx.reply(thread_id, text, step=step)
        self._steps += step is not None
        return replied

    async def ask(self, question: str, options: tuple[str, ...] = (), default: str = "",
                  blocking: bool = False) -> str:
        return await self._ctx.ask(question, options, default, blocking)

    def answers(self) -> dict[str, str]:
        return self._ctx.answers()

    def steers(self) -> tuple[Steer, ...]:
        return self._ctx.steers()

    async def take_steer(self, number: int, *, as_step: bool = True) -> int | None:
        step = await self._ctx.take_steer(number, as_step=as_step)
        if step is not None:
            self._steps = step + 1
        return step

    def transcript(self) -> list[TranscriptEvent]:
        return self._ctx.transcript()

    async def over_budget(self, reason: str, round: int) -> bool:
        return await self._ctx.over_budget(reason, round)


async def run_loop(rt: Runtime, ctx: RemoteToolsContext, channel: ToolChannel,
                   base: str) -> Outcome:
    """The worker's loop, to its end; the node is told how it ended either way."""
    outcome: Outcome = Failed("the worker's loop ended without an outcome")
    try:
        notes = await asyncio.to_thread(_notes, rt, base)
        client = make_client(rt.config.agent)
        try:
            outcome = await WorkerLoop(ctx, client, rt.config, notes).run()
        finally:
            await client.close()
    except Exception as e:  # noqa: BLE001 - a crashing loop ends its session, not the node
        outcome = Failed(f"the claude worker crashed: {type(e).__name__}: {e}")
    finally:
        channel.end({"op": "finish", "summary": outcome.summary}
                    if isinstance(outcome, Finished)
                    else {"op": "fail", "reason": outcome.reason})
    return outcome


def _notes(rt: Runtime, commit: str) -> str:
    """The project's notes for agents as they are at `commit` (the session's base): the
    tree itself is on the node."""
    with tempfile.TemporaryDirectory(prefix="loopwright-notes-") as tmp:
        for name in NOTE_FILES:
            shown = repo.run_ok(rt.project.root, "show", f"{commit}:{name}")
            if shown.status == 0:
                (Path(tmp) / name).write_text(shown.text, encoding="utf-8")
        return project_notes(Path(tmp), rt.config.project.goals, rt.project.notes_path)
