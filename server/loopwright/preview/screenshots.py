"""Screenshots of a preview's pages by headless Chromium: the machine's own browser
(Debian's /usr/bin/chromium), driven by playwright, which never downloads one."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

__all__ = ["Browser", "ScreenshotError", "browser", "file_name", "find_chromium"]

VIEWPORT = {"width": 1280, "height": 800}
PAGE_SECONDS = 15.0
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


class ScreenshotError(Exception):
    """No browser to take screenshots with, or it could not start."""


def find_chromium(configured: str = "") -> str:
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        if (found := shutil.which(name)) is not None:
            return found
    raise ScreenshotError("no Chromium found (apt-get install chromium, or set "
                          "[preview] browser)")


def file_name(n: int, page: str) -> str:
    """`0-index.png`, `1-settings.png`: a page's screenshot file, in its order."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", page).strip("-") or "index"
    return f"{n}-{name[:60]}.png"


class Browser:
    def __init__(self, page: Any) -> None:
        self._page = page

    async def shoot(self, url: str, path: Path) -> None:
        """`url` as it looks once loaded, into the PNG file `path`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        await self._page.goto(url, wait_until="load", timeout=PAGE_SECONDS * 1000)
        await self._page.screenshot(path=str(path))

    @property
    def page(self) -> Any:
        """The playwright page, for a test or a VNC click."""
        return self._page


@asynccontextmanager
async def browser(executable: str = "") -> AsyncIterator[Browser]:
    """One headless Chromium with one page, closed on exit."""
    try:
        from playwright.async_api import Error, async_playwright
    except ImportError as e:
        raise ScreenshotError("playwright is not installed (pip install "
                              "'loopwright[preview]')") from e
    path = find_chromium(executable)
    # As root, Chromium refuses to start with its own sandbox.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    async with async_playwright() as pw:
        try:
            chromium = await pw.chromium.launch(executable_path=path, args=args)
        except Error as e:
            raise ScreenshotError(f"Chromium ({path}) did not start: {e}") from e
        try:
            page = await chromium.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
            yield Browser(page)
        finally:
            await chromium.close()
