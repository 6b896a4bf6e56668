"""The manager's handle on the cluster: its driver process, started when first needed
and again after it is gone, and the requests in flight to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..config.tree import SandboxConfig
from . import wire

log = logging.getLogger(__name__)

CONNECT_SECONDS = 60.0  # joining a cluster starts Ray's own processes: give it time


class ClusterUnreachable(Exception):
    """The cluster could not be reached, or was lost with work on it; the message says
    what Ray said. Work sent again once it is back is safe: a check run has no effects."""


async def _probe(address: str) -> None:
    """Fail fast on a `HOST:PORT` nobody listens on: Ray itself would keep trying for
    minutes. `auto` and `ray://` addresses are left to Ray."""
    host, sep, port = address.rpartition(":")
    if not sep or "://" in address or not port.isdigit():
        return
    try:
        async with asyncio.timeout(10):
            _, writer = await asyncio.open_connection(host, int(port))
    except (OSError, TimeoutError) as e:
        raise ClusterUnreachable(f"nothing answers at {address}: {e}") from e
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


class SessionLost(Exception):
    """The session's actor is gone with its node; start it again from its checkpoint."""


OnCall = Callable[[wire.SessionCall], Awaitable[Any]]


class ClusterClient:
    def __init__(self, address: str, namespace: str, log_path: Path | None = None,
                 connect_seconds: float = CONNECT_SECONDS) -> None:
        self.address = address
        self.connect_seconds = connect_seconds
        self.namespace = namespace
        self._log_path = log_path
        self._proc: asyncio.subprocess.Process | None = None
        self._connected: wire.Connected | None = None
        self._pending: dict[int, asyncio.Future[wire.FromDriver]] = {}
        self._sessions: dict[str, tuple[OnCall, asyncio.Future[wire.FromDriver]]] = {}
        self._calls: set[asyncio.Task[None]] = set()
        self._next_id = 0
        self._reader: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self.reported: bool | None = None  # what the log last said of its reachability

    @property
    def connected(self) -> wire.Connected | None:
        return self._connected if self._proc is not None else None

    async def connect(self) -> wire.Connected:
        """Start the driver when none runs; what it found. Raises ClusterUnreachable."""
        async with self._starting:
            if self._proc is not None and self._connected is not None:
                return self._connected
            await self._stop()
            await _probe(self.address)
            stderr = (self._log_path.open("ab") if self._log_path is not None
                      else asyncio.subprocess.DEVNULL)
            try:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "loopwright.compute.driver", self.address,
                    self.namespace, stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE, stderr=stderr, limit=wire.MAX_FRAME)
            finally:
                if not isinstance(stderr, int):
                    stderr.close()
            assert proc.stdout is not None
            try:
                async with asyncio.timeout(self.connect_seconds):
                    first = await wire.read_from_driver(proc.stdout)
            except (TimeoutError, ValueError) as e:
                first = wire.Unreachable(address=self.address,
                                         error=f"no answer from the cluster driver: {e!r}")
            if not isinstance(first, wire.Connected):
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
                why = first.error if isinstance(first, wire.Unreachable) else (
                    f"the cluster driver ended (exit {proc.returncode}); see "
                    f"{self._log_path or 'its log'}")
                raise ClusterUnreachable(why)
            self._proc, self._connected = proc, first
            self._reader = asyncio.create_task(self._read(proc))
            return first

    async def run_checks(self, *, bundle: bytes, commit: str, commands: list[str],
                         timeout: float, sandbox: SandboxConfig, tail_lines: int,
                         resources: dict[str, float]) -> list[wire.Ran]:
        """Each command as a task of its own on the cluster; their results in order."""
        await self.connect()
        self._next_id += 1
        req = wire.CheckRun(request_id=self._next_id, bundle=bundle, commit=commit,
                            commands=commands, timeout=timeout, sandbox=sandbox,
                            tail_lines=tail_lines, resources=resources)
        reply = await self._ask(req)
        if isinstance(reply, wire.CheckRunDone):
            return reply.results
        assert isinstance(reply, wire.RequestFailed)
        if reply.lost:
            raise ClusterUnreachable(reply.error)
        raise RuntimeError(f"the check run failed on the cluster: {reply.error}")

    async def run_session(self, start: wire.SessionStart, on_call: OnCall
                          ) -> wire.SessionEnded:
        """Run a session on the cluster; each call of its worker answered by `on_call`.
        Raises SessionLost when its node goes, ClusterUnreachable when the cluster does."""
        await self.connect()
        future: asyncio.Future[wire.FromDriver] = asyncio.get_running_loop().create_future()
        self._sessions[start.session_id] = (on_call, future)
        try:
            await self._send(start)
            ended = await future
        finally:
            self._sessions.pop(start.session_id, None)
        if isinstance(ended, wire.SessionEnded):
            return ended
        if isinstance(ended, wire.SessionLost):
            raise SessionLost(ended.error)
        assert isinstance(ended, wire.RequestFailed)
        raise ClusterUnreachable(ended.error)

    async def _ask(self, req: wire.CheckRun) -> wire.FromDriver:
        future: asyncio.Future[wire.FromDriver] = asyncio.get_running_loop().create_future()
        self._pending[req.request_id] = future
        try:
            await self._send(req)
        except ClusterUnreachable:
            self._pending.pop(req.request_id, None)
            raise
        return await future

    async def _send(self, message: wire.ToDriver) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise ClusterUnreachable("the cluster driver is gone")
        try:
            proc.stdin.write(wire.frame(message))
            await proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as e:
            await self._stop()
            raise ClusterUnreachable(f"the cluster driver is gone: {e}") from e

    def _session_message(self, message: wire.FromDriver) -> None:
        sid = getattr(message, "session_id", "")
        entry = self._sessions.get(sid)
        if entry is None:
            return
        on_call, future = entry
        if isinstance(message, wire.SessionCall):
            job = asyncio.create_task(self._answer(on_call, message))
            self._calls.add(job)
            job.add_done_callback(self._calls.discard)
        elif not future.done():
            future.set_result(message)

    async def _answer(self, on_call: OnCall, call: wire.SessionCall) -> None:
        try:
            value = await on_call(call)
        except Exception:  # the manager's side failed: the worker must not hang on it
            log.exception("answering %s of session %s failed", call.method, call.session_id)
            value = None
        if call.call_id == 0:  # a notice (where it was placed): no one waits for a reply
            return
        # A driver gone meanwhile loses the session with it; the reader says so.
        with contextlib.suppress(ClusterUnreachable):
            await self._send(wire.SessionReply(session_id=call.session_id,
                                               call_id=call.call_id, value=value))

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        try:
            while (message := await wire.read_from_driver(proc.stdout)) is not None:
                if isinstance(message, wire.SessionCall | wire.SessionEnded
                              | wire.SessionLost):
                    self._session_message(message)
                    continue
                request_id = getattr(message, "request_id", None)
                future = self._pending.pop(request_id, None) if request_id else None
                if future is not None and not future.done():
                    future.set_result(message)
        except (ValueError, asyncio.IncompleteReadError) as e:
            log.warning("the cluster driver sent a bad frame: %s", e)
        finally:
            code = await proc.wait()
            if self._proc is proc:
                self._proc = None
                self._connected = None
            lost = wire.RequestFailed(request_id=0, lost=True,
                                      error=f"the cluster driver ended (exit {code})")
            for future in self._pending.values():
                if not future.done():
                    future.set_result(lost)
            self._pending.clear()
            for _, future in self._sessions.values():
                if not future.done():
                    future.set_result(lost)

    async def close(self) -> None:
        await self._stop()

    async def _stop(self) -> None:
        proc, self._proc, self._connected = self._proc, None, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            async with asyncio.timeout(10):
                await proc.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
