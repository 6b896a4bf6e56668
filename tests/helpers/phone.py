"""A phone in real Chromium (Debian's /usr/bin/chromium through Playwright, never a
downloaded browser): 390x844, touch, and `loopwright run --web` as a real process."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("LOOPWRIGHT_CHROMIUM", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}
# Where screenshots go: a folder given here (docs/images to refresh the docs), else none.
SHOTS = os.environ.get("LOOPWRIGHT_WEB_SCREENSHOTS", "")


@contextmanager
def chromium() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunWithPage:
    """`loopwright run --web 127.0.0.1:PORT` in its own process; `link` is what it printed."""

    def __init__(self, root: Path, port: int, log: Path) -> None:
        self.root, self.port, self.log = root, port, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.link = ""

    def start(self, timeout: float = 30) -> str:
        out = self.log.open("wb")  # a fresh log each start: its link line is this one
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "loopwright", "-C", str(self.root), "run", "--web",
             f"127.0.0.1:{self.port}"], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.findall(r"web page: (\S+)", self.log.read_text(errors="replace"))
            if found and f":{self.port}/" in found[-1]:
                self.link = found[-1]
                return self.link
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("run --web did not start:\n" + self.log.read_text())

    def stop(self, sig: int = signal.SIGINT) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)
        self.proc = None
