"""The script backend's notes and edits, as a user sees them: the real manager, real git."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, configure, init, script, task_file
from loopwright.state import SessionState, State

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}


@pytest.fixture
def project_repo(make_repo: MakeRepo) -> Path:
    return make_repo(PASSING)


def only_session_is(wanted: SessionState) -> object:
    return lambda st: [s.state for s in st.sessions.values()] == [wanted]


def reviewed_again(st: State) -> bool:
    [s] = st.sessions.values()
    return s.state == S.AWAITING_APPROVAL and s.feedback != []


async def test_a_notes_steps_run_even_when_the_tasks_script_ended_with_finish(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    configure(project, "[gate]\nauto_land = false\n")
    async with Running(project) as run:
        run.api.dispatch("Count", task_file(
            "x", {"write": "count.py", "content": "count = 1\nname = 'count'\n"},
            {"finish": "counted to one"}))
        st = await run.until(only_session_is(S.AWAITING_APPROVAL))
        [s] = st.sessions.values()
        assert s.summary == "counted to one"
        run.api.request_changes(s.session_id, "Count to two.\n" + script(
            {"replace": "count.py", "old": "count = 1", "new": "count = 2"},
            {"finish": "counted to two"}))
        st = await run.until(reviewed_again)
        assert st.sessions[s.session_id].summary == "counted to two"
        run.api.approve(s.session_id)
        await run.until(only_session_is(S.LANDED))
    assert (project_repo / "count.py").read_text() == "count = 2\nname = 'count'\n"


@pytest.mark.parametrize(("old", "why"), [
    ("count = 3", "replace: count.py: the text to replace was not found"),
    ("count", "replace: count.py: the text to replace occurs 2 times (lines 1, 2)"),
])
async def test_a_replace_that_is_missing_or_ambiguous_fails_the_session_saying_why(
    project_repo: Path, old: str, why: str,
) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Count", task_file(
            "x", {"write": "count.py", "content": "count = 1\nname = 'count'\n"},
            {"replace": "count.py", "old": old, "new": "x"}))
        st = await run.until(only_session_is(S.FAILED))
    [s] = st.sessions.values()
    assert s.failure.startswith(f"step 2: {why}")
