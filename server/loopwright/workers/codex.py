"""The `codex` backend: the Codex CLI through `codex app-server`, in the worktree.

`codex app-server` speaks JSON-RPC 2.0, one message a line, over its stdin and stdout.
The worker sends `initialize` (then `initialized`), `thread/start` with the worktree as
`cwd` and the configured approval policy and sandbox, and `turn/start` with the task.
Codex's notifications become the session's events (an agent message is progress, a
command run or a file change a step); its approval requests
(`item/commandExecution/requestApproval`, `item/fileChange/requestApproval`, and the
older `execCommandApproval` / `applyPatchApproval`) become blocking Decisions, default
decline. The turn's end (`turn/completed`) is the worker's end.

`codex app-server` itself starts inside Loopwright's sandbox (the allow-list every
command sees, with the machine's network for its API), so the commands it runs are in
the wall too. Its environment is the sandbox's scrubbed one plus the API keys Codex's
configuration names; its `CODEX_HOME` is a private one inside, seeded with a copy of
your `config.toml` and `auth.json`, so nothing it writes there reaches yours. Codex's own
sandbox is then `danger-full-access`: the wall is the sandbox (Landlock and seccomp
nested in it are not needed, and may not work there). docs/external-agents.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Config
from ..workspace import ports, sandbox
from ..workspace.repo import WorkspaceError
from ..workspace.sandbox_mounts import HOME
from .base import Failed, Finished, Outcome, WorkerContext
from .claude_code import prompt_taking_steers

log = logging.getLogger(__name__)
Json = dict[str, Any]
_LINE_LIMIT = 64 * 1024 * 1024
CODEX_HOME = f"{HOME}/.codex"  # inside the wall
SEEDED = ("config.toml", "auth.json")  # copied from your CODEX_HOME into the private one
API_KEYS = ("OPENAI_API_KEY", "CODEX_API_KEY")  # Codex's own, besides providers' env_key
_ENV_KEY = re.compile(r"^model_providers\.[^=]+\.env_key\s*=\s*(.+)$")


class CodexError(Exception):
    pass


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
        cfg = self.config.codex
        exe = shutil.which(cfg.command)
        if exe is None:
            return Failed(f"the codex backend needs the Codex CLI: {cfg.command!r} was not "
                          "found (npm install -g @openai/codex, or set [codex] command)")
        args = [exe, "app-server"]
        for override in cfg.config:
            args += ["-c", override]
        home = Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex")
        try:
            walled = await sandbox.walled_argv(
                args, ctx.input.worktree, self.config.sandbox, ctx.input.repo_root,
                dirs=(CODEX_HOME,), files={f"{CODEX_HOME}/{n}": b for n, b in seed(home).items()})
        except WorkspaceError as e:
            return Failed(f"Codex was not started: {e}")
        env: dict[str, str] | None = None  # unwalled: the manager's, as Codex expects
        data: list[bytes] = []
        if walled is not None:
            args, data = walled
            env = walled_env(self.config.sandbox.pass_env, cfg.config, home)
        session = ctx.input.session  # its ports and name, for every command Codex runs
        env = {**(os.environ if env is None else env),
               **ports.session_env(session.name, session.environment.ports)}
        fds = sandbox.bind_fds(data)
        blobs = iter(fds)
        args = [str(next(blobs)) if a == "{fd}" else a for a in args]
        with tempfile.TemporaryFile() as stderr:  # read only to say why it failed
            try:
                proc = await asyncio.create_subprocess_exec(
                    *args, cwd=ctx.input.worktree, stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE, stderr=stderr, limit=_LINE_LIMIT,
                    env=env, pass_fds=fds,
                )
            finally:
                for fd in fds:
                    os.close(fd)
            rpc = _Rpc(proc)
            try:
                return await self._converse(ctx, rpc, walled=walled is not None)
            except CodexError as e:
                await rpc.close()
                stderr.seek(0)
                tail = stderr.read().decode("utf-8", "replace").strip().splitlines()[-5:]
                return Failed(f"Codex failed: {e}" + "".join(f"\n{t}" for t in tail))
            finally:
                await rpc.close()

    async def _converse(self, ctx: WorkerContext, rpc: _Rpc, *, walled: bool) -> Outcome:
        cfg = self.config.codex
        await rpc.call("initialize", {"clientInfo": {
            "name": "loopwright", "title": "Loopwright", "version": __version__},
            "capabilities": None})
        await rpc.notify("initialized")
        thread = await rpc.call("thread/start", {
            "cwd": str(ctx.input.worktree), "approvalPolicy": cfg.approval_policy,
            "sandbox": "danger-full-access" if walled else cfg.sandbox})
        thread_id = thread["thread"]["id"]
        text = await prompt_taking_steers(ctx)
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
            elif method == "item/completed":
                last_message = await _item(ctx, params.get("item") or {}) or last_message
            elif method == "turn/completed":
                turn = params.get("turn") or {}
                if turn.get("status") == "completed":
                    return Finished(last_message.strip()[:2000] or "Codex finished")
                error = (turn.get("error") or {}).get("message", "")
                return Failed(f"Codex's turn ended {turn.get('status')}: {error}".rstrip(": "))
            elif method == "error":
                log.warning("codex: %s", params)


def seed(home: Path) -> dict[str, bytes]:
    """What the private CODEX_HOME starts with: your Codex configuration and login."""
    found: dict[str, bytes] = {}
    for name in SEEDED:
        with contextlib.suppress(OSError):
            found[name] = (home / name).read_bytes()
    return found


def walled_env(pass_env: list[str], overrides: list[str], home: Path,
               source: Mapping[str, str] | None = None) -> dict[str, str]:
    """Codex's environment inside the wall: the sandbox's scrubbed one, plus the API keys
    it needs (its own, and each `env_key` a model provider names in your config.toml or
    `[codex] config`), with HOME, TMPDIR and CODEX_HOME the sandbox's."""
    source = os.environ if source is None else source
    env = sandbox.scrubbed_env(pass_env, source=source)
    keys = set(API_KEYS)
    for override in overrides:
        if match := _ENV_KEY.match(override.strip()):
            keys.add(match.group(1).strip().strip("\"'"))
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError):
        providers = tomllib.loads((home / "config.toml").read_text()).get("model_providers")
        for provider in (providers or {}).values():
            if isinstance(provider, dict) and isinstance(provider.get("env_key"), str):
                keys.add(provider["env_key"])
    env.update({k: source[k] for k in keys if k in source})
    env.update(HOME=HOME, TMPDIR="/tmp", CODEX_HOME=CODEX_HOME,
               XDG_CACHE_HOME="/tmp/.cache", XDG_CONFIG_HOME=f"{HOME}/.config")
    return env


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


class _Rpc:
    """JSON-RPC 2.0 over a child's stdin/stdout, one JSON message a line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self._next_id = 0
        self._pending: list[Json] = []  # messages read while waiting for a response

    async def call(self, method: str, params: Json) -> Any:
        self._next_id += 1
        call_id = self._next_id
        await self._write({"jsonrpc": "2.0", "id": call_id, "method": method,
                           "params": params})
        while True:
            message = await self._read()
            if message.get("id") == call_id and "method" not in message:
                if "error" in message:
                    raise CodexError(f"{method}: {message['error'].get('message')}")
                return message.get("result")
            self._pending.append(message)

    async def notify(self, method: str) -> None:
        await self._write({"jsonrpc": "2.0", "method": method})

    async def answer(self, request_id: Any, result: Json) -> None:
        await self._write({"jsonrpc": "2.0", "id": request_id, "result": result})

    async def next_message(self) -> Json:
        return self._pending.pop(0) if self._pending else await self._read()

    async def _write(self, message: Json) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        await self.proc.stdin.drain()

    async def _read(self) -> Json:
        assert self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            raise CodexError("codex app-server exited")
        try:
            message = json.loads(line)
        except json.JSONDecodeError as e:
            raise CodexError(f"codex app-server said something that is not JSON: {e}") from e
        return message if isinstance(message, dict) else {}

    async def close(self) -> None:
        if self.proc.returncode is None:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            try:
                async with asyncio.timeout(5):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
