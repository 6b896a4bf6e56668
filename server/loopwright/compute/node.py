"""What runs on a cluster node: a check run on a commit shipped as a bundle.

Plain Python, no Ray: the Ray task in `driver.py` calls it on the node. Each node keeps
its work under a folder of its own (`LOOPWRIGHT_NODE_DIR`, else the system's temporary
folder), one sub-folder per run, removed when the run ends.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from pathlib import Path

from ..config.tree import SandboxConfig
from ..core.commands import CommandResult
from ..workspace import sandbox
from . import bundle as bundle_mod


def node_folder(node_id: str) -> Path:
    base = os.environ.get("LOOPWRIGHT_NODE_DIR") or tempfile.gettempdir()
    return Path(base) / "loopwright-node" / node_id[:16]


def where(node_id: str) -> str:
    return f"{socket.gethostname()} (node {node_id[:8]})"


def run_check(bundle: bytes, commit: str, command: str, *, timeout: float,
              sandbox_config: SandboxConfig, tail_lines: int, node_id: str
              ) -> tuple[CommandResult, str]:
    """Check `commit` out of `bundle` into a fresh folder on this node, run `command`
    there in the sandbox, remove the folder; the result and where it ran."""
    home = node_folder(node_id)
    home.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="checks-", dir=home))
    try:
        tree = run_dir / "tree"
        bundle_mod.unpack(bundle, commit, run_dir / "git", tree)
        result = asyncio.run(sandbox.run(command, tree, timeout=timeout,
                                         config=sandbox_config, tail_lines=tail_lines))
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return result, where(node_id)
