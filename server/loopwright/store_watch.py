"""Waking on the log's commits, whoever makes them, at no cost while nothing happens.

Every commit to the log writes its WAL file (`state.db-wal`); an inotify watch (watchdog)
on the log's folder sees it and wakes the stores of this process that wait on that log.
One observer thread serves every store of the process. Where no watch can be set, the
caller falls back to polling.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # watchdog loads on the first wait: `loopwright status` never waits
    from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)
Wake = Callable[[], None]


class _Folder:
    """The subscribers of one folder's logs (watchdog calls `dispatch` on its thread)."""

    def __init__(self) -> None:
        self.wakes: dict[str, dict[int, Wake]] = {}  # log file name -> subscribers
        self.watch: Any = None

    def dispatch(self, event: Any) -> None:
        name = Path(str(event.src_path)).name
        for log_name, wakes in list(self.wakes.items()):
            if name.startswith(log_name):  # state.db, state.db-wal, state.db-shm
                for wake in list(wakes.values()):
                    wake()


class WalWatch:
    """The process's watches on log folders."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._observer: BaseObserver | None = None
        self._folders: dict[Path, _Folder] = {}
        self._ids = 0
        self.broken = False  # no watch could be set: callers poll

    def subscribe(self, db: Path, wake: Wake) -> int | None:
        """Call `wake` (from the observer's thread) whenever `db` may have changed; an id
        to unsubscribe with, or None when no watch can be set."""
        if self.broken:
            return None
        folder_path = db.resolve().parent
        with self._lock:
            try:
                if self._observer is None:
                    from watchdog.observers import Observer

                    self._observer = Observer()
                    self._observer.daemon = True
                    self._observer.start()
                folder = self._folders.get(folder_path)
                if folder is None:
                    folder = _Folder()
                    folder.watch = self._observer.schedule(
                        folder, str(folder_path), recursive=False)  # type: ignore[arg-type]
                    self._folders[folder_path] = folder
            except (OSError, RuntimeError) as e:  # inotify limits, a folder gone
                log.warning("cannot watch %s for commits (%s): polling instead", db, e)
                self.broken = True
                return None
            self._ids += 1
            folder.wakes.setdefault(db.name, {})[self._ids] = wake
            return self._ids

    def unsubscribe(self, db: Path, sub: int) -> None:
        folder_path = db.resolve().parent
        with self._lock:
            folder = self._folders.get(folder_path)
            if folder is None:
                return
            wakes = folder.wakes.get(db.name, {})
            wakes.pop(sub, None)
            if not wakes:
                folder.wakes.pop(db.name, None)
            if not folder.wakes and self._observer is not None and folder.watch is not None:
                self._observer.unschedule(folder.watch)
                del self._folders[folder_path]


WATCH = WalWatch()
