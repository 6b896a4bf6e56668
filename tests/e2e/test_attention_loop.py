"""Attention on the real loop: the real manager, git, SQLite, the CLI and a real hook."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, cli, configure, init, task_file
from loopwright import events as ev
from loopwright.config import load
from loopwright.manager.loop import Manager
from loopwright.project import Project
from loopwright.state import Health, SessionState, State

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}
HOOK = """import json, pathlib, sys
data = json.load(sys.stdin)
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(data) + "\\n")
"""


@pytest.fixture
def project_repo(make_repo: MakeRepo) -> Path:
    return make_repo(PASSING)


def with_hook(project: Project, tmp_path: Path, extra: str = "") -> Path:
    """Configure a real hook script that appends what it receives to a file."""
    script, received = tmp_path / "hook.py", tmp_path / "received.jsonl"
    script.write_text(HOOK)
    hook = json.dumps([sys.executable, str(script), str(received)])
    configure(project, f"[attention]\nhook = {hook}\ntick_seconds = 0.05\n{extra}")
    return received


def heard(received: Path) -> list[dict[str, Any]]:
    if not received.exists():
        return []
    return [json.loads(line) for line in received.read_text().splitlines()]


def notes(run: Running) -> list[ev.NotificationRaised]:
    return [e for e in run.events(ev.NotificationRaised)
            if isinstance(e, ev.NotificationRaised)]


def landed(st: State) -> bool:
    return bool(st.sessions) and all(s.state == S.LANDED for s in st.sessions.values())


async def test_a_question_reaches_the_hook_and_an_answer_from_the_cli_withdraws_it(
    project_repo: Path, tmp_path: Path,
) -> None:
    project = init(project_repo)
    received = with_hook(project, tmp_path)
    async with Running(project) as run:
        run.api.dispatch("Ask", task_file(
            "x", {"ask": "Which name?", "options": ["a", "b"], "blocking": True},
            {"write": "name.txt", "content": "x\n"}))
        st = await run.until(lambda st: st.attention.interrupting())
        [note] = st.attention.interrupting()
        assert note.kind == "needs_decision" and note.options == ("a", "b")
        await run.until(lambda _: heard(received))
        [got] = heard(received)
        assert got["type"] == "notification" and got["ref"] == note.ref
        assert got["title"] == f"{st.sessions[note.session_id].name} asks: Which name?"
        assert got["act"] == f"loopwright answer {note.ref} TEXT"
        assert cli(project_repo, "answer", note.ref, "b").returncode == 0
        st = await run.until(lambda st: landed(st) and not st.attention.notes)
        withdrawn = run.events(ev.NotificationWithdrawn)
        assert [w.notification_id for w in withdrawn
                if isinstance(w, ev.NotificationWithdrawn)] == [note.notification_id]
    proc = cli(project_repo, "stats", "--json")
    overall = json.loads(proc.stdout)["overall"]
    assert (overall["interruptions"], overall["landed"], overall["decisions"]) == (1, 1, 1)
    assert overall["silent_idle_s"] < 1.0


async def test_focus_holds_interruptions_and_the_batch_reaches_the_hook(
    project_repo: Path, tmp_path: Path,
) -> None:
    project = init(project_repo)
    received = with_hook(project, tmp_path, "[gate]\nauto_land = false\n")
    assert cli(project_repo, "focus", "on").returncode == 0
    async with Running(project) as run:
        run.api.dispatch("One", task_file("x", {"write": "a.txt", "content": "1\n"}))
        st = await run.until(lambda st: st.attention.held())
        [held] = st.attention.held()
        assert held.kind == "needs_review" and not heard(received)
        proc = cli(project_repo, "focus", "off")
        assert proc.returncode == 0 and "focus is off" in proc.stdout
        await run.until(lambda _: heard(received))
        [batch] = heard(received)
        assert batch["type"] == "batch"
        assert batch["summary"] == "While you were away: 1 review(s) waiting"
        assert [n["ref"] for n in batch["notifications"]] == [held.ref]
        st = run.state()  # delivered now, as part of the batch
        assert not st.attention.held()
        assert [n.ref for n in st.attention.interrupting()] == [held.ref]


async def test_a_failing_or_hanging_hook_is_logged_and_the_loop_goes_on(
    project_repo: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    project = init(project_repo)
    hang = tmp_path / "hang.sh"
    hang.write_text("#!/bin/sh\nsleep 30\n")
    hang.chmod(0o755)
    configure(project, f"[attention]\nhook = [\"{hang}\"]\nhook_timeout_seconds = 0.2\n"
              "tick_seconds = 0.05\n")
    async with Running(project) as run:
        run.api.dispatch("Ask", task_file(
            "x", {"ask": "Go?", "options": ["yes"], "blocking": True},
            {"write": "go.txt", "content": "go\n"}))
        st = await run.until(lambda st: st.attention.interrupting())
        await run.until(lambda _: "took longer than 0.2s" in caplog.text)
        [note] = st.attention.interrupting()
        run.api.answer(note.ref, "yes")
        await run.until(landed)
    configure(project, "[attention]\nhook = [\"/no/such/hook\"]\ntick_seconds = 0.05\n")
    async with Running(project) as run:
        run.api.dispatch("Ask again", task_file(
            "x", {"ask": "Again?", "options": ["yes"], "blocking": True},
            {"write": "again.txt", "content": "again\n"}))  # a change, so it lands
        st = await run.until(lambda st: st.attention.interrupting())
        await run.until(lambda _: "could not start" in caplog.text)
        run.api.answer(st.attention.interrupting()[0].ref, "yes")
        await run.until(landed)


async def test_a_silent_worker_is_flagged_as_stalled_and_the_human_kills_it(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    configure(project, "[attention]\ntick_seconds = 0.05\n[stalls]\nheartbeat_minutes = 1\n")
    offset = [0.0]
    run = Running(project)
    run.manager = Manager(project, load(project.config_path),
                          clock=lambda: time.time() + offset[0])
    async with run:
        run.api.dispatch("Sleepy", task_file("x", {"progress": "thinking"}, {"sleep": 60}))
        await run.until(lambda st: any(s.state == S.RUNNING for s in st.sessions.values()))
        offset[0] = 61.0  # a minute and a second pass, as far as the supervisor knows
        st = await run.until(lambda st: st.attention.stalls)
        [stall] = st.attention.stalls.values()
        s = st.sessions[stall.session_id]
        assert (s.health, stall.signal, stall.proposal) == (Health.STALLED, "silent", "kill")
        assert stall.evidence.startswith("no step, reply or command for 61s")
        [item] = [i for i in run.api.inbox() if i.kind == "decision"]
        assert item.options == ("kill", "redirect", "keep going")
        assert st.attention.interrupting() == []  # wasting time waits quietly by default
        assert cli(project_repo, "answer", item.ref, "kill").returncode == 0
        st = await run.until(lambda st: st.sessions[s.session_id].state == S.KILLED)
        assert not st.attention.notes
    assert st.sessions[s.session_id].failure.startswith("stalled: no step")
    stats = json.loads(cli(project_repo, "stats", "--json").stdout)["overall"]
    assert stats["stalls_caught"] == 1


async def test_policy_kills_a_repeating_worker_without_asking(project_repo: Path) -> None:
    project = init(project_repo)
    configure(project, "[attention]\ntick_seconds = 0.05\n"
              "[stalls]\nrepeated_call_limit = 3\nkill_on = [\"repeated_call\"]\n")
    async with Running(project) as run:
        run.api.dispatch("Loop", task_file(
            "x", {"run": "ls"}, {"run": "ls"}, {"run": "ls"}, {"sleep": 60}))
        st = await run.until(lambda st: any(s.state == S.KILLED for s in st.sessions.values()))
    [s] = st.sessions.values()
    assert s.failure == "stalled: `run ls` made 3 times since the diff last changed"
    assert not st.decisions


async def test_digest_report_and_focus_from_the_command_line(project_repo: Path,
                                                             tmp_path: Path) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Greet", task_file("x", {"progress": "writing"},
                                             {"write": "hi.txt", "content": "hi\n"}))
        await run.until(landed)
    proc = cli(project_repo, "digest")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "1 landed"
    assert "LANDED on main" in proc.stdout
    assert cli(project_repo, "digest").stdout.strip() == "nothing new since the last digest"
    page = tmp_path / "report.html"
    proc = cli(project_repo, "report", "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    html = page.read_text()
    assert html.startswith("<!doctype html>") and "<svg" in html and "<script" not in html
    assert "http://" not in html and "https://" not in html  # self-contained
    assert "Nothing waits on you." in html
    proc = cli(project_repo, "focus", "on", "--minutes", "30")
    assert "focus is on until" in proc.stdout
    assert "focus is on" in cli(project_repo, "focus").stdout


async def test_an_answer_given_while_no_manager_ran_takes_the_notification_down_at_start(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    configure(project, "[attention]\ntick_seconds = 0.05\n")
    async with Running(project) as run:
        run.api.dispatch("Ask", task_file(
            "x", {"ask": "Which?", "options": ["a", "b"], "blocking": True},
            {"write": "w.txt", "content": "w\n"}))
        st = await run.until(lambda st: st.attention.interrupting())
        [note] = st.attention.interrupting()
    assert cli(project_repo, "answer", note.ref, "a").returncode == 0
    async with Running(project) as run:
        st = await run.until(lambda st: landed(st) and not st.attention.notes)
        assert [w.reason for w in run.events(ev.NotificationWithdrawn)
                if isinstance(w, ev.NotificationWithdrawn)] == ["answered by human: a"]
