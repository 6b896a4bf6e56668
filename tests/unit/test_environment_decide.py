"""When a preview starts and stops and when an ended session's environment is undone:
`environment_decide` alone, pure, over a folded state (the integration tests run it)."""

from __future__ import annotations

import itertools

import pytest

from loopwright import events as ev
from loopwright.config import Config, EnvironmentConfig, PreviewConfig
from loopwright.manager import decide as d
from loopwright.manager import environment_decide as envd
from loopwright.manager.environment import began_here, made_here
from loopwright.state import SessionState, State, apply
from loopwright.workspace import ports

_seq = itertools.count(1)
SID = "s-1"
S = SessionState
PREVIEW = Config(preview=PreviewConfig(command="serve"))
NONE = Config()


def feed(st: State, *events: ev.Event) -> State:
    for e in events:
        apply(st, ev.Record(next(_seq), 100.0, e))
    return st


def started(worktree: str, *more: ev.Event) -> State:
    """A session started in `worktree` ("": on a node), then `more`."""
    return feed(
        State(),
        ev.TaskFiled(task_id="t-1", title="Retitle", body="", source="cli"),
        ev.TaskAccepted(task_id="t-1"),
        ev.SessionQueued(session_id=SID, task_id="t-1", name="retitle", branch="b",
                         backend="script"),
        ev.SessionStarted(session_id=SID, worktree=worktree, base_commit="b0",
                          target_branch="main"),
        *more)


def under_review(*more: ev.Event) -> State:
    return started("/w", ev.PortsReserved(session_id=SID, ports=(4100,)),
                   ev.WorkerFinished(session_id=SID, summary="done", head_commit="h1"),
                   *more)


CHECKED = ev.ChecksFinished(session_id=SID, command="make test", passed=True, exit_code=0,
                            output_tail="", seconds=1.0)
UP = (ev.PreviewStarted(session_id=SID, url="http://127.0.0.1:4100/", command="serve",
                        head_commit="h1"),
      ev.PreviewReady(session_id=SID, url="http://127.0.0.1:4100/", seconds=0.2))


def test_the_preview_starts_with_the_review_only_when_configured() -> None:
    st = under_review(CHECKED)
    assert d.decide(st, CHECKED, PREVIEW)[-1] == d.StartPreview(SID)
    assert d.StartPreview(SID) not in d.decide(st, CHECKED, NONE)


def test_a_human_asking_starts_it_again_while_the_change_is_under_review() -> None:
    asked = ev.PreviewRequested(session_id=SID)
    assert envd.decide(under_review(CHECKED, asked), asked, PREVIEW) == [d.StartPreview(SID)]
    assert envd.decide(under_review(asked), asked, PREVIEW) == []  # still checking



def test_an_ask_the_idle_preview_had_not_seen_starts_it_again() -> None:
    """The ask came while the preview was stopping (the manager read it first, with the
    preview still up, and took it for that run): the stop's record starts a new one."""
    st = under_review(CHECKED, *UP)
    apply(st, ev.Record(next(_seq), 200.0, ev.PreviewRequested(session_id=SID)))
    stale = ev.PreviewStopped(session_id=SID, reason="idle for 1 min", idle_since=150.0)
    apply(st, ev.Record(next(_seq), 210.0, stale))
    assert envd.decide(st, stale, PREVIEW) == [d.StartPreview(SID)]
    seen = ev.PreviewStopped(session_id=SID, reason="idle for 1 min", idle_since=200.0)
    assert envd.decide(st, seen, PREVIEW) == []  # it had the ask: its idle time ran out
    apply(st, ev.Record(next(_seq), 220.0, ev.SessionKilled(session_id=SID)))
    assert envd.decide(st, stale, PREVIEW) == []  # the session ended

@pytest.mark.parametrize(("event", "reason"), [
    (ev.ChangeRejected(session_id=SID), "rejected"),
    (ev.ChangesRequested(session_id=SID, note="again"), "changes requested"),
])
def test_the_preview_stops_when_the_change_leaves_the_review(event: ev.Event,
                                                             reason: str) -> None:
    st = under_review(CHECKED, *UP)
    assert envd.decide(st, event, PREVIEW) == [d.StopPreview(SID, reason)]


def test_a_killed_session_stops_its_preview_and_ends_its_environment() -> None:
    killed = ev.SessionKilled(session_id=SID)
    st = under_review(CHECKED, *UP, killed)
    assert envd.decide(st, killed, PREVIEW) == [d.StopPreview(SID, "the session ended"),
                                               d.EndEnvironment(SID)]


def test_after_a_restart_a_waiting_change_gets_its_preview_back() -> None:
    st = under_review(CHECKED, *UP)
    assert envd.recover(st, PREVIEW) == [d.StartPreview(SID)]
    assert envd.recover(st, NONE) == [d.Record((ev.PreviewStopped(
        session_id=SID, reason="the manager restarted"),))]


def test_after_a_restart_an_ended_session_with_ports_is_released() -> None:
    st = under_review(ev.SessionKilled(session_id=SID))
    assert envd.recover(st, NONE) == [d.EndEnvironment(SID)]
    feed(st, ev.EnvironmentReleased(session_id=SID, ports=(4100,)))
    assert envd.recover(st, NONE) == []


def test_screenshots_of_the_same_change_survive_a_restart_of_the_preview() -> None:
    shot = ev.Screenshot(page="/", after="/a.png", before="/b.png")
    st = under_review(CHECKED, *UP, ev.ScreenshotsTaken(session_id=SID, head_commit="h1",
                                                        shots=(shot,)), *UP)
    p = st.sessions[SID].environment.preview
    assert p is not None and p.shots == (shot,) and p.shots_of == "h1"


def test_reserved_ports_are_distinct_and_pass_over_those_held() -> None:
    first = ports.reserve(5, ())
    again = ports.reserve(5, first)
    assert len(set(first)) == 5 and not set(first) & set(again)


def test_a_url_names_the_sessions_ports() -> None:
    env = ports.session_env("retitle", tuple(range(4100, 4112)))
    assert env["LOOPWRIGHT_SESSION"] == "retitle"
    assert ports.expand("http://127.0.0.1:$LOOPWRIGHT_PORT_11/${LOOPWRIGHT_PORT_1}",
                        env) == "http://127.0.0.1:4111/4101"


def test_config_refuses_a_page_not_under_the_url_and_an_empty_teardown() -> None:
    with pytest.raises(ValueError, match="must start with /"):
        PreviewConfig(command="serve", pages=["settings"])
    with pytest.raises(ValueError, match="teardown: a command is empty"):
        EnvironmentConfig(teardown=[" "])


def back_from_a_node(*more: ev.Event) -> State:
    return started("", ev.SessionPlaced(session_id=SID, node="node-a (node 1a2b3c4d)"),
                   ev.WorkBroughtBack(session_id=SID, worktree="/w", commit="h1"),
                   ev.WorkerFinished(session_id=SID, summary="done", head_commit="h1"),
                   *more)


def test_a_session_back_from_a_node_has_its_environment_here_once_made_here() -> None:
    full = Config(environment=EnvironmentConfig(ports=1, copy=[".env"], setup=["a", "b"]))
    made = (ev.PortsReserved(session_id=SID, ports=(4100,)),
            ev.FilesCopiedIn(session_id=SID, copied=(".env",)),
            ev.SetupRan(session_id=SID, command="a", exit_code=0, output_tail="",
                        seconds=0.1),
            ev.SetupRan(session_id=SID, command="b", exit_code=0, output_tail="",
                        seconds=0.1))
    assert made_here(full, back_from_a_node(*made).sessions[SID])
    for missing in range(len(made)):  # each part is needed
        partly = back_from_a_node(*made[:missing], *made[missing + 1:]).sessions[SID]
        assert not made_here(full, partly), missing
    failed = ev.SetupRan(session_id=SID, command="b", exit_code=1, output_tail="",
                         seconds=0.1)
    assert not made_here(full, back_from_a_node(*made[:3], failed).sessions[SID])
    # nothing to make: nothing to wait for; a session that ran here made its own
    assert made_here(NONE, back_from_a_node().sessions[SID])
    assert made_here(full, under_review().sessions[SID])
    # its teardown runs here once something of it was made here, and always for one
    # that ran here
    assert not began_here(back_from_a_node().sessions[SID])
    assert began_here(back_from_a_node(made[1]).sessions[SID])
    assert began_here(under_review().sessions[SID])
