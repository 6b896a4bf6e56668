"""Event log: what the manager really does, against raw SQLite doing the same.

- append: a realistic mix of events (bench/_history.py: model turns, steps, commands,
  reviews, notifications), ONE event per transaction as the manager commits them,
  against raw SQLite inserting the same bytes one per transaction into the same table
  and index (goal <= 1.5x); ours encodes and redacts each event as well;
- replay: `read_after(0)` + the fold, against a raw select + msgspec decode of the same
  rows (goal <= 2x); reported on its own, never summed with the append.

    .venv/bin/python bench/event_log.py [events]
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from _common import goal, scratch
from _history import history
from loopwright import events as ev
from loopwright.state import fold
from loopwright.store import SCHEMA, Store

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000


def ours_replay(path: Path) -> tuple[float, int]:
    store = Store(path, secrets=[])
    start = time.perf_counter()
    state = fold(store.read_after(0))
    took = time.perf_counter() - start
    store.close()
    return took, len(state.sessions)


def appends(folder: Path, events: list[ev.Event]) -> tuple[float, float]:
    """Ours and raw SQLite, in alternating chunks of 500 events, so both see the same
    machine load; the raw side inserts bytes encoded beforehand."""
    store = Store(folder / "ours.db", secrets=[])
    db = sqlite3.connect(folder / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)  # the same table and index: SQLite doing the same work
    rows = [(time.time(), ev.tag_of(e), ev.encode(e)) for e in events]
    ours = raw = 0.0
    for i in range(0, len(events), 500):
        start = time.perf_counter()
        for e in events[i:i + 500]:
            store.append(e)
        middle = time.perf_counter()
        for row in rows[i:i + 500]:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO events(at, type, body) VALUES (?, ?, ?)", row)
            db.execute("COMMIT")
        ours, raw = ours + middle - start, raw + time.perf_counter() - middle
    store.close()
    db.close()
    return ours, raw


def raw_replay(path: Path) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    start = time.perf_counter()
    rows = db.execute("SELECT seq, at, body FROM events ORDER BY seq").fetchall()
    decoded = ev.decode_many(b"[" + b",".join(body for _, _, body in rows) + b"]")
    took = time.perf_counter() - start
    assert len(decoded) == len(rows)
    db.close()
    return took


def main() -> None:
    events = list(history(N))
    folder = scratch("loopwright-bench-log-")
    kinds = len({type(e) for e in events})
    a, ra = appends(folder, events)
    replays, raw_replays = [], []
    for _ in range(3):  # alternate, so both see the same machine load; keep the best
        replayed, sessions = ours_replay(folder / "ours.db")
        replays.append(replayed)
        raw_replays.append(raw_replay(folder / "raw.db"))
    r, rr = min(replays), min(raw_replays)
    print(f"event log, {N:,} events of {kinds} kinds ({sessions} sessions), one event per "
          "transaction; replay best of 3:")
    print(f"  append: loopwright {a:.3f}s ({a / N * 1e6:.0f} us/event), raw sqlite "
          f"{ra:.3f}s ({ra / N * 1e6:.0f} us/event)")
    goal("event log append, 1 event/transaction, vs raw sqlite", a / ra, 1.5)
    print(f"  replay: read + decode + fold {r:.3f}s, raw select + decode {rr:.3f}s")
    goal("event log replay vs raw select + decode", r / rr, 2.0)


if __name__ == "__main__":
    main()
