"""Shared fixtures: real git repositories in temporary folders."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from agent_helpers import fake_api  # noqa: F401 - the fake Messages API, for the agents' tests

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Loopwright Tests",
    "GIT_AUTHOR_EMAIL": "tests@loopwright.invalid",
    "GIT_COMMITTER_NAME": "Loopwright Tests",
    "GIT_COMMITTER_EMAIL": "tests@loopwright.invalid",
}


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's git config, and git has an identity to commit as."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


MakeRepo = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """make_repo(files={"a.txt": "x"}, branch="main", commit=True) -> a real git repo."""
    counter = iter(range(1000))

    def make(
        files: dict[str, str] | None = None, *, branch: str = "main", commit: bool = True
    ) -> Path:
        root = tmp_path / f"repo{next(counter)}"
        root.mkdir()
        git(root, "init", "-q", "-b", branch)
        for name, content in (files or {"README.md": "# sample\n"}).items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        if commit:
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "initial")
        return root

    return make


@pytest.fixture
def repo(make_repo: MakeRepo) -> Path:
    return make_repo()
