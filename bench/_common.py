"""Shared helpers for the benchmarks: sample repositories and small statistics."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@localhost",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}
os.environ.update(GIT_ENV)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def sample_repo(files: int = 200) -> Path:
    """A repository of `files` small Python files with one commit and `make test`."""
    root = Path(tempfile.mkdtemp(prefix="loopwright-bench-")) / "repo"
    (root / "pkg").mkdir(parents=True)
    for n in range(files):
        (root / "pkg" / f"mod{n}.py").write_text(f"VALUE_{n} = {n}\n")
    (root / "Makefile").write_text("test:\n\t@true\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "sample")
    return root


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)
