"""Sessions and checks on a real Ray cluster on this machine (a head and two worker
nodes of 2 CPUs), against the same work done locally, in one run:

- remote session start / local session start (inbox file -> the worker's first step);
  goal <= 2x;
- remote checks / local checks for a 10 s suite; goal <= 1.2x;
- a 40 s suite in 4 shards over the two worker nodes / the same suite run locally in one
  run: the speedup, printed with the cores used.

Ray binds to every address the machine has: the bench runs itself in a network
namespace of its own with only loopback (root: `unshare --net`), as the tests do.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time

from _common import goal, median, sample_repo, scratch

RUNS = 3


def _isolated() -> bool:
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def main() -> int:
    try:
        import ray  # noqa: F401
    except ImportError:
        print("skipped: Ray is not installed (pip install -e '.[ray]')")
        return 0
    if not _isolated():
        if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
            print("skipped: the cluster bench needs root, unshare and ip for a network "
                  "namespace of its own")
            return 0
        return subprocess.run(["unshare", "--net", "sh", "-c",
                               f"ip link set lo up && exec {sys.executable} {__file__}"],
                              check=False).returncode
    asyncio.run(measure())
    return 0


async def measure() -> None:
    from ray.cluster_utils import Cluster

    from loopwright import events as ev
    from loopwright.config.load import parse
    from loopwright.manager.loop import Manager
    from loopwright.project import Project
    from loopwright.store import Store

    nodes = scratch("loopwright-bench-nodes-")
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "include_dashboard": False})
    for name in ("a", "b"):
        cluster.add_node(num_cpus=2, env_vars={"LOOPWRIGHT_NODE_DIR": str(nodes / name)})
    cluster.wait_for_nodes()

    async def runs(remote: bool, checks: str, count: int, shards: int = 1
                   ) -> list[tuple[float, float]]:
        """`count` sessions of one step, one after the other under one manager (its
        driver and the cluster's workers warm after the first): for each, (filed ->
        first step, checks started -> finished)."""
        root = sample_repo(50)
        project = Project(root)
        project.dot.mkdir(exist_ok=True)
        project.inbox.mkdir(exist_ok=True)
        compute = (f'[compute]\nengine = "ray"\naddress = "{cluster.address}"\n'
                   f'remote = ["sessions", "checks"]\nresources = {{ num_cpus = 1 }}\n'
                   if remote else "")
        config = parse(f'[checks]\ncommand = "{checks}"\nshards = {shards}\n{compute}')
        manager = Manager(project, config)
        runner = asyncio.create_task(manager.run())
        store = Store(project.db_path, secrets=[])
        await asyncio.sleep(0.3)
        found: list[tuple[float, float]] = []
        for n in range(count):
            seen = store.last_seq()
            filed = time.time()
            (project.inbox / f"t{n}.md").write_text(
                f'# Change {n}\n\n```loopwright-script\n'
                f'{{"write": "x{n}.txt", "content": "x"}}\n{{"finish": "x"}}\n```\n')
            sid = ""
            first = checks_started = checks_done = 0.0
            gone = False
            while not gone:  # until its worktree is gone: the next one starts clean
                for r in store.read_after(seen):
                    e = r.event
                    if isinstance(e, ev.SessionQueued) and not sid:
                        sid = e.session_id
                    if getattr(e, "session_id", None) != sid:
                        continue
                    if isinstance(e, ev.WorkerActed) and not first:
                        first = r.at
                    if isinstance(e, ev.ChecksStarted) and not e.on_merge:
                        checks_started = checks_started or r.at
                    if isinstance(e, ev.ChecksFinished) and not e.on_merge:
                        checks_done = checks_done or r.at
                    gone = gone or isinstance(e, ev.WorktreeRemoved)
                await store.wait(0.5)
            found.append((first - filed, checks_done - checks_started))
        manager.stop()
        await runner
        store.close()
        return found

    local = await runs(False, "true", RUNS + 1)
    remote = await runs(True, "true", RUNS + 1)
    cold = remote[0][0]
    local_start = [t for t, _ in local[1:]]
    remote_start = [t for t, _ in remote[1:]]
    print(f"session start: local median {median(local_start) * 1000:.0f} ms, remote "
          f"{median(remote_start) * 1000:.0f} ms (the first remote one, joining the "
          f"cluster: {cold:.1f} s)")
    goal("remote session start vs local", median(remote_start) / median(local_start), 2.0)

    local_checks = (await runs(False, "sleep 10", 2))[1][1]
    remote_checks = (await runs(True, "sleep 10", 2))[1][1]
    print(f"a 10 s suite: local {local_checks:.2f} s, remote {remote_checks:.2f} s")
    goal("remote checks vs local, a 10 s suite", remote_checks / local_checks, 1.2)

    whole = (await runs(False, "sleep 40", 1))[0][1]
    sharded = (await runs(True, "sleep 10 # shard {shard} of {shards}", 2, shards=4))[1][1]
    print(f"a 40 s suite: locally in one run {whole:.1f} s; in 4 shards on the 2 worker "
          f"nodes (4 cores) {sharded:.1f} s: {whole / sharded:.2f}x faster")
    cluster.shutdown()


if __name__ == "__main__":
    sys.exit(main())
