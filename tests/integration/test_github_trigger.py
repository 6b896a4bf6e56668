"""GitHub end to end: the real manager, real git, real SQLite, and the fake GitHub REST
API over real HTTP. Issues become tasks, their status is written back, and landing mode
`pull-request` pushes to a (local, bare) remote and opens a PR whose reviews go back to
the worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, configure, init, script
from loopwright import events as ev
from loopwright.project import Project
from loopwright.state import SessionState
from loopwright.testing.fake_github import FakeGitHub

S = SessionState
FILES = {"README.md": "# x\n", "Makefile": "test:\n\t@echo checks ok\n"}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with FakeGitHub(repo="octo/project") as gh:
        monkeypatch.setenv("GITHUB_TOKEN", gh.token)
        yield gh


def github_config(fake: FakeGitHub, extra: str = "") -> str:
    return (f'[github]\nrepo = "{fake.repo}"\napi_url = "{fake.url}"\npoll_seconds = 0.2\n'
            f"[parallel]\npredict_conflicts = false\n{extra}")


def session_in(wanted: SessionState) -> object:
    return lambda st: any(s.state == wanted for s in st.sessions.values())


def everything_logged(project: Project) -> bytes:
    """The event log's files as they are on disk (the database and its WAL)."""
    files = [project.db_path, project.db_path.with_name("state.db-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


async def test_a_labeled_issue_lands_and_the_issue_is_told(
    make_repo: MakeRepo, fake: FakeGitHub,
) -> None:
    root = make_repo(FILES)
    project = init(root)
    configure(project, github_config(fake))
    n = fake.add_issue("Add a greeting", "Please.\n\n" + script(
        {"write": "hello.txt", "content": "hello\n"}), labels=("loopwright", "good first"))
    fake.add_issue("Someone else's problem", labels=("wontfix",))
    async with Running(project) as run:
        st = await run.until(lambda st: st.world.issue_status.get(
            next(iter(st.tasks), ""), "") == "landed")
        filed = run.events(ev.TaskFiled)
    [task] = st.tasks.values()
    assert task.source == "github" and task.origin == f"github:octo/project#{n}"
    assert task.labels == ("loopwright", "good first") and len(filed) == 1
    assert (root / "hello.txt").read_text() == "hello\n"
    assert fake.labels_of(n) == ["loopwright", "good first", "loopwright:landed"]
    said = fake.comment_bodies(n)
    assert said[0].startswith("Loopwright is working on this")
    assert said[-1].startswith("Loopwright landed the change on `main`")
    assert fake.token.encode() not in everything_logged(project)


async def test_status_is_not_written_twice_after_a_restart(
    make_repo: MakeRepo, fake: FakeGitHub,
) -> None:
    root = make_repo(FILES)
    project = init(root)
    configure(project, github_config(fake, "[gate]\nauto_land = false\n"))
    n = fake.add_issue("Wait for me", script({"write": "w.txt", "content": "w\n"}),
                       labels=("loopwright",))
    async with Running(project) as run:
        await run.until(lambda st: "needs-review" in st.world.issue_status.values())
    comments = list(fake.comment_bodies(n))
    async with Running(project) as run:
        await run.until(lambda st: st.manager_pid is not None)
        await run.until(lambda st: len([e for e in fake.log if e[1].endswith("/issues")])
                        >= 3)  # it polled again, and had the chance to write
    assert fake.comment_bodies(n) == comments
    assert fake.labels_of(n) == ["loopwright", "loopwright:needs-review"]


@pytest.fixture
def repo_with_remote(make_repo: MakeRepo, tmp_path: Path) -> tuple[Path, Path]:
    root = make_repo(FILES)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "origin", "main")
    return root, remote


async def test_pull_request_mode_opens_a_pr_and_its_review_goes_back_to_the_worker(
    repo_with_remote: tuple[Path, Path], fake: FakeGitHub,
) -> None:
    root, remote = repo_with_remote
    project = init(root)
    configure(project, github_config(fake, '[land]\nmode = "pull-request"\n'))
    n = fake.add_issue("Add a greeting", script({"write": "hello.txt", "content": "hi\n"}),
                       labels=("loopwright",))
    async with Running(project) as run:
        st = await run.until(lambda st: bool(st.world.pulls))
        [pr] = st.world.pulls.values()
        [item] = [i for i in run.api.inbox() if i.kind == "pull_request"]
        assert pr.url in item.detail and item.session
        assert git(remote, "rev-parse", pr.branch) == st.sessions[pr.session_id].head_commit
        assert not (root / "hello.txt").exists()  # nothing landed here
        assert f"Closes #{n}." in fake.pulls[pr.number]["body"]
        fake.add_review(pr.number, "CHANGES_REQUESTED", "Say it louder.\n" + script(
            {"write": "hello.txt", "content": "HI\n"}), comments=(("hello.txt", 1, "caps"),))
        st = await run.until(lambda st: len(st.sessions[pr.session_id].notes) == 1
                             and st.sessions[pr.session_id].state == S.LANDING
                             and git(remote, "rev-parse", pr.branch)
                             == st.sessions[pr.session_id].head_commit)
        s = st.sessions[pr.session_id]
        assert "Review by @reviewer on pull request" in s.notes[0]
        assert "- hello.txt:1: caps" in s.notes[0]
        assert git(remote, "show", f"{pr.branch}:hello.txt") == "HI"
        await run.until(lambda st: any("pushed new commits" in c
                                       for c in fake.comment_bodies(pr.number)))
        fake.merge_pull(pr.number, "f" * 40)
        st = await run.until(lambda st: st.sessions[pr.session_id].state == S.LANDED
                             and st.world.issue_status.get(s.task_id) == "landed")
    assert st.sessions[pr.session_id].landed_commit == "f" * 40
    assert len(fake.pulls) == 1
    said = fake.comment_bodies(n)
    assert any(pr.url in c for c in said)
    assert "loopwright:landed" in fake.labels_of(n)


async def test_a_pr_closed_without_merging_rejects_the_change(
    repo_with_remote: tuple[Path, Path], fake: FakeGitHub,
) -> None:
    root, _ = repo_with_remote
    project = init(root)
    configure(project, github_config(fake, '[land]\nmode = "pull-request"\n'))
    fake.add_issue("Nope", script({"write": "n.txt", "content": "n\n"}),
                   labels=("loopwright",))
    async with Running(project) as run:
        st = await run.until(lambda st: bool(st.world.pulls))
        [pr] = st.world.pulls.values()
        fake.close_pull(pr.number)
        await run.until(session_in(S.REJECTED))
        [rejected] = run.events(ev.ChangeRejected)
    assert isinstance(rejected, ev.ChangeRejected) and rejected.by == "github"
    assert rejected.why == f"pull request #{pr.number} was closed without merging"
