"""What is refused when it is written, rather than failing later: the real manager,
intake and API on a real repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, init, task_file
from loopwright import events as ev
from loopwright.manager.api import ActionRefused

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}
KNOWN = "known: claude, claude-code, codex, script"


@pytest.fixture
def project_repo(make_repo: MakeRepo) -> Path:
    return make_repo(PASSING)


async def test_a_task_file_naming_an_unknown_backend_is_refused_and_kept(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    project.inbox.mkdir(exist_ok=True)
    (project.inbox / "typo.md").write_text(
        task_file("Typo", {"finish": "x"}, front="backend: claud"))
    async with Running(project) as run:
        st = await run.until(lambda st: st.refused_files)
        [refused] = run.events(ev.IntakeRefused)
    assert st.tasks == {}
    assert isinstance(refused, ev.IntakeRefused)
    assert refused.error == ("typo.md: front matter 'backend': unknown worker backend "
                             f"'claud'; did you mean `claude`? {KNOWN}")
    [kept] = (project.archive / "refused").iterdir()
    assert kept.name.endswith("typo.md")


async def test_dispatch_refuses_an_unknown_backend_for_every_front_end(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        with pytest.raises(ActionRefused, match=f"unknown worker backend 'gpt-9'; {KNOWN}"):
            run.api.dispatch("B", "x", backend="gpt-9", source="lsp")
        assert run.state().tasks == {}
        task = run.api.dispatch("B", "x", backend=" script ")
        assert task.backend == "script"
