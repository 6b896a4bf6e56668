"""`[preview]`: a session's build running on its reserved port in its sandbox, waited
on, photographed before and after the change for the human and the reviewer agent, and
stopped when the change lands; failures reported on the review, never waited on."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

from helpers.git import MakeRepo
from helpers.loop import Running, cli, configure, init, task_file
from helpers.preview import (
    PAGE,
    SERVE,
    WEB_APP,
    differing_box,
    element_box,
    needs_chromium,
)
from loopwright import events as ev
from loopwright.preview.readiness import answers
from loopwright.state import SessionState, State
from loopwright.testing.fake_api import FakeMessagesAPI, Script, Turn

S = SessionState
RETITLE = {"write": "index.html", "content": PAGE.format(title="New Shop")}
REVIEWER = "You review diffs"
SAW = Turn.tool_use("review_verdict", {
    "verdict": "approve", "summary": "The heading reads New Shop now, as asked."})


def preview_toml(*, pages: str = "[]", command: str = SERVE, ready: float = 20.0,
                 ports: int = 1) -> str:
    return (f"[gate]\nauto_land = false\n[environment]\nports = {ports}\n[preview]\n"
            f"command = {command!r}\nready_seconds = {ready}\npages = {pages}\n")


def preview_is(*states: str, count: int = 1) -> object:
    def check(st: State) -> bool:
        ps = [s.environment.preview for s in st.sessions.values()]
        return len(ps) == count and all(p is not None and p.status in states for p in ps)
    return check


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


@needs_chromium
async def test_the_retitled_page_is_previewed_photographed_reviewed_and_gone_after_landing(
    make_repo: MakeRepo, fake_api: FakeMessagesAPI,
) -> None:
    repo = make_repo(WEB_APP)
    project = init(repo)
    fake_api.add_script(Script([SAW], name="reviewer", system_contains=REVIEWER))
    configure(project, preview_toml(pages='["/", "/about.html"]')
              + '[review]\nreviewer = "claude"\n[agent]\nretry_max_seconds = 0.05\n')
    async with Running(project) as run:
        run.api.dispatch("Retitle the shop", task_file("x", RETITLE))
        st = await run.until(lambda st: any(
            s.state == S.AWAITING_APPROVAL for s in st.sessions.values()), 90)
        [s] = st.sessions.values()
        p = s.environment.preview
        assert p is not None and p.status == "ready"
        assert p.url == f"http://127.0.0.1:{s.environment.ports[0]}/"
        assert "<h1>New Shop</h1>" in await asyncio.to_thread(fetch, p.url)
        [home, about] = p.shots
        assert home.page == "/" and Path(home.after).is_file()
        assert Path(home.before).is_file()
        box = await differing_box(Path(home.before), Path(home.after))
        title = await element_box(p.url, "h1")
        assert box is not None  # the title changed, so the pictures differ...
        assert title[0] <= box[0] and box[2] <= title[2]  # ...within the heading alone
        assert title[1] <= box[1] and box[3] <= title[3]
        assert await differing_box(Path(about.before), Path(about.after)) is None
        [request] = fake_api.requests_for("reviewer")
        assert request.images == [Path(x).read_bytes() for shot in (home, about)
                                  for x in (shot.before, shot.after)]
        assert s.review is not None and "New Shop" in s.review.reviewer_summary
        shown = await asyncio.to_thread(cli, repo, "inbox")
        assert f"preview: {p.url}" in shown.stdout
        assert f"screenshot /: after {home.after} | before {home.before}" in shown.stdout
        run.api.approve(s.session_id)
        st = await run.until(lambda st: st.sessions[s.session_id].worktree_removed, 60)
        stopped = run.events(ev.PreviewStopped)
    gone = st.sessions[s.session_id].environment
    assert gone.preview is not None and gone.preview.status == "stopped"
    assert [e.reason for e in stopped if isinstance(e, ev.PreviewStopped)] == ["landed"]
    assert not await answers(p.url)  # nothing serves there any more
    assert gone.released


async def test_two_live_sessions_preview_on_their_own_ports_at_once(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo(WEB_APP)
    project = init(repo)
    configure(project, preview_toml())
    async with Running(project) as run:
        for n in (1, 2):
            run.api.dispatch(f"Retitle {n}", task_file("x", {
                "write": "index.html", "content": PAGE.format(title=f"Shop {n}")}))
        st = await run.until(preview_is("ready", count=2), 60)
        urls = {s.name: s.environment.preview.url for s in st.sessions.values()
                if s.environment.preview is not None}
        pages = {name: await asyncio.to_thread(fetch, url) for name, url in urls.items()}
    assert len(set(urls.values())) == 2
    assert {"<h1>Shop 1</h1>" in page for page in pages.values()} == {True, False}
    assert sum("<h1>Shop 2</h1>" in page for page in pages.values()) == 1


async def test_a_preview_that_never_answers_is_reported_with_its_output(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo(WEB_APP)
    project = init(repo)
    configure(project, preview_toml(command="echo warming up on $LOOPWRIGHT_PORT_0; "
                                    "sleep 600", ready=1.0))
    async with Running(project) as run:
        run.api.dispatch("Retitle", task_file("x", RETITLE))
        st = await run.until(preview_is("failed"), 60)
        [s] = st.sessions.values()
        shown = await asyncio.to_thread(cli, repo, "inbox")
    p = s.environment.preview
    assert p is not None
    assert p.reason == f"it never answered at {p.url} within 1s"
    assert p.output_tail == f"warming up on {s.environment.ports[0]}\n"
    assert f"preview: failed (it never answered at {p.url} within 1s)" in shown.stdout
    assert f"| warming up on {s.environment.ports[0]}" in shown.stdout


async def test_a_preview_that_crashes_says_so_and_loopwright_preview_starts_it_again(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo({**WEB_APP, "serve.sh": "test -f ok && exec " + SERVE + "\n"
                      "echo no ok file; exit 2\n"})
    project = init(repo)
    configure(project, preview_toml(command="sh serve.sh", ready=10.0))
    async with Running(project) as run:
        run.api.dispatch("Retitle", task_file("x", RETITLE))
        st = await run.until(preview_is("failed"), 60)
        [s] = st.sessions.values()
        p = s.environment.preview
        assert p is not None and p.reason.startswith("it exited (2)")
        assert p.output_tail == "no ok file\n"
        failed = await asyncio.to_thread(cli, repo, "preview", s.name)
        assert failed.returncode == 1 and "no ok file" in failed.stderr
        Path(s.worktree, "ok").write_text("")
        again = await asyncio.to_thread(cli, repo, "preview", s.name)
        assert again.returncode == 0, again.stderr
        url = again.stdout.strip()
        assert url == f"http://127.0.0.1:{s.environment.ports[0]}/"
        assert "<h1>New Shop</h1>" in await asyncio.to_thread(fetch, url)


async def test_a_preview_nobody_uses_stops_after_idle_minutes(make_repo: MakeRepo) -> None:
    repo = make_repo(WEB_APP)
    project = init(repo)
    configure(project, preview_toml() + "idle_minutes = 0.02\n")
    async with Running(project) as run:
        run.api.dispatch("Retitle", task_file("x", RETITLE))
        st = await run.until(preview_is("ready"), 60)
        [s] = st.sessions.values()
        url = s.environment.preview.url if s.environment.preview else ""
        st = await run.until(preview_is("stopped"), 30)
        [s] = st.sessions.values()
        assert s.state == S.AWAITING_APPROVAL  # the change still waits; only the build went
        assert s.environment.preview is not None
        assert s.environment.preview.reason == "idle for 0.02 min"
        assert not await answers(url)
