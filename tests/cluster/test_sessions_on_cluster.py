"""Sessions on a real Ray cluster: the worker runs on a node, its every step recorded
here; its work comes back as a bundle and lands; a lost node resumes it elsewhere from
its last checkpoint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, cli, configure, init, task_file
from loopwright import events as ev
from loopwright.state import SessionState, State

from .conftest import Nodes

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}


def _config(address: str, extra: str = "") -> str:
    return (f'[compute]\nengine = "ray"\naddress = "{address}"\n'
            f'remote = ["sessions", "checks"]\nresources = {{ num_cpus = 1 }}\n{extra}')


def all_landed(count: int) -> Callable[[State], bool]:
    return lambda st: len(st.sessions) == count and all(
        s.state == SessionState.LANDED for s in st.sessions.values())


@pytest.mark.timeout(600)
async def test_ten_sessions_spread_over_both_nodes_and_land(
        make_repo: MakeRepo, two_nodes: Nodes) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, _config(two_nodes.address))
    for i in range(10):
        (project.inbox / f"t{i}.md").write_text(task_file(
            f"Add file {i}", {"write": f"f{i}.txt", "content": f"{i}\n"},
            {"run": f"test -f f{i}.txt"}, {"finish": f"added f{i}.txt"}))
    async with Running(project) as run:
        st = await run.until(all_landed(10), timeout=540)
        ran = run.events(ev.CommandRan)
    for i in range(10):
        assert (root / f"f{i}.txt").read_text() == f"{i}\n"
    nodes = {s.node for s in st.sessions.values()}
    assert len(nodes) == 2 and all("(node " in n for n in nodes), nodes
    # each command ran on its node and its result was recorded here, once per session
    assert sorted(e.session_id for e in ran  # type: ignore[union-attr]
                  if e.exit_code == 0) == sorted(st.sessions)  # type: ignore[union-attr]


async def test_while_a_session_runs_on_a_node_nothing_of_it_is_on_this_side(
        make_repo: MakeRepo, two_nodes: Nodes) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, _config(two_nodes.address))
    (project.inbox / "t.md").write_text(task_file(
        "Slow change", {"write": "slow.txt", "content": "slow\n"}, {"sleep": 3},
        {"finish": "slow"}))
    async with Running(project) as run:
        st = await run.until(lambda st: any(
            s.node and s.steps_done >= 1 for s in st.sessions.values()), timeout=120)
        s = next(iter(st.sessions.values()))
        assert s.worktree == "" and not list(project.worktrees.glob("*"))
        assert s.branch not in git(root, "branch", "--list")
        on_nodes = [p for f in two_nodes.folders.values()
                    for p in f.glob(f"loopwright-node/*/sessions/{s.session_id}/tree/slow.txt")]
        assert len(on_nodes) == 1
        st = await run.until(all_landed(1), timeout=120)
    assert (root / "slow.txt").read_text() == "slow\n"
    status = cli(root, "status")
    assert status.returncode == 0 and f"on {s.node}" in status.stdout, status.stdout


@pytest.mark.timeout(600)
async def test_a_node_lost_in_the_middle_resumes_the_session_from_its_checkpoint(
        make_repo: MakeRepo, two_nodes: Nodes) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, _config(two_nodes.address))
    (project.inbox / "t.md").write_text(task_file(
        "Two halves", {"write": "first.txt", "content": "1\n"}, {"sleep": 6},
        {"write": "second.txt", "content": "2\n"}, {"finish": "both halves"}))
    async with Running(project) as run:
        st = await run.until(lambda st: any(
            s.checkpoint_steps >= 1 and s.node for s in st.sessions.values()), timeout=180)
        s = next(iter(st.sessions.values()))
        node_id = next(nid for nid in two_nodes.workers if nid[:8] in s.node)
        two_nodes.remove(node_id)
        st = await run.until(all_landed(1), timeout=400)
        log = run.events(ev.WorkerActed)
        resumed = run.events(ev.SessionResumed)
    s = next(iter(st.sessions.values()))
    assert node_id[:8] not in s.node  # it finished on the other node
    assert any("its node was lost" in e.reason for e in resumed  # type: ignore[union-attr]
               ), resumed
    # the step before the checkpoint was not done again; nothing landed twice
    writes = [e for e in log if getattr(e, "detail", "") == "first.txt"]
    assert len(writes) == 1, log
    assert (root / "first.txt").read_text() == "1\n" and (root / "second.txt").exists()
    assert git(root, "log", "--format=%s").splitlines().count("Two halves") == 1
    assert not Path(s.worktree).exists()


async def test_a_key_named_in_pass_keys_reaches_the_worker_on_the_node_and_no_other(
        make_repo: MakeRepo, two_nodes: Nodes, monkeypatch: pytest.MonkeyPatch) -> None:
    # Names a command may see (the sandbox drops secret-looking ones), so the command
    # tells what the worker's process on the node was given.
    monkeypatch.setenv("LOOPWRIGHT_TEST_PASSED", "given")
    monkeypatch.setenv("LOOPWRIGHT_TEST_KEPT", "here")
    root = make_repo(PASSING)
    project = init(root)
    configure(project, _config(two_nodes.address, (
        'pass_keys = ["LOOPWRIGHT_TEST_PASSED"]\n[sandbox]\nbubblewrap = "never"\n'
        'pass_env = ["LOOPWRIGHT_TEST_PASSED", "LOOPWRIGHT_TEST_KEPT"]\n')))
    (project.inbox / "t.md").write_text(task_file(
        "Env", {"run": 'echo "passed=$LOOPWRIGHT_TEST_PASSED kept=$LOOPWRIGHT_TEST_KEPT"'},
        {"finish": "env"}))
    async with Running(project) as run:
        st = await run.until(lambda st: bool(st.sessions) and all(
            s.state in (SessionState.LANDED, SessionState.NO_CHANGE, SessionState.FAILED)
            for s in st.sessions.values()), timeout=120)
        [ran] = run.events(ev.CommandRan)
    assert next(iter(st.sessions.values())).node
    assert "passed=given kept=\n" in ran.output_tail, ran  # type: ignore[union-attr]


@pytest.mark.timeout(300)
async def test_the_spare_checks_the_target_out_ahead_and_the_next_session_starts_on_it(
        make_repo: MakeRepo, two_nodes: Nodes) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, _config(two_nodes.address))
    (project.inbox / "t1.md").write_text(task_file(
        "First", {"write": "first.txt", "content": "1\n"}, {"finish": "first"}))

    def warm_at_first() -> list[Path]:
        return [p for f in two_nodes.folders.values()
                for p in f.glob("loopwright-node/*/spares/*/tree/first.txt")]

    async with Running(project) as run:
        await run.until(all_landed(1), timeout=120)
        # the target moved: a spare checks its new head out before any session asks
        await run.until(lambda _: warm_at_first(), timeout=60)
        (project.inbox / "t2.md").write_text(task_file(
            "Second", {"write": "second.txt", "content": "2\n"}, {"sleep": 3},
            {"finish": "second"}))
        st = await run.until(lambda st: any(
            s.node and s.steps_done >= 1 and st.tasks[s.task_id].title == "Second"
            for s in st.sessions.values()), timeout=60)
        [second] = [s for s in st.sessions.values()
                    if st.tasks[s.task_id].title == "Second"]
        # its tree is the one the spare checked out: nothing was unpacked for it
        [git_config] = [p for f in two_nodes.folders.values() for p in f.glob(
            f"loopwright-node/*/sessions/{second.session_id}/git/config")]
        assert "/spares/" in git_config.read_text()
        assert (git_config.parent.parent / "tree" / "first.txt").read_text() == "1\n"
        await run.until(all_landed(2), timeout=120)
    assert (root / "second.txt").read_text() == "2\n"


@pytest.mark.timeout(300)
async def test_a_remote_session_has_its_environment_on_its_node(
        make_repo: MakeRepo, two_nodes: Nodes) -> None:
    root = make_repo({**PASSING, ".gitignore": ".setup-done\n"})
    project = init(root)
    configure(project, _config(two_nodes.address, (
        '[environment]\nports = 1\nsetup = ["echo ready > .setup-done"]\n'
        'teardown = ["echo bye from $LOOPWRIGHT_SESSION"]\n')))
    (project.inbox / "t.md").write_text(task_file(
        "Env", {"run": 'cat .setup-done && echo "$LOOPWRIGHT_SESSION on $LOOPWRIGHT_PORT_0"'},
        {"write": "env.txt", "content": "x\n"}, {"finish": "env"}))
    async with Running(project) as run:
        await run.until(all_landed(1), timeout=120)
        st = await run.until(lambda st: all(s.environment.released  # its ending is over
                                            for s in st.sessions.values()), timeout=60)
        [ran] = run.events(ev.CommandRan)
        said = [e.message for e in run.events(ev.WorkerProgressed)]  # type: ignore[union-attr]
        here = run.events(ev.TeardownRan)
    [s] = st.sessions.values()
    assert not here, here  # the teardown ran on the node, and only there
    # the setup ran in the session's tree on the node, before the worker
    assert ran.output_tail.startswith("ready\n"), ran  # type: ignore[union-attr]
    name, port = ran.output_tail.splitlines()[1].split(" on ")  # type: ignore[union-attr]
    assert name == s.name and port.isdigit(), ran
    assert any(m.startswith("setup `echo ready > .setup-done` on the node passed")
               for m in said), said
    assert any(m.startswith("teardown `echo bye from $LOOPWRIGHT_SESSION` on the node passed")
               and f"bye from {s.name}" in m for m in said), said
    assert (root / "env.txt").exists() and not (root / ".setup-done").exists()


async def test_a_setup_that_fails_on_the_node_fails_the_session_with_its_output(
        make_repo: MakeRepo, two_nodes: Nodes) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, _config(two_nodes.address,
                               '[environment]\nsetup = ["echo no database; exit 3"]\n'))
    (project.inbox / "t.md").write_text(task_file(
        "Env", {"write": "never.txt", "content": "x\n"}, {"finish": "never"}))
    async with Running(project) as run:
        st = await run.until(lambda st: bool(st.sessions) and all(
            s.state == SessionState.FAILED for s in st.sessions.values()), timeout=120)
        acted = run.events(ev.WorkerActed)
    [s] = st.sessions.values()
    assert s.failure.startswith(
        "setup `echo no database; exit 3` failed on the node (exit 3):"), s.failure
    assert "no database" in s.failure and acted == []
