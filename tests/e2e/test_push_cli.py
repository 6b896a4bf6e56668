"""A push channel that is down, as the command line shows it: `loopwright inbox` and
`loopwright log` on a real repository whose log says so."""

from __future__ import annotations

from helpers.git import MakeRepo
from helpers.loop import cli, init
from loopwright import events as ev
from loopwright.store import Store


def test_a_channel_that_is_down_is_in_the_inbox_with_what_to_do_and_the_log_says_why(
        make_repo: MakeRepo) -> None:
    project = init(make_repo())
    store = Store(project.db_path)
    error = "HTTP 401: unauthorized"
    store.append(
        ev.PushFailed(notification_id="n-1", channel="ntfy", attempt=1, status=401,
                      error=error, retry_in=2.0),
        ev.PushChannelDown(channel="ntfy", since=0.0, error=error))
    store.close()
    inbox = cli(project.root, "inbox")
    assert inbox.returncode == 0, inbox.stderr
    assert "channel" in inbox.stdout and "ntfy" in inbox.stdout
    assert "push notifications to ntfy are failing" in inbox.stdout
    assert error in inbox.stdout
    assert "check [push] url, topic and token" in inbox.stdout
    log = cli(project.root, "log")
    assert "push n-1 to ntfy FAILED (attempt 1): HTTP 401: unauthorized, retrying in 2s" in (
        log.stdout)
    assert "push to ntfy is DOWN: HTTP 401: unauthorized" in log.stdout
