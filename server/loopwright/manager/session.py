"""Running one session's worker: its worktree, its context, and what it leaves behind."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from .. import events as ev
from ..backends import make_worker
from ..core.commands import CommandResult
from ..core.ids import new_id
from ..delegation_state import Steer
from ..review_state import refused as review_refused
from ..runtime import Runtime
from ..state import Health
from ..workers.base import Failed, Outcome, TranscriptEvent, WorkerInput
from ..workspace import sandbox, worktrees
from . import environment, remote_session, warm

log = logging.getLogger(__name__)


class SessionContext:
    """What a worker sees of the loop; every call becomes an event in the log."""

    def __init__(self, rt: Runtime, worker_input: WorkerInput) -> None:
        self._rt = rt
        self._input = worker_input
        self._sid = worker_input.session.session_id
        self._next_step = worker_input.resume_step

    @property
    def input(self) -> WorkerInput:
        return self._input

    async def act(self, action: str, detail: str = "") -> int:
        step = self._next_step
        self._next_step += 1
        if action == "progress":  # one event, not a progress report and a step
            self._rt.append(ev.WorkerProgressed(session_id=self._sid, message=detail,
                                                step=step))
        else:
            self._rt.append(ev.WorkerActed(session_id=self._sid, step=step, action=action,
                                           detail=detail))
        return step

    async def progress(self, message: str) -> None:
        self._rt.append(ev.WorkerProgressed(session_id=self._sid, message=message))

    async def reply(self, thread_id: str, text: str, *, step: str | None = None) -> bool:
        reply = ev.ThreadReplied(session_id=self._sid, thread_id=thread_id, body=text,
                                 by="worker")
        known = review_refused(self._rt.state, reply) is None
        acted: tuple[ev.Event, ...] = ()
        if step is not None:
            acted = (ev.WorkerActed(session_id=self._sid, step=self._next_step,
                                    action="reply", detail=step),)
            self._next_step += 1
        if known or acted:
            self._rt.append(*((reply,) if known else ()), *acted)
        return known

    async def run_command(self, command: str, *, step: str | None = None) -> CommandResult:
        cfg = self._rt.config
        result = await sandbox.run(
            command, self._input.worktree, timeout=cfg.sandbox.command_timeout_seconds,
            config=cfg.sandbox, tail_lines=cfg.checks.output_tail_lines,
            repo_root=self._rt.project.root,
            extra_env=environment.session_env(self._rt, self._sid),
        )
        self.record_command(result, step)
        return result

    def record_command(self, result: CommandResult, step: str | None) -> int:
        """Record a command that ran (here, or on a cluster node); the steps done now."""
        ran = ev.CommandRan(
            session_id=self._sid, command=result.command, exit_code=result.exit_code,
            output_tail=result.output, seconds=round(result.seconds, 3),
            timed_out=result.timed_out,
        )
        if step is None:
            self._rt.append(ran)
        else:  # one write: a restart never finds the result without the step done
            self._rt.append(ran, ev.WorkerActed(session_id=self._sid, step=self._next_step,
                                                action="run", detail=step))
            self._next_step += 1
        return self._next_step

    async def ask(
        self, question: str, options: tuple[str, ...] = (), default: str = "",
        blocking: bool = False,
    ) -> str:
        default = default or (options[0] if options else "")
        earlier = [d for d in self._rt.state.decisions.values()
                   if d.session_id == self._sid and d.question == question]
        if earlier:
            decision = earlier[-1]
            if decision.answer is not None:
                return decision.answer
            did = decision.decision_id
        else:
            did = new_id("d")
            self._rt.append(ev.DecisionAsked(
                decision_id=did, question=question, options=options, default=default,
                blocking=blocking, session_id=self._sid, task_id=self._input.task.task_id,
            ))
        if not blocking:
            return default
        future = self._rt.answers.setdefault(did, asyncio.get_running_loop().create_future())
        self._rt.waiting_on_human.add(self._sid)
        try:
            return await future
        finally:
            self._rt.waiting_on_human.discard(self._sid)
            self._rt.answers.pop(did, None)

    def answers(self) -> dict[str, str]:
        return {
            d.question: d.answer for d in self._rt.state.decisions.values()
            if d.session_id == self._sid and d.answer is not None
        }

    def steers(self) -> tuple[Steer, ...]:
        s = self._rt.state.sessions.get(self._sid)
        return tuple(s.steers) if s is not None else ()

    async def take_steer(self, number: int, *, as_step: bool = True) -> int | None:
        step = self._next_step if as_step else None
        self._rt.append(ev.SteerReceived(session_id=self._sid, steer=number, step=step))
        if as_step:
            self._next_step += 1
        return step

    def transcript(self) -> list[TranscriptEvent]:
        return [r.event for r in self._rt.store.read_transcript(self._sid)
                if isinstance(r.event, ev.ModelPrompted | ev.ModelReplied)]

    async def record_turn(self, *events: TranscriptEvent | ev.SteerReceived) -> None:
        self._rt.append(*events)

    async def over_budget(self, reason: str, round: int) -> bool:
        name = self._input.session.name
        question = (f"{name} is over its budget ({reason}). Let it go on with another "
                    f"budget's worth? (budget {round})")
        if not any(d.session_id == self._sid and d.question == question
                   for d in self._rt.state.decisions.values()):
            self._rt.append(ev.BudgetExceeded(session_id=self._sid, reason=reason))
        answer = await self.ask(question, ("continue", "stop"), "stop", blocking=True)
        s = self._rt.state.sessions.get(self._sid)
        if answer == "continue" and s is not None and s.health == Health.OVER_BUDGET:
            self._rt.append(ev.BudgetExtended(session_id=self._sid))
        return answer == "continue"


async def run_session(rt: Runtime, session_id: str, resume: bool, reason: str) -> None:
    """Prepare the worktree, run the worker, and record how it ended. A session meant
    for the cluster (`[compute]`) runs there until its work first comes back."""
    s = rt.state.sessions[session_id]
    task = rt.state.tasks[s.task_id]
    if remote_session.goes_remote(rt, s, task):
        try:
            if await remote_session.run_remote(rt, session_id, resume, reason,
                                               SessionContext):
                return
        except Exception as e:  # it ends this session, not the loop
            log.exception("session %s on the cluster failed", s.name)
            rt.append(ev.WorkerFailed(session_id=session_id,
                                      reason=f"could not run it on the cluster: {e}"))
            return
        s = rt.state.sessions[session_id]  # unreachable, `fallback = "local"`: run here
    root = rt.project.root
    path = Path(s.worktree) if s.worktree else rt.project.worktrees / s.name
    target = s.target_branch or rt.config.project.target_branch
    try:
        taken = None if resume or s.worktree else await warm.take(rt, path, s.branch, target)
        if taken is not None:
            base = taken
        else:
            base = await asyncio.to_thread(
                worktrees.create_worktree, root, path, s.branch, s.base_commit or target
            )
    except Exception as e:  # noqa: BLE001 - any git failure ends this session, not the loop
        rt.append(ev.WorkerFailed(session_id=session_id,
                                  reason=f"could not prepare the worktree: {e}"))
        return
    if resume:
        rt.append(ev.SessionResumed(session_id=session_id, reason=reason or "resumed"))
    else:
        rt.append(ev.SessionStarted(session_id=session_id, worktree=str(path),
                                    base_commit=base, target_branch=target))
    if (failure := await environment.prepare(rt, session_id, path)) is not None:
        rt.append(ev.WorkerFailed(session_id=session_id, reason=failure))
        return
    worker_input = WorkerInput(
        task=task, session=s, worktree=path, config=rt.config,
        resume_step=s.steps_done if resume else 0, notes=tuple(s.feedback), repo_root=root,
    )
    outcome = await _run_worker(rt, worker_input)
    if isinstance(outcome, Failed):
        rt.append(ev.WorkerFailed(session_id=session_id, reason=outcome.reason))
        return
    async with rt.worktree_lock(session_id):  # not while a moved target is brought in
        try:
            head = await asyncio.to_thread(
                worktrees.commit_all, root, path, f"{task.title}\n\n{outcome.summary}".strip(),
                rt.config.environment.copy,  # the copied-in files are never part of it
            )
        except Exception as e:  # noqa: BLE001
            rt.append(ev.WorkerFailed(session_id=session_id,
                                      reason=f"could not commit the worker's changes: {e}"))
            return
        rt.append(ev.WorkerFinished(session_id=session_id, summary=outcome.summary,
                                    head_commit=head))


async def _run_worker(rt: Runtime, worker_input: WorkerInput) -> Outcome:
    try:
        worker = make_worker(worker_input.session.backend, rt.config)
    except Exception as e:  # noqa: BLE001
        return Failed(str(e))
    try:
        return await worker.run(SessionContext(rt, worker_input))
    except asyncio.CancelledError:
        raise
    except Exception as e:
        log.exception("worker %s crashed", worker_input.session.name)
        return Failed(f"the {worker.name} worker crashed: {type(e).__name__}: {e}")


