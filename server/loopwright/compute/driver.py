"""The cluster driver: a process of its own that joins the Ray cluster and runs what the
manager sends it (`python -m loopwright.compute.driver ADDRESS NAMESPACE`).

Ray lives here, not in the manager: a Ray driver whose cluster goes away can end its
own process, and the manager must outlive any cluster. The manager starts this process
again when it needs the cluster and the last one is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Coroutine
from typing import Any, BinaryIO

import msgspec

from ..config.tree import SandboxConfig
from ..core.commands import CommandResult
from . import node, wire
from .session_actor import SessionActor

log = logging.getLogger(__name__)
Key = tuple[tuple[str, float], ...]  # a shape of resources


def _connect(address: str, namespace: str) -> Any:
    import ray  # the `ray` extra

    ray.init(address=address, namespace=namespace, log_to_driver=False,
             logging_level=logging.WARNING, configure_logging=False,
             include_dashboard=False if address == "local" else None)
    return ray


def _run_check(bundle: bytes, commit: str, command: str, timeout: float,
               sandbox: SandboxConfig, tail_lines: int) -> tuple[CommandResult, str]:
    """The Ray task: runs in a worker process on whichever node Ray chose."""
    import ray

    node_id = ray.get_runtime_context().get_node_id()
    return node.run_check(bundle, commit, command, timeout=timeout,
                          sandbox_config=sandbox, tail_lines=tail_lines, node_id=node_id)


def _check_task(ray: Any) -> Any:
    # A task lost with its node is run again elsewhere: a check run has no effects.
    return ray.remote(max_retries=2, retry_exceptions=False)(_run_check)


def _options(resources: dict[str, float]) -> dict[str, Any]:
    named = {"num_cpus", "num_gpus", "memory"}
    opts: dict[str, Any] = {k: v for k, v in resources.items() if k in named}
    custom = {k: v for k, v in resources.items() if k not in named}
    if custom:
        opts["resources"] = custom
    return opts


class Driver:
    def __init__(self, ray: Any, writer: asyncio.StreamWriter) -> None:
        self._ray = ray
        self._writer = writer
        self._run_check = _check_task(ray)
        self._actor_class = ray.remote(max_restarts=0)(SessionActor)
        self._sessions: dict[str, Any] = {}
        # One idle session actor kept started per shape of resources: a new worker
        # process and its imports take seconds, a session should not wait for them.
        self._spares: dict[Key, Any] = {}
        # What the spares check out ahead (`SpareWarm`): the commit, and its bundle in
        # the object store; and the commit each spare's tree is at, once it is.
        self._warm: dict[Key, tuple[str, Any]] = {}
        self._warmed: dict[Key, str] = {}
        self._jobs: set[asyncio.Task[None]] = set()
        self._warms = 0

    def _take_actor(self, resources: dict[str, float]) -> tuple[Any, str]:
        """The spare (and the commit its tree is at), else a new actor."""
        key = _key(resources)
        actor = self._spares.pop(key, None)
        if actor is None:
            return self._actor_class.options(**_options(resources)).remote(), ""
        return actor, self._warmed.pop(key, "")

    def _refill(self, resources: dict[str, float]) -> None:
        """Start the next spare. Not while a session starts on the last one: a new
        worker process and its imports would take the cores that start needs."""
        key = _key(resources)
        if key not in self._spares:
            spare = self._actor_class.options(**_options(resources)).remote()
            spare.ready.remote()  # start it now
            self._spares[key] = spare
            if key in self._warm:
                self._background(self._warm_actor(key, spare))

    async def spare_warm(self, req: wire.SpareWarm) -> None:
        key = _key(req.resources)
        self._warm[key] = (req.commit, self._ray.put(req.bundle))
        spare = self._spares.get(key)
        if spare is not None:
            await self._warm_actor(key, spare)

    async def _warm_actor(self, key: Key, spare: Any) -> None:
        commit, shipped = self._warm[key]
        self._warmed.pop(key, None)
        try:
            self._warms += 1
            done = await spare.warm.remote(shipped, commit, self._warms)
        except Exception:  # noqa: BLE001 -- the spare is gone: the next one is made anew
            done = False
        if done and self._spares.get(key) is spare and self._warm[key][0] == commit:
            self._warmed[key] = commit

    def _background(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(job)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    def send(self, message: wire.FromDriver) -> None:
        self._writer.write(wire.frame(message))

    async def check_run(self, req: wire.CheckRun) -> None:
        ray = self._ray
        try:
            shipped = ray.put(req.bundle)
            opts = _options(req.resources)
            if len(req.commands) > 1:  # shards: over as many nodes as there are
                opts["scheduling_strategy"] = "SPREAD"
            task = self._run_check.options(**opts)
            refs = [task.remote(shipped, req.commit, command, req.timeout, req.sandbox,
                                req.tail_lines) for command in req.commands]
            done = await asyncio.gather(*refs)
        except Exception as e:  # noqa: BLE001 -- a lost node or cluster, a task that raised
            lost = not isinstance(e, ray.exceptions.RayTaskError)
            self.send(wire.RequestFailed(request_id=req.request_id, error=_said(e),
                                         lost=lost))
        else:
            self.send(wire.CheckRunDone(request_id=req.request_id, results=[
                wire.Ran(command=r.command, exit_code=r.exit_code, output=r.output,
                         seconds=r.seconds, timed_out=r.timed_out, where=where)
                for r, where in done]))
        await self._writer.drain()


    async def session_start(self, req: wire.SessionStart) -> None:
        ray = self._ray
        sid = req.session_id
        old = self._sessions.pop(sid, None)
        if old is not None:
            ray.kill(old)
        actor = None
        try:
            actor, warmed = self._take_actor(req.resources)
            if warmed and warmed == req.commit:  # its tree is there: no need to ship it
                req = msgspec.structs.replace(req, bundle=b"")
            self._sessions[sid] = actor
            async for ref in actor.run.remote(req):
                message = await ref
                self.send(message)
                await self._writer.drain()
                if req.spare and not _placed(message):  # it started: refill the spare
                    self._refill(req.resources)
                if isinstance(message, wire.SessionEnded):
                    break
        except Exception as e:  # noqa: BLE001 -- the actor, its node or the cluster is gone
            self.send(wire.SessionLost(session_id=sid, error=_said(e)))
            await self._writer.drain()
        finally:
            if actor is not None and self._sessions.get(sid) is actor:
                del self._sessions[sid]
                with contextlib.suppress(Exception):  # already gone with its node
                    ray.kill(actor)

    def session_reply(self, req: wire.SessionReply) -> None:
        actor = self._sessions.get(req.session_id)
        if actor is not None:
            actor.reply.remote(req.call_id, req.value)


def _key(resources: dict[str, float]) -> Key:
    return tuple(sorted(resources.items()))


def _placed(message: wire.FromDriver) -> bool:
    return isinstance(message, wire.SessionCall) and message.method == "placed"


def _said(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}".rstrip(": ")


async def _stdio(channel: BinaryIO) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=wire.MAX_FRAME)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, channel)
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    return reader, writer


async def serve(address: str, namespace: str, channel: BinaryIO) -> int:
    reader, writer = await _stdio(channel)
    try:
        ray = await asyncio.to_thread(_connect, address, namespace)
    except Exception as e:  # noqa: BLE001 -- no cluster there: say so and end
        writer.write(wire.frame(wire.Unreachable(address=address, error=_said(e))))
        await writer.drain()
        return 3
    resources = ray.cluster_resources()
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    driver = Driver(ray, writer)
    driver.send(wire.Connected(address=address, nodes=len(nodes),
                               cpus=float(resources.get("CPU", 0.0))))
    await writer.drain()
    running: set[asyncio.Task[None]] = set()
    while (req := await wire.read_to_driver(reader)) is not None:
        if isinstance(req, wire.SessionReply):
            driver.session_reply(req)
            continue
        job = asyncio.create_task(
            driver.check_run(req) if isinstance(req, wire.CheckRun)
            else driver.spare_warm(req) if isinstance(req, wire.SpareWarm)
            else driver.session_start(req))
        running.add(job)
        job.add_done_callback(running.discard)
    return 0  # the manager closed our stdin: it is gone or done with us


def main() -> None:
    address, namespace = sys.argv[1], sys.argv[2]
    # The manager reads frames from our stdout; whatever Ray (or anything it loads)
    # prints goes to stderr instead, so no stray line can break a frame.
    channel = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.exit(asyncio.run(serve(address, namespace, channel)))


if __name__ == "__main__":
    main()
