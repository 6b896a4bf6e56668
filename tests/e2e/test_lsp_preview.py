"""`loopwright/preview`: an editor asks a real `loopwright serve` for a session's
preview and gets its link once it answers, and the review data carries it (the harness
of test_lsp_server). The editor opens the link in VS Code's Simple Browser."""

from __future__ import annotations

import urllib.request

import pytest
from test_lsp_server import editor_on, script, set_up

from helpers.git import MakeRepo
from helpers.loop import configure
from helpers.preview import PAGE, SERVE, WEB_APP

pytestmark = pytest.mark.slow


async def test_the_editor_asks_for_a_preview_and_opens_its_link(make_repo: MakeRepo) -> None:
    root = make_repo(WEB_APP)
    project = set_up(root)  # every change waits for approval
    configure(project, f'[gate]\nauto_land = false\n[environment]\nports = 1\n'
                       f'[preview]\ncommand = "{SERVE}"\nidle_minutes = 0.05\n')
    async with editor_on(root) as ed:
        await ed.until(lambda: "hosting the Loopwright manager" in ed.logs())
        body = script({"write": "index.html", "content": PAGE.format(title="New Shop")},
                      {"finish": "retitled"})
        await ed.request("loopwright/dispatch", {"title": "Retitle", "body": body})
        row = await ed.until(lambda: (r := ed.session_row("retitle"))
                             and r["state"] == "awaiting_approval" and r, 60)
        review = await ed.request("loopwright/review", {"session": row["sessionId"]})
        assert review["preview"]["state"] in ("starting", "ready")
        await ed.until(lambda: (i := ed.inbox()) and i[0]["preview"]
                       and i[0]["preview"]["state"] == "stopped", 60)  # idle: it went
        shown = await ed.request("loopwright/preview", {"session": "retitle"})
        assert shown["state"] == "ready" and shown["url"].startswith("http://127.0.0.1:")
        with urllib.request.urlopen(shown["url"], timeout=5) as page:
            assert "<h1>New Shop</h1>" in page.read().decode()
