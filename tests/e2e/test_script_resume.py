"""After a restart the script worker skips what it did: a command is never run twice."""

from __future__ import annotations

import signal

from helpers.git import MakeRepo, git
from helpers.loop import cli, configure, init, task_file

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo ok\n"}


def test_a_command_that_ran_when_the_manager_died_is_not_run_again(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(PASSING)
    project = init(root)
    # Outside bubblewrap the command can reach its parent: it kills the manager the
    # moment it has done its work, before the manager can record that it finished.
    configure(project, '[sandbox]\nbubblewrap = "never"\n')
    body = task_file("x", {"write": "a.txt", "content": "a\n"},
                     {"run": "echo ran >> ran.log; kill -9 $PPID"},
                     {"write": "b.txt", "content": "b\n"})
    assert cli(root, "dispatch", "Run once", "--body", body).returncode == 0
    first = cli(root, "run", "--once")
    assert first.returncode == -signal.SIGKILL
    second = cli(root, "run", "--once")
    assert second.returncode == 0, second.stderr
    assert "LANDED on main" in second.stdout
    assert git(root, "show", "main:ran.log") == "ran"
    assert git(root, "show", "main:b.txt") == "b"
    log = cli(root, "log").stdout
    assert "resumed (the manager restarted)" in log
