"""What the phone page's API shows and does, over real HTTP on a real loop: a stall to
kill, redirect or keep going; a review with its checks and its diff file by file; the
sessions and the digest."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, configure, init, task_file
from helpers.web import act, authed, request, served
from loopwright.config import load
from loopwright.manager.loop import Manager
from loopwright.project import Project
from loopwright.state import Health, SessionState
from loopwright.web.server import WebServer

KEY = "sk-ant-api03-" + "Zx9" * 12  # shaped like an Anthropic key
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}


@pytest.fixture
def project(make_repo: MakeRepo) -> Project:
    return init(make_repo(PASSING))


@pytest.fixture
def page(project: Project) -> Iterator[WebServer]:
    with served(project) as server:
        yield server


def shown(page: WebServer, project: Project) -> dict[str, object]:
    status, _, data = request(page, "GET", "/api/state", headers=authed(project))
    assert status == 200
    assert isinstance(data, dict)
    return data


async def test_a_stall_is_offered_as_kill_redirect_or_keep_going(
    project: Project, page: WebServer,
) -> None:
    configure(project, "[attention]\ntick_seconds = 0.05\n[stalls]\nheartbeat_minutes = 1\n")
    offset = [0.0]
    run = Running(project)
    run.manager = Manager(project, load(project.config_path),
                          clock=lambda: time.time() + offset[0])
    async with run:
        run.api.dispatch("Sleepy", task_file("x", {"progress": "thinking"}, {"sleep": 60}))
        await run.until(lambda st: any(s.state == SessionState.RUNNING
                                       for s in st.sessions.values()))
        offset[0] = 61.0
        st = await run.until(lambda st: st.attention.stalls)
        [stall] = st.attention.stalls.values()
        await run.until(lambda _: any(i.get("stall") for i in shown(page, project)["inbox"]))
        [item] = [i for i in shown(page, project)["inbox"] if i.get("stall")]
        assert item["options"] == ["kill", "redirect", "keep going"]
        assert item["ref"] == stall.decision_id
        status, data = act(page, project, "answer", item["ref"], "keep going")
        assert status == 200, data
        st = await run.until(lambda st: not st.attention.stalls)
        assert st.sessions[stall.session_id].health == Health.OK
        run.api.kill(stall.session_id)


async def test_a_review_shows_its_task_checks_and_diff_file_by_file(
    project: Project, page: WebServer,
) -> None:
    configure(project, "[gate]\nauto_land = false\n")
    async with Running(project) as run:
        run.api.dispatch("Two files", task_file(
            "x", {"write": "a.txt", "content": "a\n"}, {"write": "b/c.txt", "content": "c\n"})
            + f"\nThe key is {KEY}, do not share it.\n")
        st = await run.until(lambda st: any(s.state == SessionState.AWAITING_APPROVAL
                                            for s in st.sessions.values()))
        [s] = st.sessions.values()
        await run.until(lambda _: shown(page, project)["inbox"])
        data = shown(page, project)
        [item] = data["inbox"]
        review = item["review"]
        assert item["kind"] == "review" and item["ref"] == s.session_id
        assert review["task"]["title"] == "Two files" and "Body." in review["task"]["body"]
        assert review["checks"]["passed"] and "checks ok" in review["checks"]["outputTail"]
        assert review["files"] == ["a.txt", "b/c.txt"] and review["added"] == 2
        assert review["gateReasons"]
        # No secret reaches the page: what it shows comes from the log, redacted on append.
        assert KEY not in json.dumps(data) and "[redacted]" in review["task"]["body"]
        [row] = data["sessions"]
        assert row["state"] == "awaiting_approval" and row["needsYou"]
        status, _, diff = request(page, "GET", f"/api/review/{s.name}",
                                  headers=authed(project))
        assert status == 200
        assert [f["path"] for f in diff["files"]] == ["a.txt", "b/c.txt"]
        assert diff["files"][1]["diff"].startswith("diff --git a/b/c.txt b/b/c.txt")
        assert "+c" in diff["files"][1]["diff"] and "+a" not in diff["files"][1]["diff"]
        status, data = act(page, project, "reject", s.session_id, "not today")
        assert status == 200 and data["message"] == f"rejected {s.name}"
        status, data = act(page, project, "approve", s.session_id)
        assert status == 409 and data["late"] and "rejected" in data["error"]
        await run.until(lambda st: st.sessions[s.session_id].state == SessionState.REJECTED)
    assert any("rejected by web" in line for line in shown(page, project)["digest"])


def test_an_unknown_act_or_a_bad_body_is_refused(project: Project, page: WebServer) -> None:
    assert act(page, project, "launch-missiles", "x")[0] == 404
    status, _, data = request(page, "POST", "/api/act/answer", body=b"{nope",
                              headers=authed(project))
    assert status == 400 and "not JSON" in data["error"]
    status, data = act(page, project, "answer", "d-none", "yes")
    assert status == 409 and "no decision" in data["error"]
