"""`[environment]`: files copied into each session's worktree and setup commands run
there before the worker starts, on real repositories with the script worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, cli, configure, init, task_file
from loopwright import events as ev
from loopwright.state import SessionState, State
from loopwright.workspace.copy_in import copy_in
from loopwright.workspace.meet import changed_paths, snapshot
from loopwright.workspace.worktrees import create_worktree

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}
SECRET = "DATABASE_URL=postgres://local/dev\n"


def state_is(wanted: SessionState) -> object:
    return lambda st: any(s.state == wanted for s in st.sessions.values())


def landed(st: State) -> bool:
    return bool(st.sessions) and all(s.state == S.LANDED for s in st.sessions.values())


@pytest.mark.parametrize("ignored", [True, False], ids=["ignored", "not-ignored"])
async def test_a_copied_env_file_is_read_by_the_worker_and_never_lands(
    make_repo: MakeRepo, ignored: bool,
) -> None:
    files = {**PASSING, ".gitignore": ".env\n"} if ignored else PASSING
    repo = make_repo(files)
    (repo / ".env").write_text(SECRET)
    (repo / "config").mkdir()
    (repo / "config" / "local.yml").write_text("debug: true\n")
    project = init(repo)
    configure(project, '[gate]\nauto_land = false\n[environment]\n'
                       'copy = [".env", "config/local.yml", "missing.txt"]\n')
    async with Running(project) as run:
        run.api.dispatch("Read env", task_file(
            "x", {"run": "cat .env config/local.yml"},
            {"write": "hello.txt", "content": "hello\n"}))
        st = await run.until(state_is(S.AWAITING_APPROVAL))
        [s] = st.sessions.values()
        [ran] = [e for e in run.events(ev.CommandRan) if isinstance(e, ev.CommandRan)]
        assert ran.exit_code == 0 and "postgres://local/dev" in ran.output_tail
        assert "debug: true" in ran.output_tail
        [copied] = run.events(ev.FilesCopiedIn)
        assert isinstance(copied, ev.FilesCopiedIn)
        assert copied.copied == (".env", "config/local.yml")
        assert copied.skipped == ("missing.txt: missing in the checkout",)
        diff = run.api.diff(s.session_id)
        assert "hello.txt" in diff and ".env" not in diff and "local.yml" not in diff
        run.api.approve(s.session_id)
        await run.until(landed)
    names = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert names == ["hello.txt"]
    assert (repo / ".env").read_text() == SECRET  # the user's file, untouched


async def test_a_symlink_pointing_outside_the_checkout_is_refused(
    make_repo: MakeRepo, tmp_path: Path,
) -> None:
    repo = make_repo({**PASSING, ".gitignore": ".env\n"})
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not the project's\n")
    (repo / ".env").symlink_to(outside)
    project = init(repo)
    configure(project, '[environment]\ncopy = [".env"]\n')
    async with Running(project) as run:
        run.api.dispatch("Look", task_file(
            "x", {"run": "test ! -e .env"}, {"write": "a.txt", "content": "a\n"}))
        await run.until(landed)
        [copied] = run.events(ev.FilesCopiedIn)
        [ran] = run.events(ev.CommandRan)
    assert isinstance(copied, ev.FilesCopiedIn) and isinstance(ran, ev.CommandRan)
    assert copied.copied == ()
    assert copied.skipped == (".env: is a symlink pointing outside the checkout; refused",)
    assert ran.exit_code == 0  # the worker saw no .env


async def test_a_failing_setup_ends_the_session_with_its_output(make_repo: MakeRepo) -> None:
    repo = make_repo(PASSING)
    project = init(repo)
    configure(project, '[environment]\nsetup = ["echo fetching deps; echo no registry >&2; '
                       'exit 3"]\n')
    async with Running(project) as run:
        run.api.dispatch("Never runs", task_file("x", {"write": "a.txt", "content": "a\n"}))
        st = await run.until(state_is(S.FAILED))
        assert not run.events(ev.CommandRan) and not run.events(ev.WorkerActed)
    [s] = st.sessions.values()
    assert s.failure.startswith("setup `echo fetching deps; echo no registry >&2; exit 3` "
                                "failed (exit 3):\n")
    assert "fetching deps" in s.failure and "no registry" in s.failure
    assert not (repo / "a.txt").exists()


async def test_setup_that_succeeded_is_not_run_again_after_a_restart(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo(PASSING)
    project = init(repo)
    configure(project, '[environment]\nsetup = ["mkdir -p node_modules && '
                       'echo once >> node_modules/installs"]\n')
    steps = task_file("x", {"ask": "Which?", "options": ["a", "b"], "blocking": True},
                      {"write": "a.txt", "content": "a\n"})
    async with Running(project) as run:
        run.api.dispatch("Ask", steps)
        st = await run.until(state_is(S.WAITING))
        [s] = st.sessions.values()
        installs = Path(s.worktree) / "node_modules" / "installs"
        assert installs.read_text() == "once\n"
    async with Running(project) as run:  # a restart: the session is resumed
        await run.until(lambda st: run.events(ev.SessionResumed))
        [d] = run.state().decisions.values()
        assert cli(repo, "answer", d.decision_id, "b").returncode == 0
        await run.until(landed)
        assert len(run.events(ev.SetupRan)) == 1
        [skipped] = run.events(ev.SetupSkipped)
    assert isinstance(skipped, ev.SetupSkipped) and "node_modules" in skipped.command
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["a.txt"]


def test_copied_files_are_no_change_for_conflict_prediction(make_repo: MakeRepo) -> None:
    repo = make_repo(PASSING)  # `.env` not ignored: only the exclusion keeps it out
    (repo / ".env").write_text(SECRET)
    worktree = repo / ".loopwright" / "worktrees" / "s1"
    create_worktree(repo, worktree, "loopwright/s1", "main")
    copy_in(repo, worktree, [".env"])
    (worktree / "mine.txt").write_text("mine\n")
    base = git(repo, "rev-parse", "main")
    assert changed_paths(repo, worktree, base) == {".env", "mine.txt"}  # what it guards
    assert changed_paths(repo, worktree, base, [".env"]) == {"mine.txt"}
    snap = snapshot(repo, worktree, [".env"])
    assert git(repo, "diff", "--name-only", base, snap) == "mine.txt"
