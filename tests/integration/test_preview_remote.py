"""The preview of a session whose worker ran on a cluster node, without Ray: the log is
the one a manager leaves when such a session's work has come back (its commit on its
branch, in a worktree here) and the manager restarts before its checks. Its preview
then runs here, with `[environment]` made here for it: ports reserved here, `copy`
and `setup` applied in its worktree, its teardown run here at the end. The cluster
test (tests/cluster/test_preview_on_cluster.py) runs the same over a real cluster."""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Callable
from pathlib import Path

from helpers.git import MakeRepo, git
from helpers.loop import Running, cli, configure, init
from helpers.preview import PAGE, WEB_APP
from loopwright import events as ev
from loopwright.preview.readiness import answers
from loopwright.project import Project
from loopwright.state import SessionState, State

S = SessionState
# The build answers only with the copied file and the setup's output in its tree.
SERVE = ("test -f .env && test -f .setup-done && "
         "exec python3 -m http.server $LOOPWRIGHT_PORT_0 --bind 127.0.0.1")
APP = {**WEB_APP, ".gitignore": ".env\n.setup-done\n", "serve.sh": SERVE + "\n"}
NODE = "node-a (node 1a2b3c4d)"


def _config(setup: str = "echo done > .setup-done") -> str:
    return ("[gate]\nauto_land = false\n"
            f'[environment]\nports = 1\ncopy = [".env"]\nsetup = [{setup!r}]\n'
            'teardown = ["echo bye $LOOPWRIGHT_SESSION"]\n'
            '[preview]\ncommand = "sh serve.sh"\nready_seconds = 20\npages = []\n')


def came_back_from_a_node(project: Project, root: Path) -> str:
    """The log and the repository as `manager/remote_session.py` leaves them once a
    session's work came back from its node; the session's id."""
    name, branch = "retitle", "loopwright/t-1-retitle"
    base = git(root, "rev-parse", "HEAD")
    tree = project.worktrees / name
    git(root, "worktree", "add", "-q", "-b", branch, str(tree), base)
    (tree / "index.html").write_text(PAGE.format(title="New Shop"))
    git(tree, "commit", "-q", "-am", "Retitle the shop")
    head = git(tree, "rev-parse", "HEAD")
    sid = "s-remote1"
    Running(project).api.store.append(
        ev.TaskFiled(task_id="t-1", title="Retitle the shop", body="x", source="cli"),
        ev.TaskAccepted(task_id="t-1"),
        ev.SessionQueued(session_id=sid, task_id="t-1", name=name, branch=branch,
                         backend="script"),
        ev.SessionStarted(session_id=sid, worktree="", base_commit=base,
                          target_branch=git(root, "branch", "--show-current")),
        ev.SessionPlaced(session_id=sid, node=NODE),
        ev.WorkBroughtBack(session_id=sid, worktree=str(tree), commit=head),
        ev.WorkerFinished(session_id=sid, summary="retitled", head_commit=head))
    return sid


def preview_is(sid: str, *states: str) -> Callable[[State], bool]:
    def check(st: State) -> bool:
        p = st.sessions[sid].environment.preview
        return p is not None and p.status in states
    return check


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:
        return str(r.read().decode())


async def test_a_session_back_from_a_node_is_previewed_here_with_its_environment_made_here(
        make_repo: MakeRepo) -> None:
    root = make_repo(APP)
    (root / ".env").write_text("SECRET=here-only\n")
    project = init(root)
    configure(project, _config())
    sid = came_back_from_a_node(project, root)
    async with Running(project) as run:
        st = await run.until(preview_is(sid, "ready", "failed"), 60)
        s = st.sessions[sid]
        p = s.environment.preview
        assert p is not None and p.status == "ready", p
        [port] = s.environment.ports  # reserved here: a node's ports mean nothing here
        assert p.url == f"http://127.0.0.1:{port}/"
        assert "<h1>New Shop</h1>" in await asyncio.to_thread(fetch, p.url)
        tree = Path(s.worktree)
        assert (tree / ".env").read_text() == "SECRET=here-only\n"
        assert (tree / ".setup-done").read_text() == "done\n"
        st = await run.until(lambda st: st.sessions[sid].state == S.AWAITING_APPROVAL, 60)
        review = st.sessions[sid].review
        assert review is not None and review.files == ("index.html",)  # not .env
        # on demand, as for a local session: the running preview, its idle clock reset
        again = await asyncio.to_thread(cli, root, "preview", "retitle")
        assert again.returncode == 0 and again.stdout.strip() == p.url, again.stderr
        run.api.reject(sid)
        st = await run.until(lambda st: st.sessions[sid].worktree_removed, 60)
        stopped = run.events(ev.PreviewStopped)
        torn_down = run.events(ev.TeardownRan)
        setups = run.events(ev.SetupRan)
    assert [e.reason for e in stopped if isinstance(e, ev.PreviewStopped)] == ["rejected"]
    assert not await answers(p.url)
    assert len(setups) == 1  # made once: the second ask found it made
    assert [e.output_tail for e in torn_down  # type: ignore[union-attr]
            ] == ["bye retitle\n"], torn_down
    assert st.sessions[sid].environment.released and not tree.exists()


async def test_a_setup_that_fails_here_is_the_previews_failure_on_the_review(
        make_repo: MakeRepo) -> None:
    root = make_repo(APP)
    project = init(root)
    configure(project, _config(setup="echo no database; exit 3"))
    sid = came_back_from_a_node(project, root)
    async with Running(project) as run:
        st = await run.until(preview_is(sid, "failed", "ready"), 60)
        st = await run.until(lambda st: st.sessions[sid].state == S.AWAITING_APPROVAL, 60)
        shown = await asyncio.to_thread(cli, root, "inbox")
    p = st.sessions[sid].environment.preview
    assert p is not None and p.status == "failed"
    assert p.reason == "setup `echo no database; exit 3` failed (exit 3)"
    assert p.output_tail == "no database\n"
    assert f"preview: failed ({p.reason})" in shown.stdout, shown.stdout
    assert "| no database" in shown.stdout
