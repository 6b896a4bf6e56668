"""The queue and how sessions end, on real repositories: blocked sessions give their
slot up, an empty change is no change, a rejected branch goes but can be brought back."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, cli, configure, init, task_file
from loopwright import events as ev
from loopwright.insight.history import History
from loopwright.insight.metrics import compute
from loopwright.state import SessionState, State

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}


@pytest.fixture
def project_repo(make_repo: MakeRepo) -> Path:
    return make_repo(PASSING)


def session_of(st: State, title: str) -> S:
    [s] = [s for s in st.sessions.values() if st.tasks[s.task_id].title == title]
    return s.state


async def test_four_blocking_asks_do_not_stall_the_queue(project_repo: Path) -> None:
    project = init(project_repo)
    configure(project, "[manager]\nmax_parallel = 4\n")
    async with Running(project) as run:
        for n in range(4):
            run.api.dispatch(f"Ask {n}", task_file(
                "x", {"ask": f"Which name for {n}?", "options": ["a", "b"], "blocking": True},
                {"write": f"ask{n}.txt", "content": "x\n"}))
        await run.until(lambda st: st.count(S.WAITING) == 4)
        run.api.dispatch("Fifth", task_file("x", {"write": "fifth.txt", "content": "5\n"}))
        st = await run.until(lambda st: any(
            s.state == S.LANDED for s in st.sessions.values()))
        assert session_of(st, "Fifth") == S.LANDED  # landed while the four still wait
        assert st.count(S.WAITING) == 4 and all(d.open for d in st.decisions.values())
        assert (project_repo / "fifth.txt").read_text() == "5\n"
        for d in st.decisions.values():  # the answers come: every waiting worker goes on
            assert cli(project_repo, "answer", d.decision_id, "b").returncode == 0
        st = await run.until(lambda st: st.count(S.LANDED) == 5)
        # each went on where it was: no question asked twice, no step done again
        assert len(run.events(ev.DecisionAsked)) == 4
        assert not run.events(ev.SessionResumed)
    for n in range(4):
        assert (project_repo / f"ask{n}.txt").read_text() == "x\n"


async def test_a_worker_that_changes_nothing_ends_as_no_change(project_repo: Path) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Nothing", task_file("x", {"progress": "looked around"},
                                              {"finish": "All fine as it is"}))
        st = await run.until(lambda st: any(
            s.state == S.NO_CHANGE and s.worktree_removed for s in st.sessions.values()))
        assert not run.events(ev.ChangeLanded) and not run.events(ev.ChecksStarted)
        overall = compute(History.of(run.api.store.read_after(0)), 1e10).overall
    [s] = st.sessions.values()
    assert s.branch not in git(project_repo, "branch", "--list")
    log = cli(project_repo, "log")
    assert f"{s.name}: no change: the worker changed nothing" in log.stdout
    assert "LANDED" not in log.stdout
    status = cli(project_repo, "status")
    assert "no_change" in status.stdout and "no change: the worker changed nothing" in (
        status.stdout)
    stats = cli(project_repo, "stats")
    assert "1 session(s), 0 landed, 1 with no change" in stats.stdout
    assert (overall.landed, overall.no_change) == (0, 1)


async def test_commits_that_add_up_to_nothing_are_no_change(project_repo: Path) -> None:
    project = init(project_repo)
    configure(project, "[gate]\nauto_land = false\n")
    async with Running(project) as run:
        task = run.api.dispatch("Undo", task_file("x", {"write": "u.txt", "content": "u\n"}))
        st = await run.until(lambda st: st.count(S.AWAITING_APPROVAL) == 1)
        [sid] = st.sessions
        # The human asks for the opposite; the worker takes its own change back.
        run.api.request_changes(sid, "Take it back.\n" + task_file(
            "y", {"delete": "u.txt"}, {"finish": "Taken back"}))
        st = await run.until(lambda st: st.sessions[sid].state == S.NO_CHANGE)
        assert task.task_id and not run.events(ev.ChangeLanded)
    assert not (project_repo / "u.txt").exists()
