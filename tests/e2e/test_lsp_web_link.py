"""`loopwright/webLink`: the editor's "show QR code" gets the phone page's link and its
QR code from a real `loopwright serve`; a revoke changes both."""

from __future__ import annotations

import pytest
from test_lsp_server import editor_on, set_up

from helpers.git import MakeRepo
from helpers.loop import cli
from loopwright.project import Project
from loopwright.web import access

pytestmark = pytest.mark.slow


async def test_the_editor_gets_the_page_link_and_its_qr_code(make_repo: MakeRepo) -> None:
    root = make_repo({"notes.txt": "one\n"})
    set_up(root)
    async with editor_on(root) as ed:
        got = await ed.request("loopwright/webLink", {})
        token = access.read_or_create(Project(root).dot)
        assert got["url"] == f"{got['baseUrl']}/#token={token}"
        assert got["baseUrl"].startswith("http://127.0.0.1:")
        assert got["svg"].startswith("<svg") and "</svg>" in got["svg"]
        assert cli(root, "web", "revoke").returncode == 0
        again = await ed.command("loopwright.webLink", {})
        assert again["url"] != got["url"] and again["svg"] != got["svg"]
        assert token not in again["url"]
