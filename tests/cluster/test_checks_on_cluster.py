"""A session's checks on a real Ray cluster: shipped as a bundle, run on a node, their
result back in the log; sharded over both nodes; a node lost in the middle of a run."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, configure, init, task_file
from loopwright import events as ev
from loopwright.state import SessionState, State
from loopwright.views import overview as views

from .conftest import Cluster, Nodes

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}


def landed(st: State) -> bool:
    return bool(st.sessions) and all(
        s.state == SessionState.LANDED for s in st.sessions.values())


def _config(address: str, extra: str = "") -> str:
    return (f'[compute]\nengine = "ray"\naddress = "{address}"\nremote = ["checks"]\n'
            f'resources = {{ num_cpus = 1 }}\n{extra}')


def _file_task(project_inbox: Path, title: str = "Add a greeting") -> None:
    (project_inbox / "fix.md").write_text(task_file(
        title, {"write": "hello.txt", "content": "hello\n"}, {"finish": "Added hello.txt"}))


async def test_checks_run_on_a_node_and_the_change_lands(
        make_repo: MakeRepo, two_nodes: Nodes) -> None:
    root = make_repo({"README.md": "# sample\n",
                      "Makefile": "test:\n\t@test -f hello.txt && echo ran in $$PWD\n"})
    project = init(root)
    configure(project, _config(two_nodes.address))
    _file_task(project.inbox)
    async with Running(project) as run:
        st = await run.until(landed, timeout=120)
        reached = run.events(ev.ClusterReached)
    assert [type(e) for e in reached] == [ev.ClusterReached]
    s = next(iter(st.sessions.values()))
    assert s.checks is not None and s.checks.passed
    tail = s.checks.output_tail
    # it ran on one of the worker nodes, in that node's own folder, on the session's code
    assert any(f"(node {nid[:8]})" in tail for nid in two_nodes.workers), tail
    assert any(f"ran in {folder}" in tail for folder in two_nodes.folders.values()), tail
    assert str(root) not in tail
    # and left nothing behind there
    for folder in two_nodes.folders.values():
        assert not list(folder.glob("loopwright-node/*/checks-*"))


async def test_sharded_checks_spread_over_both_nodes(
        make_repo: MakeRepo, two_nodes: Nodes) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, _config(two_nodes.address) +
              '[checks]\ncommand = "echo shard {shard} of {shards}; sleep 1"\nshards = 4\n')
    _file_task(project.inbox)
    async with Running(project) as run:
        st = await run.until(landed, timeout=120)
    s = next(iter(st.sessions.values()))
    assert s.checks is not None and s.checks.passed
    tail = s.checks.output_tail
    for i in range(1, 5):
        assert f"shard {i}/4" in tail and f"shard {i} of 4" in tail
    used = {nid for nid in two_nodes.workers if f"(node {nid[:8]})" in tail}
    assert len(used) == 2, tail


async def test_a_failing_shard_fails_the_checks(make_repo: MakeRepo, two_nodes: Nodes) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, _config(two_nodes.address) +
              '[checks]\ncommand = "echo part {shard}; test {shard} != 2"\nshards = 3\n')
    _file_task(project.inbox)
    async with Running(project) as run:
        st = await run.until(lambda st: any(
            s.checks is not None for s in st.sessions.values()), timeout=120)
    s = next(iter(st.sessions.values()))
    assert s.checks is not None and not s.checks.passed
    assert "shard 2/3" in s.checks.output_tail and "exit 1" in s.checks.output_tail


async def test_a_node_lost_in_the_middle_of_a_check_run_is_run_again_on_the_other(
        make_repo: MakeRepo, two_nodes: Nodes) -> None:
    root = make_repo({"README.md": "# sample\n",
                      "Makefile": "test:\n\t@sleep 4; echo checks ok\n"})
    project = init(root)
    configure(project, _config(two_nodes.address))
    _file_task(project.inbox)
    async with Running(project) as run:
        # find the node the checks went to (its folder holds the run), and remove it
        lost = ""
        for _ in range(600):
            for nid, folder in list(two_nodes.folders.items()):
                if nid in two_nodes.workers and list(folder.glob("loopwright-node/*/checks-*")):
                    lost = nid
            if lost:
                break
            await asyncio.sleep(0.1)
        assert lost, "the checks never started on a node"
        two_nodes.remove(lost)
        st = await run.until(landed, timeout=180)
    s = next(iter(st.sessions.values()))
    assert s.checks is not None and s.checks.passed
    survivor = next(iter(two_nodes.workers))
    assert f"(node {survivor[:8]})" in s.checks.output_tail


async def test_an_unreachable_cluster_waits_in_the_inbox_or_falls_back_to_local(
        make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, _config(f"127.0.0.1:{_free_port()}",
                               'retry_seconds = 0.5\nfallback = "local"\n'))
    _file_task(project.inbox)
    async with Running(project) as run:
        st = await run.until(landed, timeout=180)
        unreachable = run.events(ev.ClusterUnreachable)
    s = next(iter(st.sessions.values()))
    assert s.checks is not None and s.checks.passed
    assert "ran on this machine: the cluster cannot be reached" in s.checks.output_tail
    assert "checks ok" in s.checks.output_tail
    assert len(unreachable) == 1  # said once, not once per try


def _own_cluster(port: int, folder: Path) -> Any:
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "include_dashboard": False, "gcs_server_port": port})
    cluster.add_node(num_cpus=2, env_vars={"LOOPWRIGHT_NODE_DIR": str(folder)})
    cluster.wait_for_nodes()
    return cluster


@pytest.mark.timeout(600)
async def test_a_cluster_stopped_and_started_again_under_a_waiting_session(
        make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the driver of a cluster whose head is gone gives up after this long (Ray's own knob)
    monkeypatch.setenv("RAY_gcs_rpc_server_reconnect_timeout_s", "10")
    port = _free_port()
    root = make_repo(PASSING)
    project = init(root)
    configure(project, _config(f"127.0.0.1:{port}", "retry_seconds = 1\n"))
    first = _own_cluster(port, tmp_path / "first")
    async with Running(project) as run:
        _file_task(project.inbox, "First change")
        await run.until(landed, timeout=180)
        first.shutdown()
        (project.inbox / "second.md").write_text(task_file(
            "Second change", {"write": "bye.txt", "content": "bye\n"}, {"finish": "bye"}))
        st = await run.until(lambda st: any(
            i.kind == "cluster" for i in views.inbox(st)), timeout=240)
        item = next(i for i in views.inbox(st) if i.kind == "cluster")
        assert item.title == f"the Ray cluster at 127.0.0.1:{port} cannot be reached"
        assert [s.state for s in st.sessions.values()].count(SessionState.CHECKING) == 1
        second = _own_cluster(port, tmp_path / "second")
        try:
            st = await run.until(lambda st: len(st.sessions) == 2 and landed(st),
                                 timeout=240)
        finally:
            second.shutdown()
        assert not any(i.kind == "cluster" for i in views.inbox(st))
        assert len(run.events(ev.ClusterReached)) == 2
    assert (root / "bye.txt").read_text() == "bye\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
