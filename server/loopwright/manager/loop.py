"""The manager: reads the log in order, folds it, decides, and carries effects out.

Every record, whoever appended it (this process, the CLI, the editor), goes through
`_handle` in log order: applied to the state, then `decide` says what follows. Effects
run as owned tasks in a registry keyed by `EffectKey` that logs failures and marks the
session, so nothing is fire-and-forget and nothing is lost. The shell decides nothing:
what a step reports without a record goes back to `decide` too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from .. import __version__, store_snapshot
from .. import events as ev
from ..attention.supervisor import Supervisor
from ..backends import make_triager, warm_up_model_sdk
from ..config import Config
from ..core.ids import new_id, slug, unique_name
from ..core.keys import EffectKey
from ..project import Project
from ..push.sender import Pusher
from ..runtime import Runtime
from ..state import State, apply, refused
from ..store import Store, secrets_from_environment
from . import checks_run, environment, intake, pipeline, preview, warm
from . import decide as d
from .effects import SESSION_KINDS, Keyed
from .lock import ManagerLock
from .reload import ConfigWatcher
from .session import run_session
from .triage import triage_task
from .world import LISTENING, WorldTriggers

if TYPE_CHECKING:  # the manager agent's host loads the model SDK: not at import
    from .steward import Steward

log = logging.getLogger(__name__)
CHECKPOINT_SECONDS = 2.0
IDLE_WAIT_SECONDS = 5.0


class Manager:
    def __init__(self, project: Project, config: Config, *, once: bool = False,
                 watch_inbox: bool = True, clock: Callable[[], float] = time.time,
                 webhook: str = "") -> None:
        self.project, self._config, self.once = project, config, once
        self.webhook = webhook  # `[HOST:]PORT` to receive GitHub deliveries on; "" none
        self._world: WorldTriggers | None = None
        self._clock = clock  # stamps the log, drives timers and attention; tests drive it
        self._attention: Supervisor | None = None
        self._push: Pusher | None = None
        self.watch_inbox = watch_inbox
        self._tasks: dict[EffectKey, asyncio.Task[None]] = {}
        self._landing = asyncio.Lock()
        self._stop = asyncio.Event()
        # Set once this manager holds the repository's lock and has said so in the log.
        self.started = asyncio.Event()
        self._rt: Runtime | None = None
        self._triager = make_triager(project, config)
        self._steward: Steward | None = None  # the manager agent's host, when configured
        if config.manager.agent != "off":  # it loads the model SDK: only when it is used,
            from . import steward  # noqa: F401  and before the loop runs

    @property
    def config(self) -> Config:
        """The configuration in force: the one it started with, or a reload of it."""
        return self._rt.config if self._rt is not None else self._config

    @property
    def state(self) -> State:
        assert self._rt is not None, "the manager is not running"
        return self._rt.state

    @property
    def current_state(self) -> State | None:
        """The state as this manager has applied it; None before it starts."""
        return self._rt.state if self._rt is not None else None

    @property
    def steward(self) -> Steward | None:
        """The manager agent's host, when `[manager] agent` is on."""
        return self._steward

    def stop(self) -> None:
        self._stop.set()
        if self._rt is not None:
            self._rt.store.wake()  # the loop waits on the log: end that wait now

    async def run(self) -> None:
        """Run until stopped (or, with `once`, until nothing moves without the human)."""
        lock = ManagerLock(self.project.lock_path)
        lock.acquire()
        store = Store(self.project.db_path, clock=self._clock)
        store.also_redact(secrets_from_environment(names=[self.config.webhook.secret_env,
                                                          self.config.push.token_env]))
        try:
            await self._run(store)
        finally:
            await self._cancel_all()
            if self._push is not None:  # its deliveries are over: their HTTP client closes
                await self._push.aclose()
            store.append(ev.ManagerStopped(pid=os.getpid(),
                                           reason="done" if self.once else "stopped"))
            store.close()
            lock.release()

    async def _run(self, store: Store) -> None:
        # The last snapshot and what came after it; its history part stays encoded (the
        # manager reads the fold's indices, not the history: state_parts.py).
        state = store_snapshot.load(store, history=False)
        snapshots = store_snapshot.Checkpoints(state.last_seq)
        self._rt = rt = Runtime(self.project, self._config, store, state)
        rt.append(ev.ManagerStarted(pid=os.getpid(), host=socket.gethostname(),
                                    version=__version__))
        self.started.set()
        self._install_signal_handlers()
        store.checkpoint_elsewhere()
        self._spawn(EffectKey("checkpoint"), _checkpoint_every(store, CHECKPOINT_SECONDS))
        self._spawn(EffectKey("config"), ConfigWatcher(rt).run())
        self._spawn(EffectKey("warm"), warm.keep_warm(rt))
        self._spawn(EffectKey("sdk-warm-up"), warm_up_model_sdk(self._config))
        self._attention = Supervisor(rt, self._spawn)
        self._attention.start()
        self._spawn(EffectKey("attention"), self._attention.run())
        if self._config.manager.agent != "off" or state.manager.agent:
            from .steward import Steward  # the model SDK: only once the manager has started

            self._steward = Steward(rt)
            self._spawn(EffectKey("steward"), self._steward.run())
        self._push = Pusher(rt, self._spawn)
        self._push.start()
        inbox = intake.Intake(rt, self._spawn)
        inbox.start(watch=self.watch_inbox)
        self._world = world = WorldTriggers(rt, self._spawn, webhook=self.webhook)
        try:
            world.start()  # builds, timers, GitHub, webhook, sessions meeting
            for effect in d.recover(state, self.config):
                self._execute(effect)
            while not self._stop.is_set():
                batch = store.read_after(state.last_seq, limit=64)
                for record in batch:
                    self._handle(record)
                self._schedule()  # once a batch: it looks at every session
                if (body := snapshots.due(state)) is not None:  # encoded here, written
                    self._spawn(EffectKey("snapshot"), asyncio.to_thread(  # off the loop
                        store.write_snapshot, store_snapshot.fold_version(),
                        state.last_seq, body, own_connection=True))
                if batch:
                    await asyncio.sleep(0)  # let owned tasks run between batches
                    continue
                if self.once and self._idle() and inbox.idle() and world.idle():
                    return
                # Woken by any commit (the WAL watch) or a stop; nothing else is news.
                await store.wait(0.05 if self.once else IDLE_WAIT_SECONDS)
        finally:
            inbox.stop()
            world.stop()
            await checks_run.close(rt)

    def _handle(self, record: ev.Record) -> None:
        rt = self._rt
        assert rt is not None
        applies = refused(rt.state, record.event) is None
        apply(rt.state, record)
        if applies:  # a stale event changes nothing, so nothing follows from it
            for effect in d.decide(rt.state, record.event, self.config):
                self._execute(effect)
        if self._attention is not None:
            self._attention.observe(record)
        if self._steward is not None:
            self._steward.observe(record)
        if self._push is not None:
            self._push.observe(record)

    def _schedule(self) -> None:
        rt = self._rt
        assert rt is not None
        starting = frozenset(k.id for k in self._tasks if k.kind == "worker")
        for effect in d.schedule(rt.state, self.config.manager.max_parallel, starting):
            self._execute(effect)

    def _idle(self) -> bool:
        """Nothing can move without the human: every live task waits on them."""
        rt = self._rt
        assert rt is not None
        waiting = {EffectKey(kind, sid) for sid in rt.waiting_on_human
                   for kind in ("worker", "land")}
        # always there; intake says if it has work
        waiting.update(EffectKey(kind) for kind in ("intake", "checkpoint", "attention",
                                                    "config", "snapshot", "warm"))
        waiting |= LISTENING  # the triggers' listeners; WorldTriggers.idle() says
        if self._steward is None or self._steward.idle():
            waiting.add(EffectKey("steward"))
        if self._push is not None:  # a push held, or waiting to retry
            waiting.update(k for k in self._tasks if self._push.idle(k))
        # a running preview waits for the human to look at it
        return all(key in waiting or key.kind == "preview" for key in self._tasks)

    # --- effects ---------------------------------------------------------------

    def _execute(self, effect: d.Effect) -> None:
        rt, world = self._rt, self._world
        assert rt is not None and world is not None
        match effect:
            case d.QueueSession():
                self._queue_session(effect)
            case d.Record(events=events):
                rt.append(*events)
            case d.StopWorker(session_id=sid):
                for kind in SESSION_KINDS:
                    if (task := self._tasks.get(EffectKey(kind, sid))) is not None:
                        task.cancel()
                rt.waiting_on_human.discard(sid)
            case d.StopPreview(session_id=sid, reason=reason):
                if (task := self._tasks.get(EffectKey("preview", sid))) is not None:
                    task.cancel()
                preview.record_stopped(rt, sid, reason)
            case d.DeliverAnswer(decision_id=did, answer=answer):
                future = rt.answers.get(did)
                if future is not None and not future.done():
                    future.set_result(answer)
            case d.CheckBuild(why=why):
                world.check_build(why)
            case d.BringUpToDate(onto=onto):
                world.bring_up_to_date(onto)
            case d.WriteIssueStatuses():
                world.write_statuses()
            case _:
                self._spawn(effect.key, self._carry_out(effect))

    async def _carry_out(self, effect: Keyed | d.Later) -> None:
        """The owned task of a keyed effect."""
        rt = self._rt
        assert rt is not None
        match effect:
            case d.Later(seconds=seconds, effect=then):
                await asyncio.sleep(seconds)
                await self._carry_out(then)
            case d.Triage(task_id=tid):
                if self._steward is not None and self._steward.triages():
                    return  # the manager agent triages it, woken by the task
                await triage_task(rt, self._triager, tid)
            case d.StartWorker(session_id=sid, resume=resume, reason=reason):
                await run_session(rt, sid, resume, reason)
            case d.RunChecks(session_id=sid):
                await pipeline.run_checks(rt, sid)
            case d.PrepareReview(session_id=sid):
                await pipeline.prepare_review(rt, sid)
            case d.Land(session_id=sid, again=again):
                await self._landing_of(sid, again)
            case d.AdvanceTarget(session_id=sid, merged_commit=merged, target_commit=old):
                blocked = await pipeline.advance(rt, sid, merged, old, self._landing)
                if blocked is not None:  # nothing new to record: decide says what next
                    for step in d.decide(rt.state, blocked, self.config):
                        self._execute(step)
            case d.RemoveWorktree(session_id=sid, delete_branch=delete):
                await pipeline.remove_worktree(rt, sid, delete)
            case d.StartPreview(session_id=sid):
                await preview.run_preview(rt, sid)
            case d.EndEnvironment(session_id=sid):
                await environment.end(rt, sid)
            case _:
                self._execute(effect)

    def _queue_session(self, effect: d.QueueSession) -> None:
        rt = self._rt
        assert rt is not None
        task = rt.state.tasks[effect.task_id]
        name = unique_name(slug(task.title), rt.state.session_names)
        suffix = f"-{effect.attempt}" if effect.attempt > 1 else ""
        rt.append(ev.SessionQueued(
            session_id=new_id("s"), task_id=task.task_id, name=name,
            branch=f"loopwright/{task.task_id}-{slug(task.title, 24)}{suffix}",
            backend=task.backend or self.config.manager.default_backend,
            attempt=effect.attempt, note=effect.note,
        ))

    def _landing_of(self, session_id: str, again: bool) -> Coroutine[Any, Any, None]:
        """Landing in the configured mode: merge here (one at a time, each re-checked on
        the merged result: the merge queue), or open a pull request."""
        if self._world is not None:
            return self._world.land(session_id, self._landing, again)
        assert self._rt is not None
        return pipeline.land_session(self._rt, session_id, self._landing, again)

    def _spawn(self, key: EffectKey | str, coro: Coroutine[Any, Any, None]) -> None:
        key = key if isinstance(key, EffectKey) else EffectKey(key)
        running = self._tasks.get(key)
        # Already under way: effects are idempotent by key. A task that has ended (its
        # callback not yet run) or that asks for its own next step is replaced.
        if (running is not None and not running.done()
                and running is not asyncio.current_task()):
            coro.close()
            return
        task = asyncio.get_running_loop().create_task(coro, name=str(key))
        self._tasks[key] = task
        task.add_done_callback(lambda t: self._finished(key, t))

    def _finished(self, key: EffectKey, task: asyncio.Task[None]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        log.error("%s failed: %r", key, error, exc_info=error)
        rt = self._rt
        if rt is None or key.id not in rt.state.sessions:
            return
        reason = f"{key.kind} failed: {type(error).__name__}: {error}"
        if key.kind == "land":
            rt.append(ev.LandingFailed(session_id=key.id, reason=reason))
        elif key.kind in ("worker", "checks", "review"):
            rt.append(ev.WorkerFailed(session_id=key.id, reason=reason))

    async def _cancel_all(self) -> None:
        # Until none is left: a task ending may spawn another (a landing asks for a build
        # check), and one spawned after the cancel would otherwise run on, unowned.
        while tasks := list(self._tasks.values()):
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.stop)
            except (NotImplementedError, RuntimeError):  # not the main thread
                return


async def _checkpoint_every(store: Store, seconds: float) -> None:
    done = -1
    while True:
        await asyncio.sleep(seconds)
        if (last := store.last_seq()) != done:  # nothing appended: nothing to copy
            await asyncio.to_thread(store.checkpoint)
            done = last


def thread_pool() -> ThreadPoolExecutor:
    """Threads for the blocking git and file work a process hosting the manager does:
    one per core. More only contend for the GIL with the event loop: with 200 sessions
    on 2 cores, the default pool (cores + 4) gave a p99 loop lag of 23 ms, this one 8 ms
    (bench/many_sessions.py). The process that owns the loop installs it."""
    return ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2),
                              thread_name_prefix="loopwright")
