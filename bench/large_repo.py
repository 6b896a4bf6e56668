"""Session start on a 50k-file repository (made with `git fast-import` in seconds),
against a bare `git worktree add` of the same commit: with the warm pool off (goal <=
1.2x) and on (`[manager] warm_worktrees = 2`, goal <= 0.25x). Start is from the inbox
file written to the session's `SessionStarted` record.

A fresh checkout of 50k files is mostly the kernel creating files, and on a busy machine
two adds in a row can differ by half. So the bare add and the start are measured in
pairs, their order alternating run by run, each one after the previous session's
worktree is gone, the pool is full again and `sync` has written out what came before.
Each pair is printed, the goal is the ratio of the medians, and git's own trace
(`GIT_TRACE2_EVENT`) says how much of a pool-off start was its `git worktree add`: the
rest is Loopwright's own part.

    .venv/bin/python bench/large_repo.py [files] [runs]
"""

from __future__ import annotations

import asyncio
import json
import os
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
SETTLE_SECONDS = 120.0


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
    os.sync()
    start = time.perf_counter()
    subprocess.run(["git", "worktree", "add", "-q", "-b", f"bare-{n}",
                    str(root.parent / f"bare-{n}"), "main"], cwd=root, check=True)
    took = time.perf_counter() - start
    subprocess.run(["git", "worktree", "remove", "--force", str(root.parent / f"bare-{n}")],
                   cwd=root, check=True)
    return took


def add_seconds(trace: Path, worktree: str) -> float:
    """How long the `git worktree add` of `worktree` ran, from git's event trace."""
    started: set[str] = set()
    for line in trace.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        argv = record.get("argv", [])
        if record["event"] == "start" and "add" in argv and worktree in argv:
            started.add(record["sid"])
        elif record["event"] == "exit" and record["sid"] in started:
            return float(record["t_abs"])
    return 0.0


class Bench:
    """A manager on the big repository, and the records it writes."""

    def __init__(self, root: Path, warm: int) -> None:
        self.project = Project(root)
        config = Config()
        config.manager.max_parallel = RUNS + 1
        config.manager.warm_worktrees = warm
        config.checks.command = "true"
        config.gate.auto_land = False  # no landing: the next start is measured alone
        self.warm = warm
        self.manager = Manager(self.project, config)
        self.store = Store(self.project.db_path, secrets=[])
        self.seen = self.store.last_seq()

    async def until(self, wanted: type[ev.Event], session_id: str = "") -> ev.Record:
        async with asyncio.timeout(SETTLE_SECONDS):
            while True:
                await self.store.wait(0.05)
                for record in self.store.read_after(self.seen):
                    self.seen = record.seq
                    event = record.event
                    if isinstance(event, wanted) and session_id in ("", getattr(
                            event, "session_id", "")):
                        return record

    async def settled(self) -> None:
        while self.warm and len(warm_pool.warm(self.project.worktrees)) < self.warm:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await asyncio.to_thread(os.sync)

    async def start(self, n: int) -> tuple[float, str]:
        """One session start's seconds, and its worktree; returns once it is removed."""
        await self.settled()
        written = time.time()
        (self.project.inbox / f"task-{self.warm}-{n}.md").write_text(f"# Task {n}\n\n{SCRIPT}")
        record = await self.until(ev.SessionStarted)
        assert isinstance(record.event, ev.SessionStarted)
        await self.until(ev.WorktreeRemoved, record.event.session_id)
        return record.at - written, record.event.worktree

    async def bare(self, n: int) -> float:
        await self.settled()
        return await asyncio.to_thread(bare_add, self.project.root, self.warm * 100 + n)


async def pairs(root: Path, warm: int, trace: Path) -> tuple[list[float], list[float]]:
    """`RUNS` session starts and bare adds, in pairs whose order alternates."""
    bench = Bench(root, warm)
    runner = asyncio.create_task(bench.manager.run())
    await asyncio.sleep(0.3)
    starts, bares = [], []
    for n in range(RUNS):
        if n % 2 == 0:
            bares.append(await bench.bare(n))
            took, worktree = await bench.start(n)
        else:
            took, worktree = await bench.start(n)
            bares.append(await bench.bare(n))
        starts.append(took)
        inside = f", its `git worktree add` {add_seconds(trace, worktree) * 1000:.0f} ms" \
            if not warm else ""
        print(f"    run {n} ({'bare first' if n % 2 == 0 else 'start first'}): bare add "
              f"{bares[-1] * 1000:.0f} ms, session start {took * 1000:.0f} ms{inside} "
              f"({took / bares[-1]:.2f}x)", flush=True)
    bench.manager.stop()
    await runner
    bench.store.close()
    return starts, bares


def main() -> None:
    began = time.perf_counter()
    root = big_repo(FILES)
    print(f"a {FILES:,}-file repository made in {time.perf_counter() - began:.1f} s",
          flush=True)
    trace = root.parent / "trace2.json"
    os.environ["GIT_TRACE2_EVENT"] = str(trace)  # the bare adds' git is traced too
    print("  pool off:", flush=True)
    cold, cold_bare = asyncio.run(pairs(root, 0, trace))
    print("  warm pool of 2:", flush=True)
    warm, warm_bare = asyncio.run(pairs(root, 2, trace))
    print(f"  pool off: session start median {median(cold) * 1000:.0f} ms, bare `git "
          f"worktree add` median {median(cold_bare) * 1000:.0f} ms")
    print(f"  warm pool of 2: session start median {median(warm) * 1000:.0f} ms, bare "
          f"`git worktree add` median {median(warm_bare) * 1000:.0f} ms")
    goal(f"session start on {FILES // 1000}k files, pool off, vs bare worktree add",
         median(cold) / median(cold_bare), 1.2)
    goal(f"session start on {FILES // 1000}k files, warm pool, vs bare worktree add",
         median(warm) / median(warm_bare), 0.25)


if __name__ == "__main__":
    main()
