"""A real multi-node Ray cluster on this machine: a head (no CPUs of its own, so no work
lands there) and two worker nodes, each with its own working folder.

Ray binds and connects to every address the machine has; these tests may reach nothing
but loopback, so they run in a network namespace of their own (`make test-cluster` does
`unshare --net` and brings `lo` up). Outside one, or without Ray, they say so and skip.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

try:
    import ray
    from ray.cluster_utils import Cluster
except ImportError:  # the `ray` extra is not installed: the tests are skipped, and
    ray = Cluster = None  # their modules still import

ONLY_LOOPBACK = [name for _, name in socket.if_nameindex()] == ["lo"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if ray is None:
        why = "Ray is not installed: pip install 'loopwright[ray]' (CI does)"
    elif not ONLY_LOOPBACK:
        why = ("the cluster tests run in a network namespace of their own, with only "
               "loopback: `make test-cluster`")
    else:
        return
    for item in items:
        if "tests/cluster/" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=why))


@dataclass
class Nodes:
    cluster: Any
    address: str
    folders: dict[str, Path]  # node id -> its working folder
    workers: dict[str, Any]  # node id -> the node, to remove it

    def add(self, name: str, tmp: Path) -> str:
        folder = tmp / name
        node = self.cluster.add_node(num_cpus=2, env_vars={"LOOPWRIGHT_NODE_DIR": str(folder)})
        self.folders[node.node_id] = folder
        self.workers[node.node_id] = node
        self.cluster.wait_for_nodes()
        return str(node.node_id)

    def remove(self, node_id: str) -> None:
        self.cluster.remove_node(self.workers.pop(node_id))


@pytest.fixture(scope="session")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    tmp = tmp_path_factory.mktemp("nodes")
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "include_dashboard": False,
        "env_vars": {"LOOPWRIGHT_NODE_DIR": str(tmp / "head")}})
    found = Nodes(cluster, cluster.address, {}, {})
    found.add("node-a", tmp)
    found.add("node-b", tmp)
    yield found
    cluster.shutdown()


@pytest.fixture
def two_nodes(nodes: Nodes, tmp_path_factory: pytest.TempPathFactory) -> Nodes:
    """The cluster with two worker nodes, adding one when a test removed one."""
    while len(nodes.workers) < 2:
        nodes.add(f"node-{len(nodes.folders)}", tmp_path_factory.mktemp("more"))
    return nodes
