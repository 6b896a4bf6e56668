"""What follows each event, decided in one pure place: `decide` alone, table-driven,
without git, clocks or a running manager (the end-to-end tests drive the same paths)."""

from __future__ import annotations

import itertools

import msgspec
import pytest

from loopwright import events as ev
from loopwright.config import (
    BuildConfig,
    Config,
    GateConfig,
    GitHubConfig,
    LandConfig,
    ReviewConfig,
)
from loopwright.core.keys import EffectKey
from loopwright.manager import decide as d
from loopwright.state import SessionState, State, apply, refused

_seq = itertools.count(1)
SID = "s-1"


def feed(st: State, *events: ev.Event) -> State:
    for e in events:
        apply(st, ev.Record(next(_seq), 100.0, e))
    return st


def reviewing(rounds: int = 0) -> State:
    """A session whose worker finished and whose checks passed: its review is next."""
    st = feed(
        State(),
        ev.TaskFiled(task_id="t-1", title="Fix it", body="", source="cli"),
        ev.TaskAccepted(task_id="t-1"),
        ev.SessionQueued(session_id=SID, task_id="t-1", name="fix-it", branch="b",
                         backend="script"),
        ev.SessionStarted(session_id=SID, worktree="/w", base_commit="b0",
                          target_branch="main"),
        ev.WorkerFinished(session_id=SID, summary="done", head_commit="h1"),
        ev.ChecksFinished(session_id=SID, command="make test", passed=True, exit_code=0,
                          output_tail="", seconds=1.0),
    )
    st.sessions[SID].reviewer_rounds = rounds
    return st


def review(verdict: str = "", added: int = 3) -> ev.ReviewPrepared:
    comments = (ev.ReviewComment(path="a.py", line=3, body="name this better"),)
    return ev.ReviewPrepared(
        session_id=SID, head_commit="h1", base_commit="b0", files=("a.py",), hunks=(),
        added=added, removed=1, reviewer="claude" if verdict else "",
        reviewer_verdict=verdict, reviewer_summary="not yet" if verdict else "",
        comments=comments if verdict else ())


def landing() -> State:
    st = reviewing()
    return feed(st, review(), ev.GateDecided(session_id=SID, auto_land=True, reasons=()))


WITH_REVIEWER = Config(review=ReviewConfig(reviewer="claude", max_rounds=2))
SENT_BACK = ev.ChangesRequested(
    session_id=SID, by="reviewer",
    note="The reviewer agent asks for changes: not yet\n- a.py:3: name this better")


@pytest.mark.parametrize(("rounds", "verdict", "config", "follows"), [
    # the reviewer's request goes back to the worker on its own, for max_rounds rounds
    (0, "request_changes", WITH_REVIEWER, [d.Record((SENT_BACK,))]),
    (1, "request_changes", WITH_REVIEWER, [d.Record((SENT_BACK,))]),
    # the last round reaches the human through the gate
    (2, "request_changes", WITH_REVIEWER, [d.Record((ev.GateDecided(
        session_id=SID, auto_land=False,
        reasons=("The reviewer agent asked for changes.",)),))]),
    (0, "approve", WITH_REVIEWER, [d.Record((ev.GateDecided(
        session_id=SID, auto_land=True, reasons=()),))]),
    # no reviewer: the gate alone
    (0, "", Config(), [d.Record((ev.GateDecided(session_id=SID, auto_land=True,
                                                reasons=()),))]),
    (0, "", Config(gate=GateConfig(auto_land=False)), [d.Record((ev.GateDecided(
        session_id=SID, auto_land=False,
        reasons=("Auto-land is off, so every change waits for approval.",)),))]),
])
def test_after_the_review_the_reviewer_rounds_then_the_gate(
    rounds: int, verdict: str, config: Config, follows: list[d.Effect],
) -> None:
    st = feed(reviewing(rounds), review(verdict))
    assert d.decide(st, review(verdict), config) == follows


def test_a_review_in_the_log_is_not_asked_again_after_a_restart() -> None:
    st = feed(reviewing(), review())
    assert d.recover(st, Config()) == [d.Record((ev.GateDecided(
        session_id=SID, auto_land=True, reasons=()),))]
    assert d.recover(reviewing(), Config()) == [d.PrepareReview(SID)]


@pytest.mark.parametrize(("event", "follows"), [
    (ev.LandingRaced(session_id=SID, target_commit="t2"), [d.Land(SID, again=True)]),
    (ev.LandingBlocked(session_id=SID, reason="main is checked out with changes",
                       merged_commit="m1", target_commit="t1"),
     [d.Later(d.LANDING_RETRY_SECONDS, d.AdvanceTarget(SID, "m1", "t1"))]),
    (d.StillBlocked(SID, "m1", "t1"),
     [d.Later(d.LANDING_RETRY_SECONDS, d.AdvanceTarget(SID, "m1", "t1"))]),
    # an old log's blocked landing has no merge to retry: the restart merges again
    (ev.LandingBlocked(session_id=SID, reason="dirty"), []),
])
def test_landing_goes_step_by_step(event: ev.Event | d.StillBlocked,
                                   follows: list[d.Effect]) -> None:
    st = landing()
    if not isinstance(event, d.StillBlocked):
        feed(st, event)
    assert d.decide(st, event, Config()) == follows


def test_a_killed_landing_is_not_retried() -> None:
    st = feed(landing(), ev.SessionKilled(session_id=SID, by="human"))
    raced = ev.LandingRaced(session_id=SID, target_commit="t2")
    assert d.decide(st, raced, Config()) == []


def test_a_retry_waits_under_its_session_key_so_stopping_the_session_cancels_it() -> None:
    later = d.Later(1.0, d.AdvanceTarget(SID, "m1", "t1"))
    assert later.key == d.Land(SID).key == EffectKey("land", SID)
    assert str(later.key) == "land:s-1"


LANDED = ev.ChangeLanded(session_id=SID, target_branch="main", commit="c9")


@pytest.mark.parametrize(("config", "world"), [
    (Config(), [d.CheckBuild("landing"), d.BringUpToDate("c9")]),
    (Config(build=BuildConfig(on_landing=False)), [d.BringUpToDate("c9")]),
    (Config(land=LandConfig(mode="pull-request")), [d.CheckBuild("landing")]),
    (Config(github=GitHubConfig(repo="o/r")),
     [d.CheckBuild("landing"), d.BringUpToDate("c9"), d.WriteIssueStatuses()]),
])
def test_a_landing_wakes_the_world(config: Config, world: list[d.Effect]) -> None:
    st = feed(landing(), LANDED)
    assert d.decide(st, LANDED, config) == [d.RemoveWorktree(SID, True), *world]


@pytest.mark.parametrize(("answer", "settled"), [
    ("accept", ev.TaskAccepted(task_id="t-1", reason="the human said to go ahead")),
    ("decline", ev.TaskDeclined(task_id="t-1", reason="the human declined it")),
])
def test_the_humans_triage_answer_settles_the_task(answer: str, settled: ev.Event) -> None:
    st = feed(State(), ev.TaskFiled(task_id="t-1", title="Fix it", body="", source="cli"),
              ev.DecisionAsked(decision_id="d-1", question="Fits?",
                               options=("accept", "decline"), default="accept",
                               blocking=True, task_id="t-1"))
    answered = ev.DecisionAnswered(decision_id="d-1", answer=answer)
    feed(st, answered)
    assert d.decide(st, answered, Config()) == [d.Record((settled,))]


def test_a_stale_verdict_is_refused_so_nothing_follows_from_it() -> None:
    st = reviewing()
    late = ev.TaskDeclined(task_id="t-1", reason="a triage that raced a restart")
    assert refused(st, late) == "task t-1 was already accepted"
    accepted_again = ev.TaskAccepted(task_id="t-1")
    assert refused(st, accepted_again) is not None  # would have queued a second session


def test_effects_are_frozen_values() -> None:
    assert d.Land(SID) == d.Land(SID) and hash(d.Land(SID)) == hash(d.Land(SID))
    with pytest.raises(AttributeError):
        d.Land(SID).session_id = "s-2"  # type: ignore[misc]
    assert msgspec.to_builtins(d.Record((LANDED,)).events[0])["commit"] == "c9"


def _busy(*states: str) -> State:
    """One session in each of `states` (running, waiting or checking), then two queued."""
    st = State()
    for n, state in enumerate(states):
        sid, tid = f"s-{n}", f"t-{n}"
        feed(st, ev.TaskFiled(task_id=tid, title="T", body="", source="cli"),
             ev.SessionQueued(session_id=sid, task_id=tid, name=f"n{n}", branch=f"b{n}",
                              backend="script"),
             ev.SessionStarted(session_id=sid, worktree="/w", base_commit="b0",
                               target_branch="main"))
        if state == "waiting":
            feed(st, ev.DecisionAsked(decision_id=f"d-{n}", question="Which?", default="a",
                                      blocking=True, session_id=sid, task_id=tid))
        elif state == "checking":
            feed(st, ev.WorkerFinished(session_id=sid, summary="", head_commit="h"))
    for q in ("q-1", "q-2"):
        feed(st, ev.TaskFiled(task_id=f"t-{q}", title="Q", body="", source="cli"),
             ev.SessionQueued(session_id=q, task_id=f"t-{q}", name=q, branch=q,
                              backend="script"))
    return st


@pytest.mark.parametrize(("states", "starts"), [
    # a session blocked on the human's answer holds no slot: the queue moves on
    (("waiting", "waiting"), ["q-1", "q-2"]),
    (("running", "waiting"), ["q-1"]),
    (("running", "checking"), []),
    # answered, a worker goes on even above the limit; nothing new starts meanwhile
    (("running", "running", "running"), []),
])
def test_only_working_sessions_hold_a_slot(states: tuple[str, ...], starts: list[str]) -> None:
    st = _busy(*states)
    assert st.count(SessionState.WAITING) == states.count("waiting")
    assert [s.session_id for s in d.schedule(st, 2, frozenset())] == starts


def _finished(head: str) -> tuple[State, ev.WorkerFinished]:
    st = feed(State(), ev.TaskFiled(task_id="t-1", title="Fix it", body="", source="cli"),
              ev.SessionQueued(session_id=SID, task_id="t-1", name="fix-it", branch="b",
                               backend="script"),
              ev.SessionStarted(session_id=SID, worktree="/w", base_commit="b0",
                                target_branch="main"))
    done = ev.WorkerFinished(session_id=SID, summary="done", head_commit=head)
    return feed(st, done), done


NOTHING = ev.NothingChanged(session_id=SID)


@pytest.mark.parametrize(("head", "follows"), [
    ("b0", [d.Record((NOTHING,))]),  # no commit on the base: nothing to check or land
    ("h2", [d.RunChecks(SID)]),
])
def test_a_worker_that_committed_nothing_ends_with_no_change(
    head: str, follows: list[d.Effect],
) -> None:
    st, done = _finished(head)
    assert d.decide(st, done, Config()) == follows


def test_commits_that_add_up_to_nothing_are_no_change_too() -> None:
    empty = msgspec.structs.replace(review(), files=(), added=0, removed=0)
    st = feed(reviewing(), empty)
    assert d.decide(st, empty, Config()) == [d.Record((NOTHING,))]
    feed(st, NOTHING)
    assert st.sessions[SID].state == SessionState.NO_CHANGE and st.sessions[SID].terminal
    assert st.sessions[SID].last_message == "no change: the worker changed nothing"
    assert refused(st, NOTHING) == "session fix-it is no_change; nothing changed does not apply"


@pytest.mark.parametrize(("event", "follows"), [
    (ev.ChangeRejected(session_id=SID), [d.StopWorker(SID), d.RemoveWorktree(SID, True)]),
    (NOTHING, [d.RemoveWorktree(SID, True)]),
])
def test_an_ended_session_takes_its_branch_with_its_worktree(
    event: ev.Event, follows: list[d.Effect],
) -> None:
    st = feed(reviewing(), review(), ev.GateDecided(session_id=SID, auto_land=False,
                                                    reasons=("big",)))
    if isinstance(event, ev.NothingChanged):
        st = reviewing()
    feed(st, event)
    assert d.decide(st, event, Config()) == follows
    assert d.recover(st, Config()) == [d.RemoveWorktree(SID, True)]  # after a crash too
def asked(st: State, default: str = "spaces") -> State:
    return feed(st, ev.DecisionAsked(decision_id="d-7", question="Tabs or spaces?",
                                     options=("tabs", "spaces"), default=default,
                                     session_id=SID, task_id="t-1"))


def awaiting(st: State) -> State:
    return feed(st, review(), ev.GateDecided(session_id=SID, auto_land=False,
                                             reasons=("Auto-land is off.",)))


SEND_BACK = d.Record((ev.ChangesRequested(session_id=SID, note=d.ANSWER_NOTE, by="answer"),))
FOLLOW_UP = ev.TaskFiled(
    task_id="t-7", title="Follow the answer to: Tabs or spaces?",
    body=("fix-it landed 'Fix it' assuming 'spaces' for the question 'Tabs or spaces?'. "
          "The answer is 'tabs': change what landed to follow it."),
    source="answer", backend="", origin="answer to d-7 (fix-it)")


@pytest.mark.parametrize(("where", "answer", "follows"), [
    # at the gate: the change goes back to the worker with the answer
    (awaiting, "tabs", [SEND_BACK]),
    (awaiting, "spaces", []),  # the assumption holds: nothing changes
    # already landed: a new task says what to change
    (lambda st: feed(landing(), LANDED), "tabs", [d.Record((FOLLOW_UP,))]),
    # still at work: the review will send it back (below), nothing now
    (lambda st: st, "tabs", []),
])
def test_an_answer_against_the_assumption_is_acted_on(
    where: object, answer: str, follows: list[d.Effect],
) -> None:
    st = asked(where(reviewing()))  # type: ignore[operator]
    answered = ev.DecisionAnswered(decision_id="d-7", answer=answer)
    feed(st, answered)
    assert d.decide(st, answered, Config()) == [d.DeliverAnswer("d-7", answer), *follows]


def test_a_review_sends_unheeded_answers_back_then_holds_the_rework_for_the_human() -> None:
    st = feed(asked(reviewing()), ev.DecisionAnswered(decision_id="d-7", answer="tabs"),
              review())
    assert d.decide(st, review(), Config()) == [SEND_BACK]
    feed(st, *SEND_BACK.events)
    s = st.sessions[SID]
    assert s.instruction.endswith(
        "- Tabs or spaces? You went on assuming 'spaces'; the answer is 'tabs'.")
    assert s.heeded == ["d-7"] and s.unheeded == []
    feed(st, ev.SessionResumed(session_id=SID, reason="changes requested"),
         ev.WorkerFinished(session_id=SID, summary="tabs now", head_commit="h2"),
         ev.ChecksFinished(session_id=SID, command="make test", passed=True, exit_code=0,
                           output_tail="", seconds=1.0), review())
    assert d.decide(st, review(), Config()) == [d.Record((ev.GateDecided(
        session_id=SID, auto_land=False, reasons=(d.ANSWER_REASON,)),))]


def test_answers_that_came_while_landing_become_tasks_once_landed_and_after_a_restart() -> None:
    st = feed(asked(landing()), ev.DecisionAnswered(decision_id="d-7", answer="tabs"), LANDED)
    assert d.decide(st, LANDED, Config(build=BuildConfig(on_landing=False),
                                       land=LandConfig(mode="pull-request"))) == [
        d.RemoveWorktree(SID, True), d.Record((FOLLOW_UP,))]
    assert d.Record((FOLLOW_UP,)) in d.recover(st, Config())
    feed(st, FOLLOW_UP)
    assert d.Record((FOLLOW_UP,)) not in d.recover(st, Config())  # filed once


def test_a_stalls_proposal_answered_is_not_taken_for_the_workers_assumption() -> None:
    st = feed(reviewing(), review(), ev.GateDecided(session_id=SID, auto_land=False,
                                                    reasons=("Auto-land is off.",)),
              ev.StallDetected(session_id=SID, signal="silent", evidence="idle",
                               onset_at=1.0, proposal="kill", decision_id="d-8"),
              ev.DecisionAsked(decision_id="d-8", question="Stalled?", session_id=SID,
                               options=("kill", "redirect", "keep going"),
                               default="keep going", task_id="t-1"))
    answered = ev.DecisionAnswered(decision_id="d-8", answer="kill")
    feed(st, answered)
    assert d.decide(st, answered, Config()) == [d.DeliverAnswer("d-8", "kill")]
    assert st.sessions[SID].unheeded == []
