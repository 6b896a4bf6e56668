"""The cluster driver: a process of its own that joins the Ray cluster and runs what the
manager sends it (`python -m loopwright.compute.driver ADDRESS NAMESPACE`).

Ray lives here, not in the manager: a Ray driver whose cluster goes away can end its
own process, and the manager must outlive any cluster. The manager starts this process
again when it needs the cluster and the last one is gone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any, BinaryIO

from ..config.tree import SandboxConfig
from ..core.commands import CommandResult
from . import node, wire

log = logging.getLogger(__name__)


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
        job = asyncio.create_task(driver.check_run(req))
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
