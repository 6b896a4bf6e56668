"""The phone page's access: only the token in a header opens it, and nothing else gets
through: a missing or bad token, a cookie alone (CSRF), a flood of guesses, an oversized
body, a public address nobody allowed, a revoked link."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, cli, init, task_file
from helpers.web import act, authed, request, served, token
from loopwright.config import load
from loopwright.project import Project
from loopwright.state import SessionState
from loopwright.web import access
from loopwright.web.server import WebError, WebServer, resolve_address

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}


@pytest.fixture
def project(make_repo: MakeRepo) -> Project:
    return init(make_repo(PASSING))


@pytest.fixture
def page(project: Project) -> Iterator[WebServer]:
    with served(project) as server:
        yield server


def test_the_token_is_private_to_its_owner_and_opens_the_page(
    project: Project, page: WebServer,
) -> None:
    mode = stat.S_IMODE(access.token_path(project.dot).stat().st_mode)
    assert mode == 0o600
    status, headers, data = request(page, "GET", "/api/state", headers=authed(project))
    assert status == 200 and data["inbox"] == [] and data["project"] == project.root.name
    assert headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_the_page_itself_is_public_and_holds_no_secret(
    project: Project, page: WebServer,
) -> None:
    status, headers, html = request(page, "GET", "/")
    assert status == 200 and "<title>Loopwright</title>" in html
    for path in ("/", "/app.js", "/app.css"):
        assert token(project) not in request(page, "GET", path)[2]
    csp = headers["content-security-policy"]  # the inlined script and style, by hash
    assert "script-src 'sha256-" in csp and "unsafe-inline" not in csp


def test_a_missing_or_bad_token_is_refused_with_what_to_do(
    project: Project, page: WebServer,
) -> None:
    status, _, data = request(page, "GET", "/api/state")
    assert status == 401 and "loopwright web url" in data["error"]
    status, _, data = request(page, "GET", "/api/state",
                              headers={"Authorization": "Bearer not-the-token"})
    assert status == 401 and "not (or no longer) valid" in data["error"]


def test_a_cookie_alone_is_not_enough_so_another_site_cannot_act(
    project: Project, page: WebServer,
) -> None:
    body = json.dumps({"ref": "anything"}).encode()
    status, _, data = request(page, "POST", "/api/act/approve", body=body, headers={
        "Cookie": f"token={token(project)}", "Content-Type": "application/json",
        "Origin": "https://evil.example"})
    assert status == 401 and "Authorization header" in data["error"]


def test_repeated_bad_tokens_are_slowed_down_but_the_right_one_still_opens(
    project: Project, page: WebServer,
) -> None:
    statuses = [request(page, "GET", "/api/state",
                        headers={"Authorization": f"Bearer guess-{n}"})[0] for n in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    status, headers, _ = request(page, "GET", "/api/state",
                                 headers={"Authorization": "Bearer guess-8"})
    assert status == 429 and int(headers["retry-after"]) >= 1
    assert request(page, "GET", "/api/state", headers=authed(project))[0] == 200


def test_an_oversized_or_unsized_body_is_refused_unread(
    project: Project, page: WebServer,
) -> None:
    big = json.dumps({"ref": "x", "text": "y" * 70_000}).encode()
    status, _, data = request(page, "POST", "/api/act/answer", body=big,
                                    headers=authed(project))
    assert status == 413 and "over 64000 bytes" in data["error"]
    status, _, _ = request(page, "POST", "/api/act/answer", body=iter([b"{}"]),
                           headers={**authed(project), "Transfer-Encoding": "chunked"})
    assert status == 411


def test_revoke_ends_every_link_and_open_page_at_once(
    project: Project, page: WebServer,
) -> None:
    old = authed(project)
    assert request(page, "GET", "/api/state", headers=old)[0] == 200
    proc = cli(project.root, "web", "revoke")
    assert proc.returncode == 0 and "revoked" in proc.stdout
    assert request(page, "GET", "/api/state", headers=old)[0] == 401
    assert request(page, "GET", "/api/state", headers=authed(project))[0] == 200


def test_web_url_prints_the_link_and_a_qr_code(project: Project, page: WebServer) -> None:
    proc = cli(project.root, "web", "url")
    assert proc.returncode == 0, proc.stderr
    *qr, link = proc.stdout.rstrip("\n").split("\n")
    assert link == f"{page.base_url}/#token={token(project)}"
    assert len(qr) > 10 and any("█" in line or "▀" in line for line in qr)


def test_a_public_address_needs_the_flag_and_says_what_it_exposes(project: Project) -> None:
    config = load(project.config_path)
    with pytest.raises(WebError, match="approve and land changes"):
        resolve_address(config, "0.0.0.0:0", allow_remote=False)
    assert resolve_address(config, "0.0.0.0:0", allow_remote=True).host == "0.0.0.0"
    proc = cli(project.root, "run", "--once", "--web", "0.0.0.0:0")
    assert proc.returncode == 1 and "--web-remote" in proc.stderr
    assert "kill sessions" in proc.stderr


async def test_first_answer_wins_and_a_late_one_is_told_who_answered(
    project: Project, page: WebServer,
) -> None:
    async with Running(project) as run:
        run.api.dispatch("Ask", task_file(
            "x", {"ask": "Which name?", "options": ["a", "b"], "blocking": True},
            {"write": "name.txt", "content": "x\n"}))
        st = await run.until(lambda st: any(s.state == SessionState.WAITING
                                            for s in st.sessions.values()))
        [d] = st.decisions.values()
        status, data = act(page, project, "answer", d.decision_id, "c")
        assert status == 409 and "one of: a, b" in data["error"]
        assert cli(project.root, "answer", d.decision_id, "b").returncode == 0
        status, data = act(page, project, "answer", d.decision_id, "a")
        assert status == 409 and data["late"]
        assert "already answered from the command line" in data["error"]
        assert "'b'" in data["error"]
        st = await run.until(lambda st: st.decisions[d.decision_id].answer == "b")


async def test_an_answer_from_the_page_is_marked_as_from_the_web(
    project: Project, page: WebServer,
) -> None:
    async with Running(project) as run:
        run.api.dispatch("Ask", task_file(
            "x", {"ask": "Which name?", "options": ["a", "b"], "blocking": True},
            {"write": "name.txt", "content": "x\n"}))
        st = await run.until(lambda st: bool(st.decisions))
        [d] = st.decisions.values()
        status, data = act(page, project, "answer", d.decision_id, "a")
        assert status == 200 and data["message"] == "answered: a"
        st = await run.until(lambda st: any(s.state == SessionState.LANDED
                                            for s in st.sessions.values()))
    assert st.decisions[d.decision_id].answered_by == "web"
    assert (Path(project.root) / "name.txt").exists()
