"""`stats`, the report and the dashboard read the history's last checkpoint and the
records after it, and get exactly what a pass over the whole log gives; a checkpoint of
other code, unreadable, or ahead of the log is ignored; the state's own snapshot and the
history's live side by side."""

from __future__ import annotations

from pathlib import Path

import msgspec

from helpers.lives import life, log_of
from loopwright import events as ev
from loopwright import store_snapshot
from loopwright.insight import history_snapshot as checkpoint
from loopwright.insight.history import History
from loopwright.insight.metrics import compute
from loopwright.state import fold
from loopwright.store import Store


def whole(store: Store) -> History:
    return History.of(store.read_all())


def test_the_checkpoint_and_the_tail_give_the_whole_logs_figures(tmp_path: Path) -> None:
    store = log_of(tmp_path, range(12))
    checkpoint.save(store, whole(store))
    saved_at = store.last_seq()
    for n in range(12, 20):
        store.append(*life(n))
    store.append(ev.FocusChanged(on=True, by="human"),
                 ev.NotificationsReleased(notification_ids=("n-13",), summary="1 held"))
    assert checkpoint.restore(store).state.last_seq == saved_at  # it starts there
    h = checkpoint.load(store, every=10_000)
    now = store.clock() + 60
    assert msgspec.to_builtins(h) == msgspec.to_builtins(whole(store))
    assert compute(h, now) == compute(whole(store), now)
    assert compute(h, now).overall.sessions == 20
    assert checkpoint.restore(store).state.last_seq == saved_at  # a short tail: not saved
    checkpoint.load(store, every=1)
    assert checkpoint.restore(store).state.last_seq == store.last_seq()


def test_a_checkpoint_of_other_code_unreadable_or_ahead_is_ignored(tmp_path: Path) -> None:
    store = log_of(tmp_path, range(4))
    expected = msgspec.to_builtins(whole(store))
    store.write_snapshot(checkpoint.version(), store.last_seq(), b"\x00 not msgpack")
    assert msgspec.to_builtins(checkpoint.load(store)) == expected
    ahead = whole(store)
    ahead.state.last_seq = store.last_seq() + 10
    store.write_snapshot(checkpoint.version(), ahead.state.last_seq,
                         msgspec.msgpack.encode(ahead))
    assert msgspec.to_builtins(checkpoint.load(store)) == expected
    store.write_snapshot("history:another-version", 1, b"old")
    checkpoint.save(store, whole(store))
    assert store.snapshot_seq("history:another-version") is None  # replaced


def test_the_first_fold_saves_both_and_each_kind_keeps_its_own(tmp_path: Path) -> None:
    store = log_of(tmp_path, range(6))
    checkpoint.fold_all(store)
    last = store.last_seq()
    assert store.snapshot_seq(store_snapshot.fold_version()) == last
    assert store.snapshot_seq(checkpoint.version()) == last
    assert store_snapshot.restore(store) == fold(store.read_after(0))
    store.append(*life(6))
    store_snapshot.save(store, fold(store.read_after(0)))  # a newer state snapshot...
    assert store.snapshot_seq(checkpoint.version()) == last  # ...keeps the history's
