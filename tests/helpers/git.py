"""Real git in temporary folders: the one `git` helper every test layer uses."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Loopwright Tests",
    "GIT_AUTHOR_EMAIL": "tests@loopwright.invalid",
    "GIT_COMMITTER_NAME": "Loopwright Tests",
    "GIT_COMMITTER_EMAIL": "tests@loopwright.invalid",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


MakeRepo = Callable[..., Path]
