"""Push latency: a decision raised -> its push received by ntfy, and an action button
pressed -> the worker resumed.

A scripted worker asks N blocking questions in a row. Each one's push reaches a local
fake ntfy server; a thread plays the phone: it presses the first option's button (the
HTTP callback the ntfy app sends) at once, which lets the worker go on and ask the next.
The manager and the page run in this process as `run --web` runs them, the fake beside
them, over loopback; the editor is not there, so nothing is held.

- raised -> received: the DecisionAsked record's time to the fake's receipt.
- pressed -> resumed: the press to the worker's next record (its next question).
- floor: a bare POST to the fake ntfy, and a forged press the page refuses, measured
  in the same run; the ratios say what the loop adds to the wire.
Goals: p99 <= 100 ms for both.

    .venv/bin/python bench/push.py [questions]
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from _common import median, percentile, sample_repo
from loopwright import events as ev
from loopwright.config import load
from loopwright.manager.api import FrontEndApi
from loopwright.manager.loop import Manager
from loopwright.project import Project
from loopwright.serving import Address
from loopwright.testing.fake_ntfy import FakeNtfy
from loopwright.web.server import WebServer
from lsp_client import script

QUESTIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
GOAL_P99 = 0.100


def post(url: str, body: bytes) -> float:
    started = time.perf_counter()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()
    except urllib.error.HTTPError as e:  # the page's refusal of a bad press: a floor too
        e.read()
    return time.perf_counter() - started


def phone(ntfy: FakeNtfy, pressed: list[float], failures: list[str]) -> None:
    """Press the first button of each push as it arrives."""
    try:
        for n in range(QUESTIONS):
            posted = ntfy.wait_for(n + 1, timeout=60)[n]
            pressed.append(time.time())
            answer = ntfy.press(posted, posted.actions[0]["label"])
            if answer.status != 200:
                failures.append(f"{answer.status} {answer.text}")
    except (TimeoutError, OSError, KeyError, IndexError) as e:  # reported; runs on
        failures.append(repr(e))


async def measure(root: Path, ntfy: FakeNtfy) -> dict[str, list[float]]:
    project = Project(root)
    project.config_path.write_text(
        f'[project]\ntarget_branch = "main"\n[gate]\nauto_land = false\n'
        f'[push]\nurl = "{ntfy.url}"\ntopic = "bench"\n', encoding="utf-8")
    config = load(project.config_path)
    web = WebServer(project, config, Address("127.0.0.1", 0))  # as `run --web` serves it
    web.start()
    page = web.base_url
    api = FrontEndApi.open(project)
    manager = Manager(project, config)
    running = asyncio.create_task(manager.run())
    await manager.started.wait()

    pressed: list[float] = []
    failures: list[str] = []
    presser = threading.Thread(target=phone, args=(ntfy, pressed, failures), daemon=True)
    presser.start()
    steps = [{"ask": f"Question {n}?", "options": ["yes", "no"], "blocking": True}
             for n in range(QUESTIONS)]
    api.dispatch("Ask a lot", script(*steps, {"finish": "asked"}))
    await asyncio.to_thread(presser.join, 300)
    received = [p.at for p in ntfy.posts]
    # The floors, with the same processes up and idle: a bare POST to each server.
    floor_ntfy = [await asyncio.to_thread(post, ntfy.url + "/", b'{"topic": "floor"}')
                  for _ in range(50)]
    floor_page = [await asyncio.to_thread(post, page + "/push/act", b"x" * 200)
                  for _ in range(50)]
    manager.stop()
    await running
    web.stop()
    log = api.store.read_after(0)
    api.close()
    for failure in failures[:5]:
        print("  press failed:", failure)

    asked = [r.at for r in log if isinstance(r.event, ev.DecisionAsked)]
    # The worker resumed: its first record after the answer (the next question's ask).
    answered = [r.seq for r in log if isinstance(r.event, ev.DecisionAnswered)]
    resumed = []
    for seq in answered:
        nxt = next((r for r in log if r.seq > seq and isinstance(
            r.event, ev.DecisionAsked | ev.WorkerActed | ev.WorkerFinished)), None)
        if nxt is not None:
            resumed.append(nxt.at)
    return {
        "raised -> received": [b - a for a, b in zip(asked, received, strict=False)],
        "pressed -> resumed": [b - a for a, b in zip(pressed, resumed, strict=False)],
        "floor: POST to ntfy": floor_ntfy,
        "floor: a refused press": floor_page,
    }


def report(results: dict[str, list[float]]) -> None:
    floors = {"raised -> received": "floor: POST to ntfy",
              "pressed -> resumed": "floor: a refused press"}
    for label, values in results.items():
        if not values:
            print(f"{label:<26} no measures")
            continue
        p50, p99 = median(values), percentile(values, 99)
        line = (f"{label:<26} n={len(values):<4} p50 {p50 * 1000:6.1f} ms   "
                f"p99 {p99 * 1000:6.1f} ms   max {max(values) * 1000:6.1f} ms")
        if label in floors and results[floors[label]]:
            floor = percentile(results[floors[label]], 99)
            verdict = "ok" if p99 <= GOAL_P99 else "OVER GOAL"
            line += (f"   p99/floor {p99 / floor:5.1f}x   p99/goal {p99 / GOAL_P99:.2f}  "
                     f"{verdict}")
        print(line)


async def main() -> None:
    print(f"push: {QUESTIONS} blocking questions, each pushed and answered from the "
          "notification; goal p99 <= 100 ms")
    root = sample_repo(20)
    try:
        subprocess.run([sys.executable, "-m", "loopwright", "-C", str(root), "init"],
                       check=True, capture_output=True)
        with FakeNtfy() as ntfy:
            report(await measure(root, ntfy))
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
