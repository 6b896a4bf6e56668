"""A restart sees what was seen live: folding the log from scratch gives the state the
manager held, field by field, times included, whatever order the facts arrived in and
whatever the attention supervisor appended meanwhile (nothing writes the state but the
fold). Real SQLite; the events and their interleaving are generated (hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from loopwright import events as ev
from loopwright.attention.supervisor import Supervisor
from loopwright.config import AttentionConfig, Config, StallsConfig
from loopwright.project import Project
from loopwright.runtime import Runtime
from loopwright.state import State, apply, fold
from loopwright.store import Store

SESSIONS = ("s-1", "s-2")
DECISIONS = ("d-1", "d-2", "d-3")


class TickingClock:
    """Moves on a little at every reading, and by a step when told: no two readings
    agree, so a time taken from anywhere but the record shows."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


def session_events(sid: str) -> st.SearchStrategy[ev.Event]:
    tid = f"t-{sid}"
    return st.one_of(
        st.just(ev.TaskAccepted(task_id=tid)),
        st.just(ev.TaskDeclined(task_id=tid, reason="stale")),
        st.just(ev.SessionQueued(session_id=sid, task_id=tid, name=sid, branch=f"b/{sid}",
                                 backend="script")),
        st.just(ev.SessionStarted(session_id=sid, worktree="", base_commit="b" * 40,
                                  target_branch="main")),
        st.integers(0, 20).map(lambda n: ev.WorkerActed(session_id=sid, step=n,
                                                        action="read", detail="a.py")),
        st.just(ev.WorkerProgressed(session_id=sid, message="thinking")),
        st.tuples(st.sampled_from(DECISIONS), st.booleans()).map(
            lambda d: ev.DecisionAsked(decision_id=f"{d[0]}-{sid}", question="Which?",
                                       options=("a", "b"), default="a", blocking=d[1],
                                       session_id=sid, task_id=tid)),
        st.sampled_from(DECISIONS).map(
            lambda d: ev.DecisionAnswered(decision_id=f"{d}-{sid}", answer="b", by="human")),
        st.just(ev.BudgetExceeded(session_id=sid, reason="tokens")),
        st.just(ev.BudgetExtended(session_id=sid)),
        st.just(ev.WorkerFinished(session_id=sid, summary="done", head_commit="c" * 40)),
        st.just(ev.ChecksFinished(session_id=sid, command="make test", passed=True,
                                  exit_code=0, output_tail="", seconds=1.0)),
        st.just(ev.ReviewPrepared(session_id=sid, head_commit="c" * 40,
                                  base_commit="b" * 40, files=("a.py",), hunks=(),
                                  added=3, removed=1)),
        st.booleans().map(lambda auto: ev.GateDecided(session_id=sid, auto_land=auto,
                                                      reasons=("too big",))),
        st.just(ev.ChangeApproved(session_id=sid, by="human")),
        st.just(ev.ChangesRequested(session_id=sid, note="again", by="human")),
        st.just(ev.LandingBlocked(session_id=sid, reason="dirty checkout")),
        st.just(ev.SessionKilled(session_id=sid, by="human")),
        st.just(ev.StallCleared(session_id=sid, reason="it moved")),
        # review threads and rounds (review_state.py)
        st.tuples(st.sampled_from(["th-1", "th-2"]), st.integers(1, 9)).map(
            lambda t: ev.ThreadOpened(session_id=sid, thread_id=t[0], path="a.py", line=t[1],
                                      body="why?")),
        st.sampled_from(["human", "worker"]).map(
            lambda by: ev.ThreadReplied(session_id=sid, thread_id="th-1", body="because",
                                        by=by)),
        st.booleans().map(lambda r: ev.ThreadResolved(session_id=sid, thread_id="th-2",
                                                      resolved=r)),
        st.booleans().map(lambda v: ev.FileViewed(session_id=sid, path="a.py", viewed=v)),
        st.integers(0, 5).map(lambda n: ev.RoundCompared(
            session_id=sid, from_commit="c" * 40, to_commit="c" * 40, files=("a.py",),
            hunks=(ev.Hunk(hunk_id="x", path="a.py", old_start=n, old_lines=0,
                           new_start=n + 1, new_lines=2, header="", added=2, removed=0),))),
    )


outside = st.one_of(
    *(session_events(sid) for sid in SESSIONS),
    st.tuples(st.booleans(), st.floats(0, 600)).map(
        lambda f: ev.FocusChanged(on=f[0], until=1_750_000_000.0 + f[1] if f[0] else 0.0,
                                  by="human")),
)
steps = st.lists(st.one_of(
    st.tuples(st.just("append"), outside),  # a fact from anywhere: worker, CLI, editor
    st.tuples(st.just("wait"), st.floats(0.5, 120.0)),
    st.tuples(st.just("read"), st.integers(1, 8)),  # the manager folds a batch
    st.tuples(st.just("tick"), st.none()),  # the supervisor's tick
), max_size=60)


def project_and_config(root: Path) -> tuple[Project, Config]:
    config = Config(attention=AttentionConfig(digest_minutes=2.0),
                    stalls=StallsConfig(heartbeat_minutes=1.0, no_diff_minutes=2.0,
                                        repeated_call_limit=3))
    return Project(root), config


def filed() -> list[ev.Event]:
    out: list[ev.Event] = []
    for sid in SESSIONS:
        tid = f"t-{sid}"
        out += [ev.TaskFiled(task_id=tid, title=f"Task {sid}", body="", source="cli"),
                ev.TaskAccepted(task_id=tid),
                ev.SessionQueued(session_id=sid, task_id=tid, name=sid, branch=f"b/{sid}",
                                 backend="script"),
                ev.SessionStarted(session_id=sid, worktree="", base_commit="b" * 40,
                                  target_branch="main")]
    return out


def as_fields(state: State) -> dict[str, Any]:
    fields: dict[str, Any] = msgspec.to_builtins(state)
    return fields


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_the_log_folded_from_scratch_is_the_state_the_manager_held(
    plan: list[tuple[str, Any]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = TickingClock()
        store = Store(Path(tmp) / "state.db", secrets=[], clock=clock)
        try:
            store.append(*filed())
            project, config = project_and_config(Path(tmp))
            rt = Runtime(project, config, store, fold(store.read_after(0)))
            supervisor = Supervisor(rt, spawn=lambda key, coro: coro.close())
            supervisor.start()

            def read(limit: int | None) -> int:
                batch = store.read_after(rt.state.last_seq, limit=limit)
                for record in batch:
                    apply(rt.state, record)
                    supervisor.observe(record)
                return len(batch)

            for kind, arg in plan:
                if kind == "append":
                    store.append(arg)
                elif kind == "wait":
                    clock.now += arg
                elif kind == "read":
                    read(arg)
                else:
                    supervisor.review(clock())
            while read(None):
                pass
            raised = sum(isinstance(r.event, ev.NotificationRaised)
                         for r in store.read_after(0))
            event(f"notifications raised: {min(raised, 3)}+")
            live = as_fields(rt.state)
            replayed = as_fields(fold(store.read_after(0)))
        finally:
            store.close()
    assert live.keys() == replayed.keys()
    for field in live:  # one field at a time, so a failure names it
        assert live[field] == replayed[field], field
