"""Shared fixtures for every layer: real git repositories in temporary folders, the fake
Messages API. Helpers that are not fixtures are in tests/helpers/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.agent import fake_api  # noqa: F401 - the fake Messages API, for the agents' tests
from helpers.git import GIT_ENV, MakeRepo, git


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's git config, and git has an identity to commit as."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


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
