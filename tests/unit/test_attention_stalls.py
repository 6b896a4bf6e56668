"""Likely wasting time: detection over explicit events, with time passed in."""

from __future__ import annotations

from helpers.attention import Log, asked, filed, started
from loopwright import events as ev
from loopwright.attention import stalls
from loopwright.config import StallsConfig
from loopwright.state import Health, SessionState

CFG = StallsConfig(no_diff_turns=5, no_diff_minutes=10, failing_check_repeats=3,
                   repeated_call_limit=3, max_cost_per_line_usd=0.5, cost_floor_usd=1.0,
                   heartbeat_minutes=5)


def running(t: float = 0.0) -> Log:
    log = Log(route=True)
    log.at(t, *filed(), started())
    return log


def diff(fp: str, added: int = 3) -> ev.DiffMeasured:
    return ev.DiffMeasured(session_id="s-1", fingerprint=fp, files=1, added=added, removed=0)


def act(step: int, action: str = "read", detail: str = "a.py") -> ev.WorkerActed:
    return ev.WorkerActed(session_id="s-1", step=step, action=action, detail=detail)


def ran(command: str, code: int) -> ev.CommandRan:
    return ev.CommandRan(session_id="s-1", command=command, exit_code=code, output_tail="",
                         seconds=1.0)


def found(log: Log, now: float, cfg: StallsConfig = CFG) -> list[stalls.Finding]:
    return stalls.detect(log.state, log.tracker, cfg, now)


def test_a_worker_silent_past_its_heartbeat_is_flagged_from_when_it_went_quiet() -> None:
    log = running()
    log.at(60.0, act(0))
    assert found(log, 60.0 + 299) == []
    [f] = found(log, 60.0 + 300)
    assert (f.signal, f.onset_at, f.proposal) == ("silent", 60.0, "kill")
    assert f.evidence == "no step, reply or command for 5 min (heartbeat 5 min); last: read a.py"


def test_time_waiting_on_the_human_does_not_count_as_silence() -> None:
    log = running()
    log.at(10.0, asked("d-1", blocking=True))
    assert log.state.sessions["s-1"].state == SessionState.WAITING
    assert found(log, 1000.0) == []  # waiting is not running
    log.at(1000.0, ev.DecisionAnswered(decision_id="d-1", answer="a"))
    assert found(log, 1000.0 + 299) == []  # it asked at 10 s, then waited on the human
    [f] = found(log, 1000.0 + 300)
    assert f.signal == "silent" and f.onset_at == 1000.0


def test_no_change_to_the_diff_over_n_turns_or_m_minutes() -> None:
    log = running()
    log.at(1.0, diff("aaa"))
    for step in range(4):
        log.at(2.0 + step, ev.WorkerProgressed(session_id="s-1", message="thinking",
                                               step=step))
    assert found(log, 10.0) == []
    log.at(7.0, ev.WorkerProgressed(session_id="s-1", message="thinking", step=4))
    [f] = found(log, 10.0)
    assert (f.signal, f.onset_at, f.proposal) == ("no_diff_change", 1.0, "redirect")
    assert f.evidence == "the diff has not changed in 5 turns (limit 5)"
    log2 = running()
    log2.at(100.0, diff("aaa"))
    for n in range(8):  # heard from every minute, never changing the diff
        log2.at(100.0 + 60 * n, ev.ModelPrompted(session_id="s-1", content="[]"))
    [f2] = found(log2, 100.0 + 600)
    assert f2.signal == "no_diff_change" and "for 10 min of running" in f2.evidence


def test_a_model_backed_worker_counts_its_replies_as_turns() -> None:
    log = running()
    for n in range(4):
        log.at(1.0 + n, ev.ModelReplied(agent="worker", model="m", session_id="s-1"),
               act(n, "read", f"f{n}.py"), act(100 + n, "search", f"q{n}"))
    assert found(log, 5.0) == []  # 4 replies, 8 steps: turns are the replies
    log.at(6.0, ev.ModelReplied(agent="worker", model="m", session_id="s-1"))
    assert found(log, 6.0)[0].signal == "no_diff_change"


def test_the_same_check_failing_k_times_in_a_row() -> None:
    log = running()
    log.at(1.0, ran("pytest -q", 1), ran("ls", 0), ran("pytest -q", 1))
    log.at(2.0, diff("x"))  # the diff changes, yet the same check keeps failing
    assert found(log, 3.0) == []
    log.at(3.0, ran("pytest -q", 2))
    [f] = found(log, 3.0)
    assert (f.signal, f.onset_at) == ("failing_check", 1.0)
    assert f.evidence == "`pytest -q` failed 3 times in a row (last exit 2)"
    log.at(4.0, ran("pytest -q", 0))
    assert found(log, 4.0) == []


def test_the_same_tool_call_repeated_since_the_diff_last_changed() -> None:
    log = running()
    log.at(1.0, act(0), act(1, "read", "b.py"), act(2))
    log.at(2.0, diff("x"))  # resets the count
    log.at(3.0, act(3), act(4), act(5, "read", "b.py"))
    assert found(log, 3.0) == []
    log.at(4.0, act(6))
    [f] = found(log, 4.0)
    assert (f.signal, f.onset_at) == ("repeated_call", 3.0)
    assert f.evidence == "`read a.py` made 3 times since the diff last changed"
    log2 = running()
    log2.at(1.0, ran("cat x", 0), act(0, "run", "cat x"), ran("cat x", 0), ran("cat x", 0))
    assert found(log2, 1.0)[0].evidence.startswith("`run cat x` made 3 times")


def test_cost_burning_faster_than_the_limit_per_changed_line() -> None:
    log = running()
    log.at(1.0, diff("x", added=4))
    reply = ev.ModelReplied(agent="worker", model="m", session_id="s-1", cost_usd=0.9)
    log.at(2.0, reply)
    assert found(log, 2.0) == []  # under the floor
    log.at(3.0, reply, reply)
    [f] = found(log, 3.0)
    assert f.signal == "cost_per_line"
    assert f.evidence == "$2.70 spent for 4 changed line(s): $0.68 a line (limit $0.50)"
    log.at(4.0, diff("y", added=10))
    assert found(log, 4.0) == []


def test_a_threshold_of_zero_turns_its_signal_off() -> None:
    log = running()
    log.at(1.0, act(0), act(1), act(2), act(3), act(4), act(5))
    off = StallsConfig(no_diff_turns=0, no_diff_minutes=0, repeated_call_limit=0,
                       heartbeat_minutes=0, failing_check_repeats=0, max_cost_per_line_usd=0)
    assert found(log, 10_000.0, off) == []


def flag(log: Log, now: float) -> tuple[stalls.Finding, list[ev.Event]]:
    [f] = found(log, now)
    events: list[ev.Event] = [
        ev.StallDetected(session_id="s-1", signal=f.signal, evidence=f.evidence,
                         onset_at=f.onset_at, proposal=f.proposal, decision_id="d-s"),
        ev.DecisionAsked(decision_id="d-s", question=stalls.question("fix-it", f),
                         options=stalls.STALL_OPTIONS, default=stalls.KEEP_GOING,
                         session_id="s-1", task_id="t-1"),
    ]
    return f, log.at(now, *events)


def test_a_stall_marks_the_session_and_raises_wasting_time_quietly_by_default() -> None:
    log = running()
    _, routed = flag(log, 400.0)
    assert log.state.sessions["s-1"].health == Health.STALLED
    [note] = [e for e in routed if isinstance(e, ev.NotificationRaised)]
    assert (note.kind, note.ref, note.interrupt, note.options) == (
        "wasting_time", "d-s", False, ("kill", "redirect", "keep going"))
    assert found(log, 2000.0) == []  # flagged once


def test_a_stall_clears_when_the_worker_moves_again_and_only_then() -> None:
    log = running()
    flag(log, 400.0)
    assert stalls.cleared(log.state, log.tracker, CFG) == []
    log.at(401.0, act(0))
    assert stalls.cleared(log.state, log.tracker, CFG) == [
        ("s-1", "the worker was heard from again")]
    log.at(402.0, ev.StallCleared(session_id="s-1", reason="heard"))
    assert log.state.sessions["s-1"].health == Health.OK
    assert found(log, 402.0 + 299) == []  # the clocks start over


def test_answering_kill_or_redirect_carries_it_out() -> None:
    log = running()
    flag(log, 400.0)
    routed = log.at(410.0, ev.DecisionAnswered(decision_id="d-s", answer="redirect"))
    killed = [e for e in routed if isinstance(e, ev.SessionKilled)]
    assert killed and killed[0].reason.startswith("The previous attempt was stopped as "
                                                  "likely wasting time: no step")
    assert any(isinstance(e, ev.SessionRetried) for e in routed)
    assert any(isinstance(e, ev.NotificationWithdrawn) for e in routed)
    assert log.state.sessions["s-1"].state == SessionState.KILLED
    log2 = running()
    flag(log2, 400.0)
    routed = log2.at(410.0, ev.DecisionAnswered(decision_id="d-s", answer="keep going"))
    assert [type(e).__name__ for e in routed] == ["StallCleared", "NotificationWithdrawn"]
    assert log2.state.sessions["s-1"].health == Health.OK
