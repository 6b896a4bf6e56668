"""Previews (issue 15): review ready -> preview ready, minus the app's own start-up
measured alone (goal <= 0.5 s of overhead); screenshots of 3 pages (goal <= 3 s); ports
and previews for 20 live sessions at once, without a collision.

The app is python's http.server on a small site; its start-up alone (spawned directly,
polled until it answers) is the floor, measured in the same run. Everything it makes
(repositories, worktrees, servers) is gone at the end."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _common import git, median
from loopwright import events as ev
from loopwright.config import Config
from loopwright.manager.loop import Manager
from loopwright.preview import readiness, screenshots
from loopwright.project import Project
from loopwright.store import Store
from loopwright.workspace import ports

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
LIVE = 20
SERVE = "python3 -m http.server $LOOPWRIGHT_PORT_0 --bind 127.0.0.1"
PAGE = "<!doctype html><title>{0}</title><h1>{0}</h1>\n"


def site(folder: Path) -> Path:
    root = folder / "repo"
    root.mkdir(parents=True)
    for name in ("index", "about", "contact"):
        (root / f"{name}.html").write_text(PAGE.format(name))
    (root / "Makefile").write_text("test:\n\t@true\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "site")
    return root


def task(n: int) -> str:
    steps = json.dumps({"write": "index.html", "content": PAGE.format(f"Session {n}")})
    return f"# Retitle {n}\n\n```loopwright-script\n{steps}\n```\n"


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return str(r.read().decode())


async def until_answers(url: str) -> None:
    while not await readiness.answers(url):  # noqa: ASYNC110 - a server, polled
        await asyncio.sleep(readiness.POLL_SECONDS)


async def app_alone(root: Path) -> float:
    """The app's own start-up: spawned, then polled until it answers."""
    [port] = ports.reserve(1, ())
    start = time.perf_counter()
    proc = subprocess.Popen(["python3", "-m", "http.server", str(port), "--bind",
                             "127.0.0.1"], cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        await until_answers(f"http://127.0.0.1:{port}/")
        return time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait()


def config(max_parallel: int, pages: list[str]) -> Config:
    c = Config()
    c.manager.max_parallel = max_parallel
    c.checks.command = "true"
    c.gate.auto_land = False
    c.environment.ports = 1
    c.preview.command = SERVE
    c.preview.pages = pages
    return c


async def follow(store: Store, seen: int, done: object) -> tuple[int, list[ev.Record]]:
    got: list[ev.Record] = []
    while True:
        await store.wait(0.05)
        for record in store.read_after(seen):
            seen = record.seq
            got.append(record)
        if done(got):  # type: ignore[operator]
            return seen, got


async def overhead(folder: Path) -> tuple[list[float], list[float]]:
    """Each run: one change goes to review; from its checks' end to its preview ready."""
    root = site(folder / "overhead")
    project = Project(root)
    manager = Manager(project, config(RUNS + 1, []), watch_inbox=True)
    runner = asyncio.create_task(manager.run())
    await manager.started.wait()
    store = Store(project.db_path, secrets=[])
    seen = store.last_seq()
    ours, alone = [], []
    try:
        for n in range(RUNS):
            alone.append(await app_alone(root))
            (project.inbox / f"task-{n}.md").write_text(task(n))
            seen, got = await follow(store, seen, lambda rs: any(
                isinstance(r.event, ev.PreviewReady | ev.PreviewFailed) for r in rs))
            checked = next(r.at for r in got if isinstance(r.event, ev.ChecksFinished))
            ready = next(r for r in got if isinstance(r.event, ev.PreviewReady | ev.PreviewFailed))
            assert isinstance(ready.event, ev.PreviewReady), ready.event
            ours.append(ready.at - checked)
    finally:
        manager.stop()
        await runner
        store.close()
    return ours, alone


async def three_pages(folder: Path) -> tuple[float, float]:
    """Chromium started and 3 pages shot, against one page fetched alone 3 times."""
    root = site(folder / "pages")
    [port] = ports.reserve(1, ())
    proc = subprocess.Popen(["python3", "-m", "http.server", str(port), "--bind",
                             "127.0.0.1"], cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        await until_answers(url + "/")
        start = time.perf_counter()
        async with screenshots.browser() as b:
            for n, page in enumerate(("/index.html", "/about.html", "/contact.html")):
                await b.shoot(url + page, folder / "shots" / f"{n}.png")
        shots = time.perf_counter() - start
        start = time.perf_counter()
        for page in ("/index.html", "/about.html", "/contact.html"):
            await asyncio.to_thread(fetch, url + page)
        fetched = time.perf_counter() - start
        return shots, fetched
    finally:
        proc.terminate()
        proc.wait()


async def twenty_live(folder: Path) -> tuple[float, int, int, int]:
    """20 sessions to review at once: every preview up, each on its own port, each
    serving its own session's page. Returns seconds, ports, distinct ports, right pages."""
    root = site(folder / "live")
    project = Project(root)
    manager = Manager(project, config(LIVE, []))
    runner = asyncio.create_task(manager.run())
    await manager.started.wait()
    store = Store(project.db_path, secrets=[])
    start = time.perf_counter()
    try:
        for n in range(LIVE):
            (project.inbox / f"task-{n}.md").write_text(task(n))
        _, got = await follow(store, store.last_seq(), lambda rs: sum(
            isinstance(r.event, ev.PreviewReady | ev.PreviewFailed) for r in rs) >= LIVE)
        took = time.perf_counter() - start
        held = [p for r in got if isinstance(r.event, ev.PortsReserved)
                for p in r.event.ports]
        names = {r.event.session_id: r.event.name for r in store.read_after(0)
                 if isinstance(r.event, ev.SessionQueued)}
        right = 0
        for r in got:
            if isinstance(r.event, ev.PreviewReady):
                body = await asyncio.to_thread(fetch, r.event.url)
                number = names[r.event.session_id].rsplit("-", 1)[-1]
                right += f"<h1>Session {number}</h1>" in body
        return took, len(held), len(set(held)), right
    finally:
        manager.stop()
        await runner
        store.close()


def main() -> None:
    folder = Path(__import__("tempfile").mkdtemp(prefix="loopwright-bench-preview-"))
    try:
        ours, alone = asyncio.run(overhead(folder))
        extra = median(ours) - median(alone)
        print(f"preview, {RUNS} runs (python -m http.server):")
        print(f"  review ready -> preview ready: median {median(ours) * 1000:.0f} ms")
        print(f"  the app's start-up alone:      median {median(alone) * 1000:.0f} ms")
        print(f"  overhead {extra * 1000:.0f} ms, ratio {median(ours) / median(alone):.2f}x"
              f"  (goal <= 500 ms of overhead)")
        if shutil.which("chromium") is None:
            print("screenshots: skipped (no chromium: apt-get install chromium)")
        else:
            shots, fetch = asyncio.run(three_pages(folder))
            print(f"screenshots of 3 pages: {shots:.2f} s, Chromium's start included "
                  f"(fetching them alone: {fetch * 1000:.0f} ms)  (goal <= 3 s)")
        took, held, distinct, right = asyncio.run(twenty_live(folder))
        print(f"{LIVE} live sessions: every preview up in {took:.1f} s; {held} ports "
              f"reserved, {distinct} distinct; {right} of {LIVE} previews serve their own "
              f"session's page  (goal: no collision)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
