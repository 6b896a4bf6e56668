"""Landing with real git: merge in the session worktree, then fast-forward the target."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers.git import git
from loopwright.workspace.land import (
    Advanced,
    Blocked,
    LandOutcome,
    Moved,
    advance_target,
    commit_message,
    is_landed,
    prepare_merge,
    restore_session_checkout,
)
from loopwright.workspace.repo import WorkspaceError, is_dirty
from loopwright.workspace.worktrees import commit_all, create_worktree

BRANCH = "loopwright/t1-fix"


def _session(repo: Path, files: dict[str, str]) -> Path:
    """A session worktree with one committed change writing `files`."""
    wt = repo / ".loopwright" / "worktrees" / "t1-fix"
    create_worktree(repo, wt, BRANCH, "main")
    for name, content in files.items():
        (wt / name).write_text(content)
    commit_all(repo, wt, "the worker's change")
    return wt


def _main_commit(repo: Path, name: str, content: str) -> str:
    (repo / name).write_text(content)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"user edits {name}")
    return git(repo, "rev-parse", "HEAD")


def _git_fails(cwd: Path, *args: str) -> bool:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True).returncode != 0


def _land(repo: Path, wt: Path) -> tuple[str, LandOutcome]:
    old = git(repo, "rev-parse", "main")
    merged = prepare_merge(repo, wt, BRANCH, "main", "Land t1: fix")
    assert isinstance(merged, str)
    return merged, advance_target(repo, "main", merged, old)


def test_landing_fast_forwards_the_checked_out_branch_and_its_files(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    _main_commit(repo, "user.txt", "the user's own commit\n")

    merged, outcome = _land(repo, wt)

    assert outcome == Advanced(merged)
    assert git(repo, "rev-parse", "main") == merged
    assert (repo / "fix.txt").read_text() == "fixed\n"
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert git(repo, "log", "-1", "--format=%s|%P", "main").startswith("Land t1: fix|")
    assert len(git(repo, "log", "-1", "--format=%P", "main").split()) == 2


def test_the_merge_is_checked_out_detached_in_the_session_worktree(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    _main_commit(repo, "user.txt", "user\n")
    old_main = git(repo, "rev-parse", "main")

    merged = prepare_merge(repo, wt, BRANCH, "main", "Land t1")

    assert git(wt, "rev-parse", "HEAD") == merged
    assert git(wt, "branch", "--show-current") == ""
    assert (wt / "user.txt").read_text() == "user\n"
    assert git(repo, "rev-parse", "main") == old_main  # nothing moved yet
    restore_session_checkout(repo, wt, BRANCH)
    assert git(wt, "branch", "--show-current") == BRANCH
    assert not (wt / "user.txt").exists()


def test_landing_goes_ahead_beside_uncommitted_changes_to_other_files(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    (repo / "README.md").write_text("half-written thought\n")
    (repo / "staged.txt").write_text("staged, not committed\n")
    git(repo, "add", "staged.txt")

    merged, outcome = _land(repo, wt)

    assert outcome == Advanced(merged)
    assert (repo / "fix.txt").read_text() == "fixed\n"
    assert (repo / "README.md").read_text() == "half-written thought\n"
    assert git(repo, "status", "--porcelain", "-uno").split("\n") == [
        "M README.md", "A  staged.txt"]


def test_landing_waits_when_you_changed_a_file_the_change_changes(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n", "README.md": "the worker's readme\n"})
    (repo / "README.md").write_text("half-written thought\n")
    old = git(repo, "rev-parse", "main")

    merged, outcome = _land(repo, wt)

    assert isinstance(outcome, Blocked)
    assert str(repo) in outcome.reason
    assert "uncommitted changes to README.md, which the change also changes" in outcome.reason
    assert "commit or stash" in outcome.reason
    assert git(repo, "rev-parse", "main") == old
    assert (repo / "README.md").read_text() == "half-written thought\n"
    assert not (repo / "fix.txt").exists()

    git(repo, "stash", "-q")
    assert advance_target(repo, "main", merged, old) == Advanced(merged)
    assert (repo / "fix.txt").read_text() == "fixed\n"
    assert _git_fails(repo, "stash", "pop", "-q")  # git keeps your version in the stash
    assert "half-written thought" in git(repo, "stash", "show", "-p")


def test_landing_waits_when_it_would_overwrite_untracked_files(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    (repo / "fix.txt").write_text("the user's untracked draft\n")
    old = git(repo, "rev-parse", "main")

    _, outcome = _land(repo, wt)

    assert isinstance(outcome, Blocked)
    assert "fix.txt" in outcome.reason
    assert git(repo, "rev-parse", "main") == old
    assert (repo / "fix.txt").read_text() == "the user's untracked draft\n"


def test_landing_waits_while_the_user_is_mid_rebase_of_the_target(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    git(repo, "checkout", "-q", "-b", "side")
    _main_commit(repo, "README.md", "side\n")
    git(repo, "checkout", "-q", "main")
    old = _main_commit(repo, "README.md", "main\n")
    merged = prepare_merge(repo, wt, BRANCH, "main", "Land t1")
    assert isinstance(merged, str)
    assert _git_fails(repo, "rebase", "-q", "side")  # stops on a conflict, main detached

    outcome = advance_target(repo, "main", merged, old)

    assert isinstance(outcome, Blocked)
    assert "rebase is in progress" in outcome.reason
    git(repo, "rebase", "--abort")
    assert git(repo, "rev-parse", "main") == old
    assert advance_target(repo, "main", merged, old) == Advanced(merged)


def test_landing_waits_while_the_user_is_mid_merge(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    git(repo, "checkout", "-q", "-b", "side")
    _main_commit(repo, "README.md", "side\n")
    git(repo, "checkout", "-q", "main")
    old = _main_commit(repo, "README.md", "main\n")
    merged = prepare_merge(repo, wt, BRANCH, "main", "Land t1")
    assert isinstance(merged, str)
    assert _git_fails(repo, "merge", "-q", "side")

    outcome = advance_target(repo, "main", merged, old)

    assert isinstance(outcome, Blocked)
    assert "merge is in progress" in outcome.reason
    assert git(repo, "rev-parse", "main") == old


def test_target_that_moved_is_reported_not_overwritten(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    old = git(repo, "rev-parse", "main")
    merged = prepare_merge(repo, wt, BRANCH, "main", "Land t1")
    assert isinstance(merged, str)
    moved = _main_commit(repo, "user.txt", "committed meanwhile\n")

    assert advance_target(repo, "main", merged, old) == Moved(moved)
    assert git(repo, "rev-parse", "main") == moved

    # Re-preparing on the new tip lands both.
    merged, outcome = _land(repo, wt)
    assert outcome == Advanced(merged)
    assert (repo / "user.txt").exists()
    assert (repo / "fix.txt").exists()


def test_a_branch_checked_out_nowhere_is_updated_by_compare_and_swap(repo: Path) -> None:
    git(repo, "branch", "release")
    git(repo, "checkout", "-q", "--detach")
    wt = _session(repo, {"fix.txt": "fixed\n"})
    old = git(repo, "rev-parse", "release")
    merged = prepare_merge(repo, wt, BRANCH, "release", "Land t1 on release")
    assert isinstance(merged, str)

    assert advance_target(repo, "release", merged, "0" * 40) == Moved(old)
    assert advance_target(repo, "release", merged, old) == Advanced(merged)
    assert git(repo, "rev-parse", "release") == merged
    assert not (repo / "fix.txt").exists()  # the detached checkout is left alone


def test_landing_twice_is_idempotent(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    session_head = git(repo, "rev-parse", BRANCH)
    old = git(repo, "rev-parse", "main")
    assert not is_landed(repo, "main", session_head)

    merged, outcome = _land(repo, wt)
    assert outcome == Advanced(merged)
    assert is_landed(repo, "main", session_head)

    # A crash after advancing: the same calls again change nothing.
    assert advance_target(repo, "main", merged, old) == Advanced(merged)
    assert prepare_merge(repo, wt, BRANCH, "main", "Land t1 again") == merged
    assert git(repo, "rev-list", "--count", "main") == "3"


def test_merge_conflict_is_reported_with_the_conflicting_paths_and_leaves_the_worktree_clean(
    repo: Path,
) -> None:
    wt = _session(repo, {"README.md": "the worker's readme\n", "fix.txt": "fixed\n"})
    _main_commit(repo, "README.md", "the user's readme\n")
    old = git(repo, "rev-parse", "main")

    result = prepare_merge(repo, wt, BRANCH, "main", "Land t1")

    assert result == ["README.md"]
    assert git(wt, "branch", "--show-current") == BRANCH
    assert git(wt, "status", "--porcelain") == ""
    assert (wt / "README.md").read_text() == "the worker's readme\n"
    assert git(repo, "rev-parse", "main") == old


def test_a_non_fast_forward_is_refused(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    unrelated = git(wt, "rev-parse", "HEAD")
    _main_commit(repo, "user.txt", "user\n")
    old = git(repo, "rev-parse", "main")
    with pytest.raises(WorkspaceError, match="never does"):
        advance_target(repo, "main", unrelated, old)
    assert git(repo, "rev-parse", "main") == old


def test_checks_leftovers_are_cleared_when_returning_to_the_session_branch(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    _main_commit(repo, "user.txt", "user\n")
    prepare_merge(repo, wt, BRANCH, "main", "Land t1")
    (wt / "fix.txt").write_text("a formatter ran during checks\n")

    restore_session_checkout(repo, wt, BRANCH)

    assert git(wt, "branch", "--show-current") == BRANCH
    assert (wt / "fix.txt").read_text() == "fixed\n"
    assert not is_dirty(wt)


def test_preparing_again_after_a_crash_mid_merge_starts_over(repo: Path) -> None:
    wt = _session(repo, {"README.md": "worker\n"})
    _main_commit(repo, "README.md", "user\n")
    git(wt, "checkout", "-q", "--detach", "main")
    assert _git_fails(wt, "merge", "-q", BRANCH)  # the crash leaves a half-done merge
    assert prepare_merge(repo, wt, BRANCH, "main", "Land t1") == ["README.md"]
    assert git(wt, "branch", "--show-current") == BRANCH
    assert git(wt, "status", "--porcelain") == ""


def test_uncommitted_session_work_is_not_merged_silently(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    (wt / "fix.txt").write_text("not yet committed\n")
    with pytest.raises(WorkspaceError, match="uncommitted changes"):
        prepare_merge(repo, wt, BRANCH, "main", "Land t1")
    assert (wt / "fix.txt").read_text() == "not yet committed\n"


def _two_commit_session(repo: Path) -> Path:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    (wt / "fix.txt").write_text("fixed again, after review\n")
    commit_all(repo, wt, "the second round")
    return wt


def _subjects(repo: Path, span: str) -> list[str]:
    return git(repo, "log", "--format=%s", span).splitlines()


def _land_in_style(repo: Path, wt: Path, old: str, style: str,
                   summary: str = "Fixed it.") -> str:
    """Land the session in `style` the way the manager does: prepare, then advance."""
    message = commit_message(style, "fix", "Fix it", summary, "s-1")
    merged = prepare_merge(repo, wt, BRANCH, "main", message, style)
    assert isinstance(merged, str)
    assert advance_target(repo, "main", merged, old) == Advanced(merged)
    return merged


def test_a_squash_lands_one_commit_with_the_trailer(repo: Path) -> None:
    wt = _two_commit_session(repo)
    old = git(repo, "rev-parse", "main")
    _land_in_style(repo, wt, old, "squash")

    assert git(repo, "log", "--format=%B", "-1", "main").strip() == (
        "Fix it\n\nFixed it.\n\nLoopwright-Session: s-1")
    assert git(repo, "rev-parse", "main~1") == old  # one commit, one parent
    assert (repo / "fix.txt").read_text() == "fixed again, after review\n"
    # the session's head is not on main, but the trailer says it landed (after a crash)
    assert not is_landed(repo, "main", git(repo, "rev-parse", BRANCH))
    assert is_landed(repo, "main", git(repo, "rev-parse", BRANCH), "s-1", old)
    assert not is_landed(repo, "main", git(repo, "rev-parse", BRANCH), "s-2", old)


def test_a_rebase_replays_the_session_commits_the_last_with_the_trailer(repo: Path) -> None:
    wt = _two_commit_session(repo)
    old = _main_commit(repo, "user.txt", "the user's own commit\n")
    _land_in_style(repo, wt, old, "rebase")

    assert _subjects(repo, f"{old}..main") == ["the second round", "the worker's change"]
    assert git(repo, "rev-list", "--merges", f"{old}..main") == ""
    assert git(repo, "log", "-1", "--format=%(trailers:key=Loopwright-Session,valueonly)",
               "main") == "s-1"
    assert is_landed(repo, "main", git(repo, "rev-parse", BRANCH), "s-1", old)
    restore_session_checkout(repo, wt, BRANCH)
    assert git(wt, "branch", "--show-current") == BRANCH


def test_a_merge_keeps_the_session_commits_under_a_merge_commit(repo: Path) -> None:
    wt = _two_commit_session(repo)
    old = git(repo, "rev-parse", "main")
    _land_in_style(repo, wt, old, "merge", summary="")

    assert git(repo, "log", "-1", "--format=%B", "main").strip() == (
        "Land fix: Fix it\n\nLoopwright-Session: s-1")
    assert _subjects(repo, f"{old}..main") == [
        "Land fix: Fix it", "the second round", "the worker's change"]


@pytest.mark.parametrize("style", ["squash", "rebase"])
def test_a_conflict_in_any_style_is_named_and_leaves_the_session_clean(
    repo: Path, style: str,
) -> None:
    wt = _session(repo, {"README.md": "the worker's\n"})
    _main_commit(repo, "README.md", "the user's\n")

    result = prepare_merge(repo, wt, BRANCH, "main", "Fix\n\nLoopwright-Session: s-1",
                           style)  # type: ignore[arg-type]

    assert result == ["README.md"]
    assert git(wt, "branch", "--show-current") == BRANCH
    assert not is_dirty(wt)


def test_landing_waits_while_your_own_git_command_holds_the_index(repo: Path) -> None:
    wt = _session(repo, {"fix.txt": "fixed\n"})
    lock = repo / ".git" / "index.lock"
    lock.write_text("")

    merged, outcome = _land(repo, wt)

    assert isinstance(outcome, Blocked)
    assert "another git command is running" in outcome.reason
    lock.unlink()
    assert advance_target(repo, "main", merged, git(repo, "rev-parse", "main")) == Advanced(
        merged)


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_a_file_git_is_told_not_to_look_at_is_not_overwritten(repo: Path, flag: str) -> None:
    wt = _session(repo, {"README.md": "the worker's readme\n"})
    git(repo, "update-index", flag, "README.md")
    (repo / "README.md").write_text("my edit, hidden from git status\n")
    old = git(repo, "rev-parse", "main")

    _, outcome = _land(repo, wt)

    assert isinstance(outcome, Blocked)
    assert "would overwrite your changes there" in outcome.reason
    assert "README.md" in outcome.reason
    assert git(repo, "rev-parse", "main") == old
    assert (repo / "README.md").read_text() == "my edit, hidden from git status\n"
