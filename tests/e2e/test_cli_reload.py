"""`loopwright run` reads config.toml again when it is edited: a real manager process,
real edits of the file, what `status`, `inbox` and `log` then say."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers.git import MakeRepo
from helpers.loop import cli, configure, init, task_file
from loopwright.manager.lock import holder_pid
from loopwright.project import Project
from loopwright.state import SessionState, State, fold
from loopwright.store import Store
from loopwright.views import overview as views

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo ok\n"}
SLOW = task_file("x", {"sleep": 60}, {"write": "never.txt", "content": "x\n"})


def wait_for(project: Project, what: Callable[[State], object],
             timeout: float = 30.0) -> State:
    """The log's state once `what` holds (read from the log itself: front ends that load
    config.toml refuse a broken one)."""
    store = Store(project.db_path)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = fold(store.read_after(0))
            if what(st):
                return st
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting; sessions: {st.sessions}")
    finally:
        store.close()


def running(n: int) -> Callable[[State], bool]:
    return lambda st: st.count(S.RUNNING) == n


@pytest.fixture
def slow_pair(make_repo: MakeRepo) -> Iterator[tuple[Project, subprocess.Popen[str]]]:
    """A manager with max_parallel = 1 and two long tasks: one runs, one is queued."""
    root = make_repo(PASSING)
    project = init(root)
    configure(project, "[manager]\nmax_parallel = 1\n")
    proc = subprocess.Popen([sys.executable, "-m", "loopwright", "-C", str(root), "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not holder_pid(project.lock_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    for title in ("First", "Second"):
        assert cli(root, "dispatch", title, "--body", SLOW).returncode == 0
    wait_for(project, lambda st: st.count(S.RUNNING) == 1 and st.count(S.QUEUED) == 1)
    yield project, proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_an_edited_max_parallel_applies_without_a_restart(
    slow_pair: tuple[Project, subprocess.Popen[str]],
) -> None:
    project, proc = slow_pair
    edit(project.config_path, "max_parallel = 1",
         'max_parallel = 2\n[github]\nrepo = "octo/sample"')
    wait_for(project, running(2))  # the queued one starts: the first still sleeps
    assert proc.poll() is None
    log = cli(project.root, "log").stdout
    assert ("config.toml reloaded: manager.max_parallel in force; waiting for a restart: "
            "github.repo") in log
    inbox = cli(project.root, "inbox").stdout
    assert "config.toml edits wait for a restart of the manager" in inbox
    assert "github.repo" in inbox


def test_a_broken_edit_is_reported_and_the_last_good_config_stays(
    slow_pair: tuple[Project, subprocess.Popen[str]],
) -> None:
    project, proc = slow_pair
    edit(project.config_path, "max_parallel = 1", "max_parallel = 0")
    st = wait_for(project, lambda st: st.world.config.error != "")
    error = st.world.config.error  # the loader's one line, as the CLI says it too
    assert error.endswith("config.toml: manager.max_parallel: Expected `int` >= 1")
    [item] = views.inbox(st)
    assert item.kind == "config" and item.detail == error
    assert item.title == ("config.toml does not load: the last good configuration stays "
                          "in force")
    said = cli(project.root, "inbox")  # a front end refuses the file with the same line
    assert said.returncode == 2 and error in said.stderr
    time.sleep(1.0)  # the loop runs on, on the last good config: still one at a time
    st = wait_for(project, lambda st: True)
    assert (st.count(S.RUNNING), st.count(S.QUEUED)) == (1, 1)
    assert proc.poll() is None
    edit(project.config_path, "max_parallel = 0", "max_parallel = 2")  # and hears the fix
    wait_for(project, running(2))
    assert "nothing needs you" in cli(project.root, "inbox").stdout
    log = cli(project.root, "log").stdout
    assert f"config.toml NOT reloaded (the last good config stays): {error}" in log
    assert "config.toml reloaded: manager.max_parallel in force" in log
    proc.send_signal(signal.SIGINT)  # what `loopwright run` printed as it went
    out, _ = proc.communicate(timeout=20)
    assert f"config.toml NOT reloaded (the last good config stays): {error}" in out
