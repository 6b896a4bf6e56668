"""The front-end API: what the CLI and the editor do to the loop.

A front end reads the state (a fold of the log) and appends *human* events; the manager,
wherever it runs, consumes them. Each action is checked against the current state first,
so a user gets a clear refusal instead of an event that silently changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import events as ev
from .. import store_snapshot
from ..backends import load, unknown_worker
from ..config import Config
from ..core.ids import LookupFailed, new_id, resolve
from ..project import Project
from ..state import Decision, Session, SessionState, State, Task, apply, illegal
from ..store import Store
from ..views import overview as views
from .lock import holder_pid


class ActionRefused(Exception):
    """A human action that does not apply; the message says why."""


@dataclass
class FrontEndApi:
    """What a front end (the CLI, the editor) may read and do: one per open log."""

    project: Project
    config: Config
    store: Store
    state: State

    @classmethod
    def open(cls, project: Project) -> FrontEndApi:
        config = load(project.config_path)
        store = Store(project.db_path)
        state = store_snapshot.load(store)  # the last snapshot and what came after it
        api = cls(project, config, store, state)
        api.refresh()
        return api

    def close(self) -> None:
        self.store.close()

    def refresh(self) -> State:
        """Fold whatever was appended since the last look."""
        for record in self.store.read_after(self.state.last_seq):
            apply(self.state, record)
        return self.state

    def manager_pid(self) -> int | None:
        return holder_pid(self.project.lock_path)

    # --- lookups -----------------------------------------------------------------

    def session(self, ref: str) -> Session:
        st = self.refresh()
        try:
            return resolve("session", ref, st.sessions,
                           {k: s.name for k, s in st.sessions.items()})
        except LookupFailed as e:
            raise ActionRefused(str(e)) from None

    def decision(self, ref: str) -> Decision:
        st = self.refresh()
        try:
            return resolve("decision", ref, st.decisions, {})
        except LookupFailed as e:
            raise ActionRefused(str(e)) from None

    def task(self, ref: str) -> Task:
        st = self.refresh()
        try:
            return resolve("task", ref, st.tasks, {})
        except LookupFailed as e:
            raise ActionRefused(str(e)) from None

    # --- actions -----------------------------------------------------------------

    def dispatch(self, title: str, body: str = "", *, labels: tuple[str, ...] = (),
                 priority: int = 0, backend: str = "", source: ev.TaskSource = "cli") -> Task:
        title = title.strip()
        if not title:
            raise ActionRefused("a task needs a title")
        if (why := unknown_worker(backend.strip())) is not None:
            raise ActionRefused(why)
        task_id = new_id("t")
        self._append(ev.TaskFiled(task_id=task_id, title=title, body=body, source=source,
                                  labels=labels, priority=priority, backend=backend.strip(),
                                  origin=source))
        return self.refresh().tasks[task_id]

    def answer(self, ref: str, text: str, by: str = "human") -> Decision:
        d = self.decision(ref)
        self._append(ev.DecisionAnswered(decision_id=d.decision_id, answer=text, by=by))
        return self.refresh().decisions[d.decision_id]

    def approve(self, ref: str, by: str = "human") -> Session:
        return self._act(ref, lambda sid: ev.ChangeApproved(session_id=sid, by=by))

    def request_changes(self, ref: str, note: str, by: str = "human") -> Session:
        if not note.strip():
            raise ActionRefused("say what to change: the note goes to the worker")
        return self._act(ref, lambda sid: ev.ChangesRequested(session_id=sid, note=note, by=by))

    def reject(self, ref: str, why: str = "", by: str = "human") -> Session:
        return self._act(ref, lambda sid: ev.ChangeRejected(session_id=sid, why=why, by=by))

    def kill(self, ref: str, reason: str = "", by: str = "human") -> Session:
        return self._act(ref, lambda sid: ev.SessionKilled(session_id=sid, by=by,
                                                           reason=reason))

    def retry(self, ref: str, by: str = "human") -> Session:
        return self._act(ref, lambda sid: ev.SessionRetried(session_id=sid, by=by))

    def judge_hunk(self, ref: str, hunk_id: str, verdict: str, comment: str = "",
                   by: str = "human") -> Session:
        if verdict not in ("accept", "reject", "comment"):
            raise ActionRefused("a hunk verdict is accept, reject or comment")
        return self._act(ref, lambda sid: ev.HunkJudged(
            session_id=sid, hunk_id=hunk_id, verdict=verdict, comment=comment,  # type: ignore[arg-type]
            by=by))

    def overrule(self, ref: str, by: str = "human") -> Task:
        t = self.task(ref)
        self._append(ev.TaskOverruled(task_id=t.task_id, by=by))
        return self.refresh().tasks[t.task_id]

    def cancel(self, ref: str, reason: str = "", by: str = "human") -> Task:
        """Call off a task no session works on: pending (triage has not settled it) or
        declined (it leaves the inbox for good)."""
        t = self.task(ref)
        self._append(ev.TaskCancelled(task_id=t.task_id, by=by, reason=reason))
        return self.refresh().tasks[t.task_id]

    def dismiss(self, origin: str, by: str = "human") -> None:
        """Take a refused inbox file's item out of the inbox (the kept file stays)."""
        self._append(ev.RefusalDismissed(origin=origin, by=by))

    def clean(self) -> list[Session]:
        """Remove the worktrees of ended sessions, keeping their branches; each removal
        is recorded, checked, like every other action."""
        from ..workspace import worktrees  # git: only the commands that use it load it

        removed = []
        for s in list(self.refresh().sessions.values()):
            if s.terminal and s.worktree and not s.worktree_removed:
                worktrees.remove_worktree(self.project.root, Path(s.worktree),
                                          delete_branch=False, branch=s.branch)
                self._append(ev.WorktreeRemoved(session_id=s.session_id, path=s.worktree))
                removed.append(s)
        return removed

    def focus(self, on: bool, minutes: float = 0.0, by: str = "human") -> None:
        """Focus mode: interruptions are held until it ends (after `minutes`, or off)."""
        until = time.time() + minutes * 60 if on and minutes > 0 else 0.0
        self._append(ev.FocusChanged(on=on, until=until, by=by))

    def digest(self, *, mark_read: bool = True, by: str = "human") -> tuple[str, ...]:
        """The progress since the last digest; with `mark_read`, it becomes the last."""
        from ..attention.digest import compose

        st = self.refresh()
        records = self.store.read_after(st.attention.digest_seq)
        lines = compose(records, st)
        if lines and mark_read:
            self._append(ev.DigestPublished(since_seq=st.attention.digest_seq,
                                            until_seq=records[-1].seq, lines=lines, by=by))
        return lines

    # --- views -------------------------------------------------------------------

    def inbox(self) -> list[views.InboxItem]:
        return views.inbox(self.refresh())

    def sessions(self) -> list[views.SessionRow]:
        return views.sessions(self.refresh(), time.time())

    def diff(self, ref: str) -> str:
        s = self.session(ref)
        if not s.base_commit:
            raise ActionRefused(f"session {s.name} has not started yet: no diff")
        from ..workspace import diff as diff_mod  # git: only the commands that use it
        from ..workspace.session_git import git, session_git

        text = diff_mod.diff_text(self.project.root, s.base_commit,
                                  s.head_commit or s.base_commit)
        worktree = Path(s.worktree)
        if s.state in (SessionState.RUNNING, SessionState.WAITING) and worktree.exists():
            sg = session_git(self.project.root, worktree)
            text += git(sg, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "HEAD")
        return text

    # --- plumbing ----------------------------------------------------------------

    def _act(self, ref: str, make: Callable[[str], ev.Event]) -> Session:
        s = self.session(ref)
        self._append(make(s.session_id))
        return self.refresh().sessions[s.session_id]

    def _append(self, event: ev.Event) -> None:
        why = illegal(self.refresh(), event)
        if why is not None:
            raise ActionRefused(why)
        self.store.append(event)
