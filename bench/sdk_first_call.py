"""The model SDK's first call of a process: how long it holds the event loop.

The `anthropic` SDK builds pydantic's schemas on its first streamed call; done on the
event loop, every record and wake waits. Each round starts two fresh processes that
each make three calls to a local fake Messages API over real HTTP while a 1 ms ticker
measures the loop:
- cold: the SDK called as Loopwright called it before its warm-up (the stream as is);
- warmed: `call_model` after the warm-up ran in a worker thread (`agent/sdk_warm_up.py`,
  as the manager starts it when an agent is configured).
Blocked = the ticker's lateness summed over the call; longest = its longest stall. The
floor is the same process's later calls (nothing left to build), measured in the same
run. Goal: the warmed first call holds the loop <= 3x the floor's (cold: reported).

    .venv/bin/python bench/sdk_first_call.py [rounds]
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from typing import Any

from _common import goal, median
from loopwright.testing.fake_api import FakeMessagesAPI, Script, Turn

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 5
CALLS = 3
GOAL_RATIO = 3.0
TICK = 0.001


async def _ticker(gaps: list[float]) -> None:
    last = time.perf_counter()
    while True:
        await asyncio.sleep(TICK)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


async def _child(mode: str) -> dict[str, Any]:
    """In a fresh process: the three calls' (blocked, longest), in seconds."""
    from loopwright.agent import sdk_warm_up
    from loopwright.agent.model import call_model, make_client, policy_of
    from loopwright.agent.tools.schemas import REVIEW_TOOL
    from loopwright.config import Config

    cfg = Config()
    client = await asyncio.to_thread(make_client, cfg.agent)  # as the steward makes it
    params = {"model": "claude-sonnet-4-5", "max_tokens": 256, "tools": [REVIEW_TOOL],
              "tool_choice": {"type": "tool", "name": REVIEW_TOOL["name"]},
              "system": [{"type": "text", "text": "You review diffs."}],
              "messages": [{"role": "user", "content": [{"type": "text", "text": "diff"}]}],
              "metadata": {"user_id": "bench"}}
    if mode == "warmed":
        await sdk_warm_up.warmed()
    calls = []
    for _ in range(CALLS):
        gaps: list[float] = []
        ticker = asyncio.create_task(_ticker(gaps))
        await asyncio.sleep(0.02)
        gaps.clear()
        if mode == "cold":  # the SDK's stream, as call_model made it before the warm-up
            async with client.beta.messages.stream(**params) as stream:
                await stream.get_final_message()
        else:
            await call_model(client, params, policy_of(cfg.agent))
        await asyncio.sleep(2 * TICK)  # the ticker's last lateness is counted
        ticker.cancel()
        calls.append((sum(max(0.0, g - TICK) for g in gaps), max(gaps, default=0.0)))
    await client.close()
    return {"calls": calls}


def _run_child(mode: str, base_url: str) -> dict[str, Any]:
    env = {**os.environ, "ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_API_KEY": "bench"}
    proc = subprocess.run([sys.executable, __file__, "--child", mode], env=env,
                          capture_output=True, text=True, check=False, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"the {mode} process failed: {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    verdict = Turn.tool_use("review_verdict", {"verdict": "approve", "summary": "ok"})
    runs: dict[str, list[list[tuple[float, float]]]] = {"cold": [], "warmed": []}
    with FakeMessagesAPI(Script([verdict] * (2 * CALLS * ROUNDS + 2), name="bench")) as api:
        for n in range(ROUNDS):
            for mode in (("cold", "warmed") if n % 2 == 0 else ("warmed", "cold")):
                runs[mode].append(_run_child(mode, api.base_url)["calls"])
    load = os.getloadavg()[0]
    floor = median([blocked for mode in runs.values() for calls in mode
                    for blocked, _ in calls[1:]])
    print(f"the SDK's first call of a process, {ROUNDS} rounds (load {load:.1f}):")
    print(f"  {'':<8} {'first call: blocked':>20} {'longest':>9}   later calls: blocked")
    figures = {}
    for mode, rounds in runs.items():
        first = median([calls[0][0] for calls in rounds])
        longest = median([calls[0][1] for calls in rounds])
        later = median([blocked for calls in rounds for blocked, _ in calls[1:]])
        figures[mode] = first
        print(f"  {mode:<8} {first * 1000:>18.1f} ms {longest * 1000:>6.1f} ms   "
              f"{later * 1000:.1f} ms")
    print(f"  floor (every later call): {floor * 1000:.1f} ms")
    print(f"  cold first call / floor: {figures['cold'] / floor:.1f}x")
    goal("warmed first call's loop block / floor", figures["warmed"] / floor, GOAL_RATIO)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(asyncio.run(_child(sys.argv[2]))))
        sys.exit(0)
    sys.exit(main())
