"""Intake: inbox files become tasks; files that cannot be read are refused and kept.

The watchdog thread hands paths over with `call_soon_threadsafe`; one owned task reads
them in order, what arrived together as one batch (one transaction for its tasks). A
task is appended before its file is archived, and a file whose content
was already filed (the manager died between the two) is archived without filing again.
Intake's file work runs on a thread of its own, never queued behind the git work of
starting sessions (1,000 files dropped at once are tasks in seconds, bench/intake_burst.py).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from .. import events as ev
from ..backends import unknown_worker
from ..core.ids import new_id
from ..core.text import file_name, storable
from ..runtime import Runtime
from ..triggers import inbox as inbox_dir
from ..triggers.inbox_file import (
    IntakeError,
    ParsedTask,
    check_name,
    parse_task_file,
    read_task_bytes,
)

log = logging.getLogger(__name__)
Spawn = Callable[[str, Coroutine[Any, Any, None]], None]
T = TypeVar("T")
BATCH = 200  # files read, filed in one transaction and archived at once


class Intake:
    def __init__(self, rt: Runtime, spawn: Spawn) -> None:
        self._rt = rt
        self._spawn = spawn
        self._queue: asyncio.Queue[Path] = asyncio.Queue()
        self._pending = 0
        self._watcher: inbox_dir.InboxWatcher | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loopwright-intake")
        # Origins (`name#digest`) filed since it started, not folded yet; those folded
        # are the fold's index (`State.origins`: no other source's origin has this form).
        self._filed: set[str] = set()

    def start(self, *, watch: bool) -> None:
        inbox = self._rt.project.inbox
        inbox.mkdir(parents=True, exist_ok=True)
        for path in inbox_dir.scan(inbox):
            self._offer(path)
        if watch:
            loop = asyncio.get_running_loop()

            def from_watchdog_thread(path: Path) -> None:
                loop.call_soon_threadsafe(self._offer, path)

            self._watcher = inbox_dir.InboxWatcher(inbox, from_watchdog_thread)
            self._watcher.start()
        self._spawn("intake", self._consume())

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _io(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`func(*args, **kwargs)` on intake's own thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(func, *args, **kwargs))

    def idle(self) -> bool:
        return self._pending == 0

    def _offer(self, path: Path) -> None:
        self._pending += 1
        self._queue.put_nowait(path)

    async def _consume(self) -> None:
        while True:
            paths = [await self._queue.get()]
            while len(paths) < BATCH and not self._queue.empty():
                paths.append(self._queue.get_nowait())
            try:
                await self._file_all(list(dict.fromkeys(paths)))  # (offered twice: once)
            except Exception:
                log.exception("intake of %d file(s) failed", len(paths))
            finally:
                self._pending -= len(paths)

    async def _file_all(self, paths: list[Path]) -> None:
        """File each inbox file as a task, or refuse it; either way it leaves the inbox.
        What arrived together is read in one go on intake's thread, its tasks appended
        in one transaction, then archived: a burst costs a commit per batch, not per
        file. The log and the state are touched only on the loop. Whatever a file
        holds, it ends as a task or a refusal: an unexpected error while reading it is
        a refusal too, never a file retried at every start."""
        rt = self._rt
        read = await self._io(_read_all, paths, rt.config.intake.max_file_bytes)
        filed: list[ev.Event] = []
        done: list[Path] = []
        for path, got in zip(paths, read, strict=True):
            name = file_name(path.name)
            if got is None:  # gone before we read it (or a symlink loop): nothing to do
                continue
            if isinstance(got, IntakeError):
                await self._refuse(path, name, str(got))
                continue
            if isinstance(got, Exception):  # a file must not stop intake
                log.error("intake of %s failed", name, exc_info=got)
                await self._refuse(path, name, f"{name}: could not be read ({type(got).__name__}"
                                               f": {storable(str(got))[:200]}); please report this")
                continue
            parsed, digest = got
            origin = f"{name}#{digest}"
            if origin not in self._filed and origin not in rt.state.origins:
                self._filed.add(origin)
                filed.append(ev.TaskFiled(
                    task_id=new_id("t"), title=parsed.title, body=parsed.body,
                    source="inbox", labels=parsed.labels, priority=parsed.priority,
                    backend=parsed.backend, origin=origin,
                ))
            done.append(path)
        if filed:
            rt.append(*filed)
        if done:  # filed: the digest keeps a file that stays from being filed twice
            await self._io(_archive_all, done, rt.project.archive)

    async def _refuse(self, path: Path, name: str, error: str) -> None:
        try:
            kept = str(await self._io(inbox_dir.archive, path, self._rt.project.archive,
                                               refused=True))
        except OSError as e:
            kept = ""
            error += f" (it stays in the inbox: it could not be archived: {e.strerror or e})"
        self._rt.append(ev.IntakeRefused(source="inbox", origin=name, error=storable(error),
                                         kept_at=file_name(kept)))


def _read(path: Path, max_bytes: int) -> tuple[ParsedTask, str]:
    """The task, and a digest of the very bytes it was parsed from (read once)."""
    check_name(path.name)
    data = read_task_bytes(path, max_bytes)
    parsed = parse_task_file(data, path.name, max_bytes=max_bytes, unknown_backend=unknown_worker)
    return parsed, hashlib.sha256(data).hexdigest()[:16]


Read = tuple[ParsedTask, str] | Exception | None


def _read_all(paths: list[Path], max_bytes: int) -> list[Read]:
    """Each file's task and digest, or why it cannot be one; None: it is gone."""
    out: list[Read] = []
    for path in paths:
        try:
            out.append(_read(path, max_bytes) if os.path.lexists(path) else None)
        except FileNotFoundError:
            out.append(None)
        except Exception as e:  # noqa: BLE001 - handed back: the caller refuses the file
            out.append(e)
    return out


def _archive_all(paths: list[Path], archive: Path) -> None:
    for path in paths:
        try:
            inbox_dir.archive(path, archive, refused=False)
        except OSError:
            log.exception("could not archive %s; it stays in the inbox", file_name(path.name))
