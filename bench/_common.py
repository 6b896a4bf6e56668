"""Shared helpers for the benchmarks: sample repositories, scratch folders removed at
exit, goals reported one by one (and collected for `make bench`'s summary), and small
statistics."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@localhost",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}
os.environ.update(GIT_ENV)
# A user's install keeps its compiled modules; where the environment forbids writing
# them (PYTHONDONTWRITEBYTECODE, as some CI images set), every process the benches start
# would compile 200 modules first (0.25-0.35 s) and time that instead of the start.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
# `make bench` (bench/run_all.py) names a file here; every goal is appended to it.
GOALS_FILE = "LOOPWRIGHT_BENCH_GOALS"
_scratch: list[Path] = []


def _clean_scratch() -> None:
    for folder in _scratch:
        shutil.rmtree(folder, ignore_errors=True)


atexit.register(_clean_scratch)
# `timeout`, or a Ctrl-C from `make`: exit through atexit, so the scratch goes too.
signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(143))


def scratch(prefix: str = "loopwright-bench-") -> Path:
    """A temporary folder, removed when the bench exits (however it exits, short of a
    kill -9)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    _scratch.append(folder)
    return folder


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def sample_repo(files: int = 200) -> Path:
    """A repository of `files` small Python files with one commit and `make test`."""
    root = scratch() / "repo"
    (root / "pkg").mkdir(parents=True)
    for n in range(files):
        (root / "pkg" / f"mod{n}.py").write_text(f"VALUE_{n} = {n}\n")
    (root / "Makefile").write_text("test:\n\t@true\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "sample")
    return root


def goal(name: str, value: float, limit: float, unit: str = "x", *,
         at_least: bool = False) -> bool:
    """Print one goal on its own line, met or missed, and record it for the summary."""
    met = value >= limit if at_least else value <= limit
    sign = ">=" if at_least else "<="
    print(f"  goal: {name}: {value:.3g}{unit} ({sign} {limit:g}{unit})  "
          f"{'met' if met else 'MISSED'}", flush=True)
    if path := os.environ.get(GOALS_FILE):
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"name": name, "value": value, "limit": limit, "unit": unit,
                                "at_least": at_least, "met": met}) + "\n")
    return met


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def rss_kib(pid: int | str = "self") -> int:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
