"""The `[compute]` section: where sessions and check runs execute. `local` (the default)
is this machine; `ray` sends what `remote` names to a Ray cluster (docs/cluster.md). Part
of the one tree in `config/tree.py`."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from .sections import Section, doc

REMOTE_KINDS = ("checks", "sessions")


class ComputeConfig(Section):
    engine: Annotated[Literal["local", "ray"], doc(
        "`local`: sessions and checks run on this machine. `ray`: what `remote` names "
        "runs on a Ray cluster (`pip install 'loopwright[ray]'`); the event log stays "
        "here.")] = "local"
    address: Annotated[str, doc(
        "The Ray cluster to join: `auto` (the cluster `ray start` runs on this machine), "
        "`HOST:PORT` of a head node, or `ray://HOST:10001` for Ray Client.")] = "auto"
    namespace: Annotated[str, doc(
        "Ray namespace for this repository's actors; empty: `loopwright-` and the "
        "repository folder's name.")] = ""
    remote: Annotated[list[Literal["checks", "sessions"]], doc(
        "What goes to the cluster when `engine = \"ray\"`: `checks` (test runs), "
        "`sessions` (workers in worktrees on the nodes).")] = msgspec.field(
        default_factory=lambda: ["checks"])
    local_labels: Annotated[list[str], doc(
        "Tasks with any of these labels keep their sessions and checks on this machine "
        "(for example `needs-gui`).")] = msgspec.field(default_factory=list)
    resources: Annotated[dict[str, float], doc(
        "Ray resources one remote session or check run asks for: `num_cpus`, `num_gpus`, "
        "`memory` (bytes), or a custom resource a node declares (`macos = 1`), which "
        "chooses the nodes it may run on.")] = msgspec.field(
        default_factory=lambda: {"num_cpus": 1.0})
    fallback: Annotated[Literal["wait", "local"], doc(
        "When the cluster cannot be reached: `wait` (the work waits, with an inbox item, "
        "and goes on when the cluster is back) or `local` (it runs on this machine).")] = (
        "wait")
    retry_seconds: Annotated[float, doc(
        "How long to wait between tries to reach an unreachable cluster.",
        ge=0.05, le=3600)] = 15.0
    checkpoint_steps: Annotated[int, doc(
        "A remote session sends its work back as a checkpoint after this many steps; a "
        "lost node costs at most those steps. 0: no checkpoints (a lost node starts the "
        "session over).", ge=0, le=10_000)] = 1
    spare_session: Annotated[bool, doc(
        "Keep one session actor started and idle on the cluster (it holds its "
        "`resources`), so the next remote session starts at once instead of waiting "
        "seconds for a new worker process.")] = True
    connect_seconds: Annotated[float, doc(
        "How long joining the cluster may take before it counts as unreachable.",
        ge=1, le=3600)] = 60.0
    pass_keys: Annotated[list[str], doc(
        "Environment variables (API keys) an external agent CLI gets on a node. Empty: "
        "none; keys stay on this machine.")] = msgspec.field(default_factory=list)

    def sends(self, kind: str, labels: tuple[str, ...] | list[str] = ()) -> bool:
        """Whether work of `kind` for a task with `labels` goes to the cluster."""
        return (self.engine == "ray" and kind in self.remote
                and not set(labels) & set(self.local_labels))
