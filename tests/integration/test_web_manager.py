"""The manager's thread on the phone page, and a message told to it from there (issue
12's manager agent: the page shows it once this version has one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpers.git import MakeRepo
from helpers.loop import configure, init
from helpers.web import act, authed, request, served
from loopwright.project import Project
from loopwright.web.server import WebServer

pytest.importorskip("loopwright.views.thread", reason="the manager agent is issue 12's")


@pytest.fixture
def project(make_repo: MakeRepo) -> Project:
    project = init(make_repo({"README.md": "# sample\n"}))
    configure(project, '[manager]\nagent = "claude"\n')
    return project


@pytest.fixture
def page(project: Project) -> Iterator[WebServer]:
    with served(project) as server:
        yield server


def test_the_page_shows_the_thread_and_tells_the_manager(
    project: Project, page: WebServer,
) -> None:
    status, data = act(page, project, "tell", "", "Prefer small changes this week.")
    assert status == 200 and data["message"] == "told the manager"
    status, _, shown = request(page, "GET", "/api/state", headers=authed(project))
    assert status == 200 and shown["manager"]["agent"] == "claude"
    [entry] = shown["manager"]["entries"]
    assert entry["kind"] == "told" and entry["by"] == "web"
    assert entry["text"].startswith("Prefer small changes this week.")
    status, data = act(page, project, "tell", "", "   ")
    assert status == 409 and "say something" in data["error"]


def test_without_the_manager_agent_the_page_has_no_thread(
    make_repo: MakeRepo,
) -> None:
    project = init(make_repo({"README.md": "# sample\n"}))
    with served(project) as server:
        status, _, shown = request(server, "GET", "/api/state", headers=authed(project))
    assert status == 200 and shown["manager"] is None
