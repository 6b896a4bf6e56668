"""The `codex` backend: the Codex CLI through `codex app-server`, in the worktree.

`codex app-server` speaks JSON-RPC 2.0, one message a line, over its stdin and stdout.
The worker sends `initialize` (then `initialized`), `thread/start` with the worktree as
`cwd` and the configured approval policy and sandbox, and `turn/start` with the task.
Codex's notifications become the session's events (an agent message is progress, a
command run or a file change a step); its approval requests
(`item/commandExecution/requestApproval`, `item/fileChange/requestApproval`, and the
older `execCommandApproval` / `applyPatchApproval`) become blocking Decisions, default
decline. The turn's end (`turn/completed`) is the worker's end. Each of Codex's model
calls ends with a `thread/tokenUsage/updated` total; what it added is recorded as one
`ModelReplied` of the worker, so the session's tokens and cost, `loopwright stats` and
the stall rule that counts model turns see every call, as for the built-in agent.

`codex app-server` itself starts inside Loopwright's sandbox (the allow-list every
command sees, with the machine's network for its API), so the commands it runs are in
the wall too. Its environment is the sandbox's scrubbed one plus the API keys Codex's
configuration names; its `CODEX_HOME` is a private one inside, seeded with a copy of
your `config.toml` and `auth.json`, so nothing it writes there reaches yours. Codex's own
sandbox is then `danger-full-access`: the wall is the sandbox (Landlock and seccomp
nested in it are not needed, and may not work there). docs/external-agents.md.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ..config import Config
from ..core.usage import Usage
from ..workspace import ports
from .base import Failed, Finished, Outcome, WorkerContext
from .claude_code import prompt_taking_steers
from .codex_app import AppServer, CodexError, app_server, spent, thread_total

log = logging.getLogger(__name__)
Json = dict[str, Any]


def approval_question(method: str, params: Json) -> str:
    if method in ("item/commandExecution/requestApproval", "execCommandApproval"):
        command = params.get("command")
        if isinstance(command, list):
            command = " ".join(str(c) for c in command)
        why = f" ({params['reason']})" if params.get("reason") else ""
        return f"Codex asks to run: {command or '(a command)'}{why}"
    why = f": {params['reason']}" if params.get("reason") else ""
    return f"Codex asks to change files{why}"


def approval_answer(method: str, allowed: bool) -> Json:
    if method in ("execCommandApproval", "applyPatchApproval"):  # the older protocol
        return {"decision": "approved" if allowed else "denied"}
    return {"decision": "accept" if allowed else "decline"}


class CodexWorker:
    name = "codex"

    def __init__(self, config: Config) -> None:
        self.config = config

    async def run(self, ctx: WorkerContext) -> Outcome:
        session = ctx.input.session  # its ports and name, for every command Codex runs
        try:
            async with app_server(
                    self.config, ctx.input.worktree, ctx.input.repo_root,
                    extra_env=ports.session_env(session.name, session.environment.ports),
            ) as codex:
                try:
                    return await self._converse(ctx, codex)
                except CodexError as e:
                    return Failed(f"Codex failed: {e}{codex.stderr_tail()}")
        except CodexError as e:  # not started: the CLI is missing, or the wall failed
            return Failed(str(e))

    async def _converse(self, ctx: WorkerContext, codex: AppServer) -> Outcome:
        cfg = self.config.codex
        rpc = codex.rpc
        thread_id = await codex.start_thread(ctx.input.worktree,
                                             approval_policy=cfg.approval_policy,
                                             sandbox_mode=cfg.sandbox)
        text = await prompt_taking_steers(ctx)
        session = ctx.input.session
        since, tokens = time.monotonic(), Usage()

        async def replied(total: Usage, stop_reason: str) -> None:
            nonlocal since, tokens
            if total == tokens:
                return
            await ctx.record_turn(spent(
                total.beyond(tokens), self.config, agent="worker", model=codex.model,
                session_id=session.session_id, task_id=session.task_id,
                stop_reason=stop_reason, seconds=time.monotonic() - since))
            since, tokens = time.monotonic(), total

        await rpc.call("turn/start", {"threadId": thread_id, "input": [
            {"type": "text", "text": text, "text_elements": []}]})
        last_message = ""
        while True:
            message = await rpc.next_message()
            method, params = message.get("method", ""), message.get("params") or {}
            if "id" in message and method:  # a request from Codex: an approval
                question = approval_question(method, params)
                answer = await ctx.ask(question, ("allow", "deny"), default="deny",
                                       blocking=True)
                await rpc.answer(message["id"], approval_answer(method, answer == "allow"))
            elif method == "thread/tokenUsage/updated":  # the thread's total so far
                await replied(thread_total(params), "model_call")
            elif method == "item/completed":
                last_message = await _item(ctx, params.get("item") or {}) or last_message
            elif method == "turn/completed":
                turn = params.get("turn") or {}
                status = str(turn.get("status") or "")
                if status == "completed":
                    return Finished(last_message.strip()[:2000] or "Codex finished")
                error = (turn.get("error") or {}).get("message", "")
                return Failed(f"Codex's turn ended {status}: {error}".rstrip(": "))
            elif method == "error":
                log.warning("codex: %s", params)


async def _item(ctx: WorkerContext, item: Json) -> str:
    """Record one finished item; returns an agent message's text."""
    kind = item.get("type")
    if kind == "agentMessage" and (text := str(item.get("text") or "").strip()):
        await ctx.progress(text[:500])
        return text
    if kind == "commandExecution":
        await ctx.act("codex command", f"{item.get('command', '')} "
                                       f"(exit {item.get('exitCode')})")
    elif kind == "fileChange":
        paths = ", ".join(str(c.get("path", "?")) for c in item.get("changes") or [])
        await ctx.act("codex edit", paths)
    return ""
