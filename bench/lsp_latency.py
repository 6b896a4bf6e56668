"""A decision asked by a worker -> the `window/showMessageRequest` at the editor.

A scripted worker asks N blocking questions in a row; the client answers each prompt
at once, which lets the worker ask the next. Latency is from the DecisionAsked record's
time (when the worker's ask was appended to the log) to the client reading the prompt.
Measured with the manager hosted by the server, and with the manager in another
process (`loopwright run`) and the server attached. Goal: p99 <= 100 ms.

Also shown: every record's time to its line in a `$/loopwright/changed` delta (the
protocol promises a delta within 50 ms of the event).

    .venv/bin/python bench/lsp_latency.py [questions]
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import goal, median, percentile, sample_repo
from loopwright import events as ev
from loopwright.manager.lock import holder_pid
from loopwright.project import Project
from loopwright.store import Store
from lsp_client import RawClient, script, set_up

QUESTIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
GOAL_P99 = 0.100


async def measure(root: Path) -> tuple[list[float], list[float]]:
    """(decision -> prompt delays, record -> delta delays)."""
    received: dict[str, float] = {}  # question -> when the prompt arrived
    delta_at: dict[int, float] = {}  # record seq -> when a delta carried its line
    done = asyncio.Event()

    def changed(message: dict[str, Any]) -> None:
        for line in message["params"]["activity"]:
            delta_at.setdefault(line["seq"], message["_received"])

    def prompt(message: dict[str, Any]) -> dict[str, str] | None:
        text = message["params"]["message"]
        if " asks: " not in text:
            return None
        question = text.split(" asks: ", 1)[1].split(" (", 1)[0]
        received[question] = message["_received"]
        if len(received) == QUESTIONS:
            done.set()
        return {"title": "yes"}

    client = RawClient()
    client.on_request["window/showMessageRequest"] = prompt
    client.on_notification["$/loopwright/changed"] = changed
    await client.start(root)
    steps = [{"ask": f"Question {n}?", "options": ["yes", "no"], "blocking": True}
             for n in range(QUESTIONS)]
    await client.request("loopwright/dispatch", {
        "title": "Ask a lot", "body": script(*steps, {"finish": "asked"})})
    await asyncio.wait_for(done.wait(), 300)
    await client.close()
    store = Store(Project(root).db_path, secrets=[])
    log = store.read_after(0)
    store.close()
    asked = {r.event.question: r.at for r in log if isinstance(r.event, ev.DecisionAsked)}
    deltas = [delta_at[r.seq] - r.at for r in log if r.seq in delta_at]
    return [received[q] - asked[q] for q in received], deltas


async def attached(root: Path) -> tuple[list[float], list[float]]:
    project = Project(root)
    runner = subprocess.Popen([sys.executable, "-m", "loopwright", "-C", str(root), "run"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while holder_pid(project.lock_path) != runner.pid:
            if time.monotonic() > deadline:
                raise RuntimeError("`loopwright run` did not start")
            await asyncio.sleep(0.05)
        return await measure(root)
    finally:
        runner.terminate()
        runner.wait(30)


def report(label: str, measured: tuple[list[float], list[float]]) -> None:
    delays, deltas = measured
    p50, p99 = median(delays), percentile(delays, 99)
    print(f"{label:<36} n={len(delays):<4} p50 {p50 * 1000:6.1f} ms   "
          f"p99 {p99 * 1000:6.1f} ms   max {max(delays) * 1000:6.1f} ms")
    goal(f"decision -> prompt p99, {label}", p99 * 1000, GOAL_P99 * 1000, " ms")
    late = sum(1 for d in deltas if d > 0.050)
    print(f"{'  record -> its delta':<36} n={len(deltas):<4} p50 "
          f"{median(deltas) * 1000:6.1f} ms   p99 {percentile(deltas, 99) * 1000:6.1f} ms   "
          f"max {max(deltas) * 1000:6.1f} ms   over 50 ms: {late}")


async def main() -> None:
    print(f"decision asked -> showMessageRequest at the client; {QUESTIONS} questions "
          "each; goal p99 <= 100 ms")
    hosted_root = sample_repo(20)
    set_up(hosted_root)
    report("manager hosted by the server", await measure(hosted_root))
    attached_root = sample_repo(20)
    set_up(attached_root)
    report("server attached to `loopwright run`", await attached(attached_root))


if __name__ == "__main__":
    asyncio.run(main())
