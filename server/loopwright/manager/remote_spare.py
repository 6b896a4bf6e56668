"""The spare session actor's tree follows the target's head (docs/cluster.md, "A warm
spare"), as the warm worktrees do here: a session that starts there then needs no
bundle made here, none sent, and none unpacked on the node.

It watches the target's ref files (a stat every `POLL_SECONDS`, a `git rev-parse` only
when they changed, and every `RECHECK_SECONDS` in case git wrote them elsewhere), and
only while the cluster's driver runs and sessions go to the cluster.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from ..compute.client import ClusterClient, ClusterUnreachable
from ..runtime import Runtime
from ..workspace import repo

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05  # two stats: nothing to a machine; a spare warm before the next session
RECHECK_SECONDS = 10.0


def ensure(rt: Runtime, client: ClusterClient) -> None:
    """Keep the spare warm from now on (once per client; it ends when the client does)."""
    if client.warmer is None or client.warmer.done():
        client.warmer = asyncio.create_task(keep_warm(rt, client))


async def keep_warm(rt: Runtime, client: ClusterClient) -> None:
    root = rt.project.root
    git_dir = Path(await asyncio.to_thread(repo.run, root, "rev-parse", "--git-common-dir"))
    git_dir = git_dir if git_dir.is_absolute() else root / git_dir
    warmed: tuple[int, str] = (0, "")  # (which connection, the commit sent)
    seen: object = None
    checked = 0.0
    while True:
        cfg = rt.config
        connected = client.connected
        if connected is not None and cfg.compute.spare_session and cfg.compute.sends(
                "sessions"):
            target = cfg.project.target_branch
            stamp = _stamp(git_dir, target)
            if (stamp != seen or warmed[0] != id(connected)
                    or time.monotonic() - checked > RECHECK_SECONDS):
                seen, checked = stamp, time.monotonic()
                try:
                    head = await asyncio.to_thread(repo.head_commit, root, target)
                    if (id(connected), head) != warmed:
                        shipped = await asyncio.to_thread(client.shipment, root, head)
                        await client.warm_spare(dict(cfg.compute.resources), head, shipped)
                        warmed = (id(connected), head)
                except (repo.WorkspaceError, ClusterUnreachable) as e:
                    log.info("the spare's tree is not kept warm for now: %s", e)
        await asyncio.sleep(POLL_SECONDS)


def _stamp(git_dir: Path, branch: str) -> tuple[tuple[int, int] | None, ...]:
    """When the files git keeps `branch` in last changed."""
    def of(path: Path) -> tuple[int, int] | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    return of(git_dir / "refs" / "heads" / branch), of(git_dir / "packed-refs")
