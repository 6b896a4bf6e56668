"""codeLens on a review with 2,000 hunks ÷ a codeLens that returns nothing, same server.

A scripted worker rewrites files so that its change is 2,000 hunks (every 8th line, so
git cannot merge neighbours), the change waits for review, and the client asks for the
code lenses of a head-side review document, then of a plain file (which is not a review:
the answer is []). Both are timed as round trips over stdio with a client that only
parses the JSON. Every document of the review is asked for, so the lenses counted are
those of all 2,000 hunks (one per hunk, unresolved), against as many
requests for the plain file. Two shapes of the same 2,000 hunks:

  - spread over 100 files (20 hunks each): 100 requests, one per document;
  - all in one file: every lens in one answer (the worst case).

Then `codeLens/resolve` of one lens (what the editor asks for each lens it shows), also
against the empty round trip. Goal: ratio <= 3x for the lenses.

    .venv/bin/python bench/lsp_codelens.py [requests]
"""

from __future__ import annotations

import asyncio
import sys
import time
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


async def timed(client: RawClient, uri: str) -> tuple[float, int]:
    start = time.perf_counter()
    lenses = await client.request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    return time.perf_counter() - start, len(lenses)


async def sweep(client: RawClient, uris: list[str]) -> tuple[float, int]:
    """Every document's lenses, one request each: the time and the lenses, summed."""
    seconds, count = 0.0, 0
    for uri in uris:
        took, n = await timed(client, uri)
        seconds, count = seconds + took, count + n
    return seconds, count


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
    for _ in range(3):  # warm up both paths (and the server's per-review index)
        await sweep(client, heads)
        await sweep(client, plain)
    big, empty = [], []
    count = 0
    for _ in range(max(3, REQUESTS // len(heads))):  # alternating: the same machine load
        empty.append((await sweep(client, plain))[0])
        seconds, count = await sweep(client, heads)
        big.append(seconds)
    await client.close()
    assert count >= HUNKS, f"only {count} lenses for {HUNKS} hunks"
    ratio = median(big) / median(empty)
    print(f"{HUNKS} hunks in {files:>3} file(s): {count:>5} lenses over {len(heads)} "
          f"request(s), median {median(big) * 1000:7.2f} ms (p99 "
          f"{percentile(big, 99) * 1000:7.2f}) vs as many [] {median(empty) * 1000:6.2f} ms")
    goal(f"codeLens, {HUNKS} hunks in {files} file(s), vs as many empty requests", ratio,
         GOAL)


async def main() -> None:
    print(f"codeLens on a review with {HUNKS} hunks ÷ codeLens returning []; "
          f"{REQUESTS} requests each; goal <= {GOAL:.0f}x")
    await measure(files=100)
    await measure(files=1)


if __name__ == "__main__":
    asyncio.run(main())
