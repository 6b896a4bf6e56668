"""Timers: `[[timers]]` entries that file a task on a schedule.

`plan` is pure: from the configured timers, what the log says of each (`TimerMark`) and
the time, it says which to arm and which fire. A timer is armed when first seen (or when
its schedule changes) and fires when its next due time, counted from its last run, has
come. Runs missed while the manager was down are made up by ONE run when it starts,
which says how many were missed; a run whose previous task is still open is skipped and
logged instead of piling up a second copy of the same work.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from .. import events as ev
from ..config import TimerConfig
from ..core.schedule import Every, Schedule, parse_schedule
from ..manager.ids import new_id
from ..manager.runtime import Runtime
from ..state import LIVE, State
from ..world_state import TimerMark

log = logging.getLogger(__name__)
MAX_SLEEP_SECONDS = 30.0  # wake at least this often, so a changed clock is noticed
_MAX_COUNT = 10_000  # missed runs counted at most


@dataclass(frozen=True)
class Arm:
    timer: str
    schedule: str


@dataclass(frozen=True)
class Fire:
    timer: TimerConfig
    due_at: float  # the latest due time that has passed
    missed: int  # due times before it that passed without a run
    skipped: str = ""  # why no task is filed this time


def schedule_of(timer: TimerConfig) -> Schedule:
    return parse_schedule(every=timer.every, cron=timer.cron)


def next_due(schedule: Schedule, mark: TimerMark) -> float:
    if isinstance(schedule, Every):
        return schedule.next_due(mark.last_due, mark.last_due)
    return schedule.next_due(mark.last_due)


def plan(timers: list[TimerConfig], state: State, now: float) -> list[Arm | Fire]:
    out: list[Arm | Fire] = []
    for timer in timers:
        mark = state.world.timers.get(timer.name)
        if mark is None or mark.schedule != timer.schedule_text:
            out.append(Arm(timer.name, timer.schedule_text))
            continue
        schedule = schedule_of(timer)
        due = next_due(schedule, mark)
        if due > now:
            continue
        latest, missed = due, 0
        while missed < _MAX_COUNT:
            following = schedule.next_due(latest, latest)
            if following > now:
                break
            latest, missed = following, missed + 1
        out.append(Fire(timer, latest, missed, skipped=_still_open(state, mark.task_id)))
    return out


def next_wake(timers: list[TimerConfig], state: State, now: float) -> float:
    """Seconds until the next timer is due (at most MAX_SLEEP_SECONDS)."""
    wake = now + MAX_SLEEP_SECONDS
    for timer in timers:
        mark = state.world.timers.get(timer.name)
        if mark is not None and mark.schedule == timer.schedule_text:
            wake = min(wake, next_due(schedule_of(timer), mark))
    return max(0.0, wake - now)


def _still_open(state: State, task_id: str) -> str:
    task = state.tasks.get(task_id) if task_id else None
    if task is None or task.verdict == "declined":
        return ""
    live = [state.sessions[s] for s in task.sessions if state.sessions[s].state in LIVE]
    if task.verdict == "pending" or not task.sessions or live:
        return f"the previous run's task {task_id} is still open"
    return ""


def task_body(fire: Fire) -> str:
    body = fire.timer.body.strip() or fire.timer.title
    if fire.missed:
        body += (f"\n\n(This run makes up for {fire.missed} earlier run(s) of the timer "
                 f"`{fire.timer.name}` missed while Loopwright was not running.)")
    return body + "\n"


async def run_timers(rt: Runtime) -> None:
    """The timers' owned task: arm, fire, sleep until the next is due; forever."""
    timers = rt.config.timers
    while True:
        for step in plan(timers, rt.state, time.time()):
            await rt.append_applied(*_events(step))
        await asyncio.sleep(next_wake(timers, rt.state, time.time()))


def _events(step: Arm | Fire) -> list[ev.Event]:
    if isinstance(step, Arm):
        return [ev.TimerArmed(timer=step.timer, schedule=step.schedule)]
    t = step.timer
    if step.skipped:
        return [ev.TimerFired(timer=t.name, due_at=step.due_at, missed=step.missed,
                              skipped=step.skipped)]
    task_id = new_id("t")
    return [
        ev.TimerFired(timer=t.name, due_at=step.due_at, task_id=task_id, missed=step.missed),
        ev.TaskFiled(task_id=task_id, title=t.title, body=task_body(step), source="timer",
                     labels=tuple(t.labels), priority=t.priority, backend=t.backend,
                     origin=f"timer:{t.name}"),
    ]
