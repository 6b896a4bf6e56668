"""A manager started on a long log runs on the live part: what ended days ago stays
encoded in the snapshot's history part, and what the manager must know of it (the
names its sessions took, the inbox files it filed) comes from the fold's indices.
Real git, SQLite and intake; the history is written into the log as a manager of two
days ago would have."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from helpers.git import MakeRepo
from helpers.lives import landing
from helpers.loop import Running, init, task_file
from loopwright import events as ev
from loopwright import store_snapshot as snap
from loopwright.state import SessionState, State, fold
from loopwright.store import Store

DAY = 24 * 3600.0
GREETING = task_file("Add a greeting", {"write": "hello.txt", "content": "hello\n"},
                     {"finish": "Added hello.txt"})


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def landed_long_ago(store: Store, origin: str) -> None:
    """A task from the inbox, its session `add-a-greeting` landed, its worktree gone."""
    sid = "s-old"
    store.append(
        ev.TaskFiled(task_id="t-old", title="Add a greeting", body="", source="inbox",
                     origin=origin),
        ev.TaskAccepted(task_id="t-old"),
        ev.SessionQueued(session_id=sid, task_id="t-old", name="add-a-greeting",
                         branch="loopwright/t-old-add-a-greeting", backend="script"),
        ev.SessionStarted(session_id=sid, worktree=f"/gone/{sid}", base_commit="a" * 40,
                          target_branch="main"),
        *landing(sid, files=("hello.txt",), worktree=f"/gone/{sid}"),
    )


def parked(st: State) -> frozenset[str]:
    return st.parked.sessions if st.parked is not None else frozenset()


async def test_a_manager_on_a_long_log_keeps_its_history_encoded_and_still_knows_it(
        make_repo: MakeRepo) -> None:
    root: Path = make_repo({"Makefile": "test:\n\t@true\n"})
    project = init(root)
    digest = hashlib.sha256(GREETING.encode()).hexdigest()[:16]
    clock = Clock(time.time() - 3 * DAY)
    store = Store(project.db_path, secrets=[], clock=clock)
    landed_long_ago(store, origin=f"greeting.md#{digest}")
    clock.now = time.time() - 60  # a record of today: the landing is two days before it
    store.append(ev.ManagerStopped(pid=1, reason="stopped"))
    snap.save(store, fold(store.read_after(0)))
    store.close()
    # the same file again (already filed two days ago), and a new one of the same title
    (project.inbox / "greeting.md").write_text(GREETING)
    (project.inbox / "greeting-again.md").write_text(task_file(
        "Add a greeting", {"write": "hello.txt", "content": "hi\n"}, {"finish": "Hi"}))

    async with Running(project) as run:
        st = await run.until(lambda st: any(
            s.state == SessionState.LANDED and s.worktree_removed
            for s in st.sessions.values() if s.session_id != "s-old"))
        assert run.manager._rt is not None
        held = run.manager._rt.state
        assert "s-old" in parked(held) and "s-old" not in held.sessions  # still encoded
        filed = run.events(ev.TaskFiled)

    assert [e.origin.partition("#")[0] for e in filed] == ["greeting.md", "greeting-again.md"]
    names = [s.name for s in st.sessions.values()]
    assert names == ["add-a-greeting", "add-a-greeting-2"]  # the old name stays taken
    assert (root / "hello.txt").read_text() == "hi\n"
    assert not (project.inbox / "greeting.md").exists()  # archived, not filed twice
