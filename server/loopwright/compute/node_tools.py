"""The built-in `claude` worker's hands on a node: its tools, run in the session's tree.

The agent loop (the model calls, and the key) stays on the manager's machine; the node
only carries out what it is asked, one request at a time, and answers with the result.
It asks for the next request with the result of the last one (the `tool` call), so the
requests travel over the session's one stream, as every other call of a remote worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..agent.tools.files import ToolError
from ..agent.tools.toolbox import FILE_TOOLS
from ..config import Config
from ..workers.base import Failed, Finished, Outcome
from ..workspace import sandbox

Call = Callable[[str, dict[str, Any]], Awaitable[Any]]
Checkpoint = Callable[[int], Awaitable[None]]


async def serve(tree: Path, config: Config, call: Call, checkpoint: Checkpoint,
                env: dict[str, str]) -> Outcome:
    """Carry out the manager's requests in `tree` until it says the worker ended."""
    result: dict[str, Any] | None = None
    while True:
        request: dict[str, Any] = await call("tool", {"result": result})
        match request.get("op"):
            case "file":
                result = await asyncio.to_thread(
                    _file_tool, tree, str(request["name"]), dict(request["args"]))
            case "command":
                result = await _command(tree, config, str(request["command"]), env)
            case "checkpoint":
                await checkpoint(int(request["steps"]))
                result = {}
            case "finish":
                return Finished(str(request["summary"]))
            case "fail":
                return Failed(str(request["reason"]))
            case other:
                result = {"error": f"the node knows no request {other!r}"}


def _file_tool(tree: Path, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """The tool's text, or its error as the model would read it on the manager's side."""
    tool = FILE_TOOLS.get(name)
    if tool is None:
        return {"error": f"there is no tool {name!r}"}
    try:
        return {"text": tool(tree, **args)}
    except ToolError as e:
        return {"error": str(e)}
    except (TypeError, KeyError) as e:
        return {"error": f"bad input for {name}: {e}"}
    except OSError as e:
        return {"error": f"{name} failed: {e}"}


async def _command(tree: Path, config: Config, command: str, env: dict[str, str]
                   ) -> dict[str, Any]:
    result = await sandbox.run(command, tree, timeout=config.sandbox.command_timeout_seconds,
                               config=config.sandbox,
                               tail_lines=config.checks.output_tail_lines, extra_env=env)
    return {"command": result.command, "exit_code": result.exit_code,
            "output": result.output, "seconds": result.seconds,
            "timed_out": result.timed_out}
