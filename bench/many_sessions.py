"""200 concurrent scripted sessions that sleep: the manager's event-loop lag (p99, goal
<= 20 ms) and memory per session, measured in the manager's own process."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from _common import percentile, sample_repo
from loopwright.config import Config
from loopwright.manager.api import FrontEndApi
from loopwright.manager.loop import Manager, thread_pool
from loopwright.project import Project
from loopwright.state import SessionState

SESSIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
SLEEP = 5.0
TICK = 0.01


def script(n: int) -> str:
    """Sleep, then change one file of its own: a session that changes nothing ends as
    `no change` instead of waiting for review."""
    return (f'```loopwright-script\n{{"sleep": {SLEEP}}}\n'
            f'{{"write": "sleeper-{n}.txt", "content": "{n}\\n"}}\n```\n')


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def lag_probe(lags: list[tuple[float, float]], stop: asyncio.Event) -> None:
    """(when, how late) for every tick."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(TICK)
        end = time.perf_counter()
        lags.append((end, end - start - TICK))


def dispatch_all(project: Project) -> None:
    api = FrontEndApi.open(project)
    for n in range(SESSIONS):
        api.dispatch(f"Sleeper {n}", script(n))
    api.close()


async def main() -> None:
    asyncio.get_running_loop().set_default_executor(thread_pool())  # as `loopwright run`
    root = sample_repo(50)
    project = Project(root)
    config = Config()
    config.manager.max_parallel = SESSIONS
    config.checks.command = "true"
    config.gate.auto_land = False  # keep them waiting for review: no landing storm
    manager = Manager(project, config, watch_inbox=False)
    runner = asyncio.create_task(manager.run())
    await asyncio.sleep(0.3)
    baseline = rss_kib()
    lags: list[tuple[float, float]] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(lag_probe(lags, stop))
    await asyncio.to_thread(dispatch_all, project)  # as another process would
    peak_running, peak_rss = 0, baseline
    all_sleeping: list[float] = []  # when every session was running at once
    while True:
        await asyncio.sleep(0.1)
        st = manager.state
        running = st.count(SessionState.RUNNING)
        if running > peak_running:
            peak_running, peak_rss = running, max(peak_rss, rss_kib())
        if running == SESSIONS:
            all_sleeping.append(time.perf_counter())
        if st.count(SessionState.AWAITING_APPROVAL) == SESSIONS:
            break
    stop.set()
    await probe
    manager.stop()
    await runner
    ms = [lag * 1000 for _, lag in lags]
    print(f"{SESSIONS} concurrent scripted sessions sleeping {SLEEP:.0f}s each:")
    print(f"  peak running at once: {peak_running}")
    print("  event-loop lag, whole run (start 200 worktrees, sleep, check 200 changes):")
    print(f"    p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms,"
          f" max {max(ms):.1f} ms  (goal p99 <= 20 ms)")
    if all_sleeping:
        lo, hi = all_sleeping[0], all_sleeping[-1]
        during = [lag * 1000 for when, lag in lags if lo <= when <= hi]
        print(f"  event-loop lag while all {SESSIONS} sleep: p99 {percentile(during, 99):.1f} ms,"
              f" max {max(during):.1f} ms")
    per_session = (peak_rss - baseline) / max(1, peak_running)
    print(f"  memory: {per_session:.0f} KiB per running session "
          f"({(peak_rss - baseline) / 1024:.1f} MiB for {peak_running})")


if __name__ == "__main__":
    asyncio.run(main())
