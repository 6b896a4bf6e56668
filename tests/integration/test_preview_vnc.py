"""`[preview] display = "vnc"`: a Tk app on a virtual display, served through x11vnc
and noVNC, opened in Chromium: the review's screenshot shows its window, and a click
through noVNC reaches the app."""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, configure, init, task_file
from helpers.preview import needs_chromium
from loopwright.preview import vnc
from loopwright.preview.screenshots import browser
from loopwright.state import State

APP = '''import tkinter as tk
root = tk.Tk()
root.geometry("300x200+0+0")
root.configure(background="#3060c0")
label = tk.Label(root, text="{label}")
label.place(x=10, y=120)
def press():
    with open("clicks.txt", "a") as f:
        f.write("clicked\\n")
    label.config(text="Clicked!")
tk.Button(root, text="Press me", command=press).place(x=10, y=10, width=200, height=50)
root.mainloop()
'''


def _has_tk() -> bool:
    return subprocess.run(["/usr/bin/python3", "-c", "import tkinter"], check=False,
                          capture_output=True).returncode == 0 if shutil.which(
        "/usr/bin/python3") else False


pytestmark = [
    needs_chromium,
    pytest.mark.skipif(bool(vnc.missing()), reason="a desktop preview needs "
                       f"{', '.join(vnc.missing())} (apt-get install xvfb x11vnc novnc)"),
    pytest.mark.skipif(not _has_tk(), reason="the test app needs Tk (apt-get install "
                       "python3-tk)"),
]

# The share of the app's blue among the pixels of the window's corner and of the rest.
_BLUE_JS = """async ([src, w, h]) => {
  const i = await new Promise((ok, no) => { const x = new Image(); x.onload = () => ok(x);
    x.onerror = no; x.src = src; });
  const c = document.createElement('canvas'); c.width = i.width; c.height = i.height;
  const g = c.getContext('2d'); g.drawImage(i, 0, 0);
  const k = i.width / 1280;
  const share = (x0, y0, x1, y1) => {
    const d = g.getImageData(x0 * k, y0 * k, (x1 - x0) * k, (y1 - y0) * k).data;
    let blue = 0;
    for (let j = 0; j < d.length; j += 4)
      blue += (d[j] < 80 && d[j + 1] > 70 && d[j + 1] < 130 && d[j + 2] > 160) ? 1 : 0;
    return blue / (d.length / 4);
  };
  return [share(220, 0, 300, 200), share(600, 400, 1280, 800)];
}"""


def ready(st: State) -> bool:
    return any(s.environment.preview is not None and s.environment.preview.shots
               for s in st.sessions.values())


async def test_a_tk_app_is_seen_and_clicked_through_novnc(make_repo: MakeRepo) -> None:
    repo = make_repo({"README.md": "# app\n", "app.py": APP.format(label="Version 1"),
                      "Makefile": "test:\n\t@true\n"})
    project = init(repo)
    configure(project, '[gate]\nauto_land = false\n[environment]\nports = 1\n[preview]\n'
                       'command = "/usr/bin/python3 app.py"\ndisplay = "vnc"\n'
                       'ready_seconds = 20\n')
    async with Running(project) as run:
        run.api.dispatch("Relabel", task_file("x", {
            "write": "app.py", "content": APP.format(label="Version 2")}))
        st = await run.until(ready, 90)
        [s] = st.sessions.values()
        p = s.environment.preview
        assert p is not None and p.status == "ready" and p.display == "vnc"
        port = s.environment.ports[0]
        assert p.url == f"http://127.0.0.1:{port}/vnc.html?autoconnect=1&resize=scale&reconnect=1"
        [shot] = p.shots
        assert shot.page == "display" and shot.before
        async with browser() as b:
            corner, rest = await _blue(b.page, Path(shot.after))
            assert corner > 0.5 and rest < 0.01  # the app's window, on an empty display
            await vnc.connected(b, f"http://127.0.0.1:{port}/")
            await asyncio.sleep(vnc.SETTLE_SECONDS)
            canvas = b.page.locator("#noVNC_container canvas")
            box = await canvas.bounding_box()
            assert box is not None
            scale = box["width"] / 1280
            # on the button, held a moment as a hand would (a 0 ms press can be lost)
            await canvas.click(position={"x": 110 * scale, "y": 35 * scale}, delay=100)
            clicks = Path(s.worktree, "clicks.txt")
            for _ in range(100):
                if clicks.exists():
                    break
                await asyncio.sleep(0.05)
        assert clicks.read_text() == "clicked\n"  # the click reached the app


async def _blue(page: Any, png: Path) -> tuple[float, float]:
    src = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()
    corner, rest = await page.evaluate(_BLUE_JS, [src, 1280, 800])
    return float(corner), float(rest)
