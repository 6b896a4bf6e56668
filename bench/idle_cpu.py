"""CPU with nothing happening: `loopwright run` with no sessions, and `loopwright serve`
attached to it, each measured over 60 s (utime + stime from /proc, git children
included once reaped). Goals: run <= 0.2% of a core; serve <= 0.2%.

    .venv/bin/python bench/idle_cpu.py [seconds]
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from _common import goal, sample_repo
from loopwright import events as ev
from loopwright.project import Project
from loopwright.store import Store
from lsp_client import RawClient, set_up

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
SETTLE = 3.0  # after start: the first build check, the first attention tick


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_started(root: Path, proc: subprocess.Popen[bytes]) -> None:
    store = Store(Project(root).db_path, secrets=[])
    try:
        deadline = time.monotonic() + 60
        while not any(isinstance(r.event, ev.ManagerStarted) for r in store.read_after(0)):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("`loopwright run` did not start")
            time.sleep(0.05)
    finally:
        store.close()


async def measure_serve(root: Path) -> float:
    client = RawClient()
    await client.start(root)
    await client.request("loopwright/state", {})
    assert client.proc is not None
    await asyncio.sleep(SETTLE)
    before, start = cpu_seconds(client.proc.pid), time.monotonic()
    await asyncio.sleep(SECONDS)
    used = cpu_seconds(client.proc.pid) - before
    share = used / (time.monotonic() - start) * 100
    await client.close()
    return share


def main() -> None:
    root = sample_repo(50)
    set_up(root)
    run = subprocess.Popen([sys.executable, "-m", "loopwright", "-C", str(root), "run"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_started(root, run)
        time.sleep(SETTLE)
        before, start = cpu_seconds(run.pid), time.monotonic()
        time.sleep(SECONDS)
        run_share = (cpu_seconds(run.pid) - before) / (time.monotonic() - start) * 100
        print(f"idle `loopwright run`, no sessions, {SECONDS:.0f} s: {run_share:.3f}% of a "
              "core", flush=True)
        serve_share = asyncio.run(measure_serve(root))
        print(f"idle `loopwright serve` attached to it, {SECONDS:.0f} s: {serve_share:.3f}% "
              "of a core", flush=True)
    finally:
        run.send_signal(signal.SIGTERM)
        run.wait(60)
    goal("idle run, no sessions, CPU", run_share, 0.2, "%")
    goal("idle serve (attached), CPU", serve_share, 0.2, "%")


if __name__ == "__main__":
    main()
