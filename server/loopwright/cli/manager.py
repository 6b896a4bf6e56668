"""The manager agent from the shell: `tell`, `manager` (its thread) and the act form of
`overrule` (docs/manager.md)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys

import msgspec

from ..core.text import for_terminal
from ..manager.api import FrontEndApi
from ..views.thread import ThreadEntry
from .common import OpenApi, clock

ACT_ID = re.compile(r"^m\d+\.\d+$")


def tell(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        entry = api.tell(" ".join(args.text))
        print(line(entry))
        if api.config.manager.agent == "off":
            print("(the manager agent is off: [manager] agent = \"claude\" turns it on; "
                  "it reads this when it starts)", file=sys.stderr)
    return 0


def manager(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        thread = api.manager_thread()
        if not args.json:
            state = "running" if thread.running else "not running"
            print(f"manager agent: {thread.agent} ({state}); {thread.turns} turn(s), "
                  f"{thread.tokens} tokens, ${thread.cost_usd:.4f}; decides alone: "
                  f"{', '.join(thread.decides) or 'nothing'}")
        after = _print(thread.entries, args.json, thread.seq)
        if args.follow:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(_follow(api, after, args.json))
    return 0


def overrule_act(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        entry = api.overrule_act(args.task, args.answer, args.why)
        print(line(entry))
    return 0


def is_act(ref: str) -> bool:
    return bool(ACT_ID.match(ref.strip()))


async def _follow(api: FrontEndApi, after: int, as_json: bool) -> None:
    while True:
        await api.store.wait(1.0)
        thread = api.manager_thread(after)
        after = _print(thread.entries, as_json, thread.seq)


def _print(entries: list[ThreadEntry], as_json: bool, seq: int) -> int:
    for entry in entries:
        if as_json:
            sys.stdout.write(msgspec.json.encode(entry).decode() + "\n")
        else:
            print(line(entry))
    sys.stdout.flush()
    return max([seq, *(e.seq for e in entries)])


def line(e: ThreadEntry) -> str:
    who = {"told": "you", "answered": e.by, "overruled": e.by}.get(e.kind, "manager")
    text = f"{clock(e.at)} {who:>8} {e.kind:<9} {for_terminal(e.text, one_line=True)}"
    if e.kind == "acted" and e.overrule and not e.overruled:
        text += f"  [overrule: {e.overrule}]"
    if e.overruled:
        text += "  [overruled]"
    if e.kind == "escalated":
        text += f"  [answer: loopwright answer {e.decision_id} ...]"
    return text
