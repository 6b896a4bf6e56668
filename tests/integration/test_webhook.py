"""The webhook: signed GitHub deliveries in, everything else refused with a clear status."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, cli, configure, init, script
from loopwright.manager.wakes import Wakes
from loopwright.testing.fake_github import FakeGitHub
from loopwright.triggers.webhook import (
    WebhookError,
    WebhookServer,
    is_loopback,
    parse_address,
    signature,
)

SECRET = b"it's a secret to everybody"


def post(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/github", body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response.status, text


def signed(payload: dict[str, Any], event: str, secret: bytes = SECRET
           ) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"X-GitHub-Event": event, "X-Hub-Signature-256": signature(secret, body),
                  "Content-Type": "application/json"}


@pytest.fixture
def server() -> Iterator[tuple[WebhookServer, list[tuple[str, dict[str, Any]]]]]:
    got: list[tuple[str, dict[str, Any]]] = []
    hook = WebhookServer("127.0.0.1", 0, SECRET, 1000, lambda e, p: got.append((e, p)))
    hook.start()
    yield hook, got
    hook.stop()


def test_a_signed_delivery_is_accepted_and_handed_over(
    server: tuple[WebhookServer, list[tuple[str, dict[str, Any]]]],
) -> None:
    hook, got = server
    body, headers = signed({"action": "opened"}, "issues")
    assert post(hook.port, body, headers)[0] == 202
    assert got == [("issues", {"action": "opened"})]
    body, headers = signed({"zen": "hi"}, "ping")
    assert post(hook.port, body, headers)[0] == 200


def test_unsigned_wrongly_signed_and_oversized_deliveries_are_refused(
    server: tuple[WebhookServer, list[tuple[str, dict[str, Any]]]],
) -> None:
    hook, got = server
    body, headers = signed({"action": "opened"}, "issues")
    unsigned = {k: v for k, v in headers.items() if k != "X-Hub-Signature-256"}
    status, text = post(hook.port, body, unsigned)
    assert status == 401 and "X-Hub-Signature-256 is missing" in text
    _, forged = signed({"action": "opened"}, "issues", secret=b"guess")
    assert post(hook.port, body, forged)[0] == 403
    tampered = body.replace(b"opened", b"closed")
    assert post(hook.port, tampered, headers)[0] == 403
    big, big_headers = signed({"pad": "x" * 2000}, "issues")
    status, text = post(hook.port, big, big_headers)
    assert status == 413 and "over 1000 bytes" in text
    no_event = {k: v for k, v in headers.items() if k != "X-GitHub-Event"}
    assert post(hook.port, body, no_event)[0] == 400
    not_json = b"{nope"
    assert post(hook.port, not_json, {"X-GitHub-Event": "issues",
                                      "X-Hub-Signature-256": signature(SECRET, not_json)}
                )[0] == 400
    conn = http.client.HTTPConnection("127.0.0.1", hook.port, timeout=10)
    conn.request("GET", "/")
    assert conn.getresponse().status == 405
    conn.close()
    assert got == [] and hook.refused == {401: 1, 403: 2, 413: 1, 400: 2, 405: 1}


def test_it_binds_to_loopback_unless_told_otherwise() -> None:
    assert parse_address("8787") == ("127.0.0.1", 8787)
    assert parse_address("0.0.0.0:9000") == ("0.0.0.0", 9000)
    assert parse_address("[::1]:9000") == ("::1", 9000)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    with pytest.raises(WebhookError):
        parse_address("localhost:http")


def test_no_secret_no_webhook() -> None:
    with pytest.raises(WebhookError, match="LOOPWRIGHT_WEBHOOK_SECRET"):
        WebhookServer("127.0.0.1", 0, b"", 1000, lambda e, p: None)


def test_run_refuses_a_webhook_it_could_not_serve(make_repo: MakeRepo,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo()
    init(root)
    monkeypatch.delenv("LOOPWRIGHT_WEBHOOK_SECRET", raising=False)
    proc = cli(root, "run", "--webhook", "127.0.0.1:0")
    assert proc.returncode == 1 and "[github] repo" in proc.stderr
    configure(init(root), '[github]\nrepo = "octo/project"\n')
    proc = cli(root, "run", "--webhook", "127.0.0.1:0")
    assert proc.returncode == 1 and "LOOPWRIGHT_WEBHOOK_SECRET" in proc.stderr


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with FakeGitHub(repo="octo/project") as gh:
        monkeypatch.setenv("GITHUB_TOKEN", gh.token)
        monkeypatch.setenv("LOOPWRIGHT_WEBHOOK_SECRET", SECRET.decode())
        yield gh


async def test_an_issue_delivered_by_webhook_becomes_a_task_without_polling(
    make_repo: MakeRepo, fake: FakeGitHub,
) -> None:
    root = make_repo({"README.md": "# x\n", "Makefile": "test:\n\t@echo ok\n"})
    project = init(root)
    configure(project, f'[github]\nrepo = "{fake.repo}"\napi_url = "{fake.url}"\n'
                       "poll_seconds = 0\n[parallel]\npredict_conflicts = false\n")
    n = fake.add_issue("From the hook", script({"write": "hook.txt", "content": "h\n"}),
                       labels=("loopwright",))
    issue = fake.issues[n]
    running = Running(project)
    running.manager.webhook = "127.0.0.1:0"  # `loopwright run --webhook 127.0.0.1:0`
    async with running as run:
        await run.until(lambda st: st.manager_pid is not None)
        wakes: Wakes | None = run.manager._wakes
        assert wakes is not None and wakes.webhook is not None
        port = wakes.webhook.port
        other, headers = signed({"action": "opened", "issue": issue,
                                 "repository": {"full_name": "someone/else"}}, "issues")
        assert post(port, other, headers)[0] == 202  # accepted, but not our repository
        body, headers = signed({"action": "labeled", "issue": issue,
                                "repository": {"full_name": fake.repo}}, "issues")
        assert post(port, body, headers)[0] == 202
        assert post(port, body, headers)[0] == 202  # redelivered: filed once
        st = await run.until(lambda st: st.world.issue_status.get(
            next(iter(st.tasks), ""), "") == "landed")
    [task] = st.tasks.values()
    assert task.origin == f"github:{fake.repo}#{n}"
    assert not any(path.endswith("/issues") for _, path, _ in fake.log)  # never polled
    assert (root / "hook.txt").exists() and Path(root / "hook.txt").read_text() == "h\n"
