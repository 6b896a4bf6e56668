"""The built-in claude worker answers each review thread it is sent back with: the
real loop, real git and SQLite, the real SDK against the fake Messages API."""

from __future__ import annotations

import re
from typing import Any

from test_agent_worker import EDIT, FINISH, REPO, use_agents, worker

from helpers.agent import last_texts
from helpers.git import MakeRepo
from helpers.loop import Running, init
from loopwright.state import SessionState, State
from loopwright.testing.fake_api import FakeMessagesAPI, Turn


def reply_to_the_thread(request: dict[str, Any]) -> Turn:
    """The worker reads the thread's id from the note, as a model would."""
    found = re.search(r"\[(th-[0-9a-f]+)\] greeter\.py line 2", last_texts(request))
    assert found, last_texts(request)
    return Turn.tool_use("reply_to_thread", {"thread": found.group(1),
                                              "text": "Done: it says Hello now."})


def awaiting(round_: int) -> Any:
    def check(st: State) -> bool:
        return any(s.state == SessionState.AWAITING_APPROVAL and s.rounds.round == round_
                   for s in st.sessions.values())
    return check


async def test_the_claude_worker_replies_in_the_thread(
        fake_api: FakeMessagesAPI, make_repo: MakeRepo) -> None:
    project = init(make_repo(REPO))
    use_agents(project, rest="[gate]\nauto_land = false\n")
    fake_api.add_script(worker(EDIT, FINISH, reply_to_the_thread,
                               Turn.tool_use("finish", {"summary": "Answered."})))
    async with Running(project) as run:
        run.api.dispatch("Fix the greeting", "greet() says Helo instead of Hello.")
        st = await run.until(awaiting(1))
        [s] = st.sessions.values()
        thread = run.api.open_thread(s.session_id, "greeter.py", 2, "Is it Hello now?")
        run.api.request_changes(s.session_id, "Answer the thread, please.")
        st = await run.until(awaiting(2))
    [s] = st.sessions.values()
    got = s.rounds.threads[thread.thread_id]
    assert [(c.author, c.body) for c in got.comments] == [
        ("human", "Is it Hello now?"), ("worker", "Done: it says Hello now.")]
    assert (got.line, got.outdated) == (2, False)  # round 2 changed nothing there
    assert fake_api.errors == []
