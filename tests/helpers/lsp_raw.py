"""A raw LSP peer for the attacker's tests: `loopwright serve` as a real child process,
bytes written to its stdin as they come, its stdout read back into messages. No LSP
library in between, so a test can send what no well-behaved client would."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def frame(message: Any) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawServer:
    def __init__(self, root: Path) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "loopwright", "-C", str(root), "serve"], cwd=root,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.responses: dict[Any, list[dict[str, Any]]] = {}
        self.unidentified: list[dict[str, Any]] = []  # error responses with `"id": null`
        self._lock, self._writing = threading.Lock(), threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        with self._writing:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def request(self, msg_id: int | str, method: str, params: Any = None,
                timeout: float = 30.0) -> dict[str, Any]:
        self.send(frame({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}))
        return self.answer(msg_id, timeout)

    def answer(self, msg_id: Any, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.responses.get(msg_id):
                    return self.responses[msg_id][0]
            if not self.alive:
                raise AssertionError(f"the server ended (exit {self.proc.returncode})")
            time.sleep(0.01)
        raise AssertionError(f"no answer to request {msg_id!r} within {timeout}s")

    def initialize(self, root: Path) -> None:
        uri = root.as_uri()
        reply = self.request("init", "initialize", {
            "processId": None, "rootUri": uri, "capabilities": {},
            "workspaceFolders": [{"uri": uri, "name": root.name}]})
        assert "result" in reply, reply
        self.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))

    def answers_to(self, ids: list[Any]) -> dict[Any, int]:
        with self._lock:
            return {i: len(self.responses.get(i, [])) for i in ids}

    def stop(self) -> None:
        if self.alive:
            try:
                self.request("bye", "shutdown", None, timeout=20)
                self.send(frame({"jsonrpc": "2.0", "method": "exit"}))
                self.proc.wait(timeout=20)
            except (AssertionError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-4000:]

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while (line := out.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if not line or length is None:
                return
            message = json.loads(out.read(length))
            if "method" in message and "id" in message:  # the server asks: say nothing
                self.send(frame({"jsonrpc": "2.0", "id": message["id"], "result": None}))
            elif "id" in message:
                with self._lock:
                    if message["id"] is None or isinstance(message["id"], list | dict):
                        self.unidentified.append(message)
                    else:
                        self.responses.setdefault(message["id"], []).append(message)
            self.messages.put(message)
