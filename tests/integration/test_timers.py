"""Timers: armed when first seen, fired on schedule, missed runs made up once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, configure, init
from loopwright import events as ev
from loopwright.config import TimerConfig
from loopwright.state import State, apply
from loopwright.store import Store
from loopwright.triggers.timers import Arm, Fire, next_wake, plan

DAY = 86400.0
NOW = 1_750_000_000.0  # any fixed instant: no clock in these tests


def daily(name: str = "deps") -> TimerConfig:
    return TimerConfig(name=name, title="Check dependencies", every="24h")


def folded(*timed: tuple[float, ev.Event]) -> State:
    st = State()
    for seq, (at, e) in enumerate(timed, 1):
        apply(st, ev.Record(seq, at, e))
    return st


def test_a_new_timer_is_armed_not_fired() -> None:
    assert plan([daily()], State(), NOW) == [Arm("deps", "every 24h")]


def test_a_timer_fires_when_its_period_has_passed_since_its_last_run() -> None:
    armed = folded((NOW - DAY - 5, ev.TimerArmed(timer="deps", schedule="every 24h")))
    [fire] = plan([daily()], armed, NOW)
    assert isinstance(fire, Fire) and fire.due_at == NOW - 5 and fire.missed == 0
    assert plan([daily()], armed, NOW - 10) == []
    assert next_wake([daily()], armed, NOW - 10) == 5


def test_runs_missed_while_stopped_are_made_up_by_one_run_that_counts_them() -> None:
    st = folded(
        (NOW - 5 * DAY, ev.TimerArmed(timer="deps", schedule="every 24h")),
        (NOW - 3.5 * DAY, ev.TimerFired(timer="deps", due_at=NOW - 3.5 * DAY, task_id="")),
    )
    [fire] = plan([daily()], st, NOW)
    assert isinstance(fire, Fire)
    assert fire.due_at == NOW - 0.5 * DAY and fire.missed == 2


def test_a_changed_schedule_rearms_the_timer() -> None:
    st = folded((NOW - 2 * DAY, ev.TimerArmed(timer="deps", schedule="every 24h")))
    weekly = TimerConfig(name="deps", title="t", cron="@weekly")
    assert plan([weekly], st, NOW) == [Arm("deps", "cron @weekly")]


def test_a_run_is_skipped_while_the_previous_runs_task_is_open() -> None:
    st = folded(
        (NOW - 2 * DAY, ev.TimerArmed(timer="deps", schedule="every 24h")),
        (NOW - DAY, ev.TimerFired(timer="deps", due_at=NOW - DAY, task_id="t-1")),
        (NOW - DAY, ev.TaskFiled(task_id="t-1", title="x", body="", source="timer")),
    )
    [fire] = plan([daily()], st, NOW)
    assert isinstance(fire, Fire) and "t-1 is still open" in fire.skipped
    declined = folded(
        (NOW - 2 * DAY, ev.TimerArmed(timer="deps", schedule="every 24h")),
        (NOW - DAY, ev.TimerFired(timer="deps", due_at=NOW - DAY, task_id="t-1")),
        (NOW - DAY, ev.TaskFiled(task_id="t-1", title="x", body="", source="timer")),
        (NOW - DAY, ev.TaskDeclined(task_id="t-1", reason="no")),
    )
    [fire] = plan([daily()], declined, NOW)
    assert isinstance(fire, Fire) and not fire.skipped


SCRIPT = '```loopwright-script\n{"append": "log.txt", "content": "tick\\n"}\n```\n'


@pytest.fixture
def project_repo(make_repo: MakeRepo) -> Path:
    return make_repo({"README.md": "# x\n", "Makefile": "test:\n\t@echo ok\n"})


async def test_a_timer_files_its_task_and_the_task_lands(project_repo: Path) -> None:
    project = init(project_repo)
    configure(project, '[[timers]]\nname = "tick"\ntitle = "Tick"\nevery = "1s"\n'
                       f"body = '''{SCRIPT}'''\n[parallel]\npredict_conflicts = false\n")
    async with Running(project) as run:
        st = await run.until(lambda st: any(s.state.value == "landed"
                                            for s in st.sessions.values()))
        fired = [e for e in run.events(ev.TimerFired) if isinstance(e, ev.TimerFired)]
    task = next(t for t in st.tasks.values() if t.source == "timer")
    assert task.title == "Tick" and task.origin == "timer:tick"
    assert fired[0].task_id == task.task_id
    assert (project_repo / "log.txt").read_text().startswith("tick\n")


async def test_a_restart_makes_up_missed_runs_once(project_repo: Path) -> None:
    project = init(project_repo)
    configure(project, '[[timers]]\nname = "nightly"\ntitle = "Nightly"\nevery = "24h"\n'
                       '[gate]\nauto_land = false\n[parallel]\npredict_conflicts = false\n')
    store = Store(project.db_path)  # what a manager that ran three days ago left
    store.append(ev.TimerArmed(timer="nightly", schedule="every 24h"),
                 ev.TimerFired(timer="nightly", due_at=time.time() - 3 * DAY - 60))
    store.close()
    async with Running(project) as run:
        await run.until(lambda st: len(st.tasks) == 1)
        await run.until(lambda st: bool(st.sessions))
        fired = [e for e in run.events(ev.TimerFired) if isinstance(e, ev.TimerFired)]
        st = run.state()
    assert len(fired) == 2 and fired[1].missed == 2 and fired[1].task_id
    [task] = st.tasks.values()
    assert "makes up for 2 earlier run(s)" in task.body
