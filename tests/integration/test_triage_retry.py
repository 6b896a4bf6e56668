"""Triage that retries says so: the real triage agent against the fake Messages API,
the real manager on a real repository."""

from __future__ import annotations

from pathlib import Path

from helpers.agent import agent_toml
from helpers.git import MakeRepo
from helpers.loop import Running, configure, init, task_file
from loopwright import events as ev
from loopwright.state import SessionState
from loopwright.testing.fake_api import FakeMessagesAPI, Fault, Script, Turn

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}
ACCEPT = Turn.tool_use("triage_verdict", {"verdict": "accept", "reason": "Fits."})


async def test_triage_records_each_retry_and_the_verdict_clears_it(
    make_repo: MakeRepo, fake_api: FakeMessagesAPI,
) -> None:
    project = init(make_repo(PASSING))
    configure(project, '[triage]\nagent = "claude"\n' + agent_toml())
    fake_api.add_script(Script([ACCEPT], name="triage", system_contains="You triage"))
    fake_api.inject(Fault.overloaded(retry_after=0.01), times=2)
    async with Running(project) as run:
        task = run.api.dispatch("Add a", task_file("x", {"write": "a.txt", "content": "a\n"}))
        st = await run.until(lambda st: any(s.state == SessionState.LANDED
                                            for s in st.sessions.values()))
        retried = run.events(ev.TriageRetried)
    assert [(e.attempt, e.attempts, e.failure) for e in retried] == [  # type: ignore[union-attr]
        (2, 7, "overloaded"), (3, 7, "overloaded")]
    assert all("529" in e.detail and "sk-" not in e.detail  # type: ignore[union-attr]
               for e in retried)
    t = st.tasks[task.task_id]
    assert (t.verdict, t.triage_retrying) == ("accepted", "")
    assert Path(project.root / "a.txt").read_text() == "a\n"
