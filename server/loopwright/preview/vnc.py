"""`[preview] display = "vnc"`: a desktop app on a virtual display, in a browser.

One shell script, run in the sandbox like any preview command: Xvfb on a display it
picks itself (`-displayfd`: displays are abstract sockets, shared with the machine's
network namespace), x11vnc on it behind a Unix socket of the sandbox's private /tmp
(no VNC port on the machine), websockify serving noVNC's page on the session's
`$LOOPWRIGHT_PORT_0` and bridging it to that socket, then the app itself with DISPLAY
set. All Debian packages; all in one process group, stopped together."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from .screenshots import Browser

__all__ = ["APP_VARIABLE", "missing", "page_url", "shoot_display", "wrapper"]

NOVNC = Path("/usr/share/novnc")
PROGRAMS = {"Xvfb": "xvfb", "x11vnc": "x11vnc", "websockify": "websockify"}
APP_VARIABLE = "LOOPWRIGHT_PREVIEW_COMMAND"
SIZE = "1280x800x24"
SETTLE_SECONDS = 1.0  # after noVNC connects, for the app's window to be drawn
CONNECT_SECONDS = 15.0

WRAPPER = f"""set -e
d=$(mktemp -d)
Xvfb -screen 0 {SIZE} -nolisten tcp -displayfd 3 3>"$d/display" >"$d/xvfb.log" 2>&1 &
i=0
until [ -s "$d/display" ]; do
  i=$((i+1)); [ $i -gt 200 ] && {{ echo "Xvfb did not start:"; cat "$d/xvfb.log"; exit 1; }}
  sleep 0.05
done
export DISPLAY=":$(cat "$d/display")"
x11vnc -display "$DISPLAY" -unixsock "$d/vnc" -rfbport 0 -forever -shared -nopw -quiet \\
  >"$d/x11vnc.log" 2>&1 &
websockify --web {NOVNC} "127.0.0.1:$LOOPWRIGHT_PORT_0" --unix-target="$d/vnc" \\
  >"$d/websockify.log" 2>&1 &
exec /bin/sh -c "${APP_VARIABLE}"
"""


def missing() -> list[str]:
    """The Debian packages a VNC preview needs that this machine lacks."""
    lacking = [package for program, package in PROGRAMS.items()
               if shutil.which(program) is None]
    if not (NOVNC / "vnc.html").is_file():
        lacking.append("novnc")
    return lacking


def wrapper(app_command: str) -> tuple[str, dict[str, str]]:
    """The command to run instead of the app's, and what it needs in its environment."""
    return WRAPPER, {APP_VARIABLE: app_command}


def page_url(url: str) -> str:
    """noVNC's page under the preview's URL, connecting by itself."""
    return url.rstrip("/") + "/vnc.html?autoconnect=1&resize=scale&reconnect=1"


async def connected(b: Browser, url: str) -> None:
    """noVNC's page loaded and its canvas showing the remote display."""
    await b.page.goto(page_url(url), wait_until="load")
    await b.page.wait_for_function(
        "() => { const c = document.querySelector('#noVNC_container canvas');"
        " return c && c.width > 100 && c.height > 100; }", timeout=CONNECT_SECONDS * 1000)


async def shoot_display(b: Browser, url: str, path: Path) -> None:
    """The virtual display as noVNC shows it, into the PNG file `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    await connected(b, url)
    await asyncio.sleep(SETTLE_SECONDS)
    canvas = b.page.locator("#noVNC_container canvas")
    await canvas.screenshot(path=str(path))
