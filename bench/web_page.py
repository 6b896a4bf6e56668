"""The phone page: first load on a phone viewport, and a log change -> the page updated.

`loopwright run --web` serves the page on a sample repository with open questions; real
Chromium (Debian's, through Playwright) on a 390x844 touch viewport opens the link.

- First load: bytes on the wire (Chrome's own count: headers and bodies of the page and
  the live stream's first snapshot) until the inbox is drawn, and the time from the
  navigation's start to that moment, read in the page (a MutationObserver installed
  before the page loads), over fresh browser contexts (cold cache). The floor, measured
  in the same run, is the navigation to the page's stylesheet alone, from the same
  server, to its last byte. Goals: <= 50 KB, <= 300 ms.
- Live: another process (like the CLI) appends a question to the log; the page records
  when its card appears (a MutationObserver, wall clock of the same machine). Goal:
  p99 <= 250 ms.

    .venv/bin/python bench/web_page.py [loads] [changes]
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from _common import median, percentile, sample_repo
from loopwright import events as ev
from loopwright.project import Project
from loopwright.store import Store

LOADS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
CHANGES = int(sys.argv[2]) if len(sys.argv) > 2 else 100
GOAL_BYTES, GOAL_LOAD, GOAL_UPDATE = 50_000, 0.300, 0.250
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "has_touch": True,
                         "is_mobile": True}
DRAWN = """new MutationObserver((_, obs) => {
  if (document.querySelector('[data-kind=decision]')) {
    window.__drawn = performance.now(); obs.disconnect(); }
}).observe(document, {childList: true, subtree: true});"""
WATCH = """() => { window.__seen = {};
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('[data-ref^="d-bench-"]'))
      if (!(el.dataset.ref in window.__seen))
        window.__seen[el.dataset.ref] = performance.timeOrigin + performance.now();
  }).observe(document.body, {childList: true, subtree: true}); }"""


def start(root: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    subprocess.run([sys.executable, "-m", "loopwright", "-C", str(root), "init"],
                   check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "loopwright", "-C", str(root), "run",
                             "--web", "127.0.0.1:0"], stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if found := re.findall(r"web page: (\S+)", log.read_text(errors="replace")):
            return proc, found[0]
        time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("run --web did not start:\n" + log.read_text())


def ask(store: Store, n: int) -> float:
    [record] = store.append(ev.DecisionAsked(decision_id=f"d-bench-{n}",
                                             question=f"Bench question {n}?",
                                             options=("yes", "no")))
    return record.at


def first_load(browser: Browser, link: str) -> tuple[int, float]:
    context = browser.new_context(**PHONE)
    context.add_init_script(DRAWN)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    done: dict[str, int] = {}
    live: dict[str, int] = {}
    cdp.on("Network.loadingFinished",
           lambda e: done.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    cdp.on("Network.dataReceived", lambda e: live.__setitem__(
        e["requestId"], live.get(e["requestId"], 0) + int(e["encodedDataLength"])))
    page.goto(link)
    page.wait_for_function("() => window.__drawn !== undefined")
    took = float(page.evaluate("window.__drawn")) / 1000
    page.wait_for_timeout(50)  # let the byte counts of what already arrived come in
    total = sum(done.values()) + sum(v for k, v in live.items() if k not in done)
    context.close()
    return total, took


def floor_load(browser: Browser, base: str) -> float:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(base + "/app.css")
    took = float(page.evaluate(
        "performance.getEntriesByType('navigation')[0].responseEnd")) / 1000
    context.close()
    return took


def live_updates(browser: Browser, link: str, store: Store) -> list[float]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(link)
    page.wait_for_selector("[data-kind=decision]")
    page.evaluate(WATCH)
    delays = []
    for n in range(100, 100 + CHANGES):
        at = ask(store, n)
        ref = f"d-bench-{n}"
        page.wait_for_function(f"() => '{ref}' in window.__seen", timeout=10_000)
        delays.append(page.evaluate(f"window.__seen['{ref}']") / 1000 - at)
    context.close()
    return delays


def main() -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    root = sample_repo(20)
    work = Path(tempfile.mkdtemp(prefix="loopwright-bench-web-"))
    proc, link = start(root, work / "run.log")
    base = link.split("/#", 1)[0]
    store = Store(Project(root).db_path, secrets=[])
    try:
        for n in range(10):
            ask(store, n)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            loads = [first_load(browser, link) for _ in range(LOADS)]
            floors = [floor_load(browser, base) for _ in range(LOADS)]
            delays = live_updates(browser, link, store)
            browser.close()
    finally:
        store.close()
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(root.parent, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    sizes, times = [b for b, _ in loads], [t for _, t in loads]
    print(f"phone page, first load on 390x844 ({LOADS} cold loads, 10 open questions)")
    print(f"  bytes on the wire   max {max(sizes) / 1000:6.1f} KB   goal {GOAL_BYTES / 1000:.0f} "
          f"KB   max/goal {max(sizes) / GOAL_BYTES:.2f}  "
          f"{'ok' if max(sizes) <= GOAL_BYTES else 'OVER GOAL'}")
    p50, p99, floor = median(times), percentile(times, 99), median(floors)
    print(f"  time to the inbox   p50 {p50 * 1000:6.1f} ms   p99 {p99 * 1000:6.1f} ms   "
          f"floor (the stylesheet alone) {floor * 1000:5.1f} ms   p50/floor {p50 / floor:.1f}x"
          f"   p50/goal {p50 / GOAL_LOAD:.2f}  {'ok' if p50 <= GOAL_LOAD else 'OVER GOAL'}")
    p50, p99 = median(delays), percentile(delays, 99)
    print(f"log change (another process) -> the page updated, {CHANGES} changes")
    print(f"  p50 {p50 * 1000:6.1f} ms   p99 {p99 * 1000:6.1f} ms   max "
          f"{max(delays) * 1000:6.1f} ms   p99/goal {p99 / GOAL_UPDATE:.2f}  "
          f"{'ok' if p99 <= GOAL_UPDATE else 'OVER GOAL'}")


if __name__ == "__main__":
    main()
