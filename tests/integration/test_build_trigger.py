"""Broken builds: the target is checked, a breakage files ONE task, its fix ends it."""

from __future__ import annotations

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, configure, init
from loopwright import events as ev
from loopwright.state import SessionState
from loopwright.triggers.build import is_new_breakage, should_check
from loopwright.workers.base import Finished, Outcome, WorkerContext
from loopwright.workers.registry import BACKENDS
from loopwright.world_state import BuildState

S = SessionState
CHECKS = "test:\n\t@test ! -e broken || (echo 'the file broken is here'; exit 1)\n"


class Fixer:
    """Asks first (so the test can move the target meanwhile), then fixes the build."""

    name = "fixer"

    async def run(self, ctx: WorkerContext) -> Outcome:
        await ctx.ask("Fix it now?", ("yes",), blocking=True)
        (ctx.input.worktree / "broken").unlink()
        await ctx.act("delete", "broken")
        return Finished("removed the file that broke the build")


def test_only_the_first_failure_of_a_breakage_files_a_task() -> None:
    assert is_new_breakage(BuildState(), passed=False)
    assert not is_new_breakage(BuildState(), passed=True)
    broken = BuildState(broken_since="abc", fix_task="t-1")
    assert not is_new_breakage(broken, passed=False)


def test_a_schedule_does_not_check_a_commit_twice_but_a_landing_does() -> None:
    build = BuildState(last_commit="abc")
    assert not should_check(build, "abc", "schedule")
    assert should_check(build, "def", "schedule")
    assert should_check(build, "abc", "landing")


async def test_a_broken_target_files_one_fix_task_and_its_landing_ends_the_breakage(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(BACKENDS, "fixer", lambda _config: Fixer())
    root = make_repo({"README.md": "# x\n", "Makefile": CHECKS, "broken": "oops\n"})
    project = init(root)
    configure(project, '[build]\nevery = "1s"\n[manager]\ndefault_backend = "fixer"\n'
                       '[parallel]\npredict_conflicts = false\n')
    async with Running(project) as run:
        st = await run.until(lambda st: any(s.state == S.WAITING for s in st.sessions.values()))
        [task] = st.tasks.values()
        assert task.source == "build" and task.title == "Fix the build"
        assert "the file broken is here" in task.body
        first_broken = st.world.build.broken_since
        # The target moves on, still broken: the schedule checks it, and files nothing.
        (root / "notes.txt").write_text("more\n")
        git(root, "add", "notes.txt")
        git(root, "commit", "-q", "-m", "notes")
        tip = git(root, "rev-parse", "HEAD")
        st = await run.until(lambda st: st.world.build.last_commit == tip)
        assert st.world.build.broken_since == first_broken and len(st.tasks) == 1
        [d] = st.decisions.values()
        run.api.answer(d.decision_id, "yes")
        st = await run.until(lambda st: st.world.build.passed is True
                             and any(c.why == "landing" for c in build_checks(run)))
        checks = build_checks(run)
    assert [(c.passed, c.why) for c in checks[:2]] == [(False, "start"), (False, "schedule")]
    assert all(c.passed for c in checks[2:])
    assert checks[0].task_id == task.task_id and not checks[1].task_id
    assert st.world.build.broken_since == "" and not (root / "broken").exists()
    assert [t.source for t in st.tasks.values()] == ["build"]
    [s] = st.sessions.values()
    assert s.state == S.LANDED


async def test_after_each_landing_the_target_is_checked(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": "# x\n", "Makefile": "test:\n\t@echo fine\n"})
    project = init(root)
    configure(project, "[parallel]\npredict_conflicts = false\n")
    async with Running(project) as run:
        run.api.dispatch("Add a file", "```loopwright-script\n"
                         '{"write": "a.txt", "content": "a\\n"}\n```\n')
        st = await run.until(lambda st: st.world.build.passed is not None)
    [s] = st.sessions.values()
    assert st.world.build.last_commit == s.landed_commit
    assert not st.world.build.broken_since
    assert (project.dot / "build" / "a.txt").read_text() == "a\n"  # the scratch worktree


def build_checks(run: Running) -> list[ev.BuildChecked]:
    return [e for e in run.events(ev.BuildChecked) if isinstance(e, ev.BuildChecked)]
