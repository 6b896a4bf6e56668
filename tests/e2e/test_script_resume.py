"""After a restart the script worker skips what it did: a command whose result was
recorded is never run again; one cut off by the stop runs again."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers.git import MakeRepo, git
from helpers.loop import cli, configure, init, task_file
from loopwright import events as ev
from loopwright.store import Store

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo ok\n"}


def commands_ran(db: Path) -> list[str]:
    store = Store(db, secrets=[])
    try:
        return [r.event.command for r in store.read_after(0)
                if isinstance(r.event, ev.CommandRan)]
    finally:
        store.close()


def test_a_command_that_finished_before_the_manager_died_is_not_run_again(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(PASSING)
    project = init(root)
    body = task_file("x", {"run": "echo ran >> ran.log"}, {"sleep": 1},
                     {"write": "b.txt", "content": "b\n"})
    assert cli(root, "dispatch", "Run once", "--body", body).returncode == 0
    first = subprocess.Popen([sys.executable, "-m", "loopwright", "-C", str(root), "run"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not commands_ran(project.db_path):  # the command has finished: now die
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = cli(root, "run", "--once")
    assert second.returncode == 0, second.stderr
    assert "LANDED on main" in second.stdout
    assert git(root, "show", "main:ran.log") == "ran"
    assert commands_ran(project.db_path) == ["echo ran >> ran.log"]
    assert "resumed (the manager restarted)" in cli(root, "log").stdout


def test_a_command_cut_off_by_the_stop_runs_again(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(PASSING)
    project = init(root)
    # Outside bubblewrap the command can reach its parent: the first time, it kills the
    # manager when it has done its work, before the manager can record its result.
    configure(project, '[sandbox]\nbubblewrap = "never"\n')
    marker = tmp_path / "killed-once"
    command = f"echo ran >> ran.log; test -e {marker} || {{ touch {marker}; kill -9 $PPID; }}"
    body = task_file("x", {"write": "a.txt", "content": "a\n"}, {"run": command},
                     {"write": "b.txt", "content": "b\n"})
    assert cli(root, "dispatch", "Cut off", "--body", body).returncode == 0
    assert cli(root, "run", "--once").returncode == -signal.SIGKILL
    assert commands_ran(project.db_path) == []  # the log never heard how it ended
    second = cli(root, "run", "--once")
    assert second.returncode == 0, second.stderr
    assert "LANDED on main" in second.stdout
    assert git(root, "show", "main:ran.log") == "ran\nran"
    assert git(root, "show", "main:b.txt") == "b"
