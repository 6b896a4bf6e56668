"""The manager agent's worth: the same day of scripted tasks run twice through the real
loop, manager off and on (the manager a SCRIPTED model over the fake Messages API, not a
real one), with a scripted human who answers every interruption after a fixed delay.

Some tasks ask a question whose answer is in .loopwright/notes.md, some ask the same
product question the notes do not answer (the human answers it once; with the manager,
the answer is remembered and the question is not asked again), some are too big to land
on their own (a review either way). Printed for each run, from the event log alone:
interruptions and human decisions per landed change, and their ratio on/off (goal:
the manager halves both); then the wake -> manager turn started p99 beyond the batching
window (goal <= 50 ms), pooled over `--wake-days` manager-on days (one day opens ~35
turns while idle: its p99 alone would be its maximum), with the load average it ran at.

    python bench/manager_day.py [--tasks 30] [--wake-days 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from _common import goal, percentile, sample_repo
from loopwright.config import Config
from loopwright.insight.history import History
from loopwright.insight.metrics import Metrics, compute
from loopwright.manager.api import ActionRefused, FrontEndApi
from loopwright.manager.loop import Manager
from loopwright.project import Project
from loopwright.testing.fake_api import FakeMessagesAPI
from loopwright.testing.scripted_manager import manager_script

HUMAN_DELAY = 0.5
ARRIVAL = 0.3
BATCH = 0.1
KNOWN = "Which config format should new files use?"
PRODUCT = "Should the old command name keep working?"
NOTES = f"# Notes\n\n- {KNOWN} → toml\n"


def script(*steps: Mapping[str, object]) -> str:
    return "```loopwright-script\n" + "\n".join(json.dumps(s) for s in steps) + "\n```\n"


def tasks(n: int) -> list[tuple[str, str]]:
    kinds = ["plain", "known", "product", "known", "plain", "product", "review"]
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        write = {"write": f"notes/task-{i:02d}.txt", "content": f"task {i}\n"}
        ask = {"ask": KNOWN if kind == "known" else PRODUCT, "options": ["toml", "json"]
               if kind == "known" else ["yes", "no"], "blocking": True}
        steps: list[Mapping[str, object]] = {
            "plain": [write], "known": [ask, write], "product": [ask, write],
            "review": [{"write": f"big/task-{i:02d}.txt",
                        "content": "".join(f"line {k}\n" for k in range(30))}],
        }[kind]
        out.append((f"{kind} {i:02d}", script(*steps, {"finish": f"did task {i}"})))
    return out


async def human(api: FrontEndApi, stop: asyncio.Event) -> None:
    """Answers what interrupts after HUMAN_DELAY: the first option, or approves."""
    due: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        st = api.refresh()
        for n in st.attention.interrupting():
            due.setdefault(n.notification_id, now + HUMAN_DELAY)
        for nid, when in list(due.items()):
            if when > now:
                continue
            del due[nid]
            n = st.attention.notes.get(nid)
            if n is None:
                continue
            try:
                if n.kind == "needs_review":
                    api.approve(n.ref)
                elif n.ref in st.decisions:
                    d = st.decisions[n.ref]
                    api.answer(d.decision_id, d.options[0] if d.options else "yes")
            except ActionRefused:
                pass
        await asyncio.sleep(0.02)


async def day(n: int, manager_on: bool) -> tuple[Metrics, list[float], float]:
    root = sample_repo(5)
    try:
        cfg = Config()
        cfg.manager.max_parallel = 6
        cfg.build.on_landing = False
        cfg.attention.tick_seconds = 0.25
        cfg.sandbox.bubblewrap = "never"
        if manager_on:
            cfg.manager.agent = "claude"
            cfg.manager.batch_seconds = BATCH
            cfg.manager.round_minutes = 0
        project = Project(root)
        project.dot.mkdir()
        project.notes_path.write_text(NOTES, encoding="utf-8")
        manager = Manager(project, cfg, watch_inbox=False)
        run = asyncio.create_task(manager.run())
        await manager.started.wait()
        api = FrontEndApi.open(project)
        stop = asyncio.Event()
        answering = asyncio.create_task(human(api, stop))
        started = time.monotonic()
        todo = tasks(n)
        for title, body in todo:
            api.dispatch(title, body)
            await asyncio.sleep(ARRIVAL)
        while time.monotonic() - started < 240:
            st = api.refresh()
            if len(st.sessions) == n and all(s.terminal for s in st.sessions.values()):
                break
            await asyncio.sleep(0.1)
        wall = time.monotonic() - started
        stop.set()
        await answering
        steward = manager.steward
        latencies = list(steward.latencies) if steward is not None else []
        manager.stop()
        await run
        metrics = compute(History.of(api.store.read_after(0)), time.time())
        api.close()
        return metrics, latencies, wall
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=28)
    parser.add_argument("--wake-days", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with FakeMessagesAPI() as fake:
        fake.add_script(manager_script())
        os.environ["ANTHROPIC_BASE_URL"] = fake.base_url
        os.environ["ANTHROPIC_API_KEY"] = "sk-bench-fake-key-0123456789"
        off, _, wall_off = asyncio.run(day(args.tasks, manager_on=False))
        on, latencies, wall_on = asyncio.run(day(args.tasks, manager_on=True))
        for _ in range(args.wake_days - 1):  # more turns opened while idle, for the p99
            latencies += asyncio.run(day(args.tasks, manager_on=True))[1]
    load_after = os.getloadavg()[0]
    print(f"manager day: {args.tasks} tasks, the same day twice; the manager is a "
          "SCRIPTED model over the fake Messages API (labelled: not a real model)")
    rows = []
    for label, m, wall in (("manager off", off, wall_off), ("manager on", on, wall_on)):
        o = m.overall
        ipl = o.interruptions_per_landed or 0.0
        dpl = o.decisions_per_landed or 0.0
        rows.append((ipl, dpl))
        print(f"  {label:<12} {o.landed:>3} landed in {wall:5.1f}s; interruptions per landed "
              f"change {ipl:.2f}; human decisions per landed change {dpl:.2f}")
    if on.manager is not None:
        mm = on.manager
        print(f"  the manager: {mm.turns} turns, answered {mm.questions_answered} workers' "
              f"questions, escalated {mm.questions_escalated}; {mm.tokens:,} tokens "
              f"(${mm.cost_usd:.2f}, ${mm.cost_per_landed_usd or 0:.4f} per landed change, "
              "at list prices for a scripted model's counted tokens)")
    (ioff, doff), (ion, don) = rows
    print(f"  on/off: interruptions x{ion / ioff if ioff else float('nan'):.2f}, human "
          f"decisions x{don / doff if doff else float('nan'):.2f} (goal <= 0.50 each)")
    goal("manager on/off: interruptions per landed change",
         ion / ioff if ioff else float("nan"), 0.5)
    goal("manager on/off: human decisions per landed change",
         don / doff if doff else float("nan"), 0.5)
    if latencies:
        p99 = percentile(latencies, 99) * 1000
        print(f"  wake -> manager turn started beyond the {BATCH * 1000:.0f} ms batching "
              f"window: p50 {percentile(latencies, 50) * 1000:.1f} ms, p99 {p99:.1f} ms, "
              f"max {max(latencies) * 1000:.1f} ms over {len(latencies)} turns opened while "
              f"idle in {args.wake_days} days (goal <= 50 ms); load average "
              f"{load_before:.1f} before, {load_after:.1f} after")
        goal("wake -> manager turn started, p99", p99, 50, " ms")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
