"""The model behind the editor end to end's review-threads scenario, on the project's
fake Messages API (loopwright.testing.fake_api): a `claude` worker that edits
greeter.py and, when sent back, answers every review thread its note lists; and a
reviewer that comments on the first review of greeter.py and approves the rest.

    python e2e/fake_model.py [PORT]    # prints its base URL, serves until SIGTERM
"""

from __future__ import annotations

import re
import signal
import sys
import threading
from typing import Any

from loopwright.testing.fake_api import FakeMessagesAPI, Script, Turn

# greeter.py as the sample commits it (sample.mjs), after the first round and after the
# second: the second puts two lines on top (every thread below moves) and edits line 6
# of the first round (the reviewer's thread there goes outdated).
ROUND_1 = ('"""Greets people."""\n\n\ndef greet(name):\n    """Say hello to name."""\n'
           '    return f"Hello, {name}"\n\n\ndef shout(name):\n    return greet(name).upper()\n')
ROUND_2 = "# Greetings, kindly.\n\n" + ROUND_1.replace('f"Hello, {name}"', 'f"Hello, {name}!"')

REVIEWER_COMMENT = "Why an f-string here? Say so in the summary."
WORKER_REPLIES = {"rv": "Kept the f-string and added the exclamation mark you hinted at.",
                  "th": "Left shout() as it is, as you asked."}
THREAD_ID = re.compile(r"\[((?:th|rv)[\w-]*)\]")


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in content or () if b.get("type") == "text")


def worker(request: dict[str, Any]) -> Turn:
    """One step of the worker's plan, from where the conversation is."""
    messages = request["messages"]
    start = 0
    for i, m in enumerate(messages):
        if m["role"] == "user" and "Review threads" in _text(m):
            start = i
    done = sum(1 for m in messages[start:] if m["role"] == "assistant")
    if start == 0:
        plan = [Turn.tool_use("write_file", {"path": "greeter.py", "content": ROUND_1}),
                Turn.tool_use("finish", {"summary": "greet() uses an f-string"})]
    else:
        ids = list(dict.fromkeys(THREAD_ID.findall(_text(messages[start]))))
        plan = [Turn.tool_use("reply_to_thread", {"thread": t, "text": WORKER_REPLIES[t[:2]]})
                for t in ids]
        plan += [Turn.tool_use("write_file", {"path": "greeter.py", "content": ROUND_2}),
                 Turn.tool_use("finish", {"summary": "answered the review threads"})]
    return plan[min(done, len(plan) - 1)]


_reviewed: set[str] = set()


def reviewer(request: dict[str, Any]) -> Turn:
    who = str((request.get("metadata") or {}).get("user_id", ""))
    asked = "\n".join(_text(m) for m in request["messages"])
    comments = []
    if "greeter.py" in asked and who not in _reviewed:
        comments = [{"path": "greeter.py", "line": 6, "body": REVIEWER_COMMENT}]
    _reviewed.add(who)
    return Turn.tool_use("review_verdict", {
        "verdict": "approve", "summary": "Reads well." if not comments else "One question.",
        "comments": comments})


def main() -> int:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    api = FakeMessagesAPI(
        Script([reviewer] * 100, name="reviewer", system_contains="You review diffs"),
        Script([worker] * 100, name="worker", system_contains="You are the worker"),
        port=port,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with api:
        print(api.base_url, flush=True)
        while not stop.wait(0.2):
            pass
    for e in api.errors:
        print(f"fake model error: {e}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
