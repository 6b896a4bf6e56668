"""Cost as the history grows: logs of 10k, 100k and 1M events of a realistic mix
(bench/_history.py, about 170 events per task, written straight into the table), and
what a user waits for on each:

- `loopwright status --json`: the first call after the log was written (no snapshot of
  this code's fold yet: it folds everything and saves one) and the next (snapshot +
  tail), with the second's peak memory;
- `loopwright stats`;
- `loopwright run`: from the command to its `ManagerStarted` record;
- `loopwright serve` hosting the manager: from the process start to the answer of a
  `loopwright/state` that includes the whole log (LSP ready; answered first, while the
  server loads: lsp/early.py), and to the answer of a request only the loaded server
  answers (when an act would be);
- decision -> prompt at the editor on the same log (bench/lsp_latency.py's measure).

Goals at 1M: status <= 0.3 s, manager start <= 1 s, LSP ready <= 1 s, stats <= 2 s,
decision -> prompt p99 <= 20 ms, memory <= 150 MB.

    .venv/bin/python bench/history_growth.py [events ...]

`HISTORY_CACHE=/tmp/folder` keeps each size's repository and a pristine copy of its log
there, so a second run does not write a million events again (each run starts from the
pristine log: no snapshot yet, nothing the last run appended).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from _common import goal, percentile, rss_kib, sample_repo
from _history import write_history
from loopwright import events as ev
from loopwright.project import Project
from loopwright.store import Store
from lsp_client import RawClient, RpcError, set_up

SIZES = [int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000]
sys.argv[1:] = []  # lsp_latency reads its own argument at import
import lsp_latency  # noqa: E402

LOOPWRIGHT = [sys.executable, "-m", "loopwright"]


def timed_command(root: Path, *args: str) -> tuple[float, int]:
    """Seconds and peak memory (KiB) of one `loopwright` command."""
    start = time.perf_counter()
    proc = subprocess.Popen([*LOOPWRIGHT, "-C", str(root), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, f"loopwright {' '.join(args)} exited {proc.returncode}"
    return took, usage.ru_maxrss


def manager_start(root: Path) -> tuple[float, int]:
    """From `loopwright run` to its ManagerStarted record; and its memory then."""
    store = Store(Project(root).db_path, secrets=[])
    seen = store.last_seq()
    start = time.perf_counter()
    proc = subprocess.Popen([*LOOPWRIGHT, "-C", str(root), "run"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            records = store.read_after(seen)
            if any(isinstance(r.event, ev.ManagerStarted) for r in records):
                took = time.perf_counter() - start
                break
            seen = records[-1].seq if records else seen
            if proc.poll() is not None:
                raise RuntimeError("`loopwright run` exited before it started")
            time.sleep(0.005)
        return took, rss_kib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        store.close()


async def lsp_ready(root: Path, last: int) -> tuple[float, float]:
    """From `loopwright serve` starting to a `loopwright/state` with the whole log; and
    to the answer of an act only the loaded server answers (`loopwright/presence`, as
    the editor sends when its window has the focus, asked right after that state)."""
    client = RawClient()
    start = time.perf_counter()
    await client.start(root)
    while True:
        try:
            state = await client.request("loopwright/state", {})
            if state["seq"] >= last:
                break
        except RpcError:  # still opening the repository
            pass
        await asyncio.sleep(0.005)
    took = time.perf_counter() - start
    await client.request("loopwright/presence", {"active": True})
    loaded = time.perf_counter() - start
    await client.close()
    return took, loaded


def prepared(n: int) -> tuple[Path, int, float]:
    """A repository whose log holds `n` events, its last seq, and the seconds it took to
    write them (0: restored from HISTORY_CACHE)."""
    cache = os.environ.get("HISTORY_CACHE")
    if not cache:
        root = sample_repo(20)
        set_up(root)
        began = time.perf_counter()
        last = write_history(Project(root).db_path, n)
        return root, last, time.perf_counter() - began
    root, pristine = Path(cache) / f"repo-{n}", Path(cache) / f"pristine-{n}"
    if not (pristine / ".loopwright" / "state.db").exists():
        shutil.rmtree(pristine, ignore_errors=True)
        shutil.copytree(sample_repo(20), pristine)
        set_up(pristine)
        write_history(Project(pristine).db_path, n, root=str(root))
    # the last run's worktrees, branches and records go: a copy of the pristine one
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(pristine, root)
    store = Store(Project(root).db_path, secrets=[])
    last = store.last_seq()
    store.close()
    return root, last, 0.0


def one_size(n: int) -> None:
    root, last, wrote = prepared(n)
    db = Project(root).db_path
    size = db.stat().st_size / 2**20
    print(f"{n:,} events ({size:.0f} MiB, written in {wrote:.1f} s):", flush=True)
    cold, cold_rss = timed_command(root, "status", "--json")
    warm, warm_rss = timed_command(root, "status", "--json")
    print(f"  status --json: first {cold:.2f} s ({cold_rss / 1024:.0f} MiB; folds all, "
          f"saves a snapshot), then {warm:.2f} s ({warm_rss / 1024:.0f} MiB)", flush=True)
    stats, stats_rss = timed_command(root, "stats")
    print(f"  stats: {stats:.2f} s ({stats_rss / 1024:.0f} MiB)", flush=True)
    started, manager_rss = manager_start(root)
    print(f"  manager start: {started:.2f} s ({manager_rss / 1024:.0f} MiB)", flush=True)
    ready, loaded = asyncio.run(lsp_ready(root, last))
    print(f"  LSP ready (hosted): {ready:.2f} s (the server loaded, acts answered: "
          f"{loaded:.2f} s)", flush=True)
    lsp_latency.QUESTIONS = 200  # p99 of 60 is the second-worst delay: mostly the load
    delays, _ = asyncio.run(lsp_latency.measure(root))
    p99 = percentile(delays, 99) * 1000
    print(f"  decision -> prompt (hosted): p50 {percentile(delays, 50) * 1000:.1f} ms, "
          f"p99 {p99:.1f} ms over {len(delays)}", flush=True)
    label = f"{n // 1000}k events" if n < 1_000_000 else f"{n / 1e6:g}M events"
    if n >= 1_000_000 or n == max(SIZES):
        goal(f"{label}: status --json", warm, 0.3, " s")
        goal(f"{label}: manager start", started, 1.0, " s")
        goal(f"{label}: LSP ready", ready, 1.0, " s")
        goal(f"{label}: stats", stats, 2.0, " s")
        goal(f"{label}: decision -> prompt p99", p99, 20, " ms")
        goal(f"{label}: memory (status, manager)", max(warm_rss, manager_rss) / 1024,
             150, " MB")


def main() -> None:
    for n in SIZES:
        one_size(n)


if __name__ == "__main__":
    main()
