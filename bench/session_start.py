"""Session start: an inbox file written -> its worker running in its own worktree,
against a bare `git worktree add` on the same repository. Goal <= 1.5x."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from _common import goal, median, sample_repo
from loopwright import events as ev
from loopwright.config import Config
from loopwright.manager.loop import Manager
from loopwright.project import Project
from loopwright.store import Store

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 15
SCRIPT = '```loopwright-script\n{"sleep": 0}\n```\n'


def bare_worktree_add(root: Path, n: int) -> float:
    start = time.perf_counter()
    subprocess.run(["git", "worktree", "add", "-q", "-b", f"bare-{n}",
                    str(root.parent / f"wt-{n}"), "main"], cwd=root, check=True)
    return time.perf_counter() - start


async def measure(root_files: int) -> tuple[list[float], list[float]]:
    """Alternate the two measurements so that both see the same machine load; each run
    starts once the previous session has landed and been cleaned up."""
    bare_root = sample_repo(root_files)
    root = sample_repo(root_files)
    project = Project(root)
    config = Config()
    config.manager.max_parallel = RUNS + 1
    config.checks.command = "true"
    manager = Manager(project, config)
    runner = asyncio.create_task(manager.run())
    store = Store(project.db_path, secrets=[])
    await asyncio.sleep(0.3)  # the manager is up and watching
    seen = store.last_seq()
    times, floor = [], []
    for n in range(RUNS):
        floor.append(await asyncio.to_thread(bare_worktree_add, bare_root, n))
        written = time.time()
        path = project.inbox / f"task-{n}.md"
        path.write_text(f"# Task {n}\n\n{SCRIPT}")
        started, cleaned = None, False
        while not cleaned:  # the next run starts once this session is landed and gone
            await store.wait(0.05)
            for record in store.read_after(seen):
                seen = record.seq
                if isinstance(record.event, ev.SessionStarted):
                    started = record.at
                cleaned = cleaned or isinstance(record.event, ev.WorktreeRemoved)
        assert started is not None
        times.append(started - written)
    manager.stop()
    await runner
    return times, floor


def main() -> None:
    files = 200
    ours, floor = asyncio.run(measure(files))
    ratio = median(ours) / median(floor)
    print(f"session start, {RUNS} runs on a {files}-file repository:")
    print(f"  inbox file -> worker running: median {median(ours) * 1000:.1f} ms")
    print(f"  bare `git worktree add`:       median {median(floor) * 1000:.1f} ms")
    goal("session start vs a bare `git worktree add`", ratio, 1.5)


if __name__ == "__main__":
    main()
