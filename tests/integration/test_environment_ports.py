"""`[environment] ports` and `teardown`: each live session its own ports, named with the
session to every command it runs, kept across a restart, freed when it ends; teardown
runs once it ends, in its worktree, reported when it fails and never blocking landing."""

from __future__ import annotations

import re
from pathlib import Path

from helpers.git import MakeRepo
from helpers.loop import Running, configure, init, task_file
from loopwright import events as ev
from loopwright.environment_state import SessionEnvironment, ports_in_use
from loopwright.state import SessionState

S = SessionState
FILES = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks on $$LOOPWRIGHT_PORT_0\n"}
SAYS = {"run": "echo port=$LOOPWRIGHT_PORT_0,$LOOPWRIGHT_PORT_1 session=$LOOPWRIGHT_SESSION"}


def all_in(*states: SessionState, count: int) -> object:
    return lambda st: (len(st.sessions) == count
                       and all(s.state in states for s in st.sessions.values()))


async def test_two_live_sessions_hold_different_ports_every_command_sees(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo(FILES)
    project = init(repo)
    configure(project, "[gate]\nauto_land = false\n[environment]\nports = 2\n")
    async with Running(project) as run:
        for n in (1, 2):
            run.api.dispatch(f"Task {n}", task_file(
                "x", SAYS, {"write": f"f{n}.txt", "content": f"{n}\n"}))
        st = await run.until(all_in(S.AWAITING_APPROVAL, count=2))
        ran = {e.session_id: e.output_tail for e in run.events(ev.CommandRan)
               if isinstance(e, ev.CommandRan)}
        checks = {e.session_id: e.output_tail for e in run.events(ev.ChecksFinished)
                  if isinstance(e, ev.ChecksFinished)}
    held = [s.environment.ports for s in st.sessions.values()]
    assert all(len(p) == 2 for p in held)
    assert not set(held[0]) & set(held[1])  # never shared
    for s in st.sessions.values():
        p0, p1 = s.environment.ports
        assert ran[s.session_id].strip() == f"port={p0},{p1} session={s.name}"
        assert checks[s.session_id].strip() == f"checks on {p0}"


async def test_a_restart_keeps_the_reservations_and_new_sessions_get_others(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo(FILES)
    project = init(repo)
    configure(project, "[gate]\nauto_land = false\n[environment]\nports = 1\n")
    waits = task_file("x", {"ask": "Which?", "options": ["a", "b"], "blocking": True}, SAYS,
                      {"write": "a.txt", "content": "a\n"})
    async with Running(project) as run:
        run.api.dispatch("Ask", waits)
        st = await run.until(all_in(S.WAITING, count=1))
        [first] = st.sessions.values()
        before = first.environment.ports
    async with Running(project) as run:  # the manager restarted; the session is resumed
        await run.until(lambda st: run.events(ev.SessionResumed))
        run.api.dispatch("Other", task_file("y", SAYS, {"write": "b.txt", "content": "b\n"}))
        st = await run.until(lambda st: len(st.sessions) == 2 and any(
            s.state == S.AWAITING_APPROVAL for s in st.sessions.values()))
        [d] = st.decisions.values()
        run.api.answer(d.decision_id, "a")
        st = await run.until(all_in(S.AWAITING_APPROVAL, count=2))
        said = [e.output_tail for e in run.events(ev.CommandRan)
                if isinstance(e, ev.CommandRan) and e.session_id == first.session_id]
        reservations = run.events(ev.PortsReserved)
    assert st.sessions[first.session_id].environment.ports == before
    assert len(reservations) == 2  # not reserved again on resume
    [other] = [s for s in st.sessions.values() if s.session_id != first.session_id]
    assert not set(other.environment.ports) & set(before)
    assert said == [f"port={before[0]}, session={first.name}\n"]


async def test_teardown_runs_when_the_session_lands_and_its_failure_blocks_nothing(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo({**FILES, ".gitignore": "state/\n"})
    project = init(repo)
    configure(project, '[environment]\nports = 1\nsetup = ["mkdir -p state && touch '
                       'state/$LOOPWRIGHT_SESSION.db"]\nteardown = ["ls state; rm state/'
                       '$LOOPWRIGHT_SESSION.db", "echo could not reach it >&2; exit 4"]\n')
    async with Running(project) as run:
        run.api.dispatch("Change", task_file("x", {"write": "a.txt", "content": "a\n"}))
        st = await run.until(lambda st: any(s.worktree_removed for s in st.sessions.values()))
        teardowns = [e for e in run.events(ev.TeardownRan) if isinstance(e, ev.TeardownRan)]
        [released] = run.events(ev.EnvironmentReleased)
    [s] = st.sessions.values()
    assert s.state == S.LANDED and s.worktree_removed
    assert [t.exit_code for t in teardowns] == [0, 4]
    assert teardowns[0].output_tail == f"{s.name}.db\n"
    assert teardowns[1].output_tail == "could not reach it\n"
    assert isinstance(released, ev.EnvironmentReleased)
    assert released.ports == s.environment.ports
    assert re.fullmatch(r"\d+", str(s.environment.ports[0]))


async def test_a_killed_session_frees_its_ports_and_tears_down_in_its_kept_worktree(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo(FILES)
    project = init(repo)
    configure(project, '[environment]\nports = 1\nteardown = ["echo bye > gone.txt"]\n')
    async with Running(project) as run:
        run.api.dispatch("Wait", task_file(
            "x", {"ask": "Which?", "options": ["a"], "blocking": True}))
        st = await run.until(all_in(S.WAITING, count=1))
        [s] = st.sessions.values()
        run.api.kill(s.session_id)
        st = await run.until(lambda st: st.sessions[s.session_id].environment.released)
    assert st.sessions[s.session_id].state == S.KILLED
    assert Path(s.worktree, "gone.txt").read_text() == "bye\n"


def test_no_ports_are_held_once_every_session_ended() -> None:
    live = SessionEnvironment(ports=(4000, 4001))
    ended = SessionEnvironment(ports=(5000,), released=True)
    assert ports_in_use([live, ended]) == {4000, 4001}
