"""`loopwright/dashboard`: the report page served to an editor, from a real
`loopwright serve` over stdio on a real repository (the harness of test_lsp_server)."""

from __future__ import annotations

import pytest
from test_lsp_server import editor_on, script, set_up

from helpers.git import MakeRepo

pytestmark = pytest.mark.slow


async def test_the_dashboard_is_the_report_of_the_sessions_that_ran(
        make_repo: MakeRepo) -> None:
    root = make_repo({"notes.txt": "one\n"})
    set_up(root)  # every change waits for approval
    async with editor_on(root) as ed:
        await ed.until(lambda: "hosting the Loopwright manager" in ed.logs())
        empty = await ed.request("loopwright/dashboard", {})
        assert "0 session(s)" in empty["html"]

        for title, text in (("Add a line", "one\ntwo\n"), ("Add a note", "one\nnote\n")):
            body = script({"write": "notes.txt", "content": text}, {"finish": "done"})
            await ed.request("loopwright/dispatch", {"title": title, "body": body})
        for name in ("add-a-line", "add-a-note"):
            await ed.until(lambda n=name: (r := ed.session_row(n))  # type: ignore[misc]
                           and r["state"] == "awaiting_approval")
        await ed.request("loopwright/approve", {"session": "add-a-line"})
        await ed.until(lambda: (r := ed.session_row("add-a-line")) and r["state"] == "landed",
                       60)

        page = (await ed.request("loopwright/dashboard", {}))["html"]
        assert page.startswith("<!doctype html>")
        assert f"Loopwright · {root.name}" in page
        assert "add-a-line" in page and "add-a-note" in page
        assert "2 session(s), 1 landed" in page
        inbox = page.split("Inbox: what waits on you", 1)[1].split("Per session", 1)[0]
        assert "add-a-note" in inbox and "add-a-line" not in inbox
        assert "<script" not in page.lower()

        # The same as a command, for plain LSP clients.
        again = await ed.command("loopwright.dashboard", {})
        assert "add-a-line" in again["html"]
