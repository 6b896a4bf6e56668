"""A scripted manager model for the fake Messages API: deterministic rules in place of a
real model, so tests, `make bench` and `loopwright demo` run the manager agent end to
end offline. Whatever it does is labelled as scripted where it is shown.

Its rules, from what woke it (the JSON the steward adds to every wake):
- a task filed: accept it; a task whose body has a ```loopwright-split block (a JSON
  list of sub-tasks: key, title, body, depends_on) is split that way;
- a worker's question: answered when the notes (its system prompt) hold a line
  `- <question> → <answer>`; otherwise escalated, recommending the worker's default;
- the human answered its question: remembered as `<question> → <answer>`;
- a stall: a steer note the first time; the next, put to the human recommending a kill;
- the human told it something: remembered as it is.
A request carrying tool results gets a one-line end of turn.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..attention.stalls import STALL_OPTIONS
from .fake_api import Script, Turn, text_block, tool_use_block
from .fake_api.script import system_text

ARROW = " → "
DATA_MARK = "The same as data:\n"
_SPLIT = re.compile(r"```loopwright-split\n(.*?)\n```", re.S)


def manager_script(name: str = "manager") -> Script:
    """A script that answers every request of the manager agent (user id `manager`)."""
    return Script([respond] * 100_000, name=name, user_id="manager")


def respond(body: dict[str, Any]) -> Turn:
    content = body["messages"][-1]["content"]
    if any(b.get("type") == "tool_result" for b in content):
        return Turn.text("Done for now.")
    text = "".join(b.get("text", "") for b in content if b.get("type") == "text")
    facts = json.loads(text.rsplit(DATA_MARK, 1)[1]) if DATA_MARK in text else []
    notes = system_text(body)
    calls = [call for fact in facts if (call := _decide(fact, notes)) is not None]
    said = f"(scripted manager) {len(calls)} act(s) for {len(facts)} wake(s)."
    return Turn([text_block(said), *calls])


def _decide(fact: dict[str, Any], notes: str) -> dict[str, Any] | None:
    match fact.get("reason"):
        case "task_filed":
            plan = _SPLIT.search(str(fact.get("body", "")))
            if plan is not None:
                return tool_use_block("split", {"task": fact["task"],
                                                "subtasks": _subtasks(plan.group(1)),
                                                "reason": "the task says how to split"})
            return tool_use_block("triage", {"task": fact["task"], "verdict": "accept",
                                             "reason": "fits the project"})
        case "worker_question":
            known = _known_answer(notes, str(fact.get("question", "")))
            if known is not None:
                return tool_use_block("answer", {"decision": fact["decision"],
                                                 "answer": known,
                                                 "because": "the project's notes say so"})
            return tool_use_block("escalate", {
                "decision": fact["decision"],
                "recommendation": str(fact.get("default") or "the worker's default")})
        case "answered" if fact.get("options") != list(STALL_OPTIONS):
            return tool_use_block("remember", {
                "note": f"{fact.get('question')}{ARROW}{fact.get('answer')}"})
        case "stall":
            session = str(fact.get("session", ""))
            if fact.get("steered", 0):
                return tool_use_block("escalate", {
                    "decision": fact["decision"],
                    "recommendation": "kill: it stalled again after a steer"})
            return tool_use_block("steer", {"session": session, "note": (
                "You look stuck. Stop repeating yourself: re-read the task, make the "
                "smallest change that works, run the checks, finish.")})
        case "told":
            return tool_use_block("remember", {"note": str(fact.get("text", ""))})
    return None


def _known_answer(notes: str, question: str) -> str | None:
    prefix = f"- {question}{ARROW}"
    for line in notes.splitlines():
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return None


def _subtasks(plan: str) -> list[dict[str, Any]]:
    subtasks = json.loads(plan)
    assert isinstance(subtasks, list)
    return subtasks
