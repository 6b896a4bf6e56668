"""`loopwright/webLink`: the editor's "show QR code" gets the phone page's link and its
QR code from a real `loopwright serve`; a revoke changes both."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time

import pytest
from test_lsp_server import editor_on, set_up

from helpers.git import MakeRepo
from helpers.loop import cli
from helpers.phone import free_port
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


def test_serve_web_hosts_the_page_beside_the_language_server(make_repo: MakeRepo) -> None:
    root = make_repo({"notes.txt": "one\n"})
    set_up(root)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "loopwright", "-C", str(root), "serve",
                             "--web", f"127.0.0.1:{port}"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        token = access.read_or_create(Project(root).dot)
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/api/state", headers={"Authorization": f"Bearer {token}"})
                response = conn.getresponse()
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
        assert response.status == 200
        assert json.loads(response.read())["project"] == root.name
        conn.close()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # the client is gone: the server stops, and the page with it
        proc.wait(30)
