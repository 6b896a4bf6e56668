"""Plain questions about a repository, answered by real git."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from loopwright.workspace.repo import (
    WorkspaceError,
    checkout_of_branch,
    current_branch,
    ensure_ignored,
    has_commits,
    head_commit,
    identity_args,
    is_dirty,
)


def test_current_branch_is_named_and_none_when_detached(repo: Path) -> None:
    assert current_branch(repo) == "main"
    git(repo, "checkout", "-q", "--detach")
    assert current_branch(repo) is None


def test_a_fresh_repository_has_no_commits(make_repo: MakeRepo) -> None:
    empty = make_repo(commit=False)
    assert not has_commits(empty)
    assert current_branch(empty) == "main"
    with pytest.raises(WorkspaceError, match="does not name a commit"):
        head_commit(empty)


def test_head_commit_resolves_refs_to_full_shas(repo: Path) -> None:
    assert has_commits(repo)
    assert head_commit(repo) == git(repo, "rev-parse", "HEAD")
    assert head_commit(repo, "main") == head_commit(repo)
    with pytest.raises(WorkspaceError, match="'nope'"):
        head_commit(repo, "nope")


def test_untracked_files_do_not_make_a_checkout_dirty(repo: Path) -> None:
    assert not is_dirty(repo)
    (repo / "scratch.txt").write_text("notes\n")
    assert not is_dirty(repo)


def test_modified_or_staged_files_make_a_checkout_dirty(repo: Path) -> None:
    (repo / "README.md").write_text("changed\n")
    assert is_dirty(repo)
    git(repo, "add", "README.md")
    assert is_dirty(repo)
    git(repo, "commit", "-q", "-m", "change")
    assert not is_dirty(repo)


def test_the_checkout_of_a_branch_is_found_in_the_main_checkout_or_a_worktree(
    repo: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other checkout"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(other))
    assert checkout_of_branch(repo, "main") == repo
    assert checkout_of_branch(repo, "feature") == other
    assert checkout_of_branch(other, "main") == repo
    git(repo, "branch", "loose")
    assert checkout_of_branch(repo, "loose") is None


def test_loopwright_is_ignored_without_touching_gitignore(repo: Path) -> None:
    ensure_ignored(repo)
    ensure_ignored(repo)
    exclude = (repo / ".git" / "info" / "exclude").read_text()
    assert exclude.splitlines().count(".loopwright/") == 1
    assert not (repo / ".gitignore").exists()
    (repo / ".loopwright").mkdir()
    (repo / ".loopwright" / "state.db").write_text("x")
    assert git(repo, "status", "--porcelain") == ""


def test_ignoring_from_a_worktree_writes_the_shared_exclude_file(
    repo: Path, tmp_path: Path
) -> None:
    exclude = repo / ".git" / "info" / "exclude"
    exclude.write_text("# no trailing newline")
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "w", str(worktree))
    ensure_ignored(worktree, "build/")
    assert exclude.read_text().splitlines() == ["# no trailing newline", "build/"]


def test_commits_fall_back_to_the_loopwright_identity_only_without_one(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert identity_args(repo) == []
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    monkeypatch.delenv("EMAIL", raising=False)
    assert identity_args(repo) == [
        "-c",
        "user.name=Loopwright",
        "-c",
        "user.email=loopwright@localhost",
    ]
    monkeypatch.setenv("EMAIL", "me@example.invalid")
    assert identity_args(repo) == ["-c", "user.name=Loopwright"]
    monkeypatch.delenv("EMAIL")
    git(repo, "config", "user.email", "me@example.invalid")
    assert identity_args(repo) == ["-c", "user.name=Loopwright"]
    git(repo, "config", "user.name", "Me")
    assert identity_args(repo) == []


def test_git_failures_in_a_missing_folder_are_workspace_errors(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="does not exist"):
        is_dirty(tmp_path / "gone")
