"""The follower, without LSP: records in, one delta per batch and the signals out."""

from __future__ import annotations

import itertools

import msgspec

from helpers.attention import Log
from loopwright import events as ev
from loopwright.lsp import follower as f
from loopwright.lsp import wire
from loopwright.views.overview import inbox, inbox_key

_seq = itertools.count(1)
NOW = 1060.0


def CLOCK() -> float:
    return NOW


def records(*events: ev.Event) -> list[ev.Record]:
    return [ev.Record(next(_seq), 1000.0 + n, e) for n, e in enumerate(events)]


class Routed:
    """Records as the manager logs them: the events, then what attention routing raised
    or withdrew for them (the supervisor's notifications)."""

    def __init__(self) -> None:
        self.log, self._fed, self._t = Log(route=True), 0, 1000.0

    def records(self, *events: ev.Event) -> list[ev.Record]:
        self.log.at(self._t, *events)
        self._t += 1
        out, self._fed = self.log.records[self._fed:], len(self.log.records)
        return out


def filed(task: str = "t-1", session: str = "s-1") -> list[ev.Event]:
    return [
        ev.TaskFiled(task_id=task, title="Fix it", body="", source="lsp"),
        ev.TaskAccepted(task_id=task),
        ev.SessionQueued(session_id=session, task_id=task, name="fix-it",
                         branch="loopwright/fix-it", backend="script"),
    ]


def started(session: str = "s-1") -> ev.Event:
    return ev.SessionStarted(session_id=session, worktree="/w", base_commit="b" * 40,
                             target_branch="main")


HUNKS = (
    ev.Hunk(hunk_id="h1", path="a.txt", old_start=1, old_lines=1, new_start=1, new_lines=2,
            header="@@ -1 +1,2 @@", added=1, removed=0),
    ev.Hunk(hunk_id="h2", path="b.txt", old_start=5, old_lines=0, new_start=6, new_lines=1,
            header="@@ -5,0 +6 @@", added=1, removed=0),
)


def ready_for_review(session: str = "s-1") -> list[ev.Event]:
    return [
        ev.WorkerFinished(session_id=session, summary="done", head_commit="c" * 40),
        ev.ChecksFinished(session_id=session, command="", passed=False, exit_code=0,
                          output_tail="", seconds=0.0),
        ev.ReviewPrepared(session_id=session, head_commit="c" * 40, base_commit="b" * 40,
                          files=("a.txt", "b.txt"), hunks=HUNKS, added=2, removed=0),
        ev.GateDecided(session_id=session, auto_land=False, reasons=("Auto-land is off.",)),
    ]


def kinds(signals: list[f.Signal]) -> list[str]:
    return [type(s).__name__ for s in signals]


def test_a_batch_becomes_one_delta_with_the_rows_it_touched() -> None:
    fol = f.Follower(CLOCK)
    batch = fol.feed(records(*filed()))
    assert batch.seq == fol.seq
    assert [t.task_id for t in batch.tasks] == ["t-1"]
    assert [(s.session_id, s.state) for s in batch.sessions] == [("s-1", "queued")]
    assert [a.text for a in batch.activity][-1].startswith("fix-it: queued")
    assert (batch.running, batch.need_you, batch.inbox_changed, batch.inbox_removed) == (
        0, 0, [], [])
    changed = batch.changed(hosted=True, pid=42)
    assert (changed.hosted_manager, changed.manager_pid, changed.removed_sessions) == (
        True, 42, [])


def test_a_rows_elapsed_time_is_taken_at_the_injected_clock() -> None:
    fol = f.Follower(CLOCK)
    fol.feed(records(*filed()))
    [row] = fol.feed([ev.Record(next(_seq), 1010.0, started())]).sessions
    assert (row.state, row.elapsed_seconds) == ("running", NOW - 1010.0)  # since it started


def test_a_session_that_starts_running_begins_a_progress_and_ends_it_on_review() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    fol.feed(r.records(*filed()))
    batch = fol.feed(r.records(started()))
    assert batch.signals == [f.ProgressBegin("s-1", "Loopwright: fix-it", "running")]
    assert batch.running == 1
    batch = fol.feed(r.records(ev.WorkerProgressed(session_id="s-1", message="editing")))
    assert batch.signals == [f.ProgressReport("s-1", "running: editing")]
    batch = fol.feed(r.records(*ready_for_review()))
    assert kinds(batch.signals) == ["Notify", "ProgressEnd", "RefreshLenses"]
    assert batch.signals[1] == f.ProgressEnd("s-1", "awaiting approval")
    assert fol.state.attention.notes["n-1"].kind == "needs_review"
    assert [i.kind for i in batch.inbox_changed] == ["review"]
    assert batch.inbox_changed[0].session_id == "s-1" and batch.need_you == 1


def test_a_blocking_question_asks_once_and_its_answer_withdraws_the_prompt() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    fol.feed(r.records(*filed(), started()))
    asked = ev.DecisionAsked(decision_id="d-1", question="Which?", options=("a", "b"),
                             blocking=True, session_id="s-1", task_id="t-1")
    batch = fol.feed(r.records(asked))
    assert f.Notify("n-1") in batch.signals
    assert [(i.kind, i.session_id, i.options) for i in batch.inbox_changed] == [
        ("decision", "s-1", ("a", "b"))]
    question = batch.inbox_changed[0]
    assert batch.sessions[0].needs_you and batch.sessions[0].state == "waiting"
    batch = fol.feed(r.records(ev.DecisionAnswered(decision_id="d-1", answer="b")))
    assert f.Withdraw(f.note_key("n-1")) in batch.signals
    assert batch.sessions[0].state == "running" and batch.inbox_changed == []
    assert batch.inbox_removed == [inbox_key(question)] and not fol.inbox.items


def test_a_question_answered_in_the_same_batch_never_pops_up() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    fol.feed(r.records(*filed(), started()))
    batch = fol.feed(r.records(
        ev.DecisionAsked(decision_id="d-1", question="Q?", session_id="s-1", task_id="t-1"),
        ev.DecisionAnswered(decision_id="d-1", answer="x")))
    assert not any(isinstance(s, f.Notify) for s in batch.signals)


def test_only_what_routing_says_interrupts_pops_up() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    r.log.cfg.interrupt = ["needs_review"]
    fol.feed(r.records(*filed(), started()))
    batch = fol.feed(r.records(ev.DecisionAsked(decision_id="d-1", question="Q?",
                                                session_id="s-1", task_id="t-1")))
    assert not any(isinstance(s, f.Notify) for s in batch.signals)
    assert [i.kind for i in batch.inbox_changed] == ["decision"]  # it waits in the inbox
    fol.feed(r.records(ev.FocusChanged(on=True)))
    batch = fol.feed(r.records(*ready_for_review()))
    assert not any(isinstance(s, f.Notify) for s in batch.signals)  # held
    batch = fol.feed(r.records(ev.FocusChanged(on=False)))
    assert batch.signals == [f.NotifyBatch("While you were away: 1 review(s) waiting")]


def test_a_newer_question_replaces_the_prompt_instead_of_stacking() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    fol.feed(r.records(*filed(), started()))
    fol.feed(r.records(ev.DecisionAsked(decision_id="d-1", question="Q1?",
                                        session_id="s-1", task_id="t-1")))
    batch = fol.feed(r.records(ev.DecisionAsked(decision_id="d-2", question="Q2?",
                                                session_id="s-1", task_id="t-1")))
    assert [s for s in batch.signals if isinstance(s, f.Notify | f.Withdraw)] == [
        f.Withdraw(f.note_key("n-1")), f.Notify("n-2")]


def test_killing_a_session_withdraws_its_open_questions() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    fol.feed(r.records(*filed(), started(), ev.DecisionAsked(
        decision_id="d-1", question="Q?", blocking=True, session_id="s-1", task_id="t-1")))
    batch = fol.feed(r.records(ev.SessionKilled(session_id="s-1")))
    assert f.Withdraw(f.note_key("n-1")) in batch.signals
    assert f.ProgressEnd("s-1", "killed") in batch.signals
    assert len(batch.inbox_removed) == 1 and not fol.inbox.items


def test_judging_a_hunk_refreshes_lenses_and_keeps_the_comment() -> None:
    fol = f.Follower(CLOCK)
    fol.feed(records(*filed(), started(), *ready_for_review()))
    batch = fol.feed(records(ev.HunkJudged(session_id="s-1", hunk_id="h1",
                                           verdict="comment", comment="why?")))
    assert f.RefreshLenses() in batch.signals
    assert fol.state.sessions["s-1"].hunk_comments == {"h1": ["why?"]}
    # A new review (after request changes) starts with no comments.
    fol.feed(records(ev.ChangesRequested(session_id="s-1", note="again"),
                     started(), ev.SessionResumed(session_id="s-1", reason="changes"),
                     *ready_for_review()))
    assert fol.state.sessions["s-1"].hunk_comments == {}


def test_approving_withdraws_the_review_prompt_and_landing_shows_progress() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    fol.feed(r.records(*filed(), started(), *ready_for_review()))
    batch = fol.feed(r.records(ev.ChangeApproved(session_id="s-1")))
    assert kinds(batch.signals) == ["Withdraw", "ProgressBegin", "RefreshLenses"]
    assert batch.signals[0] == f.Withdraw(f.note_key("n-1"))


def test_starting_late_asks_what_already_waits_and_shows_what_runs() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    signals = fol.start(r.records(
        *filed("t-1", "s-1"), started("s-1"), *ready_for_review("s-1"),
        *filed("t-2", "s-2"), started("s-2"),
        ev.DecisionAsked(decision_id="d-9", question="Q?", session_id="s-2", task_id="t-2"),
    ))
    assert sorted(kinds(signals)) == ["Notify", "Notify", "ProgressBegin"]
    notes = fol.state.attention.notes
    assert sorted(notes[s.notification_id].ref for s in signals
                  if isinstance(s, f.Notify)) == ["d-9", "s-1"]


def test_records_told_elsewhere_add_no_activity_line() -> None:
    fol = f.Follower(CLOCK)
    fol.feed(records(*filed(), started()))
    batch = fol.feed(records(
        ev.WorkerActed(session_id="s-1", step=0, action="ask", detail="Q?"),
        ev.WorkerActed(session_id="s-1", step=1, action="write", detail="a.txt")))
    assert [a.text for a in batch.activity] == ["fix-it: write a.txt"]


def test_a_delta_for_one_session_stays_small_whatever_the_inbox_holds() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    waiting = []
    for n in range(300):  # 300 questions and 300 reviews wait in the inbox
        task, session = f"t-{n}", f"s-{n}"
        waiting += [*filed(task, session), started(session),
                    ev.DecisionAsked(decision_id=f"d-{n}", question=f"Question {n}?",
                                     session_id=session, task_id=task),
                    *ready_for_review(session)]
    fol.feed(r.records(*waiting))
    assert len(fol.inbox.items) == 600
    batch = fol.feed(r.records(*filed("t-new", "s-new"), started("s-new")))
    size = len(msgspec.json.encode(batch.changed(hosted=True, pid=1)))
    assert size <= 2048, size
    batch = fol.feed(r.records(ev.DecisionAnswered(decision_id="d-7", answer="yes"),
                               ev.ChangeApproved(session_id="s-9")))
    assert len(batch.inbox_removed) == 2 and batch.need_you == 598
    assert len(msgspec.json.encode(batch.changed(hosted=True, pid=1))) <= 2048


def test_the_inbox_kept_from_deltas_is_the_inbox_of_the_state() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    fol.start([])
    steps = [
        [*filed("t-1", "s-1"), started("s-1")],
        [ev.DecisionAsked(decision_id="d-1", question="Q?", blocking=True,
                          session_id="s-1", task_id="t-1")],
        [*filed("t-2", "s-2"), ev.TaskDeclined(task_id="t-2", reason="not ours")],
        [ev.DecisionAnswered(decision_id="d-1", answer="x"), *ready_for_review("s-1")],
        [ev.TaskOverruled(task_id="t-2"), ev.ChangeRejected(session_id="s-1")],
    ]
    for events in steps:
        fol.feed(r.records(*events))
        kept = sorted(fol.inbox.items.values(), key=lambda i: i.since)
        assert [wire.to_json(i) for i in kept] == [wire.to_json(i) for i in inbox(fol.state)]


def test_questions_answered_one_after_another_leave_the_inbox_as_the_state_has_it() -> None:
    fol, r = f.Follower(CLOCK), Routed()
    fol.start([])
    fol.feed(r.records(*filed("t-1", "s-1"), started("s-1"),
                       ev.DecisionAsked(decision_id="d-t", question="Triage?",
                                        task_id="t-1")))
    for n in range(40):  # one session's blocking questions, each answered in turn
        asked = fol.feed(r.records(ev.DecisionAsked(
            decision_id=f"d-{n}", question=f"Q{n}?", blocking=True, session_id="s-1",
            task_id="t-1")))
        assert [i.ref for i in asked.inbox_changed] == [f"d-{n}"]
        answered = fol.feed(r.records(ev.DecisionAnswered(decision_id=f"d-{n}",
                                                          answer="x")))
        assert answered.inbox_removed == [inbox_key(asked.inbox_changed[0])]
        kept = sorted(fol.inbox.items.values(), key=lambda i: i.since)
        assert [wire.to_json(i) for i in kept] == [wire.to_json(i) for i in inbox(fol.state)]
    assert [i.ref for i in fol.inbox.items.values()] == ["d-t"]  # the task's, still open
    batch = fol.feed(r.records(ev.DecisionAnswered(decision_id="d-t", answer="x"),
                               *ready_for_review("s-1")))
    assert [i.kind for i in batch.inbox_changed] == ["review"] and len(
        batch.inbox_removed) == 1
