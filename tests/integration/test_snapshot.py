"""A start reads the fold's last snapshot and the records after it, and gets exactly the
state a fold of the whole log gives; a snapshot of other code, unreadable, or ahead of
the log is ignored."""

from __future__ import annotations

from pathlib import Path

from helpers.lives import life, log_of
from loopwright import events as ev
from loopwright import store_snapshot as snap
from loopwright.state import Decision, Session, State, fold
from loopwright.world_state import BuildState, Conflict


def test_a_start_from_the_snapshot_is_the_whole_logs_fold(tmp_path: Path) -> None:
    store = log_of(tmp_path, range(10))
    snap.save(store, fold(store.read_after(0)))
    saved_at = store.last_seq()
    for n in range(10, 20):
        store.append(*life(n))
    restored = snap.restore(store)
    assert restored.last_seq == saved_at  # the start began at the snapshot...
    assert snap.catch_up(store, restored) == store.last_seq() - saved_at  # ...read the tail
    whole = fold(store.read_after(0))
    assert restored == whole
    assert isinstance(whole.sessions["s-4"], Session)
    assert whole.sessions["s-4"].review is not None and whole.world.conflicts
    assert whole.attention.notes and isinstance(whole.decisions["d-3"], Decision)


def test_a_long_tail_is_saved_so_the_next_start_is_short(tmp_path: Path) -> None:
    store = log_of(tmp_path, range(5))
    assert snap.restore(store) == State()  # nothing saved yet
    state = snap.load(store, every=10)
    assert snap.restore(store).last_seq == state.last_seq == store.last_seq()
    store.append(*life(5))
    assert snap.load(store, every=10_000) == fold(store.read_after(0))
    assert snap.restore(store).last_seq < store.last_seq()  # a short tail: not saved


def test_a_snapshot_of_other_code_is_ignored_and_replaced(tmp_path: Path) -> None:
    store = log_of(tmp_path, range(4))
    store.write_snapshot("another-version", store.last_seq(), snap.encode(State()))
    assert snap.load(store, every=1) == fold(store.read_after(0))
    assert store.read_snapshot("another-version") is None  # replaced by this version's
    assert store.read_snapshot(snap.fold_version()) is not None


def test_an_unreadable_snapshot_or_one_ahead_of_the_log_is_ignored(tmp_path: Path) -> None:
    store = log_of(tmp_path, range(4))
    whole = fold(store.read_after(0))
    store.write_snapshot(snap.fold_version(), store.last_seq(), b"\x00 not msgpack")
    assert snap.load(store) == whole
    ahead = fold(store.read_after(0))
    ahead.last_seq = store.last_seq() + 100  # another log's state
    store.write_snapshot(snap.fold_version(), ahead.last_seq, snap.encode(ahead))
    assert snap.load(store) == whole


def test_the_version_covers_every_type_the_state_holds() -> None:
    kinds = set(snap._struct_types(State))
    assert {Session, Decision, BuildState, Conflict, ev.ReviewPrepared, ev.Hunk} <= kinds
    assert len(snap.fold_version()) == 32


def test_the_manager_encodes_a_snapshot_every_so_many_records(tmp_path: Path) -> None:
    store = log_of(tmp_path, range(3))
    state = fold(store.read_after(0))
    checkpoints = snap.Checkpoints(saved_seq=0, every=state.last_seq + 1)
    assert checkpoints.due(state) is None
    store.append(*life(3))
    fold(store.read_after(state.last_seq), state)
    body = checkpoints.due(state)
    assert body is not None and checkpoints.due(state) is None  # once, not every batch
    store.write_snapshot(snap.fold_version(), state.last_seq, body, own_connection=True)
    assert snap.restore(store) == fold(store.read_after(0))
