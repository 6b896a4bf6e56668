"""The manager agent's context over a long life: 2,000 wakes (messages told to it, in
bursts it batches into turns), a SCRIPTED manager model over the fake Messages API (not
a real model). Printed: the largest request it sent against its context budget (goal:
never over), how often its conversation started over from the loop's summary, and
whether it still knows what it was told first (the day-one note is in its last
request).

    python bench/manager_context.py [--wakes 2000] [--budget 12000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

from _common import sample_repo
from loopwright import events as ev
from loopwright.config import Config
from loopwright.manager.api import FrontEndApi
from loopwright.manager.loop import Manager
from loopwright.project import Project
from loopwright.testing.fake_api import FakeMessagesAPI
from loopwright.testing.scripted_manager import manager_script

BURST = 10
DAY_ONE = "never touch the public API without asking me"


async def life(wakes: int, budget: int, fake: FakeMessagesAPI) -> tuple[int, int, int, bool]:
    root = sample_repo(3)
    try:
        cfg = Config()
        cfg.manager.agent = "claude"
        cfg.manager.batch_seconds = 0.02
        cfg.manager.round_minutes = 0
        cfg.manager.context_budget_tokens = budget
        project = Project(root)
        project.dot.mkdir()
        manager = Manager(project, cfg, watch_inbox=False)
        run = asyncio.create_task(manager.run())
        await manager.started.wait()
        api = FrontEndApi.open(project)
        last = api.tell(DAY_ONE).seq
        told = 1
        while told < wakes:
            for _ in range(min(BURST, wakes - told)):
                told += 1
                last = api.tell(f"note {told}: the build for module {told % 97} is slow").seq
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # until a turn has seen them all
                st = api.refresh()
                if st.manager.until_seq >= last and not st.manager.open_turn:
                    break
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)
        manager.stop()
        await run
        records = api.store.read_after(0)
        api.close()
        replies = [r.event for r in records if isinstance(r.event, ev.ModelReplied)
                   and r.event.agent == "manager"]
        largest = max(e.input_tokens + e.cache_read_tokens + e.cache_write_tokens
                      + e.output_tokens for e in replies)
        restarts = sum(1 for r in records if isinstance(r.event, ev.ManagerPrompted)
                       and r.event.restart)
        turns = sum(1 for r in records if isinstance(r.event, ev.ManagerTurnStarted))
        last = fake.requests_for("manager")[-1]
        knows = DAY_ONE in last.system or DAY_ONE in str(last.messages)
        return largest, restarts, turns, knows
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wakes", type=int, default=2000)
    parser.add_argument("--budget", type=int, default=12_000)
    args = parser.parse_args()
    started = time.monotonic()
    with FakeMessagesAPI() as fake:
        fake.add_script(manager_script())
        os.environ["ANTHROPIC_BASE_URL"] = fake.base_url
        os.environ["ANTHROPIC_API_KEY"] = "sk-bench-fake-key-0123456789"
        largest, restarts, turns, knows = asyncio.run(life(args.wakes, args.budget, fake))
    print(f"manager context: {args.wakes} wakes in {turns} turns "
          f"({time.monotonic() - started:.0f}s), a SCRIPTED model over the fake Messages "
          "API (labelled: not a real model)")
    print(f"  largest request {largest:,} tokens of a {args.budget:,} budget "
          f"({largest / args.budget:.0%}; goal: never over); the conversation started "
          f"over {restarts} time(s); still knows what it was told first: "
          f"{'yes' if knows else 'NO'}")
    return 0 if largest <= args.budget and knows else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
