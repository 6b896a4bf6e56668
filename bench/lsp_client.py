"""A minimal LSP client for the benchmarks: JSON-RPC over a `loopwright serve` child's
pipes, nothing else. Responses are only `json.loads`-ed, so what is timed is the server
and the transport, not a client library's object mapping."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Handler = Callable[[Any], Any]


class RpcError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = error.get("code")


class RawClient:
    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.on_request: dict[str, Handler] = {}
        self.on_notification: dict[str, Handler] = {}
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None

    async def start(self, root: Path) -> dict[str, Any]:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "loopwright", "serve", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            env=dict(os.environ), limit=2**26)
        self._reader = asyncio.create_task(self._read())
        self.on_request.setdefault("window/workDoneProgress/create", lambda _p: None)
        self.on_request.setdefault("workspace/codeLens/refresh", lambda _p: None)
        self.on_request.setdefault("window/showMessageRequest", lambda _p: None)
        uri = root.as_uri()
        result = await self.request("initialize", {
            "processId": os.getpid(), "rootUri": uri,
            "workspaceFolders": [{"uri": uri, "name": root.name}],
            "capabilities": {"window": {"workDoneProgress": True},
                             "workspace": {"codeLens": {"refreshSupport": True}}},
        })
        self.notify("initialized", {})
        return dict(result)

    async def close(self) -> None:
        await self.request("shutdown", None)
        self.notify("exit", None)
        assert self.proc is not None
        await asyncio.wait_for(self.proc.wait(), 30)
        if self._reader is not None:
            self._reader.cancel()

    async def request(self, method: str, params: Any) -> Any:
        msg_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        self._send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return await future

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        out = self.proc.stdout
        while True:
            length = 0
            while (line := await out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            message = json.loads(await out.readexactly(length))
            message["_received"] = time.time()
            await self._dispatch(message)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        if "method" not in message:
            future = self._pending.pop(message["id"])
            if "error" in message:
                future.set_exception(RpcError(message["error"]))
            else:
                future.set_result(message.get("result"))
            return
        handler = (self.on_request if "id" in message else self.on_notification).get(
            message["method"])
        if "id" not in message:
            if handler is not None:
                handler(message)
            return
        result = handler(message) if handler is not None else None
        if asyncio.iscoroutine(result):
            task = asyncio.create_task(result)
            task.add_done_callback(lambda t: self._reply(message["id"], t.result()))
            return
        self._reply(message["id"], result)

    def _reply(self, msg_id: Any, result: Any) -> None:
        self._send({"jsonrpc": "2.0", "id": msg_id, "result": result})


def script(*steps: dict[str, Any]) -> str:
    return "```loopwright-script\n" + "\n".join(json.dumps(s) for s in steps) + "\n```\n"


def set_up(root: Path) -> None:
    """`loopwright init` with auto-land off, so every change waits for review."""
    import subprocess

    subprocess.run([sys.executable, "-m", "loopwright", "-C", str(root), "init"],
                   check=True, capture_output=True)
    config = root / ".loopwright" / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("\nauto_land = true\n", "\nauto_land = false\n"),
                      encoding="utf-8")
