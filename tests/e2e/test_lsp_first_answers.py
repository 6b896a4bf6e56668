"""The first answers (lsp/early.py): `initialize` and `loopwright/state` answered while
the server is still loading and before the hosted manager has started, with what the
fully started server says; an act sent in that window is carried out, not lost."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_lsp_server import editor_on, script, server_pid, set_up

from helpers.git import MakeRepo, git
from loopwright import events as ev
from loopwright.project import Project
from loopwright.store import Store

pytestmark = pytest.mark.slow
NOTES = "one\ntwo\nthree\n"


def manager_started(root: Path, pid: int) -> int | None:
    """The seq of the ManagerStarted this pid appended, if it did."""
    store = Store(Project(root).db_path)
    try:
        return next((r.seq for r in store.read_after(0)
                     if isinstance(r.event, ev.ManagerStarted) and r.event.pid == pid), None)
    finally:
        store.close()


async def a_change_waiting_for_approval(make_repo: MakeRepo) -> tuple[Path, str]:
    """A set-up repository with a session whose change waits for the human, and that
    session (the server that ran it is stopped)."""
    root = make_repo({"notes.txt": NOTES})
    set_up(root)
    body = script({"write": "notes.txt", "content": NOTES.replace("two", "TWO")},
                  {"finish": "edited"})
    async with editor_on(root) as ed:
        await ed.until(lambda: ed.ready)
        await ed.request("loopwright/dispatch", {"title": "Edit notes", "body": body})
        row = await ed.until(lambda: (r := ed.session_row("edit-notes"))
                             and r["state"] == "awaiting_approval" and r, 60)
    return root, str(row["sessionId"])


def without_the_clock(state: dict[str, Any]) -> dict[str, Any]:
    """The state less what only says when it was read (its seq, elapsed times)."""
    return {**state, "seq": None,
            "sessions": [{**s, "elapsedSeconds": None} for s in state["sessions"]]}


async def test_the_state_before_the_manager_has_started_is_the_state_after(
        make_repo: MakeRepo) -> None:
    root, sid = await a_change_waiting_for_approval(make_repo)
    async with editor_on(root) as ed:
        await ed.until(lambda: ed.ready)
        first = await ed.request("loopwright/state", {})
        started = await ed.until(lambda: manager_started(root, server_pid(ed)), 60)
        assert first["seq"] < started  # answered before this server's manager started
        after = await ed.request("loopwright/state", {})
        assert after["seq"] >= started
    assert (first["hostedManager"], first["managerPid"]) == (True, server_pid(ed))
    assert [(s["sessionId"], s["state"]) for s in first["sessions"]] == [
        (sid, "awaiting_approval")]
    assert [i["kind"] for i in first["inbox"]] == ["review"]
    assert without_the_clock(first) == without_the_clock(after)
    assert ed.ready == [{"root": str(root), "ok": True, "problem": "", "hosted": True}]
    # the deltas follow on from the first state, each from the one before
    assert [d["since"] for d in ed.changes] == [first["seq"]] + [
        d["seq"] for d in ed.changes[:-1]]


async def test_an_act_sent_before_the_manager_has_started_is_carried_out(
        make_repo: MakeRepo) -> None:
    root, sid = await a_change_waiting_for_approval(make_repo)
    async with editor_on(root) as ed:
        await ed.until(lambda: ed.ready)
        first, approved, filed = await asyncio.gather(
            ed.request("loopwright/state", {}),
            ed.request("loopwright/approve", {"session": sid}),
            ed.request("loopwright/dispatch", {"title": "Another", "body": script(
                {"finish": "nothing to do"})}))
        assert first["seq"] < (manager_started(root, server_pid(ed)) or first["seq"] + 1)
        assert approved["sessionId"] == sid
        await ed.until(lambda: (r := ed.session_row(sid)) and r["state"] == "landed", 60)
        state = await ed.request("loopwright/state", {})
    assert git(root, "show", "main:notes.txt") == NOTES.replace("two", "TWO").rstrip("\n")
    assert filed["taskId"] in [t["taskId"] for t in state["tasks"]]
    store = Store(Project(root).db_path)
    log = store.read_after(0)
    store.close()
    assert sum(isinstance(r.event, ev.TaskFiled) and r.event.task_id == filed["taskId"]
               for r in log) == 1
    assert sum(isinstance(r.event, ev.ChangeApproved) and r.event.session_id == sid
               for r in log) == 1


def test_the_first_answers_load_neither_pygls_nor_the_manager() -> None:
    probe = ("import json, sys; import loopwright.cli.commands, loopwright.lsp.boot; "
             "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    loaded = set(json.loads(done.stdout))
    heavy = {"pygls", "lsprotocol", "cattrs", "attrs", "loopwright.manager.loop", "git",
             "loopwright.web.server", "loopwright.lsp.server"}
    assert loaded & heavy == set()
