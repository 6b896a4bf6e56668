"""The `claude-code` backend: Claude Code, through `claude-agent-sdk`, in the worktree.

The SDK runs the Claude Code CLI (the one bundled in its wheel, or `claude` on PATH) with
the worktree as its working directory. Its message stream becomes the session's events
(text as progress, each tool call as a step), and its permission prompts become
Decisions: reading and editing files inside the worktree are allowed without asking;
anything else (a shell command, a file outside the worktree, the web) is asked of the
human, blocking, default deny. The model endpoint is Claude Code's own configuration:
`ANTHROPIC_API_KEY` / `ANTHROPIC_BASE_URL` from the environment.
What it spends (each response's usage, the result's totals) becomes the worker's
`ModelReplied` events, priced from `[prices]` (`claude_code_usage.py`).

Claude Code runs its own tools; the CLI itself is started inside Loopwright's sandbox
(the same allow-list as every command, with the machine's network, which it needs for
the API), so its shell commands run in the wall too, after the permission Decision.
After a restart the session starts a new Claude Code conversation from the task and the
notes, over the edits already in the worktree.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from .. import events as ev
from ..config import Config
from ..workspace import ports, sandbox
from ..workspace.repo import WorkspaceError
from .base import Failed, Finished, Outcome, WorkerContext
from .claude_code_usage import Tally, shortened

log = logging.getLogger(__name__)

# Tools that only read, or edit files, and need no human when they stay in the worktree.
QUIET_TOOLS = frozenset({"Read", "Glob", "Grep", "LS", "TodoWrite", "Edit", "MultiEdit",
                         "Write", "NotebookEdit"})
_PATH_KEYS = ("file_path", "path", "notebook_path")


def prompt(ctx: WorkerContext) -> str:
    inp = ctx.input
    parts = [f"# {inp.task.title}", "", inp.task.body.strip()]
    if inp.notes:
        parts += ["", "## Notes from review (newest last)", *(f"- {n}" for n in inp.notes)]
    if (steers := ctx.steers()):
        parts += ["", "## Notes steered to you (newest last; follow them)",
                  *(f"- from the {s.by}: {s.note}" for s in steers)]
    if inp.resume_step:
        parts += ["", "You worked on this before; your edits so far are in the working "
                  "directory. Carry on from there."]
    parts += ["", "Work only inside the current directory. Do not commit: Loopwright "
              "commits your changes when you are done. End with a one-paragraph summary."]
    return "\n".join(parts)


async def prompt_taking_steers(ctx: WorkerContext) -> str:
    """The prompt of a new conversation, with every steering note so far, each marked
    received: an agent CLI takes a note at its next start (a restart, or changes asked),
    not in the middle of a run."""
    text = prompt(ctx)
    for n, steer in enumerate(ctx.steers(), 1):
        if not steer.received:
            await ctx.take_steer(n, as_step=False)
    return text


def quiet(tool: str, tool_input: dict[str, Any], worktree: Path) -> bool:
    """Whether Claude Code may use `tool` on `tool_input` without asking the human."""
    if tool not in QUIET_TOOLS:
        return False
    root = worktree.resolve()
    for key in _PATH_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            path = (root / value).resolve()
            if path != root and root not in path.parents:
                return False
    return True


def summarize(tool: str, tool_input: dict[str, Any], limit: int = 200) -> str:
    command = tool_input.get("command")
    if tool == "Bash" and isinstance(command, str):
        text = command
    else:
        text = json.dumps(tool_input, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ClaudeCodeWorker:
    name = "claude-code"

    def __init__(self, config: Config) -> None:
        self.config = config

    async def run(self, ctx: WorkerContext) -> Outcome:
        try:
            from claude_agent_sdk import (
                AssistantMessage,
                ClaudeAgentOptions,
                ClaudeSDKClient,
                ClaudeSDKError,
                PermissionResultAllow,
                PermissionResultDeny,
                ResultMessage,
                TextBlock,
                ToolPermissionContext,
                ToolUseBlock,
            )
        except ImportError:
            return Failed("the claude-code backend needs claude-agent-sdk: "
                          "pip install 'loopwright[agents]'")
        worktree, session = ctx.input.worktree, ctx.input.session
        tally = Tally(self.config.prices, session_id=session.session_id,
                      task_id=session.task_id, model=self.config.agent.model or "claude-code",
                      started=time.monotonic())

        async def can_use_tool(tool: str, tool_input: dict[str, Any],
                               _context: ToolPermissionContext
                               ) -> PermissionResultAllow | PermissionResultDeny:
            if quiet(tool, tool_input, worktree):
                return PermissionResultAllow()
            asked = time.monotonic()
            answer = await ctx.ask(f"Claude Code asks to use {tool}: "
                                   f"{summarize(tool, tool_input)}", ("allow", "deny"),
                                   default="deny", blocking=True)
            tally.waited(time.monotonic() - asked)
            if answer == "allow":
                return PermissionResultAllow()
            return PermissionResultDeny(message="The human said no. Do without it.")

        budget_turns = self.config.budget.turns
        wall_dir = Path(tempfile.mkdtemp(prefix="loopwright-wall-"))
        try:
            cli = _cli()
            if cli is not None:
                cli = await sandbox.walled_program(cli, worktree, self.config.sandbox,
                                                   wall_dir, ctx.input.repo_root)
        except WorkspaceError as e:
            shutil.rmtree(wall_dir, ignore_errors=True)
            return Failed(f"Claude Code was not started: {e}")
        options = ClaudeAgentOptions(
            cwd=str(worktree), can_use_tool=can_use_tool, permission_mode="default",
            model=self.config.agent.model or None, max_turns=budget_turns or None,
            setting_sources=[], cli_path=cli,
            env=ports.session_env(ctx.input.session.name,  # the session's ports and name
                                  ctx.input.session.environment.ports),
        )
        result: ResultMessage | None = None
        try:
            async with ClaudeSDKClient(options=options) as client:
                await client.query(await prompt_taking_steers(ctx))
                async for message in client.receive_response():
                    if isinstance(message, AssistantMessage):
                        said = [b for b in map(shortened, _blocks(message.content)) if b]
                        await _record(ctx, tally.seen(
                            message.message_id, message.model, message.usage,
                            message.stop_reason, time.monotonic(), said))
                        for block in message.content:
                            if isinstance(block, TextBlock) and block.text.strip():
                                await ctx.progress(block.text.strip()[:500])
                            elif isinstance(block, ToolUseBlock):
                                await ctx.act(f"claude-code {block.name}",
                                              summarize(block.name, block.input))
                    elif isinstance(message, ResultMessage):
                        result = message
                        await _record(ctx, tally.ended(
                            message.model_usage, message.usage, f"result_{message.subtype}",
                            time.monotonic()))
        except ClaudeSDKError as e:
            return Failed(f"Claude Code failed: {e}")
        finally:
            shutil.rmtree(wall_dir, ignore_errors=True)
            if result is None:  # crashed, failed or killed: what it showed it spent
                await _record(ctx, tally.cut_short(time.monotonic()))
        if result is None:
            return Failed("Claude Code ended without a result")
        if result.is_error:
            why = result.result or "; ".join(result.errors or []) or result.subtype
            return Failed(f"Claude Code ended with an error: {why}")
        return Finished((result.result or "Claude Code finished").strip()[:2000])


def _blocks(content: list[Any]) -> list[dict[str, Any]]:
    """The SDK's content blocks in the API's shape (text and tool calls; no others)."""
    from claude_agent_sdk import TextBlock, ToolUseBlock

    return [{"type": "text", "text": b.text} if isinstance(b, TextBlock) else
            {"type": "tool_use", "name": b.name, "input": b.input}
            for b in content if isinstance(b, TextBlock | ToolUseBlock)]


async def _record(ctx: WorkerContext, replies: list[ev.ModelReplied]) -> None:
    if replies:
        await ctx.record_turn(*replies)


def _cli() -> str | None:
    """The CLI claude-agent-sdk would start: its bundled one, else `claude` on PATH."""
    import claude_agent_sdk

    bundled = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
    return str(bundled) if bundled.is_file() else shutil.which("claude")
