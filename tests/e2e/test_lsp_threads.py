"""Review like a pull request, through the protocol alone: a real `loopwright serve`
(pytest-lsp), real git and SQLite, the script worker, and the claude reviewer against
the fake Messages API. Threads, replies, request changes with the worker's answers,
anchors carried through a round, the interdiff, viewed marks across a restart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_lsp_server import (
    INVALID_PARAMS,
    REQUEST_FAILED,
    expect_error,
    script,
    set_up,
)
from test_lsp_server import editor_on as editor_on

from helpers.agent import agent_toml
from helpers.git import MakeRepo
from helpers.loop import configure
from loopwright.lsp.convert import make_converter
from loopwright.testing.fake_api import FakeMessagesAPI, Script, Turn

pytestmark = pytest.mark.slow

NOTES = "".join(f"line {n}\n" for n in range(1, 31))
ROUND_1 = NOTES.replace("line 10\n", "line ten\n").replace("line 25\n", "line 25!\n")
TOP = "new top 1\nnew top 2\n"
ROUND_2 = TOP + ROUND_1.replace("line 25!\n", "line twenty-five\n")
COMMENTED = Turn.tool_use("review_verdict", {
    "verdict": "approve", "summary": "Fine, one nit.",
    "comments": [{"path": "notes.txt", "line": 10, "body": "Spell the others out too?"}]})
APPROVE = Turn.tool_use("review_verdict", {"verdict": "approve", "summary": "Good."})


async def awaiting(ed: Any, name: str, round_: int) -> dict[str, Any]:
    row = await ed.until(lambda: (r := ed.session_row(name))
                         and r["state"] == "awaiting_approval" and r, 60)
    review: dict[str, Any] = await ed.request("loopwright/review",
                                              {"session": row["sessionId"]})
    assert review["round"] == round_
    return review


def by_id(review: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["threadId"]: t for t in review["threads"]}


async def test_threads_go_to_the_worker_and_come_back_answered_on_their_code(
        make_repo: MakeRepo, fake_api: FakeMessagesAPI) -> None:
    root = make_repo({"notes.txt": NOTES})
    project = set_up(root)
    configure(project, '[review]\nreviewer = "claude"\n[gate]\nauto_land = false\n'
              + agent_toml())
    fake_api.add_script(Script([COMMENTED, APPROVE], name="reviewer",
                               system_contains="You review diffs"))
    async with editor_on(root) as ed:
        await ed.until(lambda: ed.ready)
        await ed.request("loopwright/dispatch", {"title": "Edit notes", "body": script(
            {"write": "notes.txt", "content": ROUND_1},
            {"write": "other.txt", "content": "other\n"}, {"finish": "edited"})})
        review = await awaiting(ed, "edit-notes", 1)
        sid = review["sessionId"]
        assert review["waitingBecause"].startswith("Waits for you: Auto-land is off")
        assert "`[gate] auto_land = true`" in review["waitingBecause"]
        assert (review["reviewedRound"], review["viewedCount"], review["fileCount"]) == (
            0, 0, 2)

        # The reviewer agent's comment is a thread, authored by the reviewer.
        [rv] = review["threads"]
        assert (rv["threadId"], rv["author"], rv["path"], rv["line"], rv["outdated"]) == (
            "rv1-1", "reviewer", "notes.txt", 10, False)
        assert rv["comments"][0]["body"] == "Spell the others out too?"

        # The human replies to it, and opens threads on any line: a context line that
        # the diff shows unchanged (8), the changed line 25, and line 28.
        reply = await ed.request("loopwright/replyThread", {
            "session": sid, "thread": "rv1-1", "body": "Yes, every one."})
        assert [c["author"] for c in reply["thread"]["comments"]] == ["reviewer", "human"]
        opened = {}
        for line, body in ((8, "Is line 8 still needed?"), (25, "No exclamation."),
                           (28, "Fine as it is.")):
            made = await ed.request("loopwright/openThread", {
                "session": sid, "path": "notes.txt", "line": line, "body": body})
            opened[line] = made["thread"]["threadId"]
            assert made["thread"]["author"] == "human"
        await ed.request("loopwright/resolveThread", {"session": sid, "thread": opened[28]})
        await expect_error(ed.request("loopwright/openThread", {
            "session": sid, "path": "notes.txt", "line": 31, "body": "x"}),
            INVALID_PARAMS, "loopwright/openThread: ", "has 30 lines")
        await expect_error(ed.request("loopwright/replyThread", {
            "session": sid, "thread": "th-nope", "body": "x"}),
            INVALID_PARAMS, "loopwright/replyThread: no thread th-nope")

        # Viewed marks, counted.
        marked = await ed.request("loopwright/viewed", {"session": sid, "path": "notes.txt"})
        assert (marked["viewed"], marked["viewedCount"], marked["fileCount"]) == (True, 1, 2)
        await ed.request("loopwright/viewed", {"session": sid, "path": "other.txt"})
        await expect_error(ed.request("loopwright/interdiff", {"session": sid}),
                           REQUEST_FAILED, "loopwright/interdiff: ", "no round since")

        # Request changes: every open thread goes with the note; the worker's script
        # (carried by the note) answers each and edits: two lines on top move the code,
        # line 25 is rewritten.
        answers = [{"reply": "rv1-1", "text": "Only line 10 is in scope."},
                   {"reply": opened[8], "text": "Kept: it is referenced."},
                   {"reply": opened[25], "text": "Rewritten in words."}]
        note = "Please address the threads.\n\n" + script(
            {"write": "notes.txt", "content": ROUND_2}, *answers, {"finish": "again"})
        await ed.request("loopwright/requestChanges", {"session": sid, "note": note})
        review = await awaiting(ed, "edit-notes", 2)
        sent = review["notes"][-1]
        assert f"[{opened[8]}] notes.txt line 8, human: Is line 8 still needed?" in sent
        assert "[rv1-1] notes.txt line 10, reviewer: Spell the others out too?" in sent
        assert "    human: Yes, every one." in sent
        assert opened[28] not in sent  # resolved: not sent back

        threads = by_id(review)
        where = {tid: (t["line"], t["outdated"]) for tid, t in threads.items()}
        assert where == {"rv1-1": (12, False), opened[8]: (10, False),
                         opened[25]: (27, True), opened[28]: (30, False)}
        assert threads[opened[28]]["resolved"] is True
        for tid, text in (("rv1-1", "Only line 10 is in scope."),
                          (opened[8], "Kept: it is referenced."),
                          (opened[25], "Rewritten in words.")):
            last = threads[tid]["comments"][-1]
            assert (last["author"], last["body"], last["round"]) == ("worker", text, 1)

        # The interdiff has only the second round's change.
        inter = await ed.request("loopwright/interdiff", {"session": sid})
        assert (inter["fromRound"], inter["toRound"]) == (1, 2)
        assert [f["path"] for f in inter["files"]] == ["notes.txt"]
        changed = [ln for ln in inter["diff"].splitlines()
                   if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
        assert changed == ["+new top 1", "+new top 2", "-line 25!", "+line twenty-five"]
        was = await ed.request("loopwright/reviewDocument",
                               {"uri": inter["files"][0]["fromUri"]})
        assert was["text"] == ROUND_1
        # The file that changed is unviewed again; the other keeps its mark.
        files = {f["path"]: (f["viewed"], f["changedSinceReviewed"]) for f in review["files"]}
        assert files == {"notes.txt": (False, True), "other.txt": (True, False)}
        assert (review["reviewedRound"], review["viewedCount"]) == (1, 1)

        # Lenses for a client that cannot open review documents (Neovim).
        got = await ed.request("loopwright/reviewLenses", {"session": sid,
                                                           "path": "notes.txt"})
        assert [a["title"] for a in got["actions"]] == [
            "Approve & land", "Request changes", "Reject"]
        assert {lens["command"]["title"] for lens in got["lenses"]} == {
            "Accept", "Reject", "Comment"}

    # A restart: the marks and threads are in the log.
    async with editor_on(root) as ed:
        await ed.until(lambda: ed.ready)
        review = await ed.request("loopwright/review", {"session": sid})
        assert (review["viewedCount"], review["fileCount"]) == (1, 2)
        assert by_id(review)[opened[25]]["outdated"] is True


async def test_empty_params_and_the_one_error_rule(make_repo: MakeRepo) -> None:
    root = make_repo()
    set_up(root)
    async with editor_on(root) as ed:
        # Lua clients send {} as []: accepted wherever params are optional.
        for method in ("loopwright/state", "loopwright/dashboard"):
            assert await ed.request(method, [])
        await expect_error(ed.request("loopwright/threads", []), INVALID_PARAMS,
                           "loopwright/threads: ", "missing required field `session`")
        # Bad input is -32602, whatever the check that finds it; every message names
        # the method first.
        await ed.request("loopwright/dispatch", {"title": "Add a", "body": script(
            {"write": "a.txt", "content": "a\n"}, {"finish": "added"})})
        row = await ed.until(lambda: (r := ed.session_row("add-a"))
                             and r["state"] == "awaiting_approval" and r, 60)
        sid = row["sessionId"]
        await expect_error(ed.request("loopwright/requestChanges", {
            "session": sid, "note": "  "}), INVALID_PARAMS, "loopwright/requestChanges: ")
        await expect_error(ed.request("loopwright/openThread", {
            "session": sid, "path": "a.txt", "line": 1, "body": ""}),
            INVALID_PARAMS, "loopwright/openThread: a thread needs its first comment")
        await expect_error(ed.request("loopwright/openThread", {
            "session": sid, "path": "b.txt", "line": 1, "body": "x"}),
            INVALID_PARAMS, "loopwright/openThread: b.txt is not a file of the change")
        await expect_error(ed.lenses("loopwright-review:/s-missing/head/a.txt"),
                           INVALID_PARAMS, "textDocument/codeLens: no session s-missing")
        await expect_error(ed.lenses("loopwright-review:/s-1/sideways/a.txt"),
                           INVALID_PARAMS, "textDocument/codeLens: malformed review URI")
        # What does not apply now is -32803.
        await ed.request("loopwright/reject", {"session": sid})
        await expect_error(ed.request("loopwright/viewed", {"session": sid, "path": "a.txt"}),
                           REQUEST_FAILED, "loopwright/viewed: ", "not awaiting approval")


async def test_the_protocol_docs_capabilities_and_log_lines_are_the_servers(
        make_repo: MakeRepo) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")
    root = make_repo()
    set_up(root)
    async with editor_on(root) as ed:
        await ed.until(lambda: ed.ready)
        assert ed.initialized is not None
        caps = make_converter().unstructure(ed.initialized.capabilities)
        hosting = await ed.until(lambda: next(  # said once the server has loaded
            (m.message for m in ed.client.log_messages
             if "hosting the Loopwright manager" in m.message), None))
    block = doc.split("Server capabilities (from `initialize`):", 1)[1]
    documented = json.loads(block.split("```json\n", 1)[1].split("```", 1)[0])
    for key in ("codeLensProvider", "executeCommandProvider"):
        assert caps[key] == documented[key], key
    logger = hosting.split(": ", 1)[0]
    assert logger == "loopwright.lsp.startup"
    assert f'"message": "{logger}: hosting the Loopwright manager for' in doc
