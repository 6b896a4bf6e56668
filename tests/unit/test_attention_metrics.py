"""Metrics from the log alone, checked against a scenario computed by hand."""

from __future__ import annotations

import itertools

from loopwright import events as ev
from loopwright.insight.history import History
from loopwright.insight.metrics import compute
from loopwright.insight.report import render_report

_seq = itertools.count(1)


def note(nid: str, key: str, kind: ev.AttentionKind = "needs_decision", *,
         interrupt: bool = True, ref: str = "") -> ev.NotificationRaised:
    return ev.NotificationRaised(notification_id=nid, kind=kind, key=key, title="t",
                                 ref=ref, interrupt=interrupt)


def gone(nid: str) -> ev.NotificationWithdrawn:
    return ev.NotificationWithdrawn(notification_id=nid, reason="done")


def scenario() -> list[ev.Record]:
    """Two sessions. s-1 asks (non-blocking), asks (blocking; notified a second late),
    goes to review, is approved and lands. s-2 costs money, goes silent and is flagged,
    and the human kills it."""
    hunkless = ev.ReviewPrepared(session_id="s-1", head_commit="h", base_commit="b",
                                 files=("a.py", "b.py"), hunks=(), added=30, removed=10)
    timeline: list[tuple[float, ev.Event]] = [
        (0, ev.TaskFiled(task_id="t-1", title="A", body="", source="cli")),
        (0, ev.TaskAccepted(task_id="t-1")),
        (0, ev.SessionQueued(session_id="s-1", task_id="t-1", name="a", branch="b1",
                             backend="script")),
        (5, ev.TaskFiled(task_id="t-2", title="B", body="", source="cli")),
        (5, ev.TaskAccepted(task_id="t-2")),
        (5, ev.SessionQueued(session_id="s-2", task_id="t-2", name="b", branch="b2",
                             backend="script")),
        (10, ev.SessionStarted(session_id="s-1", worktree="/w1", base_commit="b",
                               target_branch="main")),
        (20, ev.DecisionAsked(decision_id="d-1", question="Q1", default="x",
                              session_id="s-1", task_id="t-1")),
        (20, note("n-1", "s-1", ref="d-1")),
        (30, ev.SessionStarted(session_id="s-2", worktree="/w2", base_commit="b",
                               target_branch="main")),
        (40, ev.ModelReplied(agent="worker", model="m", session_id="s-2",
                             input_tokens=800, output_tokens=200, cost_usd=0.5)),
        (50, ev.DecisionAnswered(decision_id="d-1", answer="x")),
        (50, gone("n-1")),
        (60, ev.DecisionAsked(decision_id="d-2", question="Q2", blocking=True,
                              session_id="s-1", task_id="t-1")),
        (61, note("n-2", "s-1", ref="d-2")),
        (90, ev.DecisionAnswered(decision_id="d-2", answer="go")),
        (90, gone("n-2")),
        (100, ev.WorkerFinished(session_id="s-1", summary="done", head_commit="h")),
        (100, ev.StallDetected(session_id="s-2", signal="silent", evidence="quiet",
                               onset_at=70, proposal="kill", decision_id="d-s")),
        (100, ev.DecisionAsked(decision_id="d-s", question="stuck?",
                               options=("kill", "redirect", "keep going"),
                               default="keep going", session_id="s-2", task_id="t-2")),
        (100, note("n-s", "s-2", "wasting_time", interrupt=False, ref="d-s")),
        (110, ev.ChecksFinished(session_id="s-1", command="make test", passed=True,
                                exit_code=0, output_tail="", seconds=9)),
        (115, hunkless),
        (115, ev.GateDecided(session_id="s-1", auto_land=False, reasons=("big",))),
        (115, note("n-3", "s-1", "needs_review", ref="s-1")),
        (130, ev.DecisionAnswered(decision_id="d-s", answer="kill")),
        (130, ev.SessionKilled(session_id="s-2", by="human", reason="stalled")),
        (130, gone("n-s")),
        (175, ev.ChangeApproved(session_id="s-1")),
        (175, gone("n-3")),
        (180, ev.ChangeLanded(session_id="s-1", target_branch="main", commit="c")),
    ]
    return [ev.Record(next(_seq), at, e) for at, e in timeline]


def test_each_session_is_measured_as_computed_by_hand() -> None:
    m = compute(History.of(scenario()), now=200.0)
    s1, s2 = m.sessions
    assert (s1.name, s1.state, s1.lead_time_s) == ("a", "landed", 180.0)
    assert s1.agent_s == 60.0  # running 10-60 and 90-100
    assert s1.blocked_on_decisions_s == 30.0  # waiting 60-90
    assert s1.awaiting_review_s == 60.0  # 115-175
    assert s1.assumption_s == 30.0  # d-1 open 20-50 while running
    assert s1.silent_idle_s == 1.0  # waiting from 60, notified at 61
    assert (s1.interruptions, s1.decisions, s1.reviews, s1.review_lines) == (3, 2, 1, 40)
    assert (s2.state, s2.lead_time_s, s2.agent_s, s2.stalls) == ("killed", None, 100.0, 1)
    assert (s2.interruptions, s2.decisions, s2.tokens, s2.cost_usd) == (0, 1, 1000, 0.5)


def test_overall_figures_and_ratios_per_landed_change() -> None:
    o = compute(History.of(scenario()), now=200.0).overall
    assert (o.span_s, o.sessions, o.landed) == (200.0, 2, 1)
    assert (o.interruptions, o.interruptions_per_landed) == (3, 3.0)
    assert (o.decisions, o.decisions_per_landed) == (3, 3.0)
    assert (o.reviews, o.reviews_per_landed, o.review_lines_per_landed) == (1, 1.0, 40.0)
    assert (o.blocked_on_human_s, o.blocked_on_decisions_s, o.awaiting_review_s) == (
        90.0, 30.0, 60.0)
    assert (o.assumption_s, o.silent_idle_s) == (30.0, 1.0)
    assert (o.lead_time_mean_s, o.lead_time_median_s, o.agent_s) == (180.0, 180.0, 160.0)
    assert (o.tokens, o.cost_usd, o.peak_parallel) == (1000, 0.5, 2)
    assert (o.stalls_caught, o.stall_lost_before_flag_s, o.stall_total_s) == (1, 30.0, 60.0)


def test_open_intervals_end_at_now() -> None:
    records = scenario()[:8]  # s-1 running since 10, d-1 open since 20
    s1 = compute(History.of(records), now=45.0).sessions[0]
    assert (s1.agent_s, s1.assumption_s, s1.lead_time_s) == (35.0, 25.0, None)


def test_a_replacement_is_not_a_new_interruption_but_a_released_batch_is() -> None:
    records = [
        *scenario()[:3],
        ev.Record(next(_seq), 1.0, note("n-1", "s-1")),
        ev.Record(next(_seq), 2.0, ev.NotificationRaised(
            notification_id="n-2", kind="needs_decision", key="s-1", title="t",
            interrupt=True, replaces="n-1")),
        ev.Record(next(_seq), 3.0, ev.NotificationsReleased(notification_ids=("n-9",),
                                                            summary="")),
    ]
    assert compute(History.of(records), now=4.0).overall.interruptions == 2
    assert compute(History.of(records), now=4.0).overall.interruptions_per_landed is None


def test_tokens_by_agent_count_every_reply_whichever_agent_asked() -> None:
    replies = [
        ev.ModelReplied(agent="reviewer", model="gpt-5", session_id="s-1",
                        input_tokens=500, cache_read_tokens=1500, output_tokens=40,
                        cost_usd=1.05),
        ev.ModelReplied(agent="triage", model="m", task_id="t-2", input_tokens=90,
                        output_tokens=10, cost_usd=0.01),
        ev.ModelReplied(agent="manager", model="m", input_tokens=7, output_tokens=3),
    ]
    records = [*scenario(), *(ev.Record(next(_seq), 190.0, e) for e in replies)]
    o = compute(History.of(records), now=200.0).overall
    assert [(a.agent, a.replies, a.tokens, a.cost_usd) for a in o.by_agent] == [
        ("worker", 1, 1000, 0.5), ("reviewer", 1, 2040, 1.05), ("triage", 1, 100, 0.01),
        ("manager", 1, 10, 0.0)]
    assert (o.tokens, o.cost_usd) == (3040, 1.55)  # the sessions' own: worker and reviewer
    page = render_report(History.of(records), 200.0)
    assert "2,040 · $1.05</b><span>reviewer tokens · cost" in page
    assert "manager tokens · cost" not in page  # its own part, when it took a turn
