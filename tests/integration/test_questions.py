"""What a question's answer means once the worker went on under its default assumption:
the real manager, the script backend and real git."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, configure, init, task_file
from loopwright.manager.decide import ANSWER_REASON
from loopwright.state import Decision, SessionState, State

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}
TABS = {"ask": "Tabs or spaces?", "options": ["tabs", "spaces"], "default": "spaces"}
HOLD = {"ask": "Ready to finish?", "options": ["yes"], "blocking": True}
WRITE = {"write": "style.txt", "content": "spaces\n"}


@pytest.fixture
def project_repo(make_repo: MakeRepo) -> Path:
    return make_repo(PASSING)


def question(st: State, text: str) -> Decision:
    return next(d for d in st.decisions.values() if d.question == text)


def session_is(*wanted: SessionState) -> object:
    return lambda st: bool(st.sessions) and all(s.state in wanted for s in st.sessions.values())


async def test_an_answer_against_the_assumption_before_the_gate_sends_the_change_back(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Indent", task_file("x", TABS, WRITE, HOLD))
        st = await run.until(session_is(S.WAITING))
        run.api.answer(question(st, "Tabs or spaces?").decision_id, "tabs")
        run.api.answer(question(st, "Ready to finish?").decision_id, "yes")
        st = await run.until(session_is(S.AWAITING_APPROVAL))
        [s] = st.sessions.values()
        [item] = [i for i in run.api.inbox() if i.kind == "review"]
    # the old change did not land on the gate alone
    assert not (project_repo / "style.txt").exists()
    assert "style.txt" not in git(project_repo, "ls-files")
    # the answer went to the worker as an instruction, and the change was reviewed again
    [note] = s.feedback
    assert "Tabs or spaces? You went on assuming 'spaces'; the answer is 'tabs'." in note
    assert ANSWER_REASON in item.detail
    assert s.summary.endswith("(the note carried no loopwright-script block, so nothing "
                              "changed)")


async def test_an_answer_against_the_assumption_at_the_gate_sends_it_back(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    configure(project, "[gate]\nauto_land = false\n")
    async with Running(project) as run:
        run.api.dispatch("Indent", task_file("x", TABS, WRITE))
        st = await run.until(session_is(S.AWAITING_APPROVAL))
        [s] = st.sessions.values()
        assert s.feedback == []
        run.api.answer(question(st, "Tabs or spaces?").decision_id, "tabs")
        st = await run.until(lambda st: st.sessions[s.session_id].feedback != []
                             and st.sessions[s.session_id].state == S.AWAITING_APPROVAL)
        assert ANSWER_REASON in st.sessions[s.session_id].gate_reasons


async def test_an_answer_equal_to_the_assumption_changes_nothing(project_repo: Path) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Indent", task_file("x", TABS, WRITE, HOLD))
        st = await run.until(session_is(S.WAITING))
        run.api.answer(question(st, "Tabs or spaces?").decision_id, "spaces")
        run.api.answer(question(st, "Ready to finish?").decision_id, "yes")
        st = await run.until(session_is(S.LANDED))
    [s] = st.sessions.values()
    assert s.feedback == [] and s.gate_reasons == ()
    assert (project_repo / "style.txt").read_text() == "spaces\n"


async def test_an_answer_after_landing_becomes_a_task_saying_what_to_change(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Indent", task_file("x", TABS, WRITE))
        st = await run.until(session_is(S.LANDED))
        [s] = st.sessions.values()
        run.api.answer(question(st, "Tabs or spaces?").decision_id, "tabs")
        st = await run.until(lambda st: len(st.tasks) == 2)
    follow_up = next(t for t in st.tasks.values() if t.source == "answer")
    assert follow_up.title == "Follow the answer to: Tabs or spaces?"
    assert follow_up.body == (f"{s.name} landed 'Indent' assuming 'spaces' for the question "
                              "'Tabs or spaces?'. The answer is 'tabs': change what landed "
                              "to follow it.")
