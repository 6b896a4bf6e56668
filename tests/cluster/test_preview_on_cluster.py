"""A session that ran on a node is previewed here, on the manager's machine: its build
in a worktree of its branch with `[environment]` copy and setup applied, on ports
reserved here, photographed before and after for the human and the reviewer agent,
and gone once the change lands."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, cli, configure, init, task_file
from helpers.preview import PAGE, WEB_APP, differing_box, needs_chromium
from loopwright import events as ev
from loopwright.preview.readiness import answers
from loopwright.state import SessionState
from loopwright.testing.fake_api import FakeMessagesAPI, Script, Turn

from .conftest import Nodes

S = SessionState
REVIEWER = "You review diffs"
SAW = Turn.tool_use("review_verdict", {
    "verdict": "approve", "summary": "The heading reads New Shop now, as asked."})
# The build answers only with the copied file and the setup's output in its tree.
SERVE = ("test -f .env && test -f .setup-done && "
         "exec python3 -m http.server $LOOPWRIGHT_PORT_0 --bind 127.0.0.1")
APP = {**WEB_APP, ".gitignore": ".env\n.setup-done\n", "serve.sh": SERVE + "\n"}


def _config(address: str) -> str:
    return (f'[compute]\nengine = "ray"\naddress = "{address}"\n'
            'remote = ["sessions", "checks"]\nresources = { num_cpus = 1 }\n'
            '[gate]\nauto_land = false\n'
            '[environment]\nports = 1\ncopy = [".env"]\n'
            'setup = ["echo done > .setup-done"]\n'
            'teardown = ["echo bye $LOOPWRIGHT_SESSION"]\n'
            '[preview]\ncommand = "sh serve.sh"\nready_seconds = 30\npages = ["/"]\n'
            '[review]\nreviewer = "claude"\n[agent]\nretry_max_seconds = 0.05\n')


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:
        return str(r.read().decode())


@needs_chromium
@pytest.mark.timeout(300)
async def test_a_remote_session_is_previewed_here_photographed_and_gone_after_landing(
        make_repo: MakeRepo, two_nodes: Nodes, fake_api: FakeMessagesAPI) -> None:
    root = make_repo(APP)
    (root / ".env").write_text("SECRET=here-only\n")
    project = init(root)
    fake_api.add_script(Script([SAW], name="reviewer", system_contains=REVIEWER))
    configure(project, _config(two_nodes.address))
    (project.inbox / "t.md").write_text(task_file("Retitle the shop", {
        "write": "index.html", "content": PAGE.format(title="New Shop")},
        {"finish": "retitled"}))
    async with Running(project) as run:
        st = await run.until(lambda st: any(
            s.state == S.AWAITING_APPROVAL for s in st.sessions.values()), 180)
        [s] = st.sessions.values()
        assert s.node  # its worker ran on a node
        p = s.environment.preview
        assert p is not None and p.status == "ready", p
        [port] = s.environment.ports  # reserved here, for the preview
        assert p.url == f"http://127.0.0.1:{port}/"
        assert "<h1>New Shop</h1>" in await asyncio.to_thread(fetch, p.url)
        [home] = p.shots
        assert Path(home.after).is_file() and Path(home.before).is_file()
        assert await differing_box(Path(home.before), Path(home.after)) is not None
        [request] = fake_api.requests_for("reviewer")
        assert request.images == [Path(home.before).read_bytes(),
                                  Path(home.after).read_bytes()]
        shown = await asyncio.to_thread(cli, root, "inbox")
        assert f"preview: {p.url}" in shown.stdout, shown.stdout
        # the copied file stays out of the change
        assert s.review is not None and s.review.files == ("index.html",)
        run.api.approve(s.session_id)
        st = await run.until(lambda st: st.sessions[s.session_id].worktree_removed, 90)
        stopped = run.events(ev.PreviewStopped)
        torn_down = run.events(ev.TeardownRan)
    gone = st.sessions[s.session_id]
    assert gone.state == S.LANDED
    assert [e.reason for e in stopped if isinstance(e, ev.PreviewStopped)] == ["landed"]
    assert not await answers(p.url)
    assert gone.environment.released
    # what its setup made here for the preview is undone here
    assert [e.output_tail for e in torn_down  # type: ignore[union-attr]
            ] == [f"bye {gone.name}\n"], torn_down
    # the copied file never went to a node
    assert not [x for f in two_nodes.folders.values() for x in f.rglob(".env")]
    assert not Path(gone.worktree).exists()
    assert ".env" not in git(root, "show", "--name-only", "--format=", "HEAD")
    assert "<h1>New Shop</h1>" in (root / "index.html").read_text()
