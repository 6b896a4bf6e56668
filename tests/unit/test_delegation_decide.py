"""Delegation, decided in one pure place: a split starts what depends on nothing, a
sub-task that lands starts what waited on it, the last one closes the parent; steering
notes and priorities fold as the log says. No git, no manager: the fold and `decide`."""

from __future__ import annotations

import itertools

from loopwright import events as ev
from loopwright.config import Config
from loopwright.delegation_state import find_cycle, task_done, waiting_on
from loopwright.manager import decide as d
from loopwright.state import SessionState, State, apply, fold, illegal, refused
from loopwright.views import delegation as tree

_seq = itertools.count(1)
S = SessionState


def feed(st: State, *events: ev.Event) -> list[d.Effect]:
    """Apply each event and return what `decide` says follows the last one."""
    effects: list[d.Effect] = []
    for e in events:
        applies = refused(st, e) is None
        apply(st, ev.Record(next(_seq), 100.0, e))
        effects = d.decide(st, e, Config()) if applies else []
    return effects


def queued(effects: list[d.Effect]) -> list[str]:
    return [e.task_id for e in effects if isinstance(e, d.QueueSession)]


def recorded(effects: list[d.Effect]) -> list[ev.Event]:
    return [x for e in effects if isinstance(e, d.Record) for x in e.events]


def sub(task_id: str, *depends_on: str) -> ev.SubTask:
    return ev.SubTask(task_id=task_id, title=f"Do {task_id}", depends_on=depends_on)


def split_state(*children: ev.SubTask) -> tuple[State, list[d.Effect]]:
    st = State()
    feed(st, ev.TaskFiled(task_id="t-p", title="Big", body="", source="cli", priority=2))
    return st, feed(st, ev.TaskSplit(task_id="t-p", children=children, by="manager"))


def land(st: State, task_id: str) -> list[d.Effect]:
    sid = f"s-{task_id}"
    return feed(
        st,
        ev.SessionQueued(session_id=sid, task_id=task_id, name=sid, branch=sid,
                         backend="script"),
        ev.SessionStarted(session_id=sid, worktree="/w", base_commit="b0",
                          target_branch="main"),
        ev.WorkerFinished(session_id=sid, summary="done", head_commit="h1"),
        ev.ChecksFinished(session_id=sid, command="make", passed=True, exit_code=0,
                          output_tail="", seconds=1.0),
        ev.GateDecided(session_id=sid, auto_land=True, reasons=()),
        ev.ChangeLanded(session_id=sid, target_branch="main", commit="c1"),
    )


def test_a_split_starts_only_the_sub_tasks_that_depend_on_nothing() -> None:
    st, effects = split_state(sub("t-a"), sub("t-b", "t-a"), sub("t-c"))
    assert queued(effects) == ["t-a", "t-c"]
    parent = st.tasks["t-p"]
    assert parent.children == ["t-a", "t-b", "t-c"] and parent.verdict == "accepted"
    child = st.tasks["t-b"]
    assert (child.parent, child.depends_on, child.source, child.verdict) == (
        "t-p", ("t-a",), "split", "accepted")
    assert child.priority == 0 and waiting_on(st, "t-b") == ("t-a",)


def test_a_landed_sub_task_starts_what_waited_on_it_and_the_last_closes_the_parent() -> None:
    st, _ = split_state(sub("t-a"), sub("t-b", "t-a"), sub("t-c"))
    assert queued(land(st, "t-c")) == [] and not task_done(st, "t-p")
    assert queued(land(st, "t-a")) == ["t-b"]
    effects = land(st, "t-b")
    assert recorded(effects) == [ev.SubTasksLanded(task_id="t-p")]
    feed(st, *recorded(effects))
    assert st.tasks["t-p"].sub_tasks_landed and task_done(st, "t-p")
    assert st.tasks["t-p"].sessions == []  # the split task itself never ran


def test_a_failed_sub_task_keeps_the_parent_open_and_says_why() -> None:
    st, _ = split_state(sub("t-a"), sub("t-b", "t-a"))
    feed(st, ev.SessionQueued(session_id="s-a", task_id="t-a", name="a", branch="a",
                              backend="script"),
         ev.WorkerFailed(session_id="s-a", reason="broke"))
    assert not task_done(st, "t-p")
    assert tree.open_reason(st, "t-p") == "0 of 2 sub-tasks done; t-a failed, t-b waits on t-a"


def test_a_nested_split_waits_for_what_its_parent_waits_on() -> None:
    st, _ = split_state(sub("t-a"), sub("t-b", "t-a"))
    effects = feed(st, ev.TaskSplit(task_id="t-b", children=(sub("t-b1"), sub("t-b2"))))
    assert queued(effects) == []  # t-b still waits on t-a
    assert queued(land(st, "t-a")) == ["t-b1", "t-b2"]
    land(st, "t-b1")
    closing = recorded(land(st, "t-b2"))
    assert closing == [ev.SubTasksLanded(task_id="t-b")]
    assert recorded(feed(st, *closing)) == [ev.SubTasksLanded(task_id="t-p")]


def test_recover_starts_a_ready_sub_task_and_closes_a_finished_parent() -> None:
    st, _ = split_state(sub("t-a"), sub("t-b", "t-a"))
    land(st, "t-a")  # ... and the manager died before queueing t-b
    assert queued(d.recover(st, Config())) == ["t-b"]
    land(st, "t-b")  # ... and died again before closing the parent
    assert recorded(d.recover(st, Config())) == [ev.SubTasksLanded(task_id="t-p")]


def test_a_split_that_does_not_hold_together_changes_nothing() -> None:
    for children, why in (
        ((sub("t-a", "t-b"), sub("t-b", "t-a")), "cycle: t-a -> t-b -> t-a"),
        ((sub("t-a", "t-x"),), "depends on t-x, which is not part of this split"),
        ((sub("t-a", "t-a"),), "depends on itself"),
        ((), "at least one sub-task"),
    ):
        st = State()
        feed(st, ev.TaskFiled(task_id="t-p", title="Big", body="", source="cli"))
        e = ev.TaskSplit(task_id="t-p", children=children)
        assert why in (illegal(st, e) or ""), why
        feed(st, e)
        assert list(st.tasks) == ["t-p"] and st.tasks["t-p"].children == []


def test_a_running_or_landed_task_cannot_be_split() -> None:
    st, _ = split_state(sub("t-a"), sub("t-b"))
    feed(st, ev.SessionQueued(session_id="s-b", task_id="t-b", name="do-b", branch="b",
                              backend="script"),
         ev.SessionStarted(session_id="s-b", worktree="/w", base_commit="b0",
                           target_branch="main"))
    again = ev.TaskSplit(task_id="t-b", children=(sub("t-b1"),))
    assert illegal(st, again) == ("task t-b has session do-b running: kill it first, "
                                  "then split")
    land(st, "t-a")
    assert illegal(st, ev.TaskSplit(task_id="t-a", children=(sub("t-a1"),))) == (
        "task t-a has landed; nothing left to split")
    assert "already split" in (illegal(st, ev.TaskSplit(task_id="t-p",
                                                        children=(sub("t-z"),))) or "")


def test_a_priority_applies_to_the_whole_subtree_and_orders_the_queue() -> None:
    st, _ = split_state(sub("t-a"), sub("t-b"))
    feed(st, ev.TaskFiled(task_id="t-o", title="Other", body="", source="cli"),
         ev.TaskAccepted(task_id="t-o"))
    for sid, tid in (("s-o", "t-o"), ("s-a", "t-a")):
        feed(st, ev.SessionQueued(session_id=sid, task_id=tid, name=sid, branch=sid,
                                  backend="script"))
    assert [w.session_id for w in d.schedule(st, 1, frozenset())] == ["s-o"]
    feed(st, ev.TaskPrioritised(task_id="t-p", priority=7))
    assert (st.tasks["t-a"].priority, st.tasks["t-b"].priority) == (7, 7)
    assert [w.session_id for w in d.schedule(st, 1, frozenset())] == ["s-a"]
    assert illegal(st, ev.TaskPrioritised(task_id="t-p", priority=7)) == (
        "task t-p already has priority 7")


def test_steering_notes_are_numbered_received_once_and_refused_once_landed() -> None:
    st, _ = split_state(sub("t-a"))
    feed(st, ev.SessionQueued(session_id="s-a", task_id="t-a", name="do-a", branch="a",
                              backend="script"),
         ev.SessionSteered(session_id="s-a", note="use the new API", by="manager"),
         ev.SteerReceived(session_id="s-a", steer=1, step=4))
    [steer] = st.sessions["s-a"].steers
    assert (steer.note, steer.by, steer.received, steer.step) == (
        "use the new API", "manager", True, 4)
    assert st.sessions["s-a"].steps_done == 5  # a resumed script skips it
    assert illegal(st, ev.SteerReceived(session_id="s-a", steer=1)) == (
        "steering note 1 was already received")
    feed(st, ev.SessionKilled(session_id="s-a"))
    land(st, "t-a")
    assert illegal(st, ev.SessionSteered(session_id="s-t-a", note="more")) == (
        "session s-t-a has landed; nothing to steer")


def test_the_tree_survives_a_replay_of_the_log() -> None:
    st = State()
    records = []
    for e in (ev.TaskFiled(task_id="t-p", title="Big", body="", source="cli"),
              ev.TaskSplit(task_id="t-p", children=(sub("t-a"), sub("t-b", "t-a"))),
              ev.TaskPrioritised(task_id="t-b", priority=3)):
        records.append(ev.Record(next(_seq), 100.0, e))
        apply(st, records[-1])
    assert fold(records) == st


def test_find_cycle_names_the_way_round() -> None:
    assert find_cycle({"a": ("b",), "b": ("c",), "c": ("a",)}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": (), "b": ("a",), "c": ("a", "b")}) == []


def test_a_dropped_sub_task_lets_what_waited_on_it_go_ahead_and_the_parent_close() -> None:
    from loopwright.views.overview import inbox

    st, _ = split_state(sub("t-a"), sub("t-b", "t-a"), sub("t-c", "t-b"))
    feed(st, ev.SessionQueued(session_id="s-a", task_id="t-a", name="do-a", branch="a",
                              backend="script"))
    assert illegal(st, ev.SubTaskDropped(task_id="t-a")) == (
        "sub-task t-a has session do-a queued: kill it first, then cancel")
    feed(st, ev.WorkerFailed(session_id="s-a", reason="broke"))
    assert [i.kind for i in inbox(st)] == ["failed"]
    assert queued(feed(st, ev.SubTaskDropped(task_id="t-a", reason="not needed"))) == ["t-b"]
    assert inbox(st) == []  # its failed attempt no longer waits on anyone
    assert st.tasks["t-a"].verdict_reason == "dropped by human: not needed"
    assert tree.open_reason(st, "t-p") == "1 of 3 sub-tasks done; t-b not started, t-c waits on t-b"
    land(st, "t-b")
    assert recorded(feed(st, ev.SubTaskDropped(task_id="t-c"))) == [
        ev.SubTasksLanded(task_id="t-p")]
    assert illegal(st, ev.SubTaskDropped(task_id="t-p")) == "task t-p is no sub-task"
    assert illegal(st, ev.SubTaskDropped(task_id="t-b")) == (
        "sub-task t-b is done; nothing to call off")
