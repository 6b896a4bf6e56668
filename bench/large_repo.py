"""Session start on a 50k-file repository (made with `git fast-import` in seconds),
against a bare `git worktree add` of the same commit: with the warm pool off (goal <=
1.2x) and on (`[manager] warm_worktrees = 2`, goal <= 0.25x). Start is from the inbox
file written to the session's `SessionStarted` record.

    .venv/bin/python bench/large_repo.py [files] [runs]
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from _common import git, goal, median, scratch
from loopwright import events as ev
from loopwright.config import Config
from loopwright.manager.loop import Manager
from loopwright.project import Project
from loopwright.store import Store
from loopwright.workspace import warm_pool

FILES = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 4
SCRIPT = '```loopwright-script\n{"sleep": 0}\n```\n'


def big_repo(files: int) -> Path:
    """One commit of `files` small files in folders of 500, through fast-import."""
    root = scratch() / "big"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    chunks = [b"blob\nmark :1\ndata 8\nVALUE=1\n", b"blob\nmark :2\ndata 13\ntest:\n\t@true\n\n",
              b"commit refs/heads/main\nmark :3\n"
              b"committer Bench <bench@localhost> 1700000000 +0000\ndata 6\nlarge\n",
              b"M 100644 :2 Makefile\n"]
    chunks += [f"M 100644 :1 pkg{n // 500}/mod{n}.py\n".encode() for n in range(files)]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(chunks),
                   check=True)
    git(root, "checkout", "-q", "-f", "main")
    return root


def bare_add(root: Path, n: int) -> float:
    start = time.perf_counter()
    subprocess.run(["git", "worktree", "add", "-q", "-b", f"bare-{n}",
                    str(root.parent / f"bare-{n}"), "main"], cwd=root, check=True)
    took = time.perf_counter() - start
    subprocess.run(["git", "worktree", "remove", "--force", str(root.parent / f"bare-{n}")],
                   cwd=root, check=True)
    return took


async def session_starts(root: Path, warm: int, runs: int) -> tuple[list[float], list[float]]:
    """Session starts, each right after a bare `git worktree add` (the floor, measured
    under the same load: the manager running, the pool refilled)."""
    project = Project(root)
    config = Config()
    config.manager.max_parallel = runs + 1
    config.manager.warm_worktrees = warm
    config.checks.command = "true"
    config.gate.auto_land = False  # no landing: the next start is measured alone
    manager = Manager(project, config)
    runner = asyncio.create_task(manager.run())
    store = Store(project.db_path, secrets=[])
    await asyncio.sleep(0.3)
    seen, times, floor = store.last_seq(), [], []
    for n in range(runs):
        while warm and len(warm_pool.warm(project.worktrees)) < warm:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        floor.append(await asyncio.to_thread(bare_add, root, warm * 100 + n))
        written = time.time()
        (project.inbox / f"task-{warm}-{n}.md").write_text(f"# Task {n}\n\n{SCRIPT}")
        started = None
        while started is None:
            await store.wait(0.05)
            for record in store.read_after(seen):
                seen = record.seq
                if isinstance(record.event, ev.SessionStarted):
                    started = record.at
        times.append(started - written)
    manager.stop()
    await runner
    store.close()
    return times, floor


def main() -> None:
    began = time.perf_counter()
    root = big_repo(FILES)
    print(f"a {FILES:,}-file repository made in {time.perf_counter() - began:.1f} s",
          flush=True)
    cold, cold_floor = asyncio.run(session_starts(root, 0, RUNS))
    warm, warm_floor = asyncio.run(session_starts(root, 2, RUNS))
    print(f"  pool off: session start median {median(cold) * 1000:.0f} ms, bare `git "
          f"worktree add` just before each {median(cold_floor) * 1000:.0f} ms")
    print(f"  warm pool of 2: session start median {median(warm) * 1000:.0f} ms, bare "
          f"`git worktree add` just before each {median(warm_floor) * 1000:.0f} ms")
    floor = median(cold_floor + warm_floor)
    goal(f"session start on {FILES // 1000}k files, pool off, vs bare worktree add",
         median(cold) / floor, 1.2)
    goal(f"session start on {FILES // 1000}k files, warm pool, vs bare worktree add",
         median(warm) / floor, 0.25)


if __name__ == "__main__":
    main()
