"""`[environment] copy` paths: what the config refuses, and what the copy refuses on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loopwright.config import ConfigError, parse
from loopwright.config.environment import copy_path_problem
from loopwright.workspace.copy_in import copy_in


@pytest.mark.parametrize("path", [".env", "config/local.yml", "a b/c.txt", ".env.local"])
def test_plain_relative_paths_are_accepted(path: str) -> None:
    assert copy_path_problem(path) is None


@pytest.mark.parametrize(("path", "why"), [
    ("/etc/passwd", "is absolute"),
    ("../secrets.env", "contains `..`"),
    ("config/../../x", "contains `..`"),
    (".git/config", "is inside `.git`"),
    ("*.env", "is a pattern"),
    ("", "is empty"),
    ("config\\local.yml", "backslash"),
])
def test_paths_outside_the_checkout_or_patterns_are_refused(path: str, why: str) -> None:
    problem = copy_path_problem(path)
    assert problem is not None and why in problem


def test_the_config_names_a_refused_path() -> None:
    with pytest.raises(ConfigError, match=r"\.\./x.*contains `\.\.`"):
        parse('[environment]\ncopy = ["../x"]\n')


def test_setup_timeout_is_bounded() -> None:
    with pytest.raises(ConfigError, match="setup_timeout_seconds"):
        parse("[environment]\nsetup_timeout_seconds = 0\n")


def _site(tmp_path: Path) -> tuple[Path, Path]:
    checkout, worktree = tmp_path / "checkout", tmp_path / "worktree"
    checkout.mkdir()
    worktree.mkdir()
    return checkout, worktree


def test_files_are_copied_with_their_folders_and_mode(tmp_path: Path) -> None:
    checkout, worktree = _site(tmp_path)
    (checkout / "config").mkdir()
    (checkout / "config" / "local.yml").write_text("debug: true\n")
    (checkout / "run.sh").write_text("#!/bin/sh\n")
    (checkout / "run.sh").chmod(0o755)
    result = copy_in(checkout, worktree, ["config/local.yml", "run.sh", "gone.txt"])
    assert result.copied == ("config/local.yml", "run.sh")
    assert result.skipped == ("gone.txt: missing in the checkout",)
    assert (worktree / "config" / "local.yml").read_text() == "debug: true\n"
    assert os.access(worktree / "run.sh", os.X_OK)


def test_a_symlink_inside_the_checkout_is_followed_one_outside_refused(tmp_path: Path) -> None:
    checkout, worktree = _site(tmp_path)
    (checkout / "real.env").write_text("A=1\n")
    (checkout / ".env").symlink_to("real.env")
    (tmp_path / "outside").write_text("private\n")
    (checkout / "leak.env").symlink_to(tmp_path / "outside")
    result = copy_in(checkout, worktree, [".env", "leak.env"])
    assert result.copied == (".env",)
    assert result.skipped == ("leak.env: is a symlink pointing outside the checkout; refused",)
    assert (worktree / ".env").read_text() == "A=1\n"
    assert not (worktree / ".env").is_symlink()
    assert not os.path.lexists(worktree / "leak.env")


def test_a_worktree_folder_replaced_by_a_symlink_is_not_written_through(
    tmp_path: Path,
) -> None:
    checkout, worktree = _site(tmp_path)
    (checkout / "config").mkdir()
    (checkout / "config" / "local.yml").write_text("x\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (worktree / "config").symlink_to(elsewhere)  # what a worker could leave for a resume
    result = copy_in(checkout, worktree, ["config/local.yml"])
    assert result.skipped == (
        "config/local.yml: its folder in the worktree leads outside it; refused",)
    assert list(elsewhere.iterdir()) == []


def test_a_file_already_in_the_worktree_is_left_as_it_is(tmp_path: Path) -> None:
    checkout, worktree = _site(tmp_path)
    (checkout / ".env").write_text("new\n")
    (worktree / ".env").write_text("the worker's edit\n")
    result = copy_in(checkout, worktree, [".env"])
    assert result.skipped == (".env: already in the worktree; left as it is",)
    assert (worktree / ".env").read_text() == "the worker's edit\n"
