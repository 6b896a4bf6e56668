"""The GitHub client against the fake GitHub REST API, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from loopwright.testing.fake_github import FakeGitHub
from loopwright.triggers.github_api import GitHubClient, GitHubError, RateLimited, find_token


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        yield gh


def client(fake: FakeGitHub, token: str = "") -> GitHubClient:
    return GitHubClient(fake.url, fake.repo, token or fake.token)


async def test_an_unchanged_issue_list_is_a_304_that_costs_no_rate_limit(
    fake: FakeGitHub,
) -> None:
    fake.add_issue("Fix it", labels=("loopwright",))
    fake.add_issue("Not for us")
    gh = client(fake)
    [issue] = await gh.labeled_issues("loopwright") or []
    assert issue["title"] == "Fix it"
    spent = fake.limit - fake.remaining
    assert await gh.labeled_issues("loopwright") is None  # If-None-Match -> 304
    assert fake.log[-1][2] == 304 and gh.not_modified == 1
    assert fake.limit - fake.remaining == spent
    fake.add_issue("Another", labels=("loopwright",))
    assert [i["title"] for i in await gh.labeled_issues("loopwright") or []] == [
        "Another", "Fix it"]


async def test_every_page_of_a_long_list_is_read_and_pull_requests_left_out(
    fake: FakeGitHub,
) -> None:
    for n in range(130):
        fake.add_issue(f"issue {n}", labels=("loopwright",))
    gh = client(fake)
    await gh.open_pull(title="a PR", head="topic", base="main", body="")
    fake.issues[131]["labels"] = [{"name": "loopwright"}]  # PRs are issues too
    issues = await gh.labeled_issues("loopwright") or []
    assert len(issues) == 130 and all("pull_request" not in i for i in issues)
    assert sum(1 for m, p, _ in fake.log if m == "GET" and p.endswith("/issues")) == 2


async def test_an_exhausted_rate_limit_pauses_the_client_until_the_reset(
    fake: FakeGitHub,
) -> None:
    gh = client(fake)
    fake.exhaust_rate_limit(reset_in=3600)
    with pytest.raises(RateLimited) as first:
        await gh.labeled_issues("loopwright")
    assert first.value.until >= time.time() + 3500
    sent = len(fake.log)
    with pytest.raises(RateLimited):  # no request goes out before the reset
        await gh.comment(1, "hello")
    assert len(fake.log) == sent


async def test_a_wrong_token_is_a_clear_error_that_does_not_repeat_the_token(
    fake: FakeGitHub,
) -> None:
    secret = "ghp_wrong_token_abcdef0123456789"
    with pytest.raises(GitHubError) as e:
        await client(fake, token=secret).labeled_issues("loopwright")
    assert e.value.status == 401 and "Requires authentication" in str(e.value)
    assert secret not in str(e.value) and secret not in repr(client(fake, token=secret))


async def test_opening_a_pull_request_twice_finds_the_first(fake: FakeGitHub) -> None:
    gh = client(fake)
    first = await gh.open_pull(title="t", head="loopwright/x", base="main", body="b")
    again = await gh.open_pull(title="t", head="loopwright/x", base="main", body="b")
    assert again["number"] == first["number"] and len(fake.pulls) == 1


async def test_labels_and_comments_are_written(fake: FakeGitHub) -> None:
    n = fake.add_issue("x")
    gh = client(fake)
    await gh.add_labels(n, ["loopwright:working"])
    await gh.remove_label(n, "loopwright:working")
    await gh.remove_label(n, "never-there")  # 404: already gone, fine
    await gh.add_labels(n, ["loopwright:landed"])
    comment = await gh.comment(n, "done")
    assert fake.labels_of(n) == ["loopwright:landed"] and fake.comment_bodies(n) == ["done"]
    assert comment["html_url"].endswith(f"#issuecomment-{comment['id']}")


def test_the_token_comes_from_the_environment_first() -> None:
    assert find_token({"GITHUB_TOKEN": " abc "}) == "abc"
    assert find_token({"GH_TOKEN": "def"}) == "def"


async def test_an_old_issue_labeled_later_is_seen_though_it_was_on_a_later_page(
    fake: FakeGitHub,
) -> None:
    old = fake.add_issue("An old one")
    for n in range(120):
        fake.add_issue(f"issue {n}", labels=("loopwright",))
    gh = client(fake)
    assert len(await gh.labeled_issues("loopwright") or []) == 120
    assert await gh.labeled_issues("loopwright") is None  # unchanged: 304
    fake.label_issue(old, "loopwright")  # by creation it sorts last, on the second page
    issues = await gh.labeled_issues("loopwright") or []
    assert issues[0]["number"] == old and len(issues) == 121
