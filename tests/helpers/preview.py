"""Helpers for the preview's tests: a small web app (python's http.server serving
HTML), skips for machines without Chromium or playwright, and where two screenshots
differ, measured in the browser itself."""

from __future__ import annotations

import base64
import importlib.util
import shutil
from pathlib import Path
from typing import Any

import pytest

PAGE = ("<!doctype html><html><head><title>{title}</title><style>body{{margin:0;"
        "font:20px sans-serif}} h1{{margin:0;padding:20px;height:40px}} p{{padding:20px}}"
        "</style></head><body><h1>{title}</h1><p>Opening hours: 9 to 5.</p></body></html>\n")
WEB_APP = {
    "README.md": "# shop\n\nA small web app.\n",
    "index.html": PAGE.format(title="Old Shop"),
    "about.html": PAGE.format(title="About us"),
    "Makefile": "test:\n\t@grep -q '<h1>' index.html && echo checks ok\n",
}
SERVE = "python3 -m http.server $LOOPWRIGHT_PORT_0 --bind 127.0.0.1"

needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None or importlib.util.find_spec("playwright") is None,
    reason="screenshots need Chromium (apt-get install chromium) and playwright "
           "(pip install -e '.[dev]')")

_DIFF_JS = """async ([a, b]) => {
  const load = src => new Promise((ok, no) => {
    const i = new Image(); i.onload = () => ok(i); i.onerror = no; i.src = src; });
  const [x, y] = await Promise.all([load(a), load(b)]);
  const c = document.createElement('canvas'); c.width = x.width; c.height = x.height;
  const g = c.getContext('2d');
  g.drawImage(x, 0, 0); const da = g.getImageData(0, 0, c.width, c.height).data;
  g.clearRect(0, 0, c.width, c.height);
  g.drawImage(y, 0, 0); const db = g.getImageData(0, 0, c.width, c.height).data;
  let box = null;
  for (let i = 0; i < da.length; i += 4) {
    if (da[i] === db[i] && da[i + 1] === db[i + 1] && da[i + 2] === db[i + 2]) continue;
    const p = i / 4, px = p % c.width, py = Math.floor(p / c.width);
    box = box ? [Math.min(box[0], px), Math.min(box[1], py), Math.max(box[2], px),
                 Math.max(box[3], py)] : [px, py, px, py];
  }
  return box;
}"""


def _data_url(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


async def differing_box(before: Path, after: Path) -> list[int] | None:
    """[left, top, right, bottom] of the pixels that differ; None when none do."""
    from loopwright.preview.screenshots import browser
    async with browser() as b:
        box: Any = await b.page.evaluate(_DIFF_JS, [_data_url(before), _data_url(after)])
    return None if box is None else [int(v) for v in box]


async def element_box(url: str, selector: str) -> list[float]:
    """[left, top, right, bottom] of `selector` on the page at `url`, in CSS pixels."""
    from loopwright.preview.screenshots import browser
    async with browser() as b:
        await b.page.goto(url)
        r: Any = await b.page.evaluate(
            "s => { const r = document.querySelector(s).getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom]; }", selector)
    return [float(v) for v in r]
