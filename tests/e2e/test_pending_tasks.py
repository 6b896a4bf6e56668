"""Tasks no session works on yet, as a user meets them: triage retrying, calling a task
off. The real CLI, real git."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.git import MakeRepo
from helpers.loop import cli, init, task_file
from loopwright import events as ev
from loopwright.store import Store

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo ok\n"}


def filed(root: Path, title: str) -> str:
    proc = cli(root, "dispatch", title, "--body",
               task_file("x", {"write": f"{title}.txt", "content": "x\n"}))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()[1].rstrip(":")


def test_a_pending_task_cancelled_before_the_manager_runs_is_never_worked_on(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(PASSING)
    init(root)
    task_id = filed(root, "unwanted")
    proc = cli(root, "cancel", task_id[:6], "--why", "filed by mistake")
    assert (proc.returncode, proc.stdout) == (0, f"task {task_id} cancelled: unwanted\n")
    assert cli(root, "run", "--once").returncode == 0
    status = json.loads(cli(root, "status", "--json").stdout)
    assert status["sessions"] == []
    assert status["tasks"][0]["verdict"] == "cancelled"
    assert not (root / "unwanted.txt").exists()
    assert (f"{task_id}  unwanted  (cancelled, cancelled by human: filed by mistake)"
            in cli(root, "status").stdout)
    assert f"task {task_id} cancelled by human: filed by mistake" in cli(root, "log").stdout
    again = cli(root, "cancel", task_id)
    assert (again.returncode, again.stderr) == (
        1, f"loopwright: task {task_id} was already cancelled\n")


def test_a_declined_task_left_alone_is_cancelled_out_of_the_inbox(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    project = init(root)
    task_id = filed(root, "offtopic")
    store = Store(project.db_path)  # what a triage agent records when it declines
    store.append(ev.TaskDeclined(task_id=task_id, reason="not what this project is for"))
    store.close()
    inbox = cli(root, "inbox").stdout
    assert (f"-> loopwright overrule {task_id} to work on it, or loopwright cancel "
            f"{task_id} to leave it") in inbox
    [item] = json.loads(cli(root, "inbox", "--json").stdout)
    assert item["actions"] == ["overrule", "cancel"]
    assert cli(root, "cancel", task_id).returncode == 0
    assert cli(root, "inbox").stdout == "nothing needs you\n"
    overrule = cli(root, "overrule", task_id)
    assert (overrule.returncode, overrule.stderr) == (
        1, f"loopwright: task {task_id} was not declined\n")


def test_an_accepted_task_is_not_cancelled_but_its_session_killed(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    init(root)
    task_id = filed(root, "landed")
    assert cli(root, "run", "--once").returncode == 0
    proc = cli(root, "cancel", task_id)
    assert (proc.returncode, proc.stderr) == (
        1, f"loopwright: task {task_id} was accepted and has a session: to stop it, "
           "`loopwright kill` the session\n")


def test_status_says_when_triage_is_retrying(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    project = init(root)
    task_id = filed(root, "waiting")
    store = Store(project.db_path)  # what the triage slot records when the API is overloaded
    store.append(ev.TriageRetried(task_id=task_id, attempt=3, attempts=7, failure="overloaded",
                                  detail="529 overloaded_error: Overloaded"))
    store.close()
    assert (f"{task_id}  waiting  (pending, triage retrying: API overloaded, attempt 3 of 7)"
            in cli(root, "status").stdout)
    assert (f"task {task_id}: triage retrying, attempt 3 of 7: 529 overloaded_error: "
            "Overloaded" in cli(root, "log").stdout)
    [task] = json.loads(cli(root, "status", "--json").stdout)["tasks"]
    assert task["triage_retrying"] == "triage retrying: API overloaded, attempt 3 of 7"
