"""A simulated day: 50 scripted tasks through the real manager, and a scripted human who
answers every interruption after a fixed delay, through the real API.

Some tasks ask questions (blocking or not), some are too big to land on their own, some
fail their checks once, some stall (silent, looping, failing the same command, making no
change), some edit the same file. Thresholds are scaled from minutes to seconds. It
prints, from the event log alone:
- interruptions per landed change (goal <= 1.0);
- silent idle: time something waited on the human with no notification (goal 0 s);
- blocked beyond the human's delay: for each wait on the human, the time it was blocked
  minus the time the human took from notification to answer (goal <= 1 s);
- every stall flagged within its threshold (plus one supervisor tick);
- time lost to stalls.

    python bench/simulated_day.py [--report day.html]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from _common import git, goal, sample_repo
from loopwright import events as ev
from loopwright.config import Config
from loopwright.insight.history import History
from loopwright.insight.metrics import compute
from loopwright.insight.report import render_report
from loopwright.manager.api import ActionRefused, FrontEndApi
from loopwright.manager.loop import Manager
from loopwright.project import Project
from loopwright.state import State

HUMAN_DELAY = 2.0  # seconds from a notification to the human's answer
ARRIVAL = 0.35  # seconds between tasks
TICK = 0.25
HEARTBEAT, NO_DIFF_SECONDS, NO_DIFF_TURNS, REPEATS, FAILS = 3.0, 6.0, 8, 4, 3
FOCUS = (14.0, 20.0)  # the human focuses from 14 s to 20 s after the first task
DEADLINE = 170.0
FIX = '\n```loopwright-script\n{"delete": "BROKEN"}\n{"finish": "removed the marker"}\n```\n'


def script(*steps: Mapping[str, object]) -> str:
    return "```loopwright-script\n" + "\n".join(json.dumps(s) for s in steps) + "\n```\n"


def note(n: int) -> Mapping[str, object]:
    return {"write": f"notes/task-{n:02d}.txt", "content": f"task {n}\n"}


def tasks() -> list[tuple[str, str, str]]:
    """(kind, title, body) for the day, interleaved so each kind arrives throughout."""
    kinds = (["plain"] * 16 + ["same_file"] * 6 + ["ask"] * 6 + ["ask_blocking"] * 6
             + ["review"] * 6 + ["fails_once"] * 4 + ["silent"] * 2
             + ["repeats", "failing", "no_diff_turns", "no_diff_time"])
    order = sorted(range(len(kinds)), key=lambda i: (i * 37) % len(kinds))
    return [(kinds[i], f"{kinds[i]} {n:02d}", body(kinds[i], n)) for n, i in enumerate(order)]


def body(kind: str, n: int) -> str:
    fin: Mapping[str, object] = {"finish": f"did task {n}"}
    match kind:
        case "plain":
            return script({"progress": "writing"}, note(n), fin)
        case "same_file":
            slot = f"slot {n:02d}"
            return script({"run": f"sed -i 's/^{slot} = todo$/{slot} = done/' shared.txt"}, fin)
        case "ask":
            return script({"ask": "Keep the old name?", "options": ["yes", "no"],
                           "default": "yes"}, note(n), fin)
        case "ask_blocking":
            return script({"ask": "Which format?", "options": ["json", "toml"],
                           "blocking": True}, note(n), fin)
        case "review":
            lines = "".join(f"line {k}\n" for k in range(30))
            return script({"write": f"big/task-{n:02d}.txt", "content": lines}, fin)
        case "fails_once":  # no finish: the human's note carries the next steps
            return script(note(n), {"write": "BROKEN", "content": "x\n"})
        case "silent":
            return script(note(n), {"sleep": 60}, fin)
        case "repeats":
            return script(*[{"run": "ls"}] * REPEATS, {"sleep": 1.5}, note(n), fin)
        case "failing":
            return script(*[{"run": "test -e READY"}] * FAILS, {"sleep": 1.5}, note(n), fin)
        case "no_diff_turns":
            thinking = [{"progress": f"thinking {k}"} for k in range(NO_DIFF_TURNS)]
            return script(*thinking, {"sleep": 1.5}, note(n), fin)
        case "no_diff_time":
            pondering: list[Mapping[str, object]] = []
            for k in range(4):
                pondering += [{"progress": f"pondering {k}"}, {"sleep": 2.0}]
            return script(*pondering, note(n), fin)
    raise ValueError(kind)


def configure(root: Path) -> Config:
    cfg = Config()
    cfg.manager.max_parallel = 6
    cfg.checks.command = "test ! -e BROKEN"
    cfg.build.on_landing = False  # the target's own build check is another benchmark's
    cfg.attention.tick_seconds = TICK
    cfg.attention.digest_minutes = 0.25
    cfg.stalls.heartbeat_minutes = HEARTBEAT / 60
    cfg.stalls.no_diff_minutes = NO_DIFF_SECONDS / 60
    cfg.stalls.no_diff_turns = NO_DIFF_TURNS
    cfg.stalls.repeated_call_limit = REPEATS
    cfg.stalls.failing_check_repeats = FAILS
    cfg.stalls.kill_on = ["silent"]
    (root / "shared.txt").write_text("".join(f"slot {n:02d} = todo\n\n\n" for n in range(50)))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "slots")
    return cfg


@dataclass
class Human:
    """Answers what interrupts, HUMAN_DELAY after it arrives; focuses once."""

    api: FrontEndApi
    start: float

    async def run(self, stop: asyncio.Event) -> None:
        due: dict[str, float] = {}
        focused = False
        while not stop.is_set():
            now = time.time()
            st = self.api.refresh()
            elapsed = now - self.start
            if not focused and elapsed >= FOCUS[0]:
                self.api.focus(True, (FOCUS[1] - FOCUS[0]) / 60)
                focused = True
            for n in st.attention.interrupting():
                due.setdefault(n.notification_id, now + HUMAN_DELAY)
            for nid, when in list(due.items()):
                if when <= now:
                    del due[nid]
                    self._act(st, nid)
            await asyncio.sleep(0.02)

    def _act(self, st: State, nid: str) -> None:
        n = st.attention.notes.get(nid)
        if n is None:
            return  # withdrawn meanwhile: settled elsewhere, or the session ended
        try:
            if n.kind == "needs_review":
                s = st.sessions[n.session_id]
                if any("check" in reason.lower() for reason in s.gate_reasons):
                    self.api.request_changes(n.ref, "The checks fail: remove BROKEN." + FIX)
                else:
                    self.api.approve(n.ref)
            elif n.ref in st.decisions:
                d = st.decisions[n.ref]
                self.api.answer(n.ref, d.default or (d.options[0] if d.options else "ok"))
        except ActionRefused:
            pass


async def day(project: Project, cfg: Config) -> list[ev.Record]:
    manager = Manager(project, cfg, watch_inbox=False)
    runner = asyncio.create_task(manager.run())
    api = FrontEndApi.open(project)
    start = time.time()
    stop = asyncio.Event()
    human = asyncio.create_task(Human(api, start).run(stop))
    planned = tasks()
    for _, title, text in planned:
        api.dispatch(title, text)
        await asyncio.sleep(ARRIVAL)
    while time.time() - start < DEADLINE:
        st = api.refresh()
        if all(t.sessions for t in st.tasks.values()) and all(
                s.terminal for s in st.sessions.values()):
            break
        await asyncio.sleep(0.1)
    stop.set()
    await human
    manager.stop()
    await runner
    records = api.store.read_after(0)
    api.close()
    return records


@dataclass
class Wait:
    """One wait on the human, as the log tells it."""

    session_id: str
    ref: str  # the decision, or the session for a review
    review: bool
    asked: float
    raised: float | None = None
    answered: float | None = None


def blocked_beyond(records: list[ev.Record]) -> list[float]:
    """For each wait on the human (a blocking question, a review): from the wait's start
    until the work went on, minus the human's own part (notification to answer)."""
    open_: list[Wait] = []
    out: list[float] = []
    for r in records:
        e = r.event
        match e:
            case ev.DecisionAsked(blocking=True):
                open_.append(Wait(e.session_id, e.decision_id, False, r.at))
            case ev.GateDecided(auto_land=False):
                open_.append(Wait(e.session_id, e.session_id, True, r.at))
            case ev.NotificationRaised():
                for w in open_:
                    if w.ref == e.ref and w.raised is None:
                        w.raised = r.at
            case ev.DecisionAnswered() | ev.ChangeApproved() | ev.ChangesRequested():
                ref = e.decision_id if isinstance(e, ev.DecisionAnswered) else e.session_id
                for w in open_:
                    if w.ref == ref and w.answered is None:
                        w.answered = r.at
            case _:
                pass
        for w in list(open_):
            if w.answered is not None and w.raised is not None and _went_on(e, w):
                out.append((r.at - w.asked) - (w.answered - w.raised))
                open_.remove(w)
    return out


def _went_on(e: ev.Event, w: Wait) -> bool:
    """The worker's next step after an answer; the landing or next attempt after a review."""
    if getattr(e, "session_id", None) != w.session_id:
        return False
    if w.review:
        return isinstance(e, ev.LandingStarted | ev.SessionResumed)
    return isinstance(e, ev.WorkerActed | ev.WorkerProgressed | ev.CommandRan)


def stall_delays(records: list[ev.Record]) -> dict[str, float]:
    """Per stalled session: seconds from the threshold being crossed to the flag."""
    limits = {"silent": HEARTBEAT, "no_diff_change": NO_DIFF_SECONDS}
    last_event: dict[str, float] = {}
    out: dict[str, float] = {}
    for r in records:
        e = r.event
        if isinstance(e, ev.StallDetected):
            if "turns" in e.evidence or e.signal in ("repeated_call", "failing_check"):
                crossed = last_event[e.session_id]  # the step that made the count
            else:
                crossed = e.onset_at + limits[e.signal]
            out[e.session_id] = r.at - crossed
        elif isinstance(e, ev.WorkerActed | ev.WorkerProgressed | ev.CommandRan):
            last_event[e.session_id] = r.at
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", type=Path, help="also write the HTML report here")
    args = parser.parse_args()
    root = sample_repo(20)
    cfg = configure(root)
    project = Project(root)
    project.dot.mkdir(exist_ok=True)
    began = time.monotonic()
    records = asyncio.run(day(project, cfg))
    wall = time.monotonic() - began
    end = records[-1].at
    history = History.of(records)
    m = compute(history, end).overall
    st = history.state
    by_title = {st.tasks[s.task_id].title: s for s in st.sessions.values()}
    stalling = {t for t in by_title if t.split()[0] in (
        "silent", "repeats", "failing", "no_diff_turns", "no_diff_time")}
    flagged = {st.tasks[st.sessions[sid].task_id].title: delay
               for sid, delay in stall_delays(records).items()}
    waits = blocked_beyond(records)
    killed = sum(1 for s in st.sessions.values() if s.state.value == "killed")
    ipl = m.interruptions_per_landed or 0.0
    late = max(flagged.values(), default=0.0)
    print(f"simulated day: {len(by_title)} tasks, {m.landed} landed, {killed} killed as "
          f"stalled, in {wall:.0f} s (human answers {HUMAN_DELAY:.0f} s after each "
          f"interruption; focus {FOCUS[0]:.0f}-{FOCUS[1]:.0f} s)")
    print(f"  interruptions per landed change: {ipl:.2f} ({m.interruptions} / {m.landed})")
    goal("simulated day: interruptions per landed change", ipl, 1.0, "")
    print(f"  silent idle: {m.silent_idle_s:.2f} s")
    goal("simulated day: silent idle", m.silent_idle_s, 0.5, " s")
    print(f"  blocked beyond the human's delay: max {max(waits, default=0):.2f} s, total "
          f"{sum(waits):.2f} s over {len(waits)} waits")
    goal("simulated day: blocked beyond the human's delay, max", max(waits, default=0),
         1.0, " s")
    missing = sorted(stalling - set(flagged))
    false = sorted(set(flagged) - stalling)
    print(f"  stalls flagged: {len(set(flagged) & stalling)}/{len(stalling)}, at most "
          f"{late:.2f} s past the threshold (tick {TICK} s)"
          f"{'; missed ' + ', '.join(missing) if missing else ''}"
          f"{'; flagged wrongly ' + ', '.join(false) if false else ''}")
    goal("simulated day: stalls flagged, missed or wrong", len(missing) + len(false), 0,
         "")
    goal("simulated day: stall flagged past its threshold", late, TICK + 0.5, " s")
    print(f"  lost to stalls: {m.stall_total_s / 60:.2f} min from onset to resolution "
          f"({m.stall_lost_before_flag_s:.1f} s of it before the flag)")
    print(f"  also: {m.decisions} decisions, {m.reviews} reviews ("
          f"{m.review_lines_per_landed or 0:.1f} lines per landed change), median lead "
          f"time {m.lead_time_median_s or 0:.1f} s, peak {m.peak_parallel} in parallel, "
          f"{m.assumption_s:.1f} s worked on an assumption")
    if args.report:
        args.report.write_text(render_report(history, end, "Loopwright · a simulated day"),
                               encoding="utf-8")
        print(f"  report: {args.report}")
    return 0  # a missed goal is reported above; `make bench` goes on to the next bench


if __name__ == "__main__":
    sys.exit(main())
