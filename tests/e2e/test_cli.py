"""The `loopwright` command as a user meets it: real processes, real repositories."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.git import MakeRepo
from helpers.loop import cli, configure, init, task_file
from loopwright.manager.api import FrontEndApi
from loopwright.manager.lock import holder_pid
from loopwright.project import Project
from loopwright.state import SessionState, State

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo ok\n"}
COMMANDS = ["init", "run", "dispatch", "status", "inbox", "diff", "answer", "approve",
            "request-changes", "reject", "kill", "retry", "overrule", "cancel", "log", "clean",
            "config", "demo", "web"]


def wait_for(project: Project, what: object, timeout: float = 30.0) -> State:
    api = FrontEndApi.open(project)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = api.refresh()
            if callable(what) and what(st):
                return st
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting; sessions: {api.state.sessions}")
    finally:
        api.close()


@pytest.fixture
def manager(make_repo: MakeRepo) -> Iterator[tuple[Project, subprocess.Popen[str]]]:
    root = make_repo(PASSING)
    project = init(root)
    proc = subprocess.Popen([sys.executable, "-m", "loopwright", "-C", str(root), "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not holder_pid(project.lock_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    yield project, proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    proc = cli(tmp_path, command, "--help")
    assert proc.returncode == 0
    assert f"usage: loopwright {command}" in proc.stdout


def test_outside_a_repository_the_error_says_so(tmp_path: Path) -> None:
    proc = cli(tmp_path, "status")
    assert proc.returncode == 2
    assert "is not inside a git repository" in proc.stderr


def test_before_init_commands_say_to_run_init(repo: Path) -> None:
    proc = cli(repo, "status")
    assert proc.returncode == 1
    assert "run `loopwright init`" in proc.stderr


def test_a_repository_with_no_commits_is_set_up_but_not_run(make_repo: MakeRepo) -> None:
    root = make_repo(commit=False)
    proc = cli(root, "init")
    assert proc.returncode == 0 and "no commits yet" in proc.stdout
    assert ".loopwright/" in (root / ".git" / "info" / "exclude").read_text()
    proc = cli(root, "run", "--once")
    assert proc.returncode == 1
    assert "the repository has no commits yet" in proc.stderr


def test_a_broken_config_names_the_key(repo: Path) -> None:
    project = init(repo)
    project.config_path.write_text("[gate]\nmax_changed_lines = 'lots'\n")
    proc = cli(repo, "run", "--once")
    assert proc.returncode == 2
    assert "gate.max_changed_lines: Expected `int`, got `str`" in proc.stderr


def test_dispatch_reads_the_body_from_stdin_and_run_once_lands_it(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    init(root)
    body = task_file("x", {"write": "from-stdin.txt", "content": "hi\n"})
    proc = cli(root, "dispatch", "From stdin", "--body", "-", "--label", "cli", stdin=body)
    assert proc.returncode == 0, proc.stderr
    assert "filed t-" in proc.stdout and "no manager is running" in proc.stdout
    proc = cli(root, "run", "--once")
    assert proc.returncode == 0, proc.stderr
    assert "LANDED on main" in proc.stdout
    assert (root / "from-stdin.txt").read_text() == "hi\n"
    status = json.loads(cli(root, "status", "--json").stdout)
    [session] = status["sessions"]
    assert (session["state"], session["group"], session["name"]) == ("landed", "cli",
                                                                     "from-stdin")


def test_run_once_stops_when_only_the_human_can_move_things(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    init(root)
    body = task_file("x", {"ask": "Which?", "options": ["a", "b"], "blocking": True},
                     {"write": "w.txt", "content": "w\n"})
    cli(root, "dispatch", "Needs an answer", "--body", body)
    proc = cli(root, "run", "--once")
    assert proc.returncode == 0, proc.stderr
    [item] = json.loads(cli(root, "inbox", "--json").stdout)
    assert (item["kind"], item["title"], item["options"]) == ("decision", "Which?", ["a", "b"])
    assert "blocked until answered" in cli(root, "inbox").stdout
    assert cli(root, "answer", item["ref"], "b").returncode == 0
    proc = cli(root, "run", "--once")
    assert proc.returncode == 0, proc.stderr
    assert (root / "w.txt").exists()
    assert cli(root, "inbox").stdout.strip() == "nothing needs you"


def test_unknown_and_ambiguous_ids_are_clear_errors(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, "[gate]\nauto_land = false\n")
    for n in range(2):
        cli(root, "dispatch", f"Same start {n}", "--body",
            task_file("x", {"write": f"{n}.txt", "content": "x\n"}))
    assert cli(root, "run", "--once").returncode == 0
    proc = cli(root, "approve", "nothing-like-this")
    assert proc.returncode == 1
    assert "no session matches 'nothing-like-this'" in proc.stderr
    proc = cli(root, "approve", "same-start")
    assert proc.returncode == 1
    assert "'same-start' matches 2 sessions" in proc.stderr
    proc = cli(root, "answer", "d-0000", "yes")
    assert proc.returncode == 1 and "no decision matches 'd-0000'" in proc.stderr
    proc = cli(root, "retry", "same-start-0")
    assert proc.returncode == 1
    assert "only a finished session can be retried" in proc.stderr


def test_diff_and_log_show_the_change(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, "[gate]\nauto_land = false\n")
    cli(root, "dispatch", "Diffable", "--body",
        task_file("x", {"write": "d.txt", "content": "new line\n"}))
    cli(root, "run", "--once")
    proc = cli(root, "diff", "diffable")
    assert proc.returncode == 0
    assert "+++ b/d.txt" in proc.stdout and "+new line" in proc.stdout
    log = cli(root, "log").stdout
    assert "diffable: needs review: Auto-land is off" in log
    records = [json.loads(line) for line in cli(root, "log", "--json").stdout.splitlines()]
    assert records[0]["event"]["type"] == "task_filed" and records[0]["seq"] == 1
    assert any(r["event"]["type"] == "review_prepared" for r in records)


def test_a_second_manager_refuses_and_names_the_first(
    manager: tuple[Project, subprocess.Popen[str]],
) -> None:
    project, first = manager
    proc = cli(project.root, "run")
    assert proc.returncode == 1
    assert f"a manager is already running on this repository (pid {first.pid}" in proc.stderr
    status = cli(project.root, "status").stdout
    assert f"manager: running, pid {first.pid}" in status


def test_a_human_event_from_the_cli_reaches_a_running_manager(
    manager: tuple[Project, subprocess.Popen[str]],
) -> None:
    project, _ = manager
    body = task_file("x", {"ask": "Go?", "options": ["yes", "no"], "blocking": True},
                     {"write": "go.txt", "content": "go\n"})
    cli(project.root, "dispatch", "Waits", "--body", body)
    st = wait_for(project, lambda st: any(s.state == S.WAITING for s in st.sessions.values()))
    [d] = st.decisions.values()
    cli(project.root, "answer", d.decision_id, "yes")
    wait_for(project, lambda st: all(s.state == S.LANDED for s in st.sessions.values()))
    assert (project.root / "go.txt").read_text() == "go\n"


def test_kill_9_mid_session_then_restart_resumes_where_it_was(
    manager: tuple[Project, subprocess.Popen[str]],
) -> None:
    project, first = manager
    body = task_file("x", {"write": "a.txt", "content": "a\n"},
                     {"append": "b.txt", "content": "one\n"}, {"sleep": 2},
                     {"append": "b.txt", "content": "two\n"})
    cli(project.root, "dispatch", "Survives", "--body", body)
    wait_for(project, lambda st: any(s.steps_done == 2 for s in st.sessions.values()))
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    assert holder_pid(project.lock_path) is None  # the kernel let go of the lock
    second = subprocess.Popen(
        [sys.executable, "-m", "loopwright", "-C", str(project.root), "run"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        st = wait_for(project, lambda st: all(
            s.state == S.LANDED for s in st.sessions.values()))
    finally:
        second.send_signal(signal.SIGINT)
        out, _ = second.communicate(timeout=20)
    assert (project.root / "b.txt").read_text() == "one\ntwo\n"  # no step ran twice
    assert "resumed (the manager restarted)" in out
    [s] = st.sessions.values()
    assert s.attempt == 1  # the same session, not a new one


def test_clean_removes_ended_sessions_worktrees_and_keeps_their_branches(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(PASSING)
    init(root)
    broken = task_file("x", {"write": "a.txt", "content": "a\n"}, {"fail": "cannot go on"})
    assert cli(root, "dispatch", "Gives up", "--body", broken).returncode == 0
    assert cli(root, "run", "--once").returncode == 0
    api = FrontEndApi.open(Project(root))
    [s] = api.state.sessions.values()
    api.close()
    assert s.state == S.FAILED and Path(s.worktree).is_dir()
    out = cli(root, "clean").stdout
    assert f"removed {s.worktree} (gives-up, failed; branch {s.branch} kept)" in out
    assert not Path(s.worktree).exists()
    branches = subprocess.run(["git", "branch", "--list", s.branch], cwd=root,
                              capture_output=True, text=True, check=True).stdout
    assert s.branch in branches
    assert "worktree removed" in cli(root, "log").stdout
    assert cli(root, "clean").stdout.strip() == "nothing to clean"
