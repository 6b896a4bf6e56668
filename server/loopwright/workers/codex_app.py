"""`codex app-server`, started the way every Codex agent of Loopwright starts it: found on
PATH (`[codex] command`), inside the wall with the scrubbed environment and a private
`CODEX_HOME`, and spoken to in JSON-RPC 2.0, one message a line. The `codex` worker
(`workers.codex`) and the `codex` reviewer (`agent.codex_reviewer`) both open it here.

Inside the wall Codex's own sandbox is `danger-full-access` (the wall is the sandbox;
Landlock and seccomp nested in it are not needed and may not work there); outside it,
the caller's choice applies. `read_only` also mounts the worktree read-only in the wall.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import tempfile
import tomllib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from .. import __version__
from .. import events as ev
from ..config import Config
from ..core.usage import Usage
from ..workspace import sandbox
from ..workspace.repo import WorkspaceError
from ..workspace.sandbox_mounts import HOME

Json = dict[str, Any]
_LINE_LIMIT = 64 * 1024 * 1024
CODEX_HOME = f"{HOME}/.codex"  # inside the wall
HANDED = "/tmp/loopwright-files"  # inside the wall: the files handed to Codex (`files`)
SEEDED = ("config.toml", "auth.json")  # copied from your CODEX_HOME into the private one
API_KEYS = ("OPENAI_API_KEY", "CODEX_API_KEY")  # Codex's own, besides providers' env_key
_ENV_KEY = re.compile(r"^model_providers\.[^=]+\.env_key\s*=\s*(.+)$")


class CodexError(Exception):
    pass


@dataclass
class AppServer:
    """A running `codex app-server`: its JSON-RPC channel, and whether it is walled."""

    rpc: Rpc
    walled: bool
    _stderr: IO[bytes]
    handed: Path = Path(HANDED)  # where the `files` it was handed are, by name
    model: str = ""  # the model its thread runs, once `start_thread` said

    def stderr_tail(self, lines: int = 5) -> str:
        """The end of what Codex wrote to stderr, to say why it failed."""
        self._stderr.seek(0)
        tail = self._stderr.read().decode("utf-8", "replace").strip().splitlines()[-lines:]
        return "".join(f"\n{t}" for t in tail)

    async def start_thread(self, cwd: Path, *, approval_policy: str, sandbox_mode: str,
                           config: Json | None = None, **extra: object) -> str:
        """`initialize`, `initialized`, then `thread/start` in `cwd`; the thread's id.

        The worktree is never a trusted project: a `.codex/config.toml` the worker wrote
        there (MCP servers, hooks, a model provider that would receive the API key) is
        not loaded. Codex would otherwise trust it and apply it."""
        await self.rpc.call("initialize", {"clientInfo": {
            "name": "loopwright", "title": "Loopwright", "version": __version__},
            "capabilities": None})
        await self.rpc.notify("initialized")
        real = await asyncio.to_thread(cwd.resolve)
        untrusted = {str(p): {"trust_level": "untrusted"} for p in {cwd, real}}
        thread = await self.rpc.call("thread/start", {
            "cwd": str(cwd), "approvalPolicy": approval_policy,
            "sandbox": "danger-full-access" if self.walled else sandbox_mode,
            "config": {**(config or {}), "projects": untrusted}, **extra})
        self.model = str(thread.get("model") or "")
        return str(thread["thread"]["id"])


def thread_total(params: Json) -> Usage:
    """What a thread has spent so far, from a `thread/tokenUsage/updated` notification's
    params (its `total`): Codex counts its cached and cache-written tokens inside
    `inputTokens`, and here they are taken out of it."""
    total = (params.get("tokenUsage") or {}).get("total") or {}

    def n(key: str) -> int:
        value = total.get(key)
        return value if isinstance(value, int) and value > 0 else 0

    read, written = n("cachedInputTokens"), n("cacheWriteInputTokens")
    return Usage(input_tokens=max(0, n("inputTokens") - read - written),
                 output_tokens=n("outputTokens"), cache_write_tokens=written,
                 cache_read_tokens=read)


def spent(tokens: Usage, config: Config, *, agent: Literal["worker", "reviewer"],
          model: str, session_id: str, task_id: str, stop_reason: str,
          seconds: float) -> ev.ModelReplied:
    """A Codex turn's cost as the `ModelReplied` the built-in agent's calls give: the
    session's tokens and cost, `stats`' tokens by agent, priced from `[prices]`."""
    price = config.prices.get(model)
    dollars = 0.0 if price is None else price.dollars(
        tokens.input_tokens, tokens.output_tokens, tokens.cache_write_tokens,
        tokens.cache_read_tokens)
    return ev.ModelReplied(
        agent=agent, model=model, session_id=session_id, task_id=task_id,
        stop_reason=stop_reason, input_tokens=tokens.input_tokens,
        output_tokens=tokens.output_tokens, cache_write_tokens=tokens.cache_write_tokens,
        cache_read_tokens=tokens.cache_read_tokens, cost_usd=round(dollars, 6),
        seconds=round(seconds, 3))


def missing(command: str) -> str:
    return (f"the Codex CLI was not found: {command!r} (npm install -g @openai/codex, or "
            "set [codex] command)")


@contextlib.asynccontextmanager
async def app_server(config: Config, worktree: Path, repo_root: Path | None, *,
                     extra_env: Mapping[str, str] | None = None,
                     read_only: bool = False,
                     files: Mapping[str, bytes] | None = None) -> AsyncIterator[AppServer]:
    """`codex app-server` in `worktree`, stopped on exit. Raises `CodexError` when the
    CLI is missing or the wall cannot be built. `files` (name -> content) are handed to
    it in a private folder, `AppServer.handed`: copies, so nothing the worker can write
    is what Codex reads (the reviewer's screenshots, for `localImage` inputs)."""
    cfg = config.codex
    exe = shutil.which(cfg.command)
    if exe is None:
        raise CodexError(missing(cfg.command))
    args = [exe, "app-server"]
    for override in cfg.config:
        args += ["-c", override]
    home = Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex")
    try:
        walled = await sandbox.walled_argv(
            args, worktree, config.sandbox, repo_root, dirs=(CODEX_HOME,),
            files={**{f"{CODEX_HOME}/{n}": b for n, b in seed(home).items()},
                   **{f"{HANDED}/{n}": b for n, b in (files or {}).items()}},
            read_only_cwd=read_only)
    except WorkspaceError as e:
        raise CodexError(f"Codex was not started: {e}") from e
    env: dict[str, str] | None = None  # unwalled: the manager's, as Codex expects
    data: list[bytes] = []
    if walled is not None:
        args, data = walled
        env = walled_env(config.sandbox.pass_env, cfg.config, home)
    env = {**(os.environ if env is None else env), **(extra_env or {})}
    fds = sandbox.bind_fds(data)
    blobs = iter(fds)
    args = [str(next(blobs)) if a == "{fd}" else a for a in args]
    with (tempfile.TemporaryFile() as stderr,  # read only to say why it failed
          tempfile.TemporaryDirectory(prefix="loopwright-codex-") as outside):
        handed = Path(HANDED if walled is not None else outside)
        try:
            if walled is None and files:
                await asyncio.to_thread(_write_all, handed, files)
            proc = await asyncio.create_subprocess_exec(
                *args, cwd=worktree, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=stderr, limit=_LINE_LIMIT,
                env=env, pass_fds=fds,
            )
        except OSError as e:
            raise CodexError(f"Codex could not start: {e}") from e
        finally:
            for fd in fds:
                os.close(fd)
        rpc = Rpc(proc)
        try:
            yield AppServer(rpc, walled is not None, stderr, handed)
        finally:
            await rpc.close()


def _write_all(folder: Path, files: Mapping[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).write_bytes(data)


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


class Rpc:
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
        try:
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            await self.proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as e:
            raise CodexError("codex app-server exited") from e

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
