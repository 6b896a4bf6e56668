"""Delegation from the editor, through a real `loopwright serve` (pytest-lsp): split a
task, see the tree in the task rows, steer its session, set a priority, and get a clear
error for what does not apply."""

from __future__ import annotations

from typing import Any

from test_lsp_server import (  # the editor pytest-lsp plays, shared with its own tests
    INVALID_PARAMS,
    REQUEST_FAILED,
    Editor,
    editor_on,
    expect_error,
    script,
    set_up,
)

from helpers.git import MakeRepo


def task_row(ed: Editor, task_id: str) -> dict[str, Any] | None:
    for change in reversed(ed.changes):
        for row in change["tasks"]:
            if row["taskId"] == task_id:
                return row
    return None


async def test_a_task_split_from_the_editor_shows_its_tree_and_can_be_steered(
        make_repo: MakeRepo) -> None:
    root = make_repo()
    set_up(root)
    async with editor_on(root) as ed:
        parent = await ed.request("loopwright/dispatch", {
            "title": "Big one", "body": script({"fail": "too big for one session"})})
        await ed.until(lambda: (r := task_row(ed, parent["taskId"])) and r["sessions"]
                       and ed.session_row(r["sessions"][0])
                       and ed.session_row(r["sessions"][0])["state"] == "failed")
        wait = script({"ask": "Which way?", "options": ["a", "b"], "blocking": True},
                      {"finish": "first"})
        result = await ed.request("loopwright/split", {
            "task": parent["taskId"], "reason": "two steps",
            "children": [{"key": "one", "title": "First step", "body": wait},
                         {"title": "Second step", "dependsOn": ["one"],
                          "body": script({"finish": "second"})}]})
        first, second = result["children"]
        assert result["taskId"] == parent["taskId"]
        row = await ed.until(lambda: (r := task_row(ed, second)) and r)
        assert (row["parent"], row["dependsOn"], row["waitingOn"], row["done"]) == (
            parent["taskId"], [first], [first], False)
        top = task_row(ed, parent["taskId"])
        assert top is not None and top["children"] == [first, second]
        assert top["openReason"].startswith("0 of 2 sub-tasks done; ")
        session = await ed.until(lambda: next(
            (s for c in reversed(ed.changes) for s in c["sessions"]
             if s["taskId"] == first and s["state"] == "waiting"), None))
        assert session["parent"] == parent["taskId"]
        steered = await ed.request("loopwright/steer", {"session": session["sessionId"],
                                                        "note": "prefer the short way"})
        assert steered == {"sessionId": session["sessionId"], "state": "waiting"}
        row = await ed.until(lambda: (r := ed.session_row(session["sessionId"]))
                             and r["steersPending"] == 1 and r)
        assert row["group"] == parent["taskId"]  # grouped under the task it is part of
        prio = await ed.request("loopwright/priority", {"task": second, "priority": 4})
        assert prio == {"taskId": second, "verdict": "accepted"}
        await expect_error(ed.request("loopwright/priority", {"task": second,
                                                              "priority": 4}),
                           REQUEST_FAILED, "already has priority 4")
        await expect_error(ed.request("loopwright/split", {"task": parent["taskId"],
                                                           "plan": "[[task]]\ntitle = 'x'\n"}),
                           REQUEST_FAILED, "was already split into")
        await expect_error(ed.request("loopwright/split", {"task": "t-nope", "plan": "x"}),
                           INVALID_PARAMS, "no task matches 't-nope'")
        await expect_error(ed.request("loopwright/split", {"task": first, "plan": "[[task]"}),
                           INVALID_PARAMS, "`plan`: not valid TOML")
        await expect_error(ed.request("loopwright/steer", {"session": session["sessionId"],
                                                           "note": " "}),
                           REQUEST_FAILED, "the note goes to the worker")
