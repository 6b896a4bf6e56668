"""The inbox folder: which files are candidates, watching for new ones, archiving.

`InboxWatcher` reports each candidate file once per content version, after its size
and modification time have stopped changing for `settle_seconds` — writers may still be
writing when the first event fires. It only reports paths; reading them
(`inbox_file.parse_task_path`) and archiving them (`archive`) is the caller's job.

Candidates are regular files named `*.md`, `*.markdown` or `*.txt` (any case) whose
name does not start with a dot. Everything else is ignored: directories, dotfiles
(which covers `.#name` lock files and vim's `.name.swp`), editor backups and temp files
(`name~`, `name.swp`, `name.tmp`, `#name#`), and any other extension.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)

TASK_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
_TEMP_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".part")


def is_candidate(name: str) -> bool:
    """Whether a file called `name` in the inbox may be a task (see the module doc)."""
    if name.startswith((".", "#")) or name.endswith(_TEMP_SUFFIXES):
        return False
    return Path(name).suffix.lower() in TASK_SUFFIXES


def scan(inbox: Path) -> list[Path]:
    """The candidate files in `inbox` now, oldest first (by modification time). An
    entry that cannot even be looked at (a symlink loop, say) is a candidate too, listed
    first: reading it fails, and the caller refuses it where the user sees it."""
    found: list[tuple[int, str, Path]] = []
    try:
        entries = list(os.scandir(inbox))
    except FileNotFoundError:
        return []
    for entry in entries:
        if not is_candidate(entry.name):
            continue
        try:
            if entry.is_file():
                found.append((entry.stat().st_mtime_ns, entry.name, Path(entry.path)))
        except FileNotFoundError:
            continue  # removed while we looked (or a dangling symlink)
        except OSError:
            found.append((-1, entry.name, Path(entry.path)))
    return [path for _, _, path in sorted(found)]


# The longest file name most file systems take, in bytes; room is left for the
# time stamp in front and a `-NNNN` counter before the extension.
NAME_MAX = 255
_STAMP_LEN = len("20250101-120000-")
_COUNTER_ROOM = 5


def archive_name(name: str) -> str:
    """What `name` is archived as, after its time stamp: the same name when it is valid
    UTF-8 and short enough, else undecodable bytes as `%XX` and the stem cut (on a
    character boundary) to fit, with a hash of the whole name so that two long names
    stay apart."""
    raw = os.fsencode(name)
    safe = raw.decode("utf-8", "surrogateescape")
    if any("\udc80" <= ch <= "\udcff" for ch in safe):
        safe = "".join(f"%{ord(ch) - 0xDC00:02X}" if "\udc80" <= ch <= "\udcff" else ch
                       for ch in safe)
    room = NAME_MAX - _STAMP_LEN - _COUNTER_ROOM
    if len(safe.encode()) <= room:
        return safe
    suffix = Path(safe).suffix
    if len(suffix.encode()) > 16:
        suffix = ""
    tag = "~" + hashlib.sha256(raw).hexdigest()[:8]
    stem = safe[: len(safe) - len(suffix)] if suffix else safe
    budget = room - len(tag.encode()) - len(suffix.encode())
    cut = stem.encode()[:budget].decode("utf-8", "ignore")
    return f"{cut}{tag}{suffix}"


def archive(path: Path, archive_dir: Path, *, refused: bool) -> Path:
    """Move `path` to `archive_dir/<YYYYmmdd-HHMMSS>-<name>` (UTC), or under
    `archive_dir/refused/` when it could not be read. An existing file is never
    overwritten: the name gets `-1`, `-2`, ... before its extension. A name that is not
    UTF-8 or too long is archived under `archive_name(name)`. A symlink is moved as it
    is, never followed. Returns the new path."""
    folder = archive_dir / "refused" if refused else archive_dir
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    name = f"{stamp}-{archive_name(path.name)}"
    dest = _link_under_free_name(path, folder, name)
    if dest is not None:
        # Link, then unlink: the inbox sees a deletion. A rename out of the watched
        # folder would make watchdog hold every later event for half a second while it
        # waits for the other half of the move.
        path.unlink()
    else:
        dest = _reserve(folder, name)
        moved = False
        try:
            try:
                path.replace(dest)  # replaces only the empty placeholder we just created
            except OSError as e:
                if e.errno != errno.EXDEV:
                    raise
                shutil.copy2(path, dest, follow_symlinks=False)  # another file system
                path.unlink()
            moved = True
        finally:
            if not moved:
                dest.unlink(missing_ok=True)  # the original (if any) is where it was
    log.info("archived %s to %s", path.name, dest)
    return dest


def _link_under_free_name(path: Path, folder: Path, name: str) -> Path | None:
    """Hard-link `path` under a free name in `folder` (linking never overwrites), or
    None where hard links are not possible (another file system, no link support)."""
    base = Path(name)
    for n in range(10_000):
        candidate = folder / (name if n == 0 else f"{base.stem}-{n}{base.suffix}")
        try:
            os.link(path, candidate, follow_symlinks=False)
            return candidate
        except FileExistsError:
            continue
        except OSError as e:
            if e.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                return None
            raise
    raise FileExistsError(f"no free name for {name} in {folder}")


def _reserve(folder: Path, name: str) -> Path:
    """Create an empty file under a free name; exclusive creation means no race."""
    base = Path(name)
    stem, suffix = base.stem, base.suffix
    for n in range(10_000):
        candidate = folder / (name if n == 0 else f"{stem}-{n}{suffix}")
        try:
            with candidate.open("xb"):
                return candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name for {name} in {folder}")


_Signature = tuple[int, int, int]  # inode, size, mtime in ns: one content version


def _signature(path: Path) -> _Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class _Pending:
    signature: _Signature
    since: float  # monotonic time the signature last changed
    timer: threading.Timer | None = field(default=None, repr=False)


class InboxWatcher:
    """Watches `inbox` and calls `on_file(path)` once per settled content version.

    `on_file` runs on a timer thread (or, for files already settled at `start()`, on
    the caller's thread) and must be thread-safe and quick — the manager hands it to
    asyncio with `loop.call_soon_threadsafe`. No call happens after `stop()` returns.
    Paths are `inbox.absolute() / name`. A watcher is started once and stopped once.
    """

    def __init__(
        self, inbox: Path, on_file: Callable[[Path], None], *, settle_seconds: float = 0.075,
    ) -> None:
        self.inbox = inbox.absolute()
        self._on_file = on_file
        self._settle = settle_seconds
        self._lock = threading.Lock()
        self._pending: dict[Path, _Pending] = {}
        self._reported: dict[Path, _Signature] = {}
        self._emitting = threading.RLock()  # held while on_file runs; stop() waits on it
        self._observer: BaseObserver | None = None
        self._stopped = False

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"<InboxWatcher {self.inbox} pending={sorted(p.name for p in self._pending)} "
                f"reported={len(self._reported)}>"
            )

    def start(self) -> None:
        """Create the inbox if missing, watch it, and report the files already there."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        observer = Observer()
        observer.schedule(_Handler(self), str(self.inbox), recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer
        # Watch first, then scan: a file arriving in between is seen twice, reported once.
        for path in scan(self.inbox):
            self._note(path, settled_if_old=True)

    def stop(self) -> None:
        """Stop watching and cancel pending timers. Waits for a running `on_file` call;
        none starts afterwards."""
        with self._lock:
            self._stopped = True
            timers = [p.timer for p in self._pending.values() if p.timer is not None]
            self._pending.clear()
        for timer in timers:
            timer.cancel()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
            self._observer = None
        with self._emitting:
            pass

    def __enter__(self) -> InboxWatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- called from watchdog's thread and the timers ----------------------------

    def _note(self, path: Path, *, settled_if_old: bool = False,
              complete: bool = False) -> None:
        """Something happened to `path`: (re)start its settle clock. `complete` means
        the writer is done (it closed the file, or renamed it in): report it at once
        instead of waiting for the settle time, which keeps intake fast."""
        if not is_candidate(path.name) or path.parent != self.inbox:
            return
        signature = _signature(path)
        report = False
        with self._lock:
            if self._stopped:
                return
            if signature is None:
                self._forget(path)
                return
            pending = self._pending.get(path)
            already = self._reported.get(path) == signature
            if already and pending is None:
                return  # an event without new content (chmod, a reader closing it)
            if complete and not already:
                self._forget_pending(path)
                self._reported[path] = signature
                report = True
            elif pending is None:
                if settled_if_old and time.time_ns() - signature[2] > self._settle * 1e9:
                    self._reported[path] = signature
                    report = True
                else:
                    self._pending[path] = _Pending(signature, time.monotonic())
                    self._arm(path, self._settle)
            elif pending.signature != signature:
                pending.signature, pending.since = signature, time.monotonic()
        if report:
            self._emit(path)

    def _check(self, path: Path) -> None:
        """A timer fired: report `path` if it has not changed for the settle time."""
        signature = _signature(path)
        with self._lock:
            pending = self._pending.get(path)
            if self._stopped or pending is None:
                return
            pending.timer = None
            if signature is None:
                self._forget(path)
                return
            now = time.monotonic()
            if signature != pending.signature:
                pending.signature, pending.since = signature, now
                self._arm(path, self._settle)
                return
            remaining = self._settle - (now - pending.since)
            if remaining > 0:
                self._arm(path, remaining)
                return
            del self._pending[path]
            if self._reported.get(path) == signature:
                return
            self._reported[path] = signature
        self._emit(path)

    def _arm(self, path: Path, delay: float) -> None:
        """Start `path`'s timer; the caller holds the lock."""
        timer = threading.Timer(delay, self._check, args=(path,))
        timer.daemon = True
        self._pending[path].timer = timer
        timer.start()

    def _forget_pending(self, path: Path) -> None:
        """Stop waiting for `path` to settle. Lock held."""
        pending = self._pending.pop(path, None)
        if pending is not None and pending.timer is not None:
            pending.timer.cancel()

    def _forget(self, path: Path) -> None:
        """`path` is gone; a new file under its name is new content. Lock held."""
        pending = self._pending.pop(path, None)
        if pending is not None and pending.timer is not None:
            pending.timer.cancel()
        self._reported.pop(path, None)

    def _emit(self, path: Path) -> None:
        with self._emitting:
            if self._stopped:
                return
            log.debug("inbox file ready: %s", path.name)
            try:
                self._on_file(path)
            except Exception:
                log.exception("inbox callback failed for %s", path.name)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: InboxWatcher) -> None:
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        kind = event.event_type
        if kind in ("created", "modified"):
            self._watcher._note(Path(os.fsdecode(event.src_path)))
        elif kind == "closed":  # closed after writing (inotify IN_CLOSE_WRITE)
            self._watcher._note(Path(os.fsdecode(event.src_path)), complete=True)
        elif kind == "moved":
            self._watcher._note(Path(os.fsdecode(event.src_path)))  # gone: forgotten
            self._watcher._note(Path(os.fsdecode(event.dest_path)), complete=True)
        elif kind == "deleted":
            self._watcher._note(Path(os.fsdecode(event.src_path)))
