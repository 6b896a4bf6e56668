"""Parallel sessions meet: brought up to a target that moved, and flagged early when two
of them change the same files.

When a landing moves the target, every session still at work (queued for rework,
running, or waiting on the human) is brought up to the new tip: fast-forwarded under its
uncommitted edits when it has no commits of its own, rebased when it has and its
worktree is clean. Git refuses, changing nothing, when that would overwrite work; the
session is then told through its next instruction (`RebaseConflicted`). Sessions past
their worker (checking, in review) are not moved; their change is tried against the new
tip, and a conflict is told the same way, since landing it would fail.

Every few seconds the changed files of live sessions are compared; two sessions that
share files are a likely conflict (`ConflictPredicted`), and git's merge of their work as
it stands says whether it is a textual one. A session's worktree is looked at again
only when the log says its worker did something since the last look (a step, a model
turn, a commit, a move); besides, each round looks at the worktrees looked at longest
ago, in case a worker changed files without a word: each within `FULL_EVERY` rounds,
but no more than `QUIET_LOOKS` a round (with 1,000 sessions, each within 100 rounds).
Sharing is found through an index of paths, not pair by pair.
Landings themselves go one at a time (the manager's landing lock), each re-checked on the
merged result: that is the merge queue.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from pathlib import Path

from .. import events as ev
from ..runtime import Runtime
from ..state import Session, SessionState, State
from ..workspace import meet as git_meet
from ..workspace.repo import WorkspaceError
from ..world_state import conflict_key

log = logging.getLogger(__name__)
S = SessionState
MOVABLE = frozenset({S.QUEUED, S.RUNNING, S.WAITING})
TRIED = frozenset({S.CHECKING, S.REVIEWING, S.AWAITING_APPROVAL})
COMPARED = MOVABLE | TRIED


FULL_EVERY = 10  # rounds within which every worktree is looked at, acted or not...
QUIET_LOOKS = 10  # ...but no more than this many unprompted looks a round


def overlaps(changes: dict[str, set[str]]) -> dict[tuple[str, str], tuple[str, ...]]:
    """Pairs of sessions (sorted ids) and the files both changed. Pure; the cost is the
    paths and the pairs that share one, not every pair of sessions."""
    by_path: dict[str, list[str]] = {}
    for sid in sorted(changes):
        for path in changes[sid]:
            by_path.setdefault(path, []).append(sid)
    shared: dict[tuple[str, str], set[str]] = {}
    for path, sids in by_path.items():
        for pair in itertools.combinations(sids, 2):
            shared.setdefault(pair, set()).add(path)
    return {pair: tuple(sorted(paths)) for pair, paths in sorted(shared.items())}


def _acted(s: Session) -> tuple[object, ...]:
    """What changes in the state when a session's worker does something, or it moves."""
    return (s.state, s.steps_done, s.turns, s.last_message, s.head_commit, s.base_commit,
            s.worktree)


class Looks:
    """The changed paths of each live session as last looked at, and what its worker
    had done then; the oldest look first."""

    def __init__(self) -> None:
        self.paths: dict[str, tuple[tuple[object, ...], set[str]]] = {}

    def looked(self, session_id: str, stamp: tuple[object, ...], paths: set[str]) -> None:
        self.paths.pop(session_id, None)  # to the end: the newest look
        self.paths[session_id] = (stamp, paths)

    def unprompted(self, live: list[Session]) -> set[str]:
        """The sessions whose worktree is looked at this round although their worker
        did nothing: the longest unlooked at, a tenth of them (so each within
        `FULL_EVERY` rounds), at most `QUIET_LOOKS` (a thousand sleeping sessions cost
        ten looks a round, not a thousand every tenth)."""
        quota = min(QUIET_LOOKS, -(-len(live) // FULL_EVERY))
        ids = {s.session_id for s in live}
        return set(itertools.islice((sid for sid in self.paths if sid in ids), quota))


def _with_worktree(state: State, states: frozenset[SessionState]) -> list[Session]:
    return [s for s in state.live_sessions()
            if s.state in states and s.worktree and Path(s.worktree).is_dir()
            and s.base_commit]


async def on_target_moved(rt: Runtime, onto: str) -> None:
    """Bring every session at work up to `onto`, or tell it why not."""
    root = rt.project.root
    for s in _with_worktree(rt.state, COMPARED):
        told = rt.state.world.rebase_conflicts.get(s.session_id)
        if told is not None and told.onto == onto:
            continue
        try:
            async with rt.worktree_lock(s.session_id):  # its commit waits for this
                current = rt.state.sessions[s.session_id]
                if current.state not in COMPARED:  # it moved on meanwhile
                    continue
                if current.state in MOVABLE and rt.config.parallel.rebase:
                    outcome = await asyncio.to_thread(
                        git_meet.bring_up_to_date, root, Path(s.worktree), s.branch,
                        current.base_commit, onto)
                else:
                    paths = await asyncio.to_thread(
                        git_meet.merge_conflicts, root, onto, current.head_commit)
                    outcome = git_meet.Conflicted(paths) if paths else None
                _record(rt, s.session_id, onto, outcome)
        except WorkspaceError as e:
            log.warning("could not bring %s up to %s: %s", s.name, onto[:10], e)


def _record(rt: Runtime, session_id: str, onto: str,
            outcome: git_meet.Rebased | git_meet.Conflicted | None) -> None:
    if isinstance(outcome, git_meet.Rebased):
        rt.append(ev.SessionRebased(session_id=session_id, onto=onto,
                                    base_commit=outcome.base_commit,
                                    head_commit=outcome.head_commit))
    elif isinstance(outcome, git_meet.Conflicted):
        rt.append(ev.RebaseConflicted(session_id=session_id, onto=onto,
                                      paths=outcome.paths))


async def predict_once(rt: Runtime, looks: Looks | None = None) -> None:
    root = rt.project.root
    live = _with_worktree(rt.state, COMPARED)
    looks = looks if looks is not None else Looks()
    due = looks.unprompted(live)
    changes: dict[str, set[str]] = {}
    for s in live:
        stamp = _acted(s)
        seen = looks.paths.get(s.session_id)
        if seen is not None and seen[0] == stamp and s.session_id not in due:
            changes[s.session_id] = seen[1]  # its worker did nothing since: no git call
            continue
        try:
            changes[s.session_id] = await asyncio.to_thread(
                git_meet.changed_paths, root, Path(s.worktree), s.base_commit,
                rt.config.environment.copy)
        except WorkspaceError:
            continue  # its worktree is changing under us (landing, removal): next time
        looks.looked(s.session_id, stamp, changes[s.session_id])
    for gone in looks.paths.keys() - {s.session_id for s in live}:
        del looks.paths[gone]
    found = overlaps(changes)
    known = rt.state.world.conflicts
    by_id = {s.session_id: s for s in live}
    for pair, paths in found.items():
        old = known.get(conflict_key(pair))
        if old is not None and old.paths == paths:
            continue
        try:
            snaps = [await asyncio.to_thread(git_meet.snapshot, root,
                                                Path(by_id[sid].worktree),
                                                rt.config.environment.copy)
                     for sid in pair]
            textual = bool(await asyncio.to_thread(git_meet.merge_conflicts, root, *snaps))
        except WorkspaceError:
            continue
        rt.append(ev.ConflictPredicted(sessions=pair, paths=paths, textual=textual))
    for c in list(known.values()):
        if tuple(sorted(c.sessions)) not in found:
            rt.append(ev.ConflictCleared(sessions=c.sessions))


async def predict_forever(rt: Runtime) -> None:
    looks = Looks()
    while True:
        await asyncio.sleep(rt.config.parallel.predict_seconds)
        if len(_with_worktree(rt.state, COMPARED)) >= 2 or rt.state.world.conflicts:
            await predict_once(rt, looks)
