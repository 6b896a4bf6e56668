"""The event log: typed events appended to SQLite (WAL), read back in order.

One table, `events(seq, at, type, body)`; `seq` is the rowid, so reading what came after
a sequence number is an index range scan, never a table scan. SQLite serialises writers,
so sequence order is commit order across processes. Other processes' appends are noticed
by `PRAGMA data_version`, which changes only when another connection commits; a waiting
store looks at it when the log's WAL file changes (an inotify watch, `store_watch.py`),
so waiting costs nothing while nothing happens. Without a watch it polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from pathlib import Path

from . import events as ev
from .store_watch import WATCH

POLL_SECONDS = 0.02  # without a watch on the WAL
# Woken by the WAL, the commit may not be visible yet (SQLite updates the WAL's index
# just after writing it): look again this soon, this many times.
RECHECK_SECONDS = 0.005
RECHECKS = 4
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)
REDACTED = "[redacted]"
_REDACTED = REDACTED.encode()
# Secrets known by their shape, whoever writes them and whatever its environment: a
# `dispatch` from a shell without the variables must not store a pasted key. Matched
# on the encoded JSON, so a token's characters never include `"` or `\`; group 1, when
# there is one, is kept (the header's name, the scheme) and the rest is redacted.
_TOKEN_SHAPES = re.compile(
    rb"(?<![A-Za-z0-9_-])(?:"
    rb"sk-ant-[A-Za-z0-9_-]{16,}"  # Anthropic
    rb"|sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"  # OpenAI
    rb"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"  # GitHub
    rb"|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])"  # AWS access key ids
    rb"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack
    rb")"
)
_HEADER_SHAPES = re.compile(
    rb"((?i:authorization)[\x20\t]*[:=][\x20\t]*(?i:basic|bearer|token|digest)[\x20\t]+)"
    rb"[A-Za-z0-9._~+/=-]{6,}"
    rb"|((?i:authorization|x-api-key|api-key)[\x20\t]*[:=][\x20\t]*)[A-Za-z0-9._~+/=-]{16,}"
    rb"|((?<![A-Za-z])(?i:bearer)[\x20\t]+)[A-Za-z0-9._~+/-]{12,}=*"
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    at   REAL NOT NULL,
    type TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_transcript
    ON events(json_extract(CAST(body AS TEXT), '$.session_id'), seq)
    WHERE type IN ('model_prompted', 'model_replied');
CREATE TABLE IF NOT EXISTS snapshots (
    version TEXT PRIMARY KEY,
    seq     INTEGER NOT NULL,
    body    BLOB NOT NULL
);
"""
# Keep the newest snapshot of one version; drop the other versions' (they are stale).
_SAVE_SNAPSHOT = """INSERT INTO snapshots(version, seq, body) VALUES (?, ?, ?)
    ON CONFLICT(version) DO UPDATE SET seq = excluded.seq, body = excluded.body
    WHERE excluded.seq > snapshots.seq"""
_TAGS: dict[type, str] = {}  # an event's tag by its type: `tag_of` once per type
_INSERT = "INSERT INTO events(at, type, body) VALUES (?, ?, ?)"
# A worker's conversation, read through the index above (the WHERE must match it).
_TRANSCRIPT = """SELECT seq, at, body FROM events
    WHERE type IN ('model_prompted', 'model_replied')
    AND json_extract(CAST(body AS TEXT), '$.session_id') = ? ORDER BY seq"""


class StoreError(Exception):
    pass


def secrets_from_environment(
    environ: Mapping[str, str] | None = None, names: Iterable[str] = (),
) -> list[str]:
    """Values of variables whose names say they are secrets, or that are named in
    `names` (the configuration's `*_env` settings), long enough to matter."""
    env = os.environ if environ is None else environ
    named = set(names)
    return sorted(
        {v for k, v in env.items() if (k in named or _SECRET_NAME.search(k)) and len(v) >= 8},
        key=len, reverse=True,
    )


def redact(body: bytes, secrets: Iterable[bytes] = ()) -> bytes:
    """`body` (an encoded event) with every known secret value, and everything shaped
    like a token or a credential header, replaced by `[redacted]`. The same object
    when nothing matched."""
    for secret in secrets:
        if secret in body:
            body = body.replace(secret, _REDACTED)
    # What every shape contains, looked for first (plain substring tests, no copy): most
    # events hold none, and the redaction must not cost the log its speed.
    if (b"sk-" in body or b"gh" in body or b"AKIA" in body or b"ASIA" in body
            or b"xox" in body):  # tokens are case-exact; gh: ghp_ .. github_pat_
        body = _TOKEN_SHAPES.sub(_REDACTED, body)
    lowered = body.lower()  # headers are case-insensitive
    if b"auth" in lowered or b"bearer" in lowered or b"api-key" in lowered:
        body = _HEADER_SHAPES.sub(_keep_prefix, body)
    return body


def _keep_prefix(match: re.Match[bytes]) -> bytes:
    return next(g for g in match.groups() if g is not None) + _REDACTED


class Store:
    """A handle on the log. Not shared between threads; open one per thread/process."""

    def __init__(self, path: Path, *, secrets: Iterable[str] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock  # stamps every record; the fold's only source of time
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot open the event log at {path}: {e}") from e
        self._secrets = [s.encode() for s in (secrets if secrets is not None
                                               else secrets_from_environment())]
        self._data_version = self._version()
        self._appended = asyncio.Event()  # binds to no loop until awaited
        self._own = False  # appended here since the last read
        self._watch: tuple[asyncio.AbstractEventLoop, int | None] | None = None

    def close(self) -> None:
        if self._watch is not None and self._watch[1] is not None:
            WATCH.unsubscribe(self.path, self._watch[1])
        self._watch = None
        self._db.close()

    def checkpoint_elsewhere(self) -> None:
        """Stop this connection from checkpointing the WAL as it commits. A checkpoint
        syncs the database to disk and can take a hundred milliseconds on a busy disk:
        the manager calls this so its event loop never waits on one, and runs
        `checkpoint()` from a thread instead."""
        self._db.execute("PRAGMA wal_autocheckpoint=0")

    def checkpoint(self) -> None:
        """Copy the WAL into the database, on a connection of its own (call it from a
        thread; a reader or writer elsewhere is never blocked by a passive checkpoint)."""
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            db.close()

    # --- snapshots of the fold (store_snapshot.py says what is in them) ----------

    def read_snapshot(self, version: str) -> tuple[int, bytes] | None:
        """The sequence number and body of the last snapshot of `version`, if any."""
        row = self._db.execute("SELECT seq, body FROM snapshots WHERE version = ?",
                               (version,)).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def write_snapshot(self, version: str, seq: int, body: bytes, *,
                       own_connection: bool = False) -> None:
        """Save a snapshot folded up to `seq` (an older one of the same version is kept
        if it is newer). `own_connection`: on a connection of its own, from a thread."""
        db = (sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
              if own_connection else self._db)
        try:
            with _Transaction(db):
                db.execute("DELETE FROM snapshots WHERE version != ?", (version,))
                db.execute(_SAVE_SNAPSHOT, (version, seq, body))
        finally:
            if own_connection:
                db.close()

    # --- writing ---------------------------------------------------------------

    def append(self, *events: ev.Event) -> list[ev.Record]:
        """Append events in one transaction and return them as stored (secrets redacted)."""
        at = self.clock()
        rows: list[tuple[float, str, bytes]] = []
        stored: list[ev.Event] = []
        for e in events:
            raw = ev.encode(e)
            body = self._redact(raw)
            kind = type(e)
            if (tag := _TAGS.get(kind)) is None:
                tag = _TAGS[kind] = ev.tag_of(kind)
            rows.append((at, tag, body))
            stored.append(e if body == raw else ev.decode(body))
        with _Transaction(self._db):
            if len(rows) == 1:  # the manager's usual append: one statement, no lookup
                last = int(self._db.execute(_INSERT, rows[0]).lastrowid or 0)
            else:
                self._db.executemany(_INSERT, rows)
                last = int(self._db.execute("SELECT last_insert_rowid()").fetchone()[0])
        self._own = True
        self._appended.set()
        # One writer at a time: the rows of one transaction have consecutive seqs.
        first = last - len(rows) + 1
        return [ev.Record(first + i, at, e) for i, e in enumerate(stored)]

    def _redact(self, body: bytes) -> bytes:
        return redact(body, self._secrets)

    def also_redact(self, values: Iterable[str]) -> None:
        """Redact these values too (the secrets of configured variable names)."""
        known = {*self._secrets, *(v.encode() for v in values if len(v) >= 8)}
        self._secrets = sorted(known, key=len, reverse=True)

    # --- reading ---------------------------------------------------------------

    def read_after(self, seq: int = 0, limit: int | None = None) -> list[ev.Record]:
        # Cleared before reading, so an append after this read wakes the next wait().
        self._appended.clear()
        self._own = False
        sql = "SELECT seq, at, body FROM events WHERE seq > ? ORDER BY seq"
        args: tuple[int, ...] = (seq,)
        if limit is not None:
            sql += " LIMIT ?"
            args = (seq, limit)
        return self._decoded(self._db.execute(sql, args).fetchall())

    def read_all(self, after: int = 0, chunk: int = 10_000) -> Iterator[ev.Record]:
        """Every record after `after`, decoded a chunk at a time: a pass over a long log
        (the metrics, the report) holds one chunk in memory, not the whole history."""
        while batch := self.read_after(after, limit=chunk):
            yield from batch
            after = batch[-1].seq

    @staticmethod
    def _decoded(rows: list[tuple[int, float, bytes]]) -> list[ev.Record]:
        if not rows:
            return []
        # One decode call for the whole batch is several times faster than one per row.
        decoded = ev.decode_many(b"[" + b",".join(body for _, _, body in rows) + b"]")
        return [ev.Record(s, at, e) for (s, at, _), e in zip(rows, decoded, strict=True)]

    def read_transcript(self, session_id: str) -> list[ev.Record]:
        """The prompts and replies of one session's agents, in order: an index range,
        however long the log."""
        return self._decoded(self._db.execute(_TRANSCRIPT, (session_id,)).fetchall())

    def last_seq(self) -> int:
        row = self._db.execute("SELECT max(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def _version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def changed_elsewhere(self) -> bool:
        """Whether another connection committed since the last call."""
        v = self._version()
        changed, self._data_version = v != self._data_version, v
        return changed

    async def wait(self, timeout: float) -> None:
        """Return when something may have been appended (here or by another process),
        or after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        watching = self._watching()
        rechecks = 0
        while True:
            if self._own:
                return
            self._appended.clear()  # from here on, a wake is news
            if self.changed_elsewhere():
                return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            step = (left if not rechecks else min(RECHECK_SECONDS, left)) if watching \
                else min(POLL_SECONDS, left)
            rechecks = max(0, rechecks - 1)
            try:
                async with asyncio.timeout(step):
                    await self._appended.wait()
                rechecks = RECHECKS  # an append here (returns above) or the WAL moved
            except TimeoutError:
                continue

    def wake(self) -> None:
        """End a `wait()` under way now (a stop that should not wait for the timeout)."""
        self._own = True
        self._appended.set()

    def _watching(self) -> bool:
        """Subscribe to the WAL watch on first wait (on this loop); False: poll."""
        loop = asyncio.get_running_loop()
        if self._watch is not None and self._watch[0] is loop:
            return self._watch[1] is not None
        if self._watch is not None and self._watch[1] is not None:
            WATCH.unsubscribe(self.path, self._watch[1])
        event = self._appended

        def wake() -> None:  # on the observer's thread
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(event.set)

        self._watch = (loop, WATCH.subscribe(self.path, wake))
        return self._watch[1] is not None

    async def follow(self, after: int = 0) -> AsyncIterator[ev.Record]:
        """Yield every record after `after`, then each new one as it is appended."""
        while True:
            batch = self.read_after(after, limit=1000)
            for r in batch:
                yield r
                after = r.seq
            if not batch:
                await self.wait(1.0)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")

