"""Event log: append 100k events and replay them, against raw SQLite inserts.

Prints the ratio (goal <= 2x) and the replay time of 100k events (goal < 1 s).
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from loopwright import events as ev
from loopwright.state import fold
from loopwright.store import Store

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
BATCH = 100  # events appended per transaction, as a busy manager does


def sample_events(n: int) -> list[ev.Event]:
    out: list[ev.Event] = [ev.TaskFiled(task_id="t-1", title="Bench", body="", source="cli"),
                           ev.SessionQueued(session_id="s-1", task_id="t-1", name="bench",
                                            branch="b", backend="script")]
    for i in range(n - len(out)):
        out.append(ev.WorkerActed(session_id="s-1", step=i, action="write",
                                  detail=f"pkg/mod{i % 200}.py"))
    return out


def with_store(path: Path, events: list[ev.Event]) -> tuple[float, float]:
    store = Store(path, secrets=[])
    start = time.perf_counter()
    for i in range(0, len(events), BATCH):
        store.append(*events[i:i + BATCH])
    appended = time.perf_counter() - start
    start = time.perf_counter()
    state = fold(store.read_after(0))
    replayed = time.perf_counter() - start
    assert state.sessions["s-1"].steps_done == len(events) - 2
    store.close()
    return appended, replayed


def raw_sqlite(path: Path, events: list[ev.Event]) -> tuple[float, float]:
    bodies = [(time.time(), ev.tag_of(e), ev.encode(e)) for e in events]
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL, "
               "type TEXT, body BLOB)")
    start = time.perf_counter()
    for i in range(0, len(bodies), BATCH):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO events(at, type, body) VALUES (?, ?, ?)",
                       bodies[i:i + BATCH])
        db.execute("COMMIT")
    appended = time.perf_counter() - start
    start = time.perf_counter()
    rows = db.execute("SELECT seq, at, body FROM events ORDER BY seq").fetchall()
    replayed = time.perf_counter() - start
    assert len(rows) == len(events)
    db.close()
    return appended, replayed


def main() -> None:
    events = sample_events(N)
    folder = Path(tempfile.mkdtemp(prefix="loopwright-bench-log-"))
    ours = with_store(folder / "ours.db", events)
    floor = raw_sqlite(folder / "raw.db", events)
    ratio = sum(ours) / sum(floor)
    strict = sum(ours) / floor[0]
    print(f"event log, {N:,} events in batches of {BATCH}:")
    print(f"  loopwright append {ours[0]:.3f}s + replay (decode + fold) {ours[1]:.3f}s")
    print(f"  raw sqlite insert {floor[0]:.3f}s + select {floor[1]:.3f}s (same bytes)")
    print(f"  ratio {ratio:.2f}x against raw insert + select  (goal <= 2x)")
    print(f"  ratio {strict:.2f}x against the raw insert alone")
    print(f"  replay of {N:,} events: {ours[1]:.3f}s  (goal < 1 s)")


if __name__ == "__main__":
    main()
