"""Realistic logs, fast: the events of a task's whole life as the manager records them
(about 170 each: triage, a worker's model turns and steps, commands, a question one
time in three, checks, the reviewer, the review, approval, landing, notifications and
digests), written straight into a store's table with their own times.

`task_life(i)` is one task's events; `write_history(db, n)` fills a log with `n` events
(the last few tasks still live: awaiting review, by default, so a manager started on it
has no worker to resume).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from loopwright import events as ev
from loopwright.store import Store

TURNS = 40  # the worker's model turns per task
EVENTS_PER_TASK = 170  # about what task_life yields (measured in history_growth)
_CONTENT = json.dumps([{"type": "text", "text": "Looking at the parser first. " * 4},
                       {"type": "tool_use", "id": "toolu_01", "name": "read_file",
                        "input": {"path": "src/pkg/parser.py"}}])
_RESULT = json.dumps([{"type": "tool_result", "tool_use_id": "toolu_01",
                       "content": "def parse(text):\n    return text.split()\n" * 3}])


def task_life(i: int, *, live: str = "", root: str = "/repo") -> list[ev.Event]:
    """The events of task `i`. `live`: stop early, as a task still under way does
    (`running`, `waiting` on a blocking question, `review` awaiting approval)."""
    tid, sid, did = f"t-{i:06x}", f"s-{i:06x}", f"d-{i:06x}"
    out: list[ev.Event] = [
        ev.TaskFiled(task_id=tid, title=f"Fix the parser for case {i}", body="The parser "
                     "drops the last token when the line ends in a comment.\n" * 3,
                     source="inbox", origin=f"task-{i}.md#{i:08x}"),
        ev.ModelReplied(agent="triage", model="claude-sonnet-4-5", task_id=tid,
                        input_tokens=2100, output_tokens=180, cost_usd=0.009, seconds=2.1),
        ev.TaskAccepted(task_id=tid, reason="fits the project's goals"),
        ev.SessionQueued(session_id=sid, task_id=tid, name=f"fix-the-parser-{i}",
                         branch=f"loopwright/{tid}-fix-the-parser", backend="script"),
        ev.SessionStarted(session_id=sid, worktree=f"{root}/.loopwright/worktrees/{sid}",
                          base_commit="a" * 40, target_branch="main"),
        ev.NotificationRaised(notification_id=f"n-{i:06x}-p", kind="progress",
                              key=f"session:{sid}", title=f"fix-the-parser-{i} started",
                              session_id=sid, ref=sid),
    ]
    for turn in range(TURNS):
        out.append(ev.ModelPrompted(session_id=sid, content=_RESULT, seconds=0.4,
                                    kind="task" if turn == 0 else "tool_results"))
        out.append(ev.ModelReplied(agent="worker", model="claude-sonnet-4-5", session_id=sid,
                                   content=_CONTENT, stop_reason="tool_use",
                                   input_tokens=9000 + turn * 300, output_tokens=350,
                                   cache_read_tokens=8000, cost_usd=0.012, seconds=3.5))
        out.append(ev.WorkerActed(session_id=sid, step=turn, action="read" if turn % 3
                                  else "write", detail=f"src/pkg/mod{turn % 7}.py"))
        if turn % 3 == 1:
            out.append(ev.CommandRan(session_id=sid, command="pytest -q tests/test_parser.py",
                                     exit_code=turn % 2, output_tail="3 passed, 1 failed\n",
                                     seconds=1.8))
        if turn % 5 == 2:
            out.append(ev.DiffMeasured(session_id=sid, fingerprint=f"{i:08x}{turn:04x}",
                                       files=1 + turn % 4, added=3 * turn, removed=turn))
        if turn % 10 == 9:
            out.append(ev.WorkerProgressed(session_id=sid, message=f"turn {turn}: tests "
                                           "pass except the comment case"))
        if turn == 12 and i % 3 == 0:
            out += [ev.DecisionAsked(decision_id=did, question="Keep the old behaviour "
                                     "behind a flag?", options=("yes", "no"), default="no",
                                     blocking=live == "waiting", session_id=sid,
                                     task_id=tid),
                    ev.NotificationRaised(notification_id=f"n-{i:06x}-d",
                                          kind="needs_decision", key=f"session:{sid}",
                                          title="Keep the old behaviour behind a flag?",
                                          session_id=sid, ref=did, options=("yes", "no"),
                                          interrupt=True, replaces=f"n-{i:06x}-p")]
            if live == "waiting":
                return out
            out += [ev.DecisionAnswered(decision_id=did, answer="no"),
                    ev.NotificationWithdrawn(notification_id=f"n-{i:06x}-d",
                                             reason="answered")]
        if live == "running" and turn == 20:
            return out
    hunks = tuple(ev.Hunk(hunk_id=f"h{k}", path=f"src/pkg/mod{k}.py", old_start=10 * k,
                          old_lines=4, new_start=10 * k, new_lines=6, header="def parse",
                          added=3, removed=1) for k in range(6))
    out += [
        ev.WorkerFinished(session_id=sid, summary="The parser keeps the last token.",
                          head_commit="b" * 40),
        ev.ChecksStarted(session_id=sid, command="pytest -q"),
        ev.ChecksFinished(session_id=sid, command="pytest -q", passed=True, exit_code=0,
                          output_tail="120 passed in 4.2s\n", seconds=4.2),
        ev.ModelReplied(agent="reviewer", model="claude-sonnet-4-5", session_id=sid,
                        input_tokens=6000, output_tokens=400, cost_usd=0.02, seconds=6.0),
        ev.ReviewPrepared(session_id=sid, head_commit="b" * 40, base_commit="a" * 40,
                          files=tuple(h.path for h in hunks), hunks=hunks, added=18,
                          removed=6, reviewer="claude", reviewer_verdict="approve",
                          reviewer_summary="Looks right; one test added."),
        ev.GateDecided(session_id=sid, auto_land=False, reasons=("review required",)),
        ev.NotificationRaised(notification_id=f"n-{i:06x}-r", kind="needs_review",
                              key=f"session:{sid}", title=f"fix-the-parser-{i}: review",
                              session_id=sid, ref=sid, interrupt=True),
    ]
    if live == "review":
        return out
    out += [
        ev.ChangeApproved(session_id=sid),
        ev.NotificationWithdrawn(notification_id=f"n-{i:06x}-r", reason="approved"),
        ev.LandingStarted(session_id=sid, target_branch="main"),
        ev.ChecksStarted(session_id=sid, command="pytest -q", on_merge=True),
        ev.ChecksFinished(session_id=sid, command="pytest -q", passed=True, exit_code=0,
                          output_tail="120 passed in 4.3s\n", seconds=4.3, on_merge=True),
        ev.ChangeLanded(session_id=sid, target_branch="main", commit="c" * 40),
        ev.WorktreeRemoved(session_id=sid, path=f"{root}/.loopwright/worktrees/{sid}"),
    ]
    if i % 4 == 3:
        out.append(ev.DigestPublished(since_seq=0, until_seq=0,
                                      lines=(f"{i} landed", "2 running")))
    return out


def history(n: int, *, live: tuple[str, ...] = ("running", "waiting", "review"),
            root: str = "/repo") -> Iterator[ev.Event]:
    """`n` events: finished tasks, then a few live ones (the last 12 tasks' worth), each
    in one of the `live` stages in turn."""
    done = max(0, n // EVENTS_PER_TASK - 12)
    count = 0
    for i in range(done):
        for e in task_life(i, root=root):
            yield e
            count += 1
    i = done
    while count < n:
        for e in task_life(i, live=live[i % len(live)], root=root):
            if count >= n:
                return
            yield e
            count += 1
        i += 1


def write_history(db: Path, n: int, *, start: float | None = None,
                  spacing: float = 2.0, live: tuple[str, ...] = ("review",),
                  root: str = "") -> int:
    """Fill a new log at `db` with `n` events, straight into its table (its schema made by
    `Store`), one record every `spacing` seconds from `start` (so that the last is now, by
default). Returns the last seq."""
    Store(db, secrets=[]).close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    rows: list[tuple[float, str, bytes]] = []
    at = time.time() - n * spacing if start is None else start  # the last one: now
    conn.execute("BEGIN")
    # the repository of `<root>/.loopwright/state.db`, unless the log is written for a copy
    root = root or str(db.parent.parent)
    for e in history(n, live=live, root=root):
        rows.append((at, ev.tag_of(e), ev.encode(e)))
        at += spacing
        if len(rows) == 10_000:
            conn.executemany("INSERT INTO events(at, type, body) VALUES (?, ?, ?)", rows)
            rows.clear()
    conn.executemany("INSERT INTO events(at, type, body) VALUES (?, ?, ?)", rows)
    conn.execute("COMMIT")
    last = int(conn.execute("SELECT max(seq) FROM events").fetchone()[0] or 0)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return last
