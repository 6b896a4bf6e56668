"""Routing: what interrupts, what waits quietly, one notification per session, and
answers anywhere taking notifications down everywhere. Pure: explicit events and times."""

from __future__ import annotations

import time

from helpers.attention import Log, asked, filed, review, started
from loopwright import events as ev
from loopwright.attention import routing
from loopwright.config import AttentionConfig


def raised(events: list[ev.Event]) -> list[ev.NotificationRaised]:
    return [e for e in events if isinstance(e, ev.NotificationRaised)]


def withdrawn(events: list[ev.Event]) -> list[ev.NotificationWithdrawn]:
    return [e for e in events if isinstance(e, ev.NotificationWithdrawn)]


def running(log: Log, sid: str = "s-1", tid: str = "t-1") -> None:
    log.at(100.0, *filed(sid, tid, title=f"Fix {tid}"), started(sid))


def test_a_question_interrupts_once_and_an_answer_takes_it_down() -> None:
    log = Log(route=True)
    running(log)
    [note] = raised(log.at(110.0, asked("d-1")))
    assert (note.kind, note.key, note.ref, note.interrupt, note.held) == (
        "needs_decision", "s-1", "d-1", True, False)
    assert note.options == ("a", "b") and "working on 'a' meanwhile" in note.detail
    assert log.state.attention.open_for("s-1") is not None
    [gone] = withdrawn(log.at(130.0, ev.DecisionAnswered(decision_id="d-1", answer="b",
                                                         by="cli")))
    assert gone.notification_id == note.notification_id
    assert gone.reason == "answered by cli: b"
    assert log.state.attention.notes == {}


def test_a_second_question_replaces_the_first_and_the_first_comes_back_when_it_is_answered(
) -> None:
    log = Log(route=True)
    running(log)
    [first] = raised(log.at(110.0, asked("d-1")))
    [second] = raised(log.at(120.0, asked("d-2", question="And?")))
    assert second.replaces == first.notification_id and second.ref == "d-2"
    assert list(log.state.attention.notes) == [second.notification_id]
    [back] = raised(log.at(130.0, ev.DecisionAnswered(decision_id="d-2", answer="a")))
    assert back.ref == "d-1" and back.replaces == second.notification_id
    assert withdrawn(log.at(140.0, ev.DecisionAnswered(decision_id="d-1", answer="a")))
    assert log.state.attention.notes == {}


def test_a_review_interrupts_and_goes_away_when_approved() -> None:
    log = Log(route=True)
    running(log)
    [note] = raised(log.at(200.0, *review()))
    assert (note.kind, note.ref) == ("needs_review", "s-1")
    assert note.detail == "+30 -2 in 1 file(s); too big"
    assert withdrawn(log.at(210.0, ev.ChangeApproved(session_id="s-1")))


def test_progress_never_raises_a_notification() -> None:
    log = Log(route=True)
    running(log)
    routed = log.at(110.0, ev.WorkerProgressed(session_id="s-1", message="half way"),
                    ev.WorkerFinished(session_id="s-1", summary="ok", head_commit="c"),
                    ev.GateDecided(session_id="s-1", auto_land=True, reasons=()))
    assert routed == []


def test_kinds_left_out_of_interrupt_wait_quietly() -> None:
    log = Log(AttentionConfig(interrupt=["needs_review"]), route=True)
    running(log)
    [note] = raised(log.at(110.0, asked("d-1")))
    assert (note.interrupt, note.held) == (False, False)
    assert log.state.attention.interrupting() == []


def test_focus_holds_interruptions_and_releases_them_as_one_batch() -> None:
    log = Log(route=True)
    running(log, "s-1", "t-1")
    running(log, "s-2", "t-2")
    log.at(105.0, ev.FocusChanged(on=True))
    one = raised(log.at(110.0, asked("d-1")))
    two = raised(log.at(111.0, *review("s-2")))
    assert [(n.interrupt, n.held) for n in one + two] == [(False, True), (False, True)]
    routed = log.at(150.0, ev.FocusChanged(on=False))
    [batch] = [e for e in routed if isinstance(e, ev.NotificationsReleased)]
    assert batch.notification_ids == (one[0].notification_id, two[0].notification_id)
    assert batch.summary == "While you were away: 1 decision(s), 1 review(s) waiting"
    assert log.state.attention.held() == []


def test_focus_with_an_end_holds_until_then() -> None:
    log = Log(route=True)
    running(log)
    log.at(100.0, ev.FocusChanged(on=True, until=200.0))
    assert raised(log.at(110.0, asked("d-1")))[0].held
    assert routing.is_quiet(log.state, log.cfg, 199.0)
    assert routing.focus_expired(log.state, 200.0)
    assert not routing.is_quiet(log.state, log.cfg, 200.0)
    assert routing.release(log.state, log.cfg, 200.0)


def test_quiet_hours_hold_interruptions_in_local_time() -> None:
    now = time.mktime((2026, 3, 2, 23, 30, 0, 0, 0, -1))  # 23:30 local
    morning = time.mktime((2026, 3, 3, 7, 45, 0, 0, 0, -1))
    assert routing.in_quiet_hours("22:00-07:30", now)
    assert not routing.in_quiet_hours("22:00-07:30", morning)
    assert routing.in_quiet_hours("07:00-08:00", morning)
    log = Log(AttentionConfig(quiet_hours="22:00-07:30"))
    running(log)
    log.at(now, asked("d-1"))
    [note] = raised(routing.reconcile(log.state, "s-1", 5, log.cfg, now, log.new_id))
    assert note.held and not note.interrupt
    log.at(now, note)
    assert routing.release(log.state, log.cfg, now) == []
    [batch] = routing.release(log.state, log.cfg, morning)
    assert isinstance(batch, ev.NotificationsReleased)


def test_a_session_that_ends_takes_its_notifications_with_it() -> None:
    log = Log(route=True)
    running(log)
    log.at(110.0, asked("d-1"))
    [gone] = withdrawn(log.at(120.0, ev.SessionKilled(session_id="s-1")))
    assert gone.reason == "fix-t-1 is killed"


def test_the_managers_own_question_is_keyed_by_its_task() -> None:
    log = Log(route=True)
    log.at(100.0, ev.TaskFiled(task_id="t-9", title="Maybe", body="", source="cli"))
    [note] = raised(log.at(101.0, ev.DecisionAsked(
        decision_id="d-9", question="Take this on?", options=("accept", "decline"),
        task_id="t-9")))
    assert note.key == "task:t-9" and note.title == "triage asks: Take this on?"


def test_a_blocked_landing_and_an_exceeded_budget_need_the_human() -> None:
    log = Log(route=True)
    running(log)
    [budget] = raised(log.at(110.0, ev.BudgetExceeded(session_id="s-1", reason="$10")))
    assert budget.title == "fix-t-1 is over its budget"
    assert withdrawn(log.at(120.0, ev.BudgetExtended(session_id="s-1")))


def test_applying_a_notification_twice_changes_nothing() -> None:
    log = Log(route=True)
    running(log)
    [note] = raised(log.at(110.0, asked("d-1")))
    log.at(111.0, note)  # read back again
    assert list(log.state.attention.notes) == [note.notification_id]
