"""The manager's own checkouts run in parallel on a large repository, unless the
repository's owner set `checkout.workers` themselves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from helpers.git import git
from loopwright.workspace import warm_pool
from loopwright.workspace.worktrees import checkout_options, create_worktree

FILES = 300  # above git's `checkout.thresholdForParallelism` (100)


def _many_files(repo: Path) -> None:
    for n in range(FILES):
        folder = repo / f"pkg{n % 3}"
        folder.mkdir(exist_ok=True)
        (folder / f"mod{n}.py").write_text(f"VALUE = {n}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "many files")


def _workers_used(trace: Path) -> set[str]:
    """The `checkout.workers` values git was given on the command lines it traced."""
    used = set()
    for line in trace.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["event"] == "def_param" and record.get("param") == "checkout.workers":
            used.add(record["value"])
    return used


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: git checks out alone")
def test_a_session_worktree_of_a_large_repository_is_checked_out_whole_in_parallel(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _many_files(repo)
    trace = tmp_path / "trace.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
    monkeypatch.setenv("GIT_TRACE2_CONFIG_PARAMS", "checkout.workers")
    path = repo / ".loopwright" / "worktrees" / "t1"
    create_worktree(repo, path, "loopwright/t1", "main")
    assert _workers_used(trace) == {str(min(os.cpu_count() or 1, 8))}
    assert (path / "pkg2" / f"mod{FILES - 1}.py").read_text() == f"VALUE = {FILES - 1}\n"
    assert git(path, "status", "--porcelain", "--untracked-files=all") == ""
    assert len(git(path, "ls-files").splitlines()) == len(git(repo, "ls-files").splitlines())


def test_the_repository_owners_checkout_workers_is_kept(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _many_files(repo)
    git(repo, "config", "checkout.workers", "1")
    trace = tmp_path / "trace.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
    monkeypatch.setenv("GIT_TRACE2_CONFIG_PARAMS", "checkout.workers")
    assert checkout_options(repo) == ()
    warm_pool.fill(repo, repo / ".loopwright" / "worktrees", "main", 1)
    (made,) = warm_pool.warm(repo / ".loopwright" / "worktrees")
    assert git(made, "status", "--porcelain", "--untracked-files=all") == ""
    assert _workers_used(trace) == {"1"}
