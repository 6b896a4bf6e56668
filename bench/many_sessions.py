"""Concurrent scripted sessions that sleep (200 by default, `1000` as an argument): the
manager's event-loop lag (p99, goal <= 20 ms), the CPU the sleeping sessions add (its
git children included, over the same process with no session and this bench's own probe,
measured first; goal <= 2% of a core at 200), and memory per session, measured in the
manager's own process.

Each sleeper sleeps longer than two periods of the conflict predictor
(`[parallel] predict_seconds`) and of the attention tick. The quiet window starts once
every session runs and the predictor and the supervisor have had one look at each (work
done once per session that acted), and ends a second before the first wakes: it shows
what the manager spends on sessions that do nothing.

    .venv/bin/python bench/many_sessions.py [sessions]
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from _common import goal, percentile, rss_kib, sample_repo
from loopwright.config import Config
from loopwright.manager.api import FrontEndApi
from loopwright.manager.loop import Manager, thread_pool
from loopwright.project import Project
from loopwright.state import SessionState

SESSIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
TICK = 0.01
QUIET = 25.0  # seconds every session sleeps at once, at least
FLOOR_SECONDS = 10.0  # the idle manager and this bench's own probe, before any session


def script(n: int, sleep: float) -> str:
    """Sleep, then change one file of its own: a session that changes nothing ends as
    `no change` instead of waiting for review."""
    return (f'```loopwright-script\n{{"sleep": {sleep:.0f}}}\n'
            f'{{"write": "sleeper-{n}.txt", "content": "{n}\\n"}}\n```\n')


def cpu_seconds() -> tuple[float, float]:
    """This process's CPU time, and its waited-for children's (git), from /proc."""
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    own = sum(int(fields[i]) for i in (11, 12))  # utime stime
    children = sum(int(fields[i]) for i in (13, 14))  # cutime cstime
    return own / os.sysconf("SC_CLK_TCK"), children / os.sysconf("SC_CLK_TCK")


async def lag_probe(lags: list[tuple[float, float]], stop: asyncio.Event) -> None:
    """(when, how late) for every tick."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(TICK)
        end = time.perf_counter()
        lags.append((end, end - start - TICK))


async def idle_floor(manager: Manager) -> tuple[float, float]:
    """CPU share (this process, its children) of the manager with no session, the lag
    probe and the 10 Hz watch below running: what the sessions' share is measured over."""
    (own0, git0), began = cpu_seconds(), time.perf_counter()
    while time.perf_counter() - began < FLOOR_SECONDS:
        await asyncio.sleep(0.1)
        _ = manager.state.count(SessionState.RUNNING)
    (own1, git1), took = cpu_seconds(), time.perf_counter() - began
    return (own1 - own0) / took * 100, (git1 - git0) / took * 100


def dispatch_all(project: Project, sleep: float) -> None:
    api = FrontEndApi.open(project)
    for n in range(SESSIONS):
        api.dispatch(f"Sleeper {n}", script(n, sleep))
    api.close()


async def main() -> None:
    asyncio.get_running_loop().set_default_executor(thread_pool())  # as `loopwright run`
    root = sample_repo(50)
    project = Project(root)
    config = Config()
    config.manager.max_parallel = SESSIONS
    config.checks.command = "true"
    config.gate.auto_land = False  # keep them waiting for review: no landing storm
    # Long enough for every worktree to start, then QUIET more with all asleep.
    sleep = QUIET + 2 * config.parallel.predict_seconds + SESSIONS * 0.12
    manager = Manager(project, config, watch_inbox=False)
    runner = asyncio.create_task(manager.run())
    await asyncio.sleep(0.3)
    baseline = rss_kib()
    lags: list[tuple[float, float]] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(lag_probe(lags, stop))
    floor = await idle_floor(manager)
    await asyncio.to_thread(dispatch_all, project, sleep)  # as another process would
    peak_running, peak_rss = 0, baseline
    quiet: list[tuple[float, tuple[float, float]]] = []  # (when, cpu) while all sleep
    all_at = 0.0
    settle = config.parallel.predict_seconds + config.attention.tick_seconds + 2.0
    while True:
        await asyncio.sleep(0.1)
        st = manager.state
        running = st.count(SessionState.RUNNING)
        if running > peak_running:
            peak_running, peak_rss = running, max(peak_rss, rss_kib())
        if running == SESSIONS:  # all asleep, until the first wakes up
            all_at = all_at or time.time()
            first_wakes = min(s.started_at or 0.0 for s in st.sessions.values()) + sleep
            # After one look of the predictor and of the supervisor at every new session
            # (work done once per session that acted), so the window is the steady state.
            if all_at + settle <= time.time() < first_wakes - 1.0:
                quiet.append((time.perf_counter(), cpu_seconds()))
        if st.count(SessionState.AWAITING_APPROVAL) == SESSIONS:
            break
    stop.set()
    await probe
    manager.stop()
    await runner
    ms = [lag * 1000 for _, lag in lags]
    print(f"{SESSIONS} concurrent scripted sessions, each sleeping {sleep:.0f}s:")
    print(f"  peak running at once: {peak_running}")
    print(f"  event-loop lag, whole run (start {SESSIONS} worktrees, sleep, check the "
          f"changes): p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
          f"max {max(ms):.1f} ms")
    goal(f"loop lag p99, {SESSIONS} sessions, whole run", percentile(ms, 99), 20, " ms")
    if len(quiet) >= 2:
        (lo, cpu_lo), (hi, cpu_hi) = quiet[0], quiet[-1]
        during = [lag * 1000 for when, lag in lags if lo <= when <= hi] or [0.0]
        own = (cpu_hi[0] - cpu_lo[0]) / (hi - lo) * 100 - floor[0]
        git = (cpu_hi[1] - cpu_lo[1]) / (hi - lo) * 100 - floor[1]
        share = own + git
        print(f"  while all {SESSIONS} sleep ({hi - lo:.0f} s): loop lag p99 "
              f"{percentile(during, 99):.1f} ms, max {max(during):.1f} ms; CPU the "
              f"sessions add {share:.2f}% of a core: {own:.2f}% in the manager's process, "
              f"{git:.2f}% in its git children (over a floor of {sum(floor):.2f}%: the "
              "manager with no session and this bench's 100 Hz probe and 10 Hz watch)")
        goal(f"loop lag p99, {SESSIONS} sleeping sessions", percentile(during, 99), 20,
             " ms")
        goal(f"CPU, {SESSIONS} sleeping sessions, git children included", share,
             2.0 if SESSIONS <= 200 else 10.0, "%")
    else:
        print(f"  every {SESSIONS} sessions never slept at once: no quiet window to "
              "measure (the machine was too slow to start them within the sleep)")
    per_session = (peak_rss - baseline) / max(1, peak_running)
    print(f"  memory: {per_session:.0f} KiB per running session "
          f"({(peak_rss - baseline) / 1024:.1f} MiB for {peak_running})")


if __name__ == "__main__":
    asyncio.run(main())
