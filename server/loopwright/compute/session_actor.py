"""One session on a node: a Ray actor, placed by its resources, started ahead as a spare
(which may check the target's head out before any session asks), then given one
session, whose worker's calls it streams to the manager."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from . import wire

log = logging.getLogger(__name__)


class SessionActor:
    """One session on a node (a Ray actor, placed by its resources). `run` streams the
    worker's calls to the manager; `reply` brings each answer back."""

    def __init__(self) -> None:
        # What a session needs is loaded while the actor waits as a spare, not when a
        # session is handed to it: the node's side, and the workers it runs.
        from ..workers import script  # noqa: F401
        from . import node_session, node_tools  # noqa: F401

        self._replies: dict[int, asyncio.Future[Any]] = {}
        self._outbox: asyncio.Queue[wire.SessionCall] = asyncio.Queue()
        self._next = 0
        self._session_id = ""
        self._warm: asyncio.Future[Any] | None = None  # node_session.Warmed
        self._latest = 0  # the newest warm asked for: an older one arriving late is not
        self._taken = False  # a session has it: its tree is the session's now

    async def ready(self) -> bool:
        return True

    async def warm(self, bundle: bytes, commit: str, number: int) -> bool:
        """Check `commit` out ahead, while a spare; True when it is. `number` orders
        the warms the driver sent: Ray may deliver them in another order."""
        import ray

        from .node_session import warm_tree

        self._latest = max(self._latest, number)
        await self._warmed()  # one at a time: the next replaces the last
        if self._taken or number < self._latest:
            return False
        node_id = ray.get_runtime_context().get_node_id()
        self._warm = asyncio.ensure_future(asyncio.to_thread(warm_tree, bundle, commit,
                                                             node_id))
        return await self._warmed() is not None

    async def _warmed(self) -> Any:
        if self._warm is None:
            return None
        try:
            return await self._warm
        except Exception:  # no warm tree: the session unpacks its bundle
            log.warning("the spare could not check its tree out ahead", exc_info=True)
            return None

    async def call(self, method: str, args: dict[str, Any]) -> Any:
        self._next += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._replies[self._next] = future
        await self._outbox.put(wire.SessionCall(session_id=self._session_id,
                                                call_id=self._next, method=method, args=args))
        return await future

    async def reply(self, call_id: int, value: Any) -> None:
        future = self._replies.pop(call_id, None)
        if future is not None and not future.done():
            future.set_result(value)

    async def run(self, start: wire.SessionStart) -> Any:
        import ray

        from .node import where
        from .node_session import NodeSession

        self._session_id = start.session_id
        node_id = ray.get_runtime_context().get_node_id()
        yield wire.SessionCall(session_id=start.session_id, call_id=0, method="placed",
                               args={"node": where(node_id)})
        self._taken = True
        warmed = await self._warmed()
        job = asyncio.ensure_future(NodeSession(start, node_id, self.call, warmed).run())
        while True:
            get = asyncio.ensure_future(self._outbox.get())
            await asyncio.wait({get, job}, return_when=asyncio.FIRST_COMPLETED)
            if get.done():
                yield get.result()
                continue
            get.cancel()
            break
        while not self._outbox.empty():
            yield self._outbox.get_nowait()
        yield job.result()
