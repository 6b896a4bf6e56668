"""The scripted conversation `loopwright demo --agents` replays: what triage, the worker
and the reviewer "say". Everything else in the demo is real: the SDK, HTTP, the tools,
git, the checks, the manager."""

from __future__ import annotations

from typing import Any

from ..testing.fake_api import Script, Turn

WORKER = "You are the worker"  # each agent's conversation is told apart by its prompt
TRIAGE = "You triage"
REVIEWER = "You review diffs"

TYPO_ISSUE = ("Fix the typo in the greeting",
              '`greet()` says "Helo". It should say "Hello".')
RUST_ISSUE = ("Rewrite the greeter in Rust",
              "Python is slow; the greeter should be a Rust crate instead.")

_OLD_TEST = '        self.assertIn("Ada", greet("Ada"))\n'
_NEW_TEST = '        self.assertEqual(greet("Ada"), "Hello, Ada!")\n'


def _triage(request: dict[str, Any]) -> Turn:
    task = str(request["messages"][-1]["content"])
    if "Rust" in task:
        return Turn.tool_use("triage_verdict", {
            "verdict": "decline",
            "reason": "The README describes a tiny Python library; a rewrite in another "
                      "language is outside what the project is for."})
    return Turn.tool_use("triage_verdict", {
        "verdict": "accept", "reason": "A clear bug in the library's one function."})


def scripts() -> list[Script]:
    worker = [
        Turn.tool_use("list_files", {}, text="I'll start by looking at the project."),
        Turn.tool_use("read_file", {"path": "greeter.py"}),
        Turn.tool_use("edit_file", {"path": "greeter.py", "old": "Helo", "new": "Hello"},
                      text="The greeting is misspelled; fixing it."),
        Turn.tool_use("run_command", {"command": "make test"}),
        Turn.tool_use("finish", {"summary": "Fixed the typo: greet() now says Hello."}),
        # after the reviewer's request for changes
        Turn.tool_use("edit_file", {"path": "tests/test_greeter.py", "old": _OLD_TEST,
                                    "new": _NEW_TEST},
                      text="Right: the test would not have caught the typo. Tightening it."),
        Turn.tool_use("run_command", {"command": "make test"}),
        Turn.tool_use("finish", {"summary": "Fixed the typo: greet() now says Hello. The "
                                            "test now checks the whole greeting."}),
    ]
    reviewer = [
        Turn.tool_use("review_verdict", {
            "verdict": "request_changes",
            "summary": "The fix is right, but the existing test only checks that the name "
                       "appears, so it could not have caught this typo.",
            "comments": [{"path": "tests/test_greeter.py", "line": 8,
                          "body": "Assert the whole greeting, e.g. 'Hello, Ada!'."}]}),
        Turn.tool_use("review_verdict", {
            "verdict": "approve",
            "summary": "The typo is fixed and the test now pins the exact greeting."}),
    ]
    return [
        Script([_triage, _triage], name="triage", system_contains=TRIAGE),
        Script(worker, name="worker", system_contains=WORKER),
        Script(reviewer, name="reviewer", system_contains=REVIEWER),
    ]
