"""Code lenses on a review with 2,000 hunks ÷ a codeLens that returns nothing, same server.

A scripted worker rewrites files so that its change is 2,000 hunks (every 8th line, so
git cannot merge neighbours), the change waits for review, and the client asks for the
code lenses of every head-side review document, against as many `textDocument/codeLens`
of a plain file (which is not a review: the answer is []). Each is timed as a client sees
it: request written, answer read and parsed (`json.loads`), every lens counted. Two
shapes of the same 2,000 hunks:

  - spread over 100 files (20 hunks each): 100 requests, one per document;
  - all in one file: every lens in one answer (the worst case).

Two ways to ask, each with its ratio:

  - `loopwright/hunkLenses`, what the VS Code extension asks: flat lists of lines, hunk
    ids and verdicts, the lenses made (and resolved) by the client. Goal <= 3x.
  - `textDocument/codeLens`, what any other LSP client asks: one LSP `CodeLens` object
    per hunk, unresolved. Reported, no goal: its parse grows with the lenses.

Then `codeLens/resolve` of one lens (what a standard client asks for each lens it shows).

    .venv/bin/python bench/lsp_codelens.py [requests]
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _common import git, goal, median, percentile, sample_repo
from lsp_client import RawClient, script, set_up

REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 40  # blocks of 5 + 5
HUNKS = 2000
GAP = 8  # lines between changes: more than twice git's 3 lines of context
GOAL = 3.0


def lines(n: int) -> list[str]:
    return [f"line {k}\n" for k in range(n)]


def make_review_repo(files: int) -> tuple[Path, list[dict[str, Any]]]:
    """A repository, and the script steps that change HUNKS hunks over `files` files."""
    root = sample_repo(1)
    per_file = HUNKS // files
    steps = []
    for f in range(files):
        original = lines(per_file * GAP)
        (root / f"data{f}.txt").write_text("".join(original))
        changed = [f"changed {k}\n" if k % GAP == GAP // 2 else text
                   for k, text in enumerate(original)]
        steps.append({"write": f"data{f}.txt", "content": "".join(changed)})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "data")
    set_up(root)
    return root, steps


Ask = Callable[[RawClient, str], Awaitable[int]]


async def standard(client: RawClient, uri: str) -> int:
    """`textDocument/codeLens`: the lenses, one object each."""
    return len(await client.request("textDocument/codeLens", {"textDocument": {"uri": uri}}))


def compact(session: str) -> Ask:
    """`loopwright/hunkLenses` for the document at `uri` (a head-side review document)."""
    async def ask(client: RawClient, uri: str) -> int:
        path = uri.split("/head/", 1)[1]
        got = await client.request("loopwright/hunkLenses", {"session": session,
                                                              "path": path})
        assert len(got["lines"]) == len(got["hunks"])
        return len(got["lines"])
    return ask


async def sweep(client: RawClient, uris: list[str], ask: Ask) -> tuple[float, int]:
    """Every document's lenses, one request each, sequentially: the time and the lenses,
    summed. The answer is parsed by the client's reader before the request returns."""
    count = 0
    start = time.perf_counter()
    for uri in uris:
        count += await ask(client, uri)
    return time.perf_counter() - start, count


async def measure(files: int) -> None:
    root, steps = make_review_repo(files)
    client = RawClient()
    ready = asyncio.Event()
    client.on_notification["$/loopwright/changed"] = lambda m: any(
        s["state"] == "awaiting_approval" for s in m["params"]["sessions"]) and ready.set()
    await client.start(root)
    await client.request("loopwright/dispatch", {"title": "Many hunks",
                                                 "body": script(*steps, {"finish": "done"})})
    await asyncio.wait_for(ready.wait(), 300)
    state = await client.request("loopwright/state", {})
    sid = state["sessions"][0]["sessionId"]
    review = await client.request("loopwright/review", {"session": sid})
    assert len(review["hunks"]) == HUNKS, len(review["hunks"])
    heads = [f["headUri"] for f in review["files"]]
    plain = [(root / "Makefile").as_uri()] * len(heads)  # as many requests, each []
    ways = {"loopwright/hunkLenses (VS Code)": compact(sid),
            "textDocument/codeLens (any client)": standard}
    rounds = max(5, REQUESTS // len(heads))
    results: dict[str, tuple[list[float], list[float], int]] = {}
    for name, ask in ways.items():
        for _ in range(3):  # warm up both paths (and the server's per-review index)
            await sweep(client, plain, standard)
            await sweep(client, heads, ask)
        empty: list[float] = []
        took: list[float] = []
        count = 0
        for _ in range(rounds):  # alternating: the same machine load
            empty.append((await sweep(client, plain, standard))[0])
            seconds, count = await sweep(client, heads, ask)
            took.append(seconds)
        results[name] = empty, took, count
    lens = (await client.request("textDocument/codeLens",
                                 {"textDocument": {"uri": heads[0]}}))[0]
    resolved, single = [], []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        await client.request("textDocument/codeLens", {"textDocument": {"uri": plain[0]}})
        single.append(time.perf_counter() - start)
        start = time.perf_counter()
        await client.request("codeLens/resolve", lens)
        resolved.append(time.perf_counter() - start)
    await client.close()
    print(f"{HUNKS} hunks in {files} file(s), {len(heads)} request(s) per sweep, "
          f"{rounds} sweeps each, alternated with as many []:")
    for name, (empty, took, count) in results.items():
        assert count == HUNKS, f"{name}: {count} lenses for {HUNKS} hunks"
        ratio = median(took) / median(empty)
        print(f"  {name}: {count} lenses, median {median(took) * 1000:.2f} ms (p99 "
              f"{percentile(took, 99) * 1000:.2f}) vs [] {median(empty) * 1000:.2f} ms: "
              f"{ratio:.2f}x")
        if "hunkLenses" in name:
            goal(f"code lenses, {HUNKS} hunks in {files} file(s), as VS Code asks, vs as "
                 "many empty requests", ratio, GOAL)
    print(f"  codeLens/resolve of one lens: median {median(resolved) * 1000:.2f} ms vs "
          f"one [] {median(single) * 1000:.2f} ms: {median(resolved) / median(single):.2f}x")


async def main() -> None:
    print(f"code lenses of a review with {HUNKS} hunks ÷ codeLens returning []; "
          f"goal <= {GOAL:.0f}x as VS Code asks")
    await measure(files=100)
    await measure(files=1)


if __name__ == "__main__":
    asyncio.run(main())
