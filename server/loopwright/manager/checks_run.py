"""Where a session's checks run: here, in one run or in shards at once, or on the Ray
cluster `[compute]` names. The log says where each shard ran and for how long."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from .. import events as ev
from ..compute import bundle, shards
from ..compute.client import ClusterClient, ClusterUnreachable
from ..core.commands import CommandResult
from ..review import checks as checks_mod
from ..runtime import Runtime
from . import environment

log = logging.getLogger(__name__)


async def run_checks(rt: Runtime, session_id: str, worktree: Path, command: str,
                     commit: str) -> CommandResult | None:
    """The checks of `commit` (checked out in `worktree`); None when there is no command."""
    if not command:
        return None
    cfg = rt.config
    commands = shards.shard_commands(command, cfg.checks.shards)
    task = rt.state.tasks[rt.state.sessions[session_id].task_id]
    note = ""
    if cfg.compute.sends("checks", task.labels):
        remote = await _on_cluster(rt, command, commands, commit)
        if remote is not None:
            return remote
        note = "ran on this machine: the cluster cannot be reached ([compute] fallback)\n"
    env = environment.session_env(rt, session_id)
    runs = await asyncio.gather(*(checks_mod.run_checks(worktree, cfg, c, rt.project.root, env)
                                  for c in commands))
    done = [r for r in runs if r is not None]
    result = shards.merge(command, done, tail_lines=cfg.checks.output_tail_lines)
    if note:
        return CommandResult(result.command, result.exit_code, note + result.output,
                             result.seconds, result.timed_out)
    return result


def cluster(rt: Runtime) -> ClusterClient:
    """This manager's one handle on the cluster, made when first needed."""
    client = rt.compute
    if not isinstance(client, ClusterClient):
        cfg = rt.config.compute
        namespace = cfg.namespace or f"loopwright-{rt.project.root.name}"
        client = ClusterClient(cfg.address, namespace,
                               log_path=rt.project.dot / "cluster-driver.log",
                               connect_seconds=cfg.connect_seconds)
        rt.compute = client
    return client


async def close(rt: Runtime) -> None:
    if isinstance(rt.compute, ClusterClient):
        await rt.compute.close()


async def _on_cluster(rt: Runtime, command: str, commands: list[str], commit: str
                      ) -> CommandResult | None:
    """The merged result of the shards on the cluster; None to run them here instead
    (unreachable under `fallback = "local"`). Waits for an unreachable cluster otherwise."""
    cfg = rt.config
    client = cluster(rt)
    shipped = await asyncio.to_thread(bundle.bundle_of, rt.project.root, commit)
    while True:
        try:
            ran = await client.run_checks(
                bundle=shipped, commit=commit, commands=commands,
                timeout=cfg.checks.timeout_seconds, sandbox=cfg.sandbox,
                tail_lines=cfg.checks.output_tail_lines,
                resources=dict(cfg.compute.resources))
        except ClusterUnreachable as e:
            report(rt, reachable=False, error=str(e))
            if cfg.compute.fallback == "local":
                return None
            await asyncio.sleep(cfg.compute.retry_seconds)
            continue
        report(rt, reachable=True)
        results = [CommandResult(r.command, r.exit_code, r.output, r.seconds, r.timed_out)
                   for r in ran]
        return shards.merge(command, results, where=[r.where for r in ran],
                            tail_lines=cfg.checks.output_tail_lines)


def report(rt: Runtime, *, reachable: bool, error: str = "") -> None:
    """Record a change of the cluster's reachability, once per change."""
    client = cluster(rt)
    known = rt.state.world.cluster.reachable
    if reachable and (known is not True or client.reported is not True):
        c = client.connected
        rt.append(ev.ClusterReached(address=client.address, nodes=c.nodes if c else 0,
                                    cpus=c.cpus if c else 0.0))
        client.reported = True
    elif not reachable and (known is not False or client.reported is not False):
        log.warning("the Ray cluster at %s cannot be reached: %s", client.address, error)
        rt.append(ev.ClusterUnreachable(address=client.address, error=error))
        client.reported = False
