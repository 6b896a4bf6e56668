"""A snapshot keeps what ended long ago apart (its history part): a front end that reads
only the live part, then the tail, sees the live sessions exactly as a fold of the whole
log does, and once anything reaches the history part (a retry of an old session, a late
record about it, a lookup) the state is the whole log's fold, field by field and in the
fold's order. Real SQLite; lives, gaps of days and the tail are generated (hypothesis)."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.lives import landing
from loopwright import events as ev
from loopwright import store_snapshot as snap
from loopwright.state import State, fold, unpark
from loopwright.state_parts import RECENT_SECONDS
from loopwright.store import Store

DAY = 24 * 3600.0
ENDINGS = ("landed", "killed", "failed", "declined", "cancelled", "waiting", "asked")


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def life(n: int, ending: str) -> list[ev.Event]:
    """Task `n` from filing to `ending` (`waiting`: still on a blocking question,
    `asked`: triage asks the human about it)."""
    tid, sid, did = f"t-{n}", f"s-{n}", f"d-{n}"
    filed: list[ev.Event] = [ev.TaskFiled(task_id=tid, title=f"task {n}", body="",
                                          source="inbox", origin=f"task-{n}.md#{n:04x}")]
    if ending == "declined":
        return [*filed, ev.TaskDeclined(task_id=tid, reason="off topic")]
    if ending == "cancelled":
        return [*filed, ev.TaskCancelled(task_id=tid, by="human")]
    if ending == "asked":
        return [*filed, ev.DecisionAsked(decision_id=did, question="in scope?",
                                         options=("yes", "no"), default="yes",
                                         blocking=True, task_id=tid)]
    out = [*filed, ev.TaskAccepted(task_id=tid),
           ev.SessionQueued(session_id=sid, task_id=tid, name=f"task-{n}", branch=f"b{n}",
                            backend="script"),
           ev.SessionStarted(session_id=sid, worktree=f"/w/{sid}", base_commit="a" * 40,
                             target_branch="main"),
           ev.DecisionAsked(decision_id=did, question="which?", options=("a", "b"),
                            default="a", blocking=True, session_id=sid, task_id=tid)]
    if ending == "waiting":
        return out
    out += [ev.DecisionAnswered(decision_id=did, answer="b"),
            ev.ModelReplied(agent="worker", model="m", session_id=sid, input_tokens=10,
                            output_tokens=5, cost_usd=0.25)]
    if ending == "killed":
        return [*out, ev.SessionKilled(session_id=sid, by="human", reason="wrong way")]
    if ending == "failed":
        return [*out, ev.WorkerFailed(session_id=sid, reason="crashed")]
    return [*out, *landing(sid, worktree=f"/w/{sid}")]  # removed, as landing does


step = st.one_of(
    st.tuples(st.just("life"), st.sampled_from(ENDINGS)),
    st.tuples(st.just("wait"), st.floats(0.1, 3.0)),  # days
)
plan = st.tuples(st.lists(step, max_size=25), st.lists(step, max_size=8),
                 st.lists(st.tuples(st.integers(0, 30), st.integers(0, 99)), max_size=4))


def as_fields(state: State) -> dict[str, Any]:
    fields: dict[str, Any] = msgspec.to_builtins(state)
    return fields


def order(state: State) -> tuple[list[str], list[str], list[str]]:
    return list(state.tasks), list(state.sessions), list(state.decisions)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan)
def test_the_live_part_then_the_tail_is_the_whole_logs_fold(
    p: tuple[list[tuple[str, Any]], list[tuple[str, Any]], list[tuple[int, int]]],
) -> None:
    before, after, reaching = p
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock()
        store = Store(Path(tmp) / "state.db", secrets=[], clock=clock)
        try:
            n = 0

            def run(steps: list[tuple[str, Any]]) -> None:
                nonlocal n
                for kind, arg in steps:
                    if kind == "wait":
                        clock.now += arg * DAY
                    else:
                        store.append(*life(n, arg))
                        n += 1

            run(before)
            snap.save(store, fold(store.read_after(0)))
            run(after)
            # a manager holds the live part, and at its checkpoint parks what ended since
            held = snap.load(store, history=False)
            if (body := snap.Checkpoints(saved_seq=0, every=1).due(held)) is not None:
                store.write_snapshot(snap.fold_version(), held.last_seq, body)
            for index, draw in reaching:  # late records, maybe about parked tasks
                if n:
                    store.append(late(index % n, draw))
            whole = fold(store.read_after(0))
            # the indices the fold keeps say what a walk over every session says
            assert list(whole.unended) == [k for k, s in whole.sessions.items()
                                           if not s.terminal]
            assert {k: v for k, v in whole.session_counts.items() if v} == dict(
                Counter(s.state for s in whole.sessions.values()))
            assert set(whole.session_names) == {s.name for s in whole.sessions.values()}
            assert set(whole.origins) == {t.origin for t in whole.tasks.values() if t.origin}
            live = snap.load(store, history=False)
            snap.catch_up(store, held)
            # the live part shows every live session, whatever was parked
            assert {k for k, s in whole.sessions.items() if not s.terminal} <= set(live.sessions)
            assert {k for k, d in whole.decisions.items() if d.open} <= set(live.decisions)
            if live.parked is not None:
                assert live.parked.sessions.isdisjoint(live.sessions)
            unpark(live)
            unpark(held)
            full = snap.load(store)
        finally:
            store.close()
    assert order(live) == order(whole) == order(full) == order(held)
    expected = as_fields(whole)
    for got in (as_fields(live), as_fields(full), as_fields(held)):
        assert got.keys() == expected.keys()
        for field in expected:  # one field at a time, so a failure names it
            assert got[field] == expected[field], field


def late(n: int, draw: int) -> ev.Event:
    """A record about task `n` after it ended: these reach the history part."""
    tid, sid = f"t-{n}", f"s-{n}"
    choices: list[ev.Event] = [
        ev.WorktreeRemoved(session_id=sid, path=f"/w/{sid}"),
        ev.SessionRetried(session_id=sid, by="human"),
        ev.SessionQueued(session_id=f"{sid}-{draw}", task_id=tid, name=f"task-{n}-{draw}",
                         branch=f"b{n}-{draw}", backend="script", attempt=2),
        ev.TaskOverruled(task_id=tid, by="human"),
        ev.DecisionAnswered(decision_id=f"d-{n}", answer="yes"),
    ]
    return choices[draw % len(choices)]


def test_a_front_end_decodes_only_the_live_part_until_history_is_asked(
        tmp_path: Path) -> None:
    clock = Clock()
    store = Store(tmp_path / "state.db", secrets=[], clock=clock)
    for n in range(30):
        store.append(*life(n, "landed"))
    clock.now += RECENT_SECONDS + 1
    store.append(*life(30, "waiting"))
    snap.save(store, fold(store.read_after(0)))
    live = snap.restore(store, history=False)
    assert list(live.sessions) == ["s-30"]  # the thirty landed a day before: parked
    assert live.parked is not None and len(live.parked.sessions) == 30
    store.append(ev.WorktreeRemoved(session_id="s-3", path="/w/s-3"))  # reaches one
    snap.catch_up(store, live)
    assert live.parked is None and live.sessions["s-3"].worktree_removed
    assert live == fold(store.read_after(0))
    store.close()


def test_what_the_manager_still_has_to_do_stays_in_the_live_part(tmp_path: Path) -> None:
    """A landed session whose worktree was not removed (the manager's restart removes
    it), or one holding reserved ports, is not history however long ago it ended."""
    clock = Clock()
    store = Store(tmp_path / "state.db", secrets=[], clock=clock)
    store.append(*life(0, "landed")[:-1])  # its worktree's removal failed
    held = life(1, "killed")
    held.insert(4, ev.PortsReserved(session_id="s-1", ports=(4100,)))  # once started
    store.append(*held)
    store.append(*life(2, "landed"), *life(3, "killed"))
    clock.now += RECENT_SECONDS + 1
    store.append(*life(4, "waiting"))
    snap.save(store, fold(store.read_after(0)))
    live = snap.restore(store, history=False)
    assert list(live.sessions) == ["s-0", "s-1", "s-4"]
    assert live.parked is not None and live.parked.sessions == {"s-2", "s-3"}
    store.close()
