"""The front-end API: what the CLI and the editor do to the loop.

A front end reads the state (a fold of the log) and appends *human* events; the manager,
wherever it runs, consumes them. Each action is checked against the current state first,
so a user gets a clear refusal instead of an event that silently changes nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .. import events as ev
from .. import store_snapshot
from ..backends import load, unknown_worker
from ..config import Config
from ..core.ids import LookupFailed, new_id, resolve
from ..core.split_plan import SubTaskSpec, keyed
from ..delegation_state import find_cycle
from ..project import Project
from ..review_state import Thread
from ..state import (
    Decision,
    Session,
    SessionState,
    State,
    Task,
    TaskVerdict,
    apply,
    illegal,
    unpark,
)
from ..store import Store
from ..views import overview as views
from ..views import thread as thread_view
from .lock import holder_pid
from .wakes import wake_of

PRESENCE_EVERY_SECONDS = 15.0
_T = TypeVar("_T")


class ActionRefused(Exception):
    """A human action that does not apply; the message says why."""


class BadInput(ActionRefused):
    """What was sent is wrong in itself (an empty text, an unknown thread, a line outside
    the file), whatever the state: front ends report it as bad input."""


@dataclass
class FrontEndApi:
    """What a front end (the CLI, the editor) may read and do: one per open log."""

    project: Project
    config: Config
    store: Store
    state: State

    @classmethod
    def open(cls, project: Project, *, history: bool = True) -> FrontEndApi:
        """`history=False`: for a front end that shows what is current (status, the
        inbox, the editor): the snapshot's history part is decoded only when something
        reaches it (a lookup, an action or a record naming an ended session)."""
        config = load(project.config_path)
        store = Store(project.db_path)
        # the last snapshot and what came after it
        state = store_snapshot.load(store, history=history)
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

    def history(self) -> State:
        """The whole state, the history part decoded too (stats, `status --all`)."""
        return unpark(self.refresh())

    def manager_pid(self) -> int | None:
        return holder_pid(self.project.lock_path)

    # --- lookups -----------------------------------------------------------------

    def session(self, ref: str) -> Session:
        return self._lookup(lambda st: resolve("session", ref, st.sessions,
                                               {k: s.name for k, s in st.sessions.items()}))

    def decision(self, ref: str) -> Decision:
        return self._lookup(lambda st: resolve("decision", ref, st.decisions, {}))

    def task(self, ref: str) -> Task:
        return self._lookup(lambda st: resolve("task", ref, st.tasks, {}))

    def _lookup(self, find: Callable[[State], _T]) -> _T:
        """Found in the live part, or (only when it is not there) in the whole state: a
        prefix that names one live item is never made ambiguous by history."""
        st = self.refresh()
        try:
            return find(st)
        except LookupFailed as e:
            if st.parked is None:
                raise BadInput(str(e)) from None
        try:
            return find(self.history())
        except LookupFailed as e:
            raise BadInput(str(e)) from None

    # --- actions -----------------------------------------------------------------

    def dispatch(self, title: str, body: str = "", *, labels: tuple[str, ...] = (),
                 priority: int = 0, backend: str = "", source: ev.TaskSource = "cli") -> Task:
        title = title.strip()
        if not title:
            raise BadInput("a task needs a title")
        if (why := unknown_worker(backend.strip())) is not None:
            raise BadInput(why)
        task_id = new_id("t")
        self._append(ev.TaskFiled(task_id=task_id, title=title, body=body, source=source,
                                  labels=labels, priority=priority, backend=backend.strip(),
                                  origin=source))
        return self.refresh().tasks[task_id]

    def answer(self, ref: str, text: str, by: str = "human") -> Decision:
        d = self.decision(ref)
        if d.answer is None and d.options and text not in d.options:
            raise BadInput(f"answer must be one of: {', '.join(d.options)}")
        self._append(ev.DecisionAnswered(decision_id=d.decision_id, answer=text, by=by))
        return self.refresh().decisions[d.decision_id]

    def approve(self, ref: str, by: str = "human") -> Session:
        return self._act(ref, lambda sid: ev.ChangeApproved(session_id=sid, by=by))

    def request_changes(self, ref: str, note: str, by: str = "human") -> Session:
        if not note.strip():
            raise BadInput("say what to change: the note goes to the worker")
        return self._act(ref, lambda sid: ev.ChangesRequested(session_id=sid, note=note, by=by))

    def reject(self, ref: str, why: str = "", by: str = "human") -> Session:
        return self._act(ref, lambda sid: ev.ChangeRejected(session_id=sid, why=why, by=by))

    def kill(self, ref: str, reason: str = "", by: str = "human") -> Session:
        return self._act(ref, lambda sid: ev.SessionKilled(session_id=sid, by=by,
                                                           reason=reason))

    def retry(self, ref: str, by: str = "human") -> Session:
        return self._act(ref, lambda sid: ev.SessionRetried(session_id=sid, by=by))

    def request_preview(self, ref: str, by: str = "human") -> Session:
        """Ask the manager for the session's preview (started if it is not running; its
        idle clock starts again if it is)."""
        s = self.session(ref)
        if not self.config.preview.enabled:
            raise ActionRefused("no preview is configured: set [preview] command in "
                                ".loopwright/config.toml (docs/preview.md)")
        if s.state not in (SessionState.REVIEWING, SessionState.AWAITING_APPROVAL):
            raise ActionRefused(f"session {s.name} is {s.state}; a preview runs while its "
                                "change is under review")
        self._append(ev.PreviewRequested(session_id=s.session_id, by=by))
        return self.refresh().sessions[s.session_id]

    def judge_hunk(self, ref: str, hunk_id: str, verdict: str, comment: str = "",
                   by: str = "human") -> Session:
        if verdict not in ("accept", "reject", "comment"):
            raise BadInput("a hunk verdict is accept, reject or comment")
        return self._act(ref, lambda sid: ev.HunkJudged(
            session_id=sid, hunk_id=hunk_id, verdict=verdict, comment=comment,  # type: ignore[arg-type]
            by=by))

    # --- review threads and viewed marks (review_state.py) --------------------------

    def review_thread(self, ref: str, thread_id: str) -> tuple[Session, Thread]:
        s = self.session(ref)
        t = s.rounds.threads.get(thread_id)
        if t is None:
            raise BadInput(f"no thread {thread_id} in the review of {s.name} (it has "
                           f"{len(s.rounds.threads)}): ask for its threads again")
        return s, t

    def open_thread(self, ref: str, path: str, line: int, body: str, side: str = "head",
                    by: str = "human") -> Thread:
        """A thread on any line of a changed file, on either side of the review."""
        s = self.session(ref)
        if not body.strip():
            raise BadInput("a thread needs its first comment")
        if s.review is not None and path in s.review.files:
            from ..workspace import diff as diff_mod  # git: only the actions that use it

            commit = s.review.head_commit if side == "head" else s.review.base_commit
            text = diff_mod.file_at(self.project.root, commit, path)
            count = len((text or "").splitlines())
            if not 1 <= line <= max(count, 1):
                raise BadInput(f"{path} has {count} lines on the {side} side; line {line} "
                               "is not one of them (lines are 1-based)")
        elif s.review is not None:
            raise BadInput(f"{path} is not a file of the change of {s.name}")
        thread_id = new_id("th")
        self._append(ev.ThreadOpened(session_id=s.session_id, thread_id=thread_id,
                                     path=path, line=line, body=body, side=side,  # type: ignore[arg-type]
                                     by=by))
        return self.refresh().sessions[s.session_id].rounds.threads[thread_id]

    def reply_thread(self, ref: str, thread_id: str, body: str, by: str = "human") -> Thread:
        s, _ = self.review_thread(ref, thread_id)
        if not body.strip():
            raise BadInput("a reply needs its text")
        self._append(ev.ThreadReplied(session_id=s.session_id, thread_id=thread_id,
                                      body=body, by=by))
        return self.refresh().sessions[s.session_id].rounds.threads[thread_id]

    def resolve_thread(self, ref: str, thread_id: str, resolved: bool = True,
                       by: str = "human") -> Thread:
        s, _ = self.review_thread(ref, thread_id)
        self._append(ev.ThreadResolved(session_id=s.session_id, thread_id=thread_id,
                                       resolved=resolved, by=by))
        return self.refresh().sessions[s.session_id].rounds.threads[thread_id]

    def mark_viewed(self, ref: str, path: str, viewed: bool = True,
                    by: str = "human") -> Session:
        s = self.session(ref)
        if s.review is not None and path not in s.review.files:
            raise BadInput(f"{path} is not a file of the change of {s.name}")
        self._append(ev.FileViewed(session_id=s.session_id, path=path, viewed=viewed,
                                   by=by))
        return self.refresh().sessions[s.session_id]

    def overrule(self, ref: str, by: str = "human") -> Task:
        t = self.task(ref)
        self._append(ev.TaskOverruled(task_id=t.task_id, by=by))
        return self.refresh().tasks[t.task_id]

    def cancel(self, ref: str, reason: str = "", by: str = "human") -> Task:
        """Call off a task no session works on: pending (triage has not settled it),
        declined (it leaves the inbox for good), or a sub-task (what depended on it goes
        ahead without it)."""
        t = self.task(ref)
        if t.parent and t.verdict == TaskVerdict.ACCEPTED:  # a sub-task no session works on
            self._append(ev.SubTaskDropped(task_id=t.task_id, by=by, reason=reason))
        else:
            self._append(ev.TaskCancelled(task_id=t.task_id, by=by, reason=reason))
        return self.refresh().tasks[t.task_id]

    # --- delegation and steering (docs/manager.md, "Delegation") ---------------------

    def split(self, ref: str, children: Sequence[SubTaskSpec], *, by: str = "human",
              reason: str = "") -> Task:
        """Split a task no session works on into sub-tasks; each starts once those it
        depends on are done, and the task is done when they all are. Returns the task."""
        t = self.task(ref)
        specs = keyed(list(children))
        keys = [spec.key.strip() for spec in specs]
        if (dup := next((k for n, k in enumerate(keys) if k in keys[:n]), None)):
            raise ActionRefused(f"two sub-tasks have the key {dup!r}: keys must differ")
        for spec, key in zip(specs, keys, strict=True):
            if not spec.title.strip():
                raise ActionRefused(f"sub-task {key!r} needs a title")
            for dep in spec.depends_on:
                if dep == key:
                    raise ActionRefused(f"sub-task {key!r} depends on itself")
                if dep not in keys:
                    raise ActionRefused(f"sub-task {key!r} depends on {dep!r}, which is no "
                                        f"sub-task of this split (keys: {', '.join(keys)})")
            if (why := unknown_worker(spec.backend.strip())) is not None:
                raise ActionRefused(f"sub-task {key!r}: {why}")
        if (cycle := find_cycle({k: spec.depends_on for k, spec in zip(keys, specs,
                                                                        strict=True)})):
            raise ActionRefused("the sub-tasks depend on each other in a cycle: "
                                + " -> ".join(cycle))
        ids = {k: new_id("t") for k in keys}
        subs = tuple(ev.SubTask(
            task_id=ids[k], title=spec.title.strip(), body=spec.body,
            depends_on=tuple(ids[d] for d in spec.depends_on),
            labels=t.labels if spec.labels is None else spec.labels,
            priority=t.priority if spec.priority is None else spec.priority,
            backend=spec.backend.strip() or t.backend,
        ) for k, spec in zip(keys, specs, strict=True))
        self._append(ev.TaskSplit(task_id=t.task_id, children=subs, by=by, reason=reason))
        return self.refresh().tasks[t.task_id]

    def steer(self, ref: str, note: str, *, by: str = "human") -> Session:
        """A note to a session's worker, which it receives at its next turn."""
        if not note.strip():
            raise ActionRefused("say what to steer it towards: the note goes to the worker")
        return self._act(ref, lambda sid: ev.SessionSteered(session_id=sid,
                                                            note=note.strip(), by=by))

    def prioritise(self, ref: str, priority: int, *, by: str = "human",
                   reason: str = "") -> Task:
        """Set a task's priority (and its sub-tasks'): the queue starts higher first."""
        t = self.task(ref)
        self._append(ev.TaskPrioritised(task_id=t.task_id, priority=priority, by=by,
                                        reason=reason))
        return self.refresh().tasks[t.task_id]

    def dismiss(self, origin: str, by: str = "human") -> None:
        """Take a refused inbox file's item out of the inbox (the kept file stays)."""
        self._append(ev.RefusalDismissed(origin=origin, by=by))

    def clean(self) -> list[Session]:
        """Remove the worktrees of ended sessions, keeping their branches; each removal
        is recorded, checked, like every other action."""
        from ..workspace import worktrees  # git: only the commands that use it

        removed = []
        for s in list(self.history().sessions.values()):  # long ended ones too
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

    def presence(self, active: bool, by: str = "editor") -> bool:
        """The human is active on a front end now (or left it), which holds pushes while
        they could answer there. The same news is recorded at most every 15 s, so a
        front end may say it on every keystroke; False when it was not recorded."""
        att = self.refresh().attention
        if att.present == active and time.time() - att.present_at < PRESENCE_EVERY_SECONDS:
            return False
        self._append(ev.PresenceReported(active=active, by=by))
        return True

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

    # --- the manager agent (docs/manager.md) -------------------------------------

    def tell(self, text: str, by: str = "human") -> thread_view.ThreadEntry:
        """A message to the manager agent; it wakes on it (when one runs)."""
        text = text.strip()
        if not text:
            raise ActionRefused("say something: the message goes to the manager")
        record = self.store.append(ev.ManagerTold(message_id=new_id("msg"), text=text,
                                                  by=by))[0]
        entry = thread_view.entry_of(record, self.refresh())
        assert entry is not None
        return entry

    def manager_thread(self, after: int = 0, limit: int = 500) -> thread_view.ManagerThread:
        """The manager agent's thread: entries after record `after`, the last `limit`."""
        st = self.refresh()
        m = st.manager
        entries = thread_view.entries_of(self.store.read_after(after), st)[-limit:]
        wakes = (sum(1 for r in self.store.read_after(m.until_seq) if wake_of(r, st))
                 if m.running else 0)
        return thread_view.ManagerThread(
            seq=st.last_seq, agent=self.config.manager.agent, running=m.running and
            st.manager_pid is not None, thinking=m.open_turn, turns=m.turn,
            pending_wakes=wakes, decides=list(m.decides or self.config.manager.decides),
            tokens=m.tokens, cost_usd=round(m.cost_usd, 6), entries=entries)

    def overrule_act(self, act_id: str, answer: str = "", why: str = "",
                     by: str = "human") -> thread_view.ThreadEntry:
        """Undo a decision the manager took alone; recorded and counted."""
        st = self.refresh()
        act = st.manager.acts.get(act_id.strip())
        if act is None:
            raise ActionRefused(f"no manager act {act_id!r} (see `loopwright manager`)")
        if act.overruled:
            raise ActionRefused(f"{act.act_id} was already overruled")
        if act.outcome != "done" or act.tool not in thread_view.OVERRULABLE:
            raise ActionRefused(f"{act.act_id} ({act.tool}, {act.outcome}) is not a "
                                "decision the manager took alone")
        if act.tool == "answer" and not answer.strip():
            raise ActionRefused("say the right answer: --answer TEXT (it goes to the worker)")
        event = ev.ManagerOverruled(act_id=act.act_id, by=by, answer=answer.strip(),
                                    why=why.strip())
        follow: list[ev.Event] = []
        t = st.tasks.get(act.task_id)
        if act.tool == "triage" and t is not None and t.verdict == "declined":
            follow.append(ev.TaskOverruled(task_id=t.task_id, by=by))
        record = self.store.append(event, *follow)[0]
        if act.tool == "answer":
            d = st.decisions.get(act.decision_id)
            s = st.sessions.get(act.session_id)
            if d is not None and s is not None and not s.terminal:
                with contextlib.suppress(ActionRefused):
                    self.steer(s.session_id, f"The manager answered {d.question!r} with "
                          f"{d.answer!r}; {by} overruled it: the answer is "
                          f"{answer.strip()!r}. Follow that.", by=by)
        entry = thread_view.entry_of(record, self.refresh())
        assert entry is not None
        return entry

    # --- views -------------------------------------------------------------------

    def inbox(self) -> list[views.InboxItem]:
        return views.inbox(self.refresh())

    def sessions(self, *, current: bool = False) -> list[views.SessionRow]:
        """Every session; `current`: only those a front end showing what is current
        shows (live, ended within a day, or failed and not retried)."""
        st = self.refresh() if current else self.history()
        return views.sessions(st, time.time(), current=current)

    def diff(self, ref: str) -> str:
        return self.diff_of(self.session(ref))

    def diff_of(self, s: Session) -> str:
        """The session's diff: git only, never the log, so a thread may run it."""
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
