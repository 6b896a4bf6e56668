"""The fold and the manager's pure decisions, without git, clocks or processes."""

from __future__ import annotations

import itertools

import pytest

from loopwright import events as ev
from loopwright.config import Config
from loopwright.manager import decide as d
from loopwright.state import Health, SessionState, State, apply, illegal, refused

S = SessionState
CONFIG = Config()
_seq = itertools.count(1)


def feed(state: State, *events: ev.Event, at: float = 100.0) -> State:
    for e in events:
        apply(state, ev.Record(next(_seq), at, e))
    return state


def started(state: State | None = None, sid: str = "s-1") -> State:
    st = state or State()
    return feed(
        st,
        ev.TaskFiled(task_id="t-1", title="Fix it", body="", source="cli"),
        ev.TaskAccepted(task_id="t-1"),
        ev.SessionQueued(session_id=sid, task_id="t-1", name="fix-it",
                         branch="loopwright/t-1-fix-it", backend="script"),
        ev.SessionStarted(session_id=sid, worktree="/w", base_commit="base",
                          target_branch="main"),
    )


def review(sid: str = "s-1") -> ev.ReviewPrepared:
    hunk = ev.Hunk(hunk_id="h1", path="a.py", old_start=1, old_lines=1, new_start=1,
                   new_lines=1, header="@@ -1 +1 @@", added=1, removed=1)
    return ev.ReviewPrepared(session_id=sid, head_commit="head", base_commit="base",
                             files=("a.py",), hunks=(hunk,), added=1, removed=1)


def to_approval(st: State) -> State:
    return feed(
        st,
        ev.WorkerFinished(session_id="s-1", summary="done", head_commit="head"),
        ev.ChecksFinished(session_id="s-1", command="make test", passed=True, exit_code=0,
                          output_tail="ok", seconds=1.0),
        review(),
        ev.GateDecided(session_id="s-1", auto_land=False, reasons=("too big",)),
    )


def test_a_session_walks_from_queued_to_landed() -> None:
    st = to_approval(started())
    s = st.sessions["s-1"]
    assert s.state == S.AWAITING_APPROVAL
    assert s.checks is not None and s.checks.passed
    assert s.gate_reasons == ("too big",)
    feed(st, ev.ChangeApproved(session_id="s-1"))
    assert s.state == S.LANDING
    feed(st, ev.ChangeLanded(session_id="s-1", target_branch="main", commit="c"), at=160.0)
    assert s.state == S.LANDED and s.landed_commit == "c" and s.ended_at == 160.0


def test_the_gate_can_land_without_a_human() -> None:
    st = feed(started(), ev.WorkerFinished(session_id="s-1", summary="", head_commit="h"),
              ev.ChecksFinished(session_id="s-1", command="x", passed=True, exit_code=0,
                                output_tail="", seconds=0.1),
              review(), ev.GateDecided(session_id="s-1", auto_land=True, reasons=()))
    assert st.sessions["s-1"].state == S.LANDING
    gate = ev.GateDecided(session_id="s-1", auto_land=True, reasons=())
    assert d.decide(st, gate, CONFIG) == [d.Land("s-1")]


def test_a_blocking_question_makes_the_session_wait_until_answered() -> None:
    st = feed(started(), ev.DecisionAsked(decision_id="d-1", question="Which?",
                                          options=("a", "b"), default="a", blocking=True,
                                          session_id="s-1"))
    assert st.sessions["s-1"].state == S.WAITING
    assert illegal(st, ev.DecisionAnswered(decision_id="d-1", answer="c")) == (
        "answer must be one of: a, b")
    feed(st, ev.DecisionAnswered(decision_id="d-1", answer="b"))
    assert st.sessions["s-1"].state == S.RUNNING
    assert st.decisions["d-1"].answer == "b"
    assert illegal(st, ev.DecisionAnswered(decision_id="d-1", answer="a")) == (
        "decision d-1 was already answered: 'b'")


def test_a_non_blocking_question_leaves_the_worker_running() -> None:
    st = feed(started(), ev.DecisionAsked(decision_id="d-1", question="Which?",
                                          default="a", session_id="s-1"))
    assert st.sessions["s-1"].state == S.RUNNING
    assert st.decisions["d-1"].open


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ev.ChangeApproved(session_id="s-1"), "session fix-it is running; change approved"),
        (ev.ChangeRejected(session_id="s-1"), "does not apply"),
        (ev.SessionRetried(session_id="s-1"), "only a finished session can be retried"),
        (ev.ChangeApproved(session_id="s-nope"), "no session s-nope"),
        (ev.HunkJudged(session_id="s-1", hunk_id="h1", verdict="accept"),
         "not awaiting approval"),
    ],
)
def test_actions_that_do_not_apply_are_refused_with_a_reason(
    event: ev.Event, message: str
) -> None:
    why = illegal(started(), event)
    assert why is not None and message in why


def test_a_stale_action_in_the_log_changes_nothing() -> None:
    st = feed(started(), ev.ChangeApproved(session_id="s-1"))
    assert st.sessions["s-1"].state == S.RUNNING


def test_requested_changes_requeue_the_session_with_the_note() -> None:
    st = to_approval(started())
    feed(st, ev.ChangesRequested(session_id="s-1", note="use tabs"))
    s = st.sessions["s-1"]
    assert s.state == S.QUEUED and s.feedback == ["use tabs"]
    [start] = d.schedule(st, max_parallel=2, starting=frozenset())
    assert start == d.StartWorker("s-1", resume=True, reason="changes requested")


def test_a_hunk_verdict_is_kept_for_the_current_review_only() -> None:
    st = to_approval(started())
    assert illegal(st, ev.HunkJudged(session_id="s-1", hunk_id="zz", verdict="accept")) == (
        "no hunk zz in the current review of fix-it")
    feed(st, ev.HunkJudged(session_id="s-1", hunk_id="h1", verdict="reject"))
    assert st.sessions["s-1"].hunk_verdicts == {"h1": "reject"}


def test_the_queue_respects_max_parallel_and_priority() -> None:
    st = State()
    for n, prio in enumerate([0, 5, 1], 1):
        feed(st, ev.TaskFiled(task_id=f"t-{n}", title=f"T{n}", body="", source="cli",
                              priority=prio),
             ev.SessionQueued(session_id=f"s-{n}", task_id=f"t-{n}", name=f"n{n}",
                              branch=f"b{n}", backend="script"), at=float(n))
    starts = d.schedule(st, max_parallel=2, starting=frozenset())
    assert [s.session_id for s in starts] == ["s-2", "s-3"]
    assert d.schedule(st, max_parallel=2, starting=frozenset({"s-2", "s-3"})) == []


def test_after_a_restart_every_live_session_is_picked_up() -> None:
    st = started()
    feed(st, ev.TaskFiled(task_id="t-2", title="Two", body="", source="cli"))
    effects = d.recover(st, CONFIG)
    assert d.StartWorker("s-1", resume=True, reason="the manager restarted") in effects
    assert d.Triage("t-2") in effects
    to_approval(st)
    assert d.recover(st, CONFIG) == [d.Triage("t-2")]  # awaiting approval: nothing to redo


def test_retry_queues_a_new_attempt_with_what_went_wrong() -> None:
    st = feed(started(), ev.WorkerFailed(session_id="s-1", reason="tests broke"))
    assert st.sessions["s-1"].state == S.FAILED
    feed(st, ev.SessionRetried(session_id="s-1"))
    [effect] = d.decide(st, ev.SessionRetried(session_id="s-1"), CONFIG)
    assert effect == d.QueueSession("t-1", attempt=2,
                                    note="A previous attempt ended as failed: tests broke")
    assert illegal(st, ev.SessionRetried(session_id="s-1")) == "session fix-it was already retried"


def test_killing_stops_the_worker_and_landing_removes_the_worktree() -> None:
    st = started()
    feed(st, ev.SessionKilled(session_id="s-1"))
    assert st.sessions["s-1"].state == S.KILLED
    assert d.decide(st, ev.SessionKilled(session_id="s-1"), CONFIG) == [d.StopWorker("s-1")]
    landed = ev.ChangeLanded(session_id="s-1", target_branch="main", commit="c")
    assert d.decide(st, landed, CONFIG) == [
        d.RemoveWorktree("s-1", True), d.CheckBuild("landing"), d.BringUpToDate("c")]


def test_hunk_comments_and_rejections_go_back_to_the_worker_with_the_note() -> None:
    st = to_approval(started())
    feed(st, ev.HunkJudged(session_id="s-1", hunk_id="h1", verdict="comment",
                           comment="name it max_age"),
         ev.HunkJudged(session_id="s-1", hunk_id="h1", verdict="reject"),
         ev.ChangesRequested(session_id="s-1", note="Close, but not yet."))
    assert st.sessions["s-1"].feedback == [
        "Close, but not yet.\n\nOn the diff:\n"
        "- a.py line 1: this hunk is rejected; undo or redo it\n"
        "- a.py line 1: name it max_age"
    ]


def test_a_stale_decline_after_acceptance_leaves_the_task_accepted() -> None:
    st = started()  # accepted, and its session running
    decline = ev.TaskDeclined(task_id="t-1", reason="a triage that raced a restart")
    assert illegal(st, decline) == "task t-1 was already accepted"
    feed(st, decline)
    assert (st.tasks["t-1"].verdict, st.tasks["t-1"].verdict_reason) == ("accepted", "")
    assert st.sessions["s-1"].state == S.RUNNING


def test_only_an_overrule_turns_a_decline_around() -> None:
    st = feed(State(), ev.TaskFiled(task_id="t-1", title="Fix it", body="", source="cli"),
              ev.TaskDeclined(task_id="t-1", reason="off goal"))
    assert refused(st, ev.TaskAccepted(task_id="t-1")) == "task t-1 was already declined"
    feed(st, ev.TaskAccepted(task_id="t-1"))
    assert st.tasks["t-1"].verdict == "declined"
    feed(st, ev.TaskOverruled(task_id="t-1", by="human"))
    assert st.tasks["t-1"].verdict == "accepted"
    assert illegal(st, ev.TaskOverruled(task_id="t-1", by="human")) == (
        "task t-1 was not declined")


def test_the_first_answer_wins() -> None:
    st = feed(started(), ev.DecisionAsked(
        decision_id="d-1", question="Which?", options=("a", "b"), default="a",
        blocking=True, session_id="s-1", task_id="t-1"))
    feed(st, ev.DecisionAnswered(decision_id="d-1", answer="b", by="human"), at=200.0)
    feed(st, ev.DecisionAnswered(decision_id="d-1", answer="a", by="phone"), at=300.0)
    d = st.decisions["d-1"]
    assert (d.answer, d.answered_by, d.answered_at) == ("b", "human", 200.0)
    assert refused(st, ev.DecisionAnswered(decision_id="d-1", answer="a")) == (
        "decision d-1 was already answered: 'b'")


@pytest.mark.parametrize(("events", "health"), [
    ([ev.BudgetExceeded(session_id="s-1", reason="tokens")], Health.OVER_BUDGET),
    ([ev.BudgetExceeded(session_id="s-1", reason="tokens"),
      ev.BudgetExtended(session_id="s-1")], Health.OK),
    ([ev.BudgetExtended(session_id="s-1")], Health.OK),
    ([ev.StallDetected(session_id="s-1", signal="silent", evidence="quiet", onset_at=1.0,
                       proposal="kill", decision_id="d-s")], Health.STALLED),
    ([ev.StallDetected(session_id="s-1", signal="silent", evidence="quiet", onset_at=1.0,
                       proposal="kill", decision_id="d-s"),
      ev.StallCleared(session_id="s-1", reason="moved")], Health.OK),
    # over budget outranks a stall, and a stall's clearing does not clear the budget
    ([ev.BudgetExceeded(session_id="s-1", reason="tokens"),
      ev.StallDetected(session_id="s-1", signal="silent", evidence="quiet", onset_at=1.0,
                       proposal="kill", decision_id="d-s"),
      ev.StallCleared(session_id="s-1", reason="moved")], Health.OVER_BUDGET),
    # an ended session keeps its mark
    ([ev.StallDetected(session_id="s-1", signal="silent", evidence="quiet", onset_at=1.0,
                       proposal="kill", decision_id="", killed=True),
      ev.SessionKilled(session_id="s-1", by="loopwright"),
      ev.StallCleared(session_id="s-1", reason="ended")], Health.STALLED),
])
def test_health_follows_its_table(events: list[ev.Event], health: Health) -> None:
    assert feed(started(), *events).sessions["s-1"].health == health


FILED = ev.TaskFiled(task_id="t-9", title="Maybe", body="", source="cli")
CANCEL = ev.TaskCancelled(task_id="t-9", reason="a duplicate")


@pytest.mark.parametrize(("before", "why"), [
    ((), None),  # pending: triage has not settled it
    ((ev.TaskDeclined(task_id="t-9", reason="off topic"),), None),  # leaves the inbox
    ((ev.TaskAccepted(task_id="t-9"),),
     "task t-9 was accepted and has a session: to stop it, `loopwright kill` the session"),
    ((CANCEL,), "task t-9 was already cancelled"),
])
def test_only_a_task_nobody_works_on_can_be_cancelled(
    before: tuple[ev.Event, ...], why: str | None,
) -> None:
    st = feed(State(), FILED, *before)
    assert illegal(st, CANCEL) == why


def test_a_cancelled_task_ignores_a_late_triage_and_its_question() -> None:
    asked = ev.DecisionAsked(decision_id="d-9", question="Fits?", options=("accept", "decline"),
                             default="accept", blocking=True, task_id="t-9")
    st = feed(State(), FILED, asked, CANCEL)
    t = st.tasks["t-9"]
    assert (t.verdict, t.verdict_reason) == ("cancelled", "cancelled by human: a duplicate")
    late = ev.TaskAccepted(task_id="t-9")
    assert refused(st, late) == "task t-9 was already cancelled"  # so no session follows
    assert illegal(st, ev.DecisionAnswered(decision_id="d-9", answer="accept")) == (
        "task t-9 was cancelled; nothing waits on this answer")
