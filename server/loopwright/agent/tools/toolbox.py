"""Carrying out the worker's tool calls: file tools in a thread, commands, questions
and progress through the session's context, and `finish`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ...workers.base import WorkerContext
from . import files
from .files import ToolError

FILE_TOOLS: dict[str, Callable[..., str]] = {
    "list_files": files.list_files, "read_file": files.read_file, "search": files.search,
    "edit_file": files.edit_file, "write_file": files.write_file,
}
FILE_ARGS = {"list_files": ("path", "depth"),
             "read_file": ("path", "start_line", "end_line"),
             "search": ("pattern", "path", "glob"),
             "edit_file": ("path", "old", "new", "replace_all"),
             "write_file": ("path", "content")}


@runtime_checkable
class FilesElsewhere(Protocol):
    """A context whose worktree is on another machine (a cluster node) runs the file
    tools there; it raises ToolError with the text the model should read."""

    async def file_tool(self, name: str, args: dict[str, Any]) -> str: ...


@dataclass(frozen=True)
class ToolResult:
    tool_use_id: str
    text: str
    is_error: bool = False
    finished: str | None = None  # the summary, when this was `finish`

    def block(self) -> dict[str, Any]:
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": self.tool_use_id,
                                 "content": self.text}
        if self.is_error:
            block["is_error"] = True
        return block


class Toolbox:
    """Runs tool calls for one session. `waited` is the time spent blocked on the
    human, which does not count as the worker's time."""

    def __init__(self, ctx: WorkerContext, output_chars: int) -> None:
        self.ctx, self.output_chars = ctx, output_chars
        self.waited = 0.0

    async def run(self, call: dict[str, Any]) -> ToolResult:
        name, args, tid = call.get("name", ""), call.get("input") or {}, call.get("id", "")
        try:
            if not isinstance(args, dict):
                raise ToolError("the tool input must be an object")
            text, finished = await self._dispatch(str(name), args)
        except ToolError as e:
            return ToolResult(tid, str(e), is_error=True)
        except (TypeError, KeyError) as e:
            return ToolResult(tid, f"bad input for {name}: {e}", is_error=True)
        except OSError as e:
            return ToolResult(tid, f"{name} failed: {e}", is_error=True)
        return ToolResult(tid, self._cut(text), finished=finished)

    async def _dispatch(self, name: str, args: dict[str, Any]) -> tuple[str, str | None]:
        ctx = self.ctx
        if name in FILE_TOOLS:
            unknown = set(args) - set(FILE_ARGS[name])
            if unknown:
                raise ToolError(f"{name} takes no {', '.join(sorted(unknown))}")
            if isinstance(ctx, FilesElsewhere):
                text = await ctx.file_tool(name, args)
            else:
                text = await asyncio.to_thread(FILE_TOOLS[name], ctx.input.worktree, **args)
            await ctx.act(name, _detail(name, args))
            return text, None
        match name:
            case "run_command":
                result = await ctx.run_command(str(args["command"]))
                status = "timed out" if result.timed_out else f"exit code {result.exit_code}"
                return f"{status} after {result.seconds:.1f}s\n{result.output}", None
            case "ask":
                return await self._ask(args), None
            case "progress":
                await ctx.progress(str(args["message"]))
                return "noted", None
            case "reply_to_thread":
                thread, text = str(args["thread"]).strip("[] "), str(args["text"])
                if not await ctx.reply(thread, text, step=f"reply {thread}"):
                    raise ToolError(f"there is no open review thread {thread!r}")
                return "replied; the reviewer sees it in the thread", None
            case "finish":
                return "finished", str(args.get("summary", "")).strip() or "done"
        raise ToolError(f"there is no tool {name!r}")

    async def _ask(self, args: dict[str, Any]) -> str:
        options = tuple(str(o) for o in args.get("options") or ())
        blocking = bool(args.get("blocking", False))
        default = str(args.get("default") or (options[0] if options else ""))
        started = time.monotonic()
        answer = await self.ctx.ask(str(args["question"]), options, default, blocking)
        if blocking:
            self.waited += time.monotonic() - started
            return f"The human answered: {answer}"
        return (f"Asked. Until the human answers, assume: {answer!r} and go on; the "
                "answer will reach you in a later message.")

    def _cut(self, text: str) -> str:
        if len(text) <= self.output_chars:
            return text
        half = self.output_chars // 2
        cut = len(text) - 2 * half
        return (f"{text[:half]}\n[... {cut} characters cut: read a narrower range or "
                f"search ...]\n{text[-half:]}")


def _detail(name: str, args: dict[str, Any]) -> str:
    if name == "search":
        return f"{args.get('pattern', '')!r} in {args.get('path', '.')}"
    return str(args.get("path", "."))
