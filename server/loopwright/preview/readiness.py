"""Whether a preview answers at its URL: any HTTP response counts (a 404 or a 500 is an
app that is up and has something to show); no answer by the deadline, or the process
exiting first, is the reason it is not ready."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from urllib.parse import urlsplit

from .process import Running

__all__ = ["answers", "wait_ready"]

POLL_SECONDS = 0.05
CONNECT_SECONDS = 2.0


async def answers(url: str) -> bool:
    """One HTTP GET of `url`: True when a status line comes back."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if secure else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    context = ssl._create_unverified_context() if secure else None  # a dev server's own cert
    try:
        async with asyncio.timeout(CONNECT_SECONDS):
            reader, writer = await asyncio.open_connection(host, port, ssl=context)
    except (OSError, TimeoutError, ssl.SSLError):
        return False
    try:
        writer.write(f"GET {path} HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode())
        await writer.drain()
        async with asyncio.timeout(CONNECT_SECONDS):
            line = await reader.readline()
        return line.startswith(b"HTTP/")
    except (OSError, TimeoutError, ssl.SSLError):
        return False
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


async def wait_ready(url: str, limit: float, running: Running) -> str | None:
    """None once `url` answers; else why not: the process exited, or `limit` passed."""
    deadline = time.monotonic() + limit
    while True:
        if running.exit_code is not None:
            return f"it exited ({running.exit_code}) before answering at {url}"
        if await answers(url):
            return None
        if time.monotonic() >= deadline:
            return f"it never answered at {url} within {limit:g}s"
        await asyncio.sleep(POLL_SECONDS)
