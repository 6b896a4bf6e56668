"""`kill -9` in the middle of a manager turn, then a restart: no act repeated, none
lost. `loopwright run --once` as a real process, the scripted manager model over the
fake Messages API (this process) doing the killing at the chosen point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers.git import MakeRepo
from helpers.loop import configure, init, task_file
from loopwright import events as ev
from loopwright.store import Store
from loopwright.testing import scripted_manager
from loopwright.testing.fake_api import FakeMessagesAPI, Script, Turn

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}
DB = {"ask": "Which database should the cache use?", "options": ["postgres", "sqlite"],
      "default": "sqlite", "blocking": True}
NOTES = "- Which database should the cache use? → postgres\n"
CONFIG = ('[agent]\nretry_max_seconds = 0.05\nrequest_timeout_seconds = 5.0\n'
          '[sandbox]\nbubblewrap = "never"\n'
          '[manager]\nagent = "claude"\nbatch_seconds = 0.05\nround_minutes = 0\n')


def _text(body: dict[str, Any]) -> str:
    content = body["messages"][-1]["content"]
    return " ".join(str(b.get("text") or b.get("content") or "") for b in content)


def asked_about_the_question(body: dict[str, Any]) -> bool:
    return '"reason": "worker_question"' in _text(body)


def told_it_answered(body: dict[str, Any]) -> bool:
    return _text(body).startswith("answered ")


class Killer:
    """The scripted manager, which kills the manager's process the first time a request
    matches `when`, before answering it."""

    def __init__(self, when: Callable[[dict[str, Any]], bool]) -> None:
        self.when, self.proc, self.fired = when, None, False
        self.proc: subprocess.Popen[bytes] | None

    def __call__(self, body: dict[str, Any]) -> Turn:
        if not self.fired and self.proc is not None and self.when(body):
            self.fired = True
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        return scripted_manager.respond(body)


def run_once(root: Path, killer: Killer) -> int:
    """The manager's exit code. Its output goes to a file (a pipe nobody reads would
    block it once full); the file's tail is the failure message if it does not end."""
    log = root.parent / f"{root.name}-run.log"
    with log.open("ab") as out:
        killer.proc = subprocess.Popen(
            [sys.executable, "-m", "loopwright", "-C", str(root), "run", "--once"],
            stdout=out, stderr=out)
    try:
        return killer.proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        killer.proc.kill()
        tail = log.read_text(errors="replace")[-4000:]
        pytest.fail(f"`loopwright run --once` did not end; its output:\n{tail}")
    finally:
        killer.proc = None


@pytest.mark.timeout(240)  # two runs of the manager, each given 90 s to end
@pytest.mark.parametrize("when", [asked_about_the_question, told_it_answered],
                         ids=["before-the-reply", "after-the-acts"])
def test_a_kill_mid_turn_repeats_no_act_and_loses_none(
        make_repo: MakeRepo, fake_api: FakeMessagesAPI,
        when: Callable[[dict[str, Any]], bool]) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, CONFIG)
    project.notes_path.write_text(NOTES, encoding="utf-8")
    killer = Killer(when)
    fake_api.add_script(Script([killer] * 1000, name="manager", user_id="manager"))
    subprocess.run([sys.executable, "-m", "loopwright", "-C", str(root), "dispatch",
                    "Add a cache", "--body", task_file("Add a cache", DB,
                                                       {"write": "c.txt", "content": "c\n"})],
                   check=True, capture_output=True)
    assert run_once(root, killer) == -signal.SIGKILL
    assert killer.fired
    assert run_once(root, killer) == 0

    store = Store(project.db_path)
    records = store.read_after(0)
    store.close()
    events = [r.event for r in records]
    acts = [e for e in events if isinstance(e, ev.ManagerActed)]
    keys = [(a.turn, a.call_id) for a in acts]
    assert len(keys) == len(set(keys)), "an act was carried out twice"
    assert [a.tool for a in acts] == ["triage", "answer"]
    answers = [e for e in events if isinstance(e, ev.DecisionAnswered)]
    assert [(a.answer, a.by) for a in answers] == [("postgres", "manager")]
    started = [e.turn for e in events if isinstance(e, ev.ManagerTurnStarted)]
    finished = [e.turn for e in events if isinstance(e, ev.ManagerTurnFinished)]
    assert started == finished == [1, 2]
    assert any(isinstance(e, ev.ChangeLanded) for e in events)
