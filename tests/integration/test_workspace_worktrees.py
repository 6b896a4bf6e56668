"""Session worktrees with real git: creation, recovery after a crash, commits, removal."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from helpers.git import git
from loopwright.workspace.repo import WorkspaceError
from loopwright.workspace.worktrees import (
    commit_all,
    create_worktree,
    list_worktrees,
    remove_worktree,
)


def _wt(repo: Path) -> Path:
    return repo / ".loopwright" / "worktrees" / "t1-fix"


def test_a_session_worktree_starts_on_its_own_branch_at_the_base(repo: Path) -> None:
    base = create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    assert base == git(repo, "rev-parse", "main")
    assert git(_wt(repo), "branch", "--show-current") == "loopwright/t1-fix"
    assert (_wt(repo) / "README.md").read_text() == "# sample\n"


def test_creating_the_same_worktree_again_returns_the_recorded_base(repo: Path) -> None:
    base = create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    (_wt(repo) / "new.txt").write_text("work\n")
    commit_all(repo, _wt(repo), "work")
    (repo / "README.md").write_text("main moved on\n")
    git(repo, "commit", "-qam", "main moves")
    assert create_worktree(repo, _wt(repo), "loopwright/t1-fix", base) == base
    assert create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main") == base
    assert (_wt(repo) / "new.txt").read_text() == "work\n"


def test_a_worktree_whose_folder_was_lost_in_a_crash_is_recreated_on_its_branch(
    repo: Path,
) -> None:
    base = create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    (_wt(repo) / "new.txt").write_text("committed work\n")
    head = commit_all(repo, _wt(repo), "work")
    shutil.rmtree(_wt(repo))

    assert create_worktree(repo, _wt(repo), "loopwright/t1-fix", base) == base
    assert git(_wt(repo), "rev-parse", "HEAD") == head
    assert (_wt(repo) / "new.txt").read_text() == "committed work\n"


def test_a_base_given_as_a_sha_is_returned_as_is(repo: Path) -> None:
    sha = git(repo, "rev-parse", "HEAD")
    assert create_worktree(repo, _wt(repo), "loopwright/t1-fix", sha) == sha


def test_an_existing_folder_on_another_branch_is_refused(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    git(repo, "worktree", "add", "-q", "-b", "other", str(other))
    with pytest.raises(WorkspaceError, match="on 'other'"):
        create_worktree(repo, other, "loopwright/t1-fix", "main")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "keep.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="not a worktree"):
        create_worktree(repo, plain, "loopwright/t1-fix", "main")
    assert (plain / "keep.txt").read_text() == "mine"


def test_a_bad_base_is_reported_clearly(repo: Path) -> None:
    with pytest.raises(WorkspaceError, match="could not create a worktree"):
        create_worktree(repo, _wt(repo), "loopwright/t1-fix", "no-such-ref")


def test_commit_all_commits_additions_edits_and_deletions(repo: Path) -> None:
    create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    wt = _wt(repo)
    before = git(wt, "rev-parse", "HEAD")
    (wt / "README.md").unlink()
    (wt / "src").mkdir()
    (wt / "src" / "new file.py").write_text("print('hi')\n")
    head = commit_all(repo, wt, "the worker's change")

    assert head != before
    assert git(wt, "status", "--porcelain") == ""
    assert git(wt, "show", "--name-status", "--format=%s", "HEAD").splitlines() == [
        "the worker's change",
        "",
        "D\tREADME.md",
        "A\tsrc/new file.py",
    ]


def test_commit_all_leaves_out_interpreter_and_tool_caches_and_ignored_files(
    repo: Path,
) -> None:
    create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    wt = _wt(repo)
    (wt / ".gitignore").write_text("build/\n")
    for cache in ("__pycache__/app.cpython-311.pyc", "pkg/__pycache__/m.cpython-311.pyc",
                  "stray.pyc", ".pytest_cache/v/cache/nodeids", ".mypy_cache/x.json",
                  ".ruff_cache/CACHEDIR.TAG", "web/node_modules/left-pad/index.js",
                  ".venv/bin/python", ".tox/py311/log", ".DS_Store", "pkg/.DS_Store",
                  "build/out.o"):
        (wt / cache).parent.mkdir(parents=True, exist_ok=True)
        (wt / cache).write_bytes(b"\x00cache")
    (wt / "pkg" / "m.py").write_text("x = 1\n")

    commit_all(repo, wt, "the worker's change")

    assert git(wt, "show", "--name-only", "--format=", "HEAD").splitlines() == [
        ".gitignore", "pkg/m.py"]
    assert (wt / "pkg" / "__pycache__" / "m.cpython-311.pyc").exists()  # left where it was


def test_commit_all_without_changes_returns_the_head_and_commits_nothing(repo: Path) -> None:
    create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    head = git(_wt(repo), "rev-parse", "HEAD")
    assert commit_all(repo, _wt(repo), "nothing") == head
    assert git(_wt(repo), "rev-list", "--count", "HEAD") == "1"


def test_commits_are_made_as_loopwright_when_git_has_no_identity(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    monkeypatch.delenv("EMAIL", raising=False)
    create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    (_wt(repo) / "a.txt").write_text("a\n")
    commit_all(repo, _wt(repo), "as loopwright")
    assert git(_wt(repo), "log", "-1", "--format=%an <%ae>|%cn <%ce>") == (
        "Loopwright <loopwright@localhost>|Loopwright <loopwright@localhost>"
    )


def test_commits_keep_the_identity_git_already_has(repo: Path) -> None:
    create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    (_wt(repo) / "a.txt").write_text("a\n")
    commit_all(repo, _wt(repo), "as the tests")
    assert git(_wt(repo), "log", "-1", "--format=%an") == "Loopwright Tests"


def test_worktrees_are_listed_with_their_branches(repo: Path) -> None:
    create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    git(_wt(repo), "checkout", "-q", "--detach")
    assert list_worktrees(repo) == [(repo, "main"), (_wt(repo), None)]


def test_removing_a_worktree_keeps_or_deletes_its_branch_as_asked(repo: Path) -> None:
    create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    (_wt(repo) / "uncommitted.txt").write_text("x")
    remove_worktree(repo, _wt(repo), delete_branch=False, branch="loopwright/t1-fix")
    assert not _wt(repo).exists()
    assert list_worktrees(repo) == [(repo, "main")]
    assert git(repo, "branch", "--list", "loopwright/t1-fix") != ""

    create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    remove_worktree(repo, _wt(repo), delete_branch=True, branch="loopwright/t1-fix")
    assert git(repo, "branch", "--list", "loopwright/t1-fix") == ""


def test_removing_a_worktree_that_is_already_gone_is_fine(repo: Path) -> None:
    create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    shutil.rmtree(_wt(repo))
    remove_worktree(repo, _wt(repo), delete_branch=True, branch="loopwright/t1-fix")
    remove_worktree(repo, _wt(repo), delete_branch=True, branch="loopwright/t1-fix")
    assert list_worktrees(repo) == [(repo, "main")]
    assert git(repo, "branch", "--list", "loopwright/*") == ""


def test_a_stale_registration_does_not_block_a_new_session_at_the_same_path(repo: Path) -> None:
    create_worktree(repo, _wt(repo), "loopwright/t1-fix", "main")
    shutil.rmtree(_wt(repo))
    base = create_worktree(repo, _wt(repo), "loopwright/t1-retry", "main")
    assert base == git(repo, "rev-parse", "main")
    assert git(_wt(repo), "branch", "--show-current") == "loopwright/t1-retry"


def test_a_branch_is_deleted_while_another_worktree_is_still_being_made(repo: Path) -> None:
    # git dies reading a worktree whose admin files another git is still writing (the
    # build check adds one just as a landed session's branch goes): it is tried again.
    git(repo, "branch", "landed")
    admin = repo / ".git" / "worktrees" / "build"
    admin.mkdir(parents=True)
    (admin / "locked").write_text("initializing\n")  # as `git worktree add` begins
    (admin / "gitdir").write_text(f"{repo}/.loopwright/build/.git\n")
    (admin / "HEAD").write_text("ref: refs/heads/main\n")
    (admin / "commondir").write_text("")  # not written yet
    finishing = threading.Timer(0.03, lambda: (admin / "commondir").write_text("../..\n"))
    finishing.start()
    try:
        assert remove_worktree(repo, repo / "gone", delete_branch=True, branch="landed")
    finally:
        finishing.join()
    assert "landed" not in git(repo, "branch", "--list", "landed")
