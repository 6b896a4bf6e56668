"""Logs of whole task lives for the snapshot and checkpoint tests."""

from __future__ import annotations

from pathlib import Path

from loopwright import events as ev
from loopwright.store import Store


def life(n: int) -> list[ev.Event]:
    """One task's life, touching every part of the state (tasks, sessions, decisions,
    the review, the world's conflicts and build, attention's notifications)."""
    tid, sid, did = f"t-{n}", f"s-{n}", f"d-{n}"
    hunk = ev.Hunk(hunk_id="h1", path="a.py", old_start=1, old_lines=1, new_start=1,
                   new_lines=2, header="", added=1, removed=0)
    return [
        ev.TaskFiled(task_id=tid, title=f"task {n}", body="b", source="cli"),
        ev.TaskAccepted(task_id=tid),
        ev.SessionQueued(session_id=sid, task_id=tid, name=f"task-{n}", branch=f"b{n}",
                         backend="script"),
        ev.SessionStarted(session_id=sid, worktree=f"/w/{sid}", base_commit="a" * 40,
                          target_branch="main"),
        *[ev.WorkerActed(session_id=sid, step=k, action="write", detail="a.py")
          for k in range(5)],
        ev.ModelReplied(agent="worker", model="m", session_id=sid, input_tokens=10,
                        output_tokens=5, cost_usd=0.25),
        ev.DecisionAsked(decision_id=did, question="which?", options=("a", "b"),
                         default="a", blocking=True, session_id=sid, task_id=tid),
        ev.NotificationRaised(notification_id=f"n-{n}", kind="needs_decision",
                              key=f"session:{sid}", title="which?", session_id=sid,
                              ref=did, interrupt=True),
        ev.ConflictPredicted(sessions=(sid, f"s-{n + 1}"), paths=("a.py",)),
        ev.BuildChecked(target_branch="main", commit="c" * 40, passed=n % 2 == 0,
                        command="true", output_tail="ok", seconds=0.1),
        *([] if n % 3 == 0 else [
            ev.DecisionAnswered(decision_id=did, answer="b"),
            ev.NotificationWithdrawn(notification_id=f"n-{n}", reason="answered"),
            ev.WorkerFinished(session_id=sid, summary="done", head_commit="b" * 40),
            ev.ChecksStarted(session_id=sid, command="true"),
            ev.ChecksFinished(session_id=sid, command="true", passed=True, exit_code=0,
                              output_tail="", seconds=0.1),
            ev.ReviewPrepared(session_id=sid, head_commit="b" * 40, base_commit="a" * 40,
                              files=("a.py",), hunks=(hunk,), added=1, removed=0),
            ev.GateDecided(session_id=sid, auto_land=False, reasons=("review",)),
        ]),
    ]


def log_of(tmp_path: Path, tasks: range) -> Store:
    store = Store(tmp_path / "state.db", secrets=[])
    for n in tasks:
        store.append(*life(n))
    return store


def landing(sid: str, *, files: tuple[str, ...] = ("a.py",),
            worktree: str = "") -> list[ev.Event]:
    """A session's records from its worker finishing to its change landed on its own,
    and its worktree removed when it names one."""
    return [
        ev.WorkerFinished(session_id=sid, summary="done", head_commit="b" * 40),
        ev.ChecksStarted(session_id=sid, command="true"),
        ev.ChecksFinished(session_id=sid, command="true", passed=True, exit_code=0,
                          output_tail="", seconds=0.1),
        ev.ReviewPrepared(session_id=sid, head_commit="b" * 40, base_commit="a" * 40,
                          files=files, hunks=(), added=1, removed=0),
        ev.GateDecided(session_id=sid, auto_land=True, reasons=()),
        ev.ChangeLanded(session_id=sid, target_branch="main", commit="c" * 40),
        *([ev.WorktreeRemoved(session_id=sid, path=worktree)] if worktree else []),
    ]
