"""A start reads the fold's last snapshot and the records after it, and gets exactly the
state a fold of the whole log gives; a snapshot of other code, unreadable, or ahead of
the log is ignored."""

from __future__ import annotations

from pathlib import Path

from loopwright import events as ev
from loopwright import store_snapshot as snap
from loopwright.state import Decision, Session, State, fold
from loopwright.store import Store
from loopwright.world_state import BuildState, Conflict


def life(n: int) -> list[ev.Event]:
    """One task's life, touching every part of the state (tasks, sessions, decisions,
    the review, the world's conflicts and build, attention's notifications)."""
    tid, sid, did = f"t-{n}", f"s-{n}", f"d-{n}"
    hunk = ev.Hunk(hunk_id="h1", path="a.py", old_start=1, old_lines=1, new_start=1,
                   new_lines=2, header="", added=1, removed=0)
    return [
        ev.TaskFiled(task_id=tid, title=f"task {n}", body="b", source="cli"),
        ev.TaskAccepted(task_id=tid),
        ev.SessionQueued(session_id=sid, task_id=tid, name=f"task-{n}", branch=f"b{n}",
                         backend="script"),
        ev.SessionStarted(session_id=sid, worktree=f"/w/{sid}", base_commit="a" * 40,
                          target_branch="main"),
        *[ev.WorkerActed(session_id=sid, step=k, action="write", detail="a.py")
          for k in range(5)],
        ev.ModelReplied(agent="worker", model="m", session_id=sid, input_tokens=10,
                        output_tokens=5, cost_usd=0.25),
        ev.DecisionAsked(decision_id=did, question="which?", options=("a", "b"),
                         default="a", blocking=True, session_id=sid, task_id=tid),
        ev.NotificationRaised(notification_id=f"n-{n}", kind="needs_decision",
                              key=f"session:{sid}", title="which?", session_id=sid,
                              ref=did, interrupt=True),
        ev.ConflictPredicted(sessions=(sid, f"s-{n + 1}"), paths=("a.py",)),
        ev.BuildChecked(target_branch="main", commit="c" * 40, passed=n % 2 == 0,
                        command="true", output_tail="ok", seconds=0.1),
        *([] if n % 3 == 0 else [
            ev.DecisionAnswered(decision_id=did, answer="b"),
            ev.NotificationWithdrawn(notification_id=f"n-{n}", reason="answered"),
            ev.WorkerFinished(session_id=sid, summary="done", head_commit="b" * 40),
            ev.ChecksStarted(session_id=sid, command="true"),
            ev.ChecksFinished(session_id=sid, command="true", passed=True, exit_code=0,
                              output_tail="", seconds=0.1),
            ev.ReviewPrepared(session_id=sid, head_commit="b" * 40, base_commit="a" * 40,
                              files=("a.py",), hunks=(hunk,), added=1, removed=0),
            ev.GateDecided(session_id=sid, auto_land=False, reasons=("review",)),
        ]),
    ]


def log_of(tmp_path: Path, tasks: range) -> Store:
    store = Store(tmp_path / "state.db", secrets=[])
    for n in tasks:
        store.append(*life(n))
    return store


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
