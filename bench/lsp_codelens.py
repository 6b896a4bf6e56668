"""codeLens on a review with 2,000 hunks ÷ a codeLens that returns nothing, same server.

A scripted worker rewrites files so that its change is 2,000 hunks (every 8th line, so
git cannot merge neighbours), the change waits for review, and the client asks for the
code lenses of a head-side review document, then of a plain file (which is not a review:
the answer is []). Both are timed as round trips over stdio with a client that only
parses the JSON. Two shapes of the same 2,000 hunks:

  - spread over 100 files (20 hunks each): the lenses of one document of a big review;
  - all in one file: all 2,000 lenses (one per hunk, unresolved) in one answer.

Then `codeLens/resolve` of one lens (what the editor asks for each lens it shows), also
against the empty round trip. Goal: ratio <= 3x for the lenses.

    .venv/bin/python bench/lsp_codelens.py [requests]
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from _common import git, median, percentile, sample_repo
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
    head = review["files"][0]["headUri"]
    plain = (root / "Makefile").as_uri()
    for _ in range(20):  # warm up both paths (and the server's per-review index)
        await timed(client, head)
        await timed(client, plain)
    big, empty, after_big = [], [], []
    count = 0
    for _ in range(REQUESTS):  # alternating blocks, so both see the same machine load
        for _ in range(5):
            empty.append((await timed(client, plain))[0])
        for _ in range(5):
            seconds, count = await timed(client, head)
            big.append(seconds)
        after_big.append((await timed(client, plain))[0])
    assert count == HUNKS // files, count  # one lens per hunk of the document
    lenses_seen = await client.request("textDocument/codeLens",
                                       {"textDocument": {"uri": head}})
    lens = lenses_seen[-1]
    resolved = []
    for _ in range(REQUESTS * 5):
        start = time.perf_counter()
        shown = await client.request("codeLens/resolve", lens)
        resolved.append(time.perf_counter() - start)
    assert shown["command"]["command"] == "loopwright.judgeHunk", shown
    await client.close()
    # What the client alone spends parsing the answer (the same bytes, in this process):
    # the floor of any round trip that carries every lens of the document.
    body = json.dumps(lenses_seen).encode()
    parse = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        json.loads(body)
        parse.append(time.perf_counter() - start)
    ratio = median(big) / median(empty)
    verdict = "ok" if ratio <= GOAL else "OVER GOAL"
    print(f"{HUNKS} hunks in {files:>3} file(s): {count:>5} lenses  "
          f"median {median(big) * 1000:7.2f} ms (p99 {percentile(big, 99) * 1000:7.2f})  "
          f"vs [] {median(empty) * 1000:5.2f} ms (p99 {percentile(empty, 99) * 1000:5.2f})  "
          f"ratio {ratio:5.2f}x  {verdict}")
    print(f"{'':>27}an empty request right after a big one: median "
          f"{median(after_big) * 1000:.2f} ms; codeLens/resolve of one lens: median "
          f"{median(resolved) * 1000:.2f} ms ({median(resolved) / median(empty):.2f}x)")
    print(f"{'':>27}of the {len(body) // 1024} KiB answer, the client's json.loads alone: "
          f"median {median(parse) * 1000:.2f} ms ({median(parse) / median(empty):.1f}x "
          "the empty round trip)")


async def main() -> None:
    print(f"codeLens on a review with {HUNKS} hunks ÷ codeLens returning []; "
          f"{REQUESTS} requests each; goal <= {GOAL:.0f}x")
    await measure(files=100)
    await measure(files=1)


if __name__ == "__main__":
    asyncio.run(main())
