"""Parallel sessions meet: brought up to a moved target, or told; overlaps flagged early."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, configure, init, script
from loopwright import events as ev
from loopwright.manager.parallel import overlaps
from loopwright.project import Project
from loopwright.state import SessionState, State
from loopwright.workspace.meet import changed_paths, snapshot
from loopwright.workspace.worktrees import create_worktree

S = SessionState
FILES = {"README.md": "# x\n", "Makefile": "test:\n\t@echo ok\n"}


def test_overlaps_are_the_files_two_sessions_both_changed() -> None:
    found = overlaps({"s2": {"a.py", "b.py"}, "s1": {"b.py", "c.py"}, "s3": {"d.py"}})
    assert found == {("s1", "s2"): ("b.py",)}


def test_overlaps_of_many_sessions_are_every_pair_that_shares_a_file() -> None:
    rng = random.Random(13)
    changes = {f"s{n}": {f"f{rng.randrange(400)}.py" for _ in range(rng.randrange(6))}
               for n in range(300)}
    pairwise = {(a, b): tuple(sorted(changes[a] & changes[b]))
                for a, b in itertools.combinations(sorted(changes), 2)
                if changes[a] & changes[b]}
    assert overlaps(changes) == pairwise and pairwise


def asks(path: str, content: str) -> str:
    return script({"write": path, "content": content},
                  {"ask": f"Done with {path}?", "options": ["yes"], "blocking": True},
                  {"finish": f"wrote {path}"})


def named(st: State, title: str) -> str:
    task = next(t for t in st.tasks.values() if t.title == title)
    return task.sessions[-1] if task.sessions else ""


def waiting(title: str) -> object:
    return lambda st: (sid := named(st, title)) and st.sessions[sid].state == S.WAITING


def answer(run: Running, st: State, session_id: str) -> None:
    [d] = [d for d in st.decisions.values() if d.session_id == session_id and d.open]
    run.api.answer(d.decision_id, "yes")


@pytest.fixture
def project(make_repo: MakeRepo) -> Project:
    project = init(make_repo(FILES))
    configure(project, "[parallel]\npredict_seconds = 0.2\n")
    return project


async def test_a_waiting_session_is_brought_up_to_a_target_that_moved(
    project: Project,
) -> None:
    async with Running(project) as run:
        run.api.dispatch("Slow", asks("a.txt", "a\n"))
        st = await run.until(waiting("Slow"))
        slow = named(st, "Slow")
        run.api.dispatch("Quick", script({"write": "b.txt", "content": "b\n"}))
        st = await run.until(lambda st: st.sessions[named(st, "Quick")].state == S.LANDED
                             if named(st, "Quick") else False)
        landed = st.sessions[named(st, "Quick")].landed_commit
        st = await run.until(lambda st: st.sessions[slow].base_commit == landed)
        worktree = Path(st.sessions[slow].worktree)
        assert (worktree / "b.txt").read_text() == "b\n"  # the target's new file
        assert (worktree / "a.txt").read_text() == "a\n"  # and its own edit, kept
        [rebased] = run.events(ev.SessionRebased)
        assert isinstance(rebased, ev.SessionRebased) and rebased.onto == landed
        answer(run, st, slow)
        st = await run.until(lambda st: st.sessions[slow].state == S.LANDED)
    root = project.root
    assert (root / "a.txt").exists() and (root / "b.txt").exists()
    assert git(root, "merge-base", "--is-ancestor", landed, st.sessions[slow].landed_commit
               ) == ""


async def test_two_sessions_on_one_file_are_flagged_and_the_later_is_told(
    project: Project,
) -> None:
    async with Running(project) as run:
        run.api.dispatch("First", asks("shared.txt", "first\n"))
        run.api.dispatch("Second", asks("shared.txt", "second\n"))
        st = await run.until(lambda st: waiting("First")(st) and waiting("Second")(st))
        first, second = named(st, "First"), named(st, "Second")
        st = await run.until(lambda st: bool(st.world.conflicts))
        [conflict] = st.world.conflicts.values()
        assert conflict.paths == ("shared.txt",) and conflict.textual
        assert set(conflict.sessions) == {first, second}
        [item] = [i for i in run.api.inbox() if i.kind == "conflict"]
        assert "git cannot merge their changes: shared.txt" in item.detail
        answer(run, st, second)
        st = await run.until(lambda st: bool(st.sessions[first].feedback))
        note = st.sessions[first].feedback[0]
        assert "shared.txt changed there too" in note
        assert st.world.rebase_conflicts[first].paths == ("shared.txt",)
        assert (Path(st.sessions[first].worktree) / "shared.txt").read_text() == "first\n"
        st = await run.until(lambda st: not st.world.conflicts)  # one side has landed
        assert not [i for i in run.api.inbox() if i.kind == "conflict"]



def test_caches_in_a_worktree_are_neither_changes_nor_in_its_snapshot(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(FILES)
    worktree = root / ".loopwright" / "worktrees" / "s1"
    create_worktree(root, worktree, "loopwright/s1", "main")
    (worktree / "shared.txt").write_text("mine\n")
    for cache in ("__pycache__/lib.cpython-311.pyc", ".pytest_cache/v/cache/lastfailed",
                  "web/node_modules/x/index.js"):
        (worktree / cache).parent.mkdir(parents=True, exist_ok=True)
        (worktree / cache).write_bytes(b"\x00cache")
    base = git(root, "rev-parse", "main")

    assert changed_paths(root, worktree, base) == {"shared.txt"}
    snap = snapshot(root, worktree)
    assert git(root, "diff", "--name-only", base, snap) == "shared.txt"
