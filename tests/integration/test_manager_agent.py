"""The manager agent on the real loop: a scripted model over the fake Messages API, the
script worker, real git and SQLite. What a user sees: who answered a worker's question,
what reached the human (notifications), what landed, what the notes say."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from helpers.agent import agent_toml
from helpers.git import MakeRepo
from helpers.loop import Running, configure, init, task_file
from loopwright import events as ev
from loopwright.insight.history import History
from loopwright.insight.metrics import compute
from loopwright.manager.api import ActionRefused
from loopwright.project import Project
from loopwright.state import SessionState, State
from loopwright.testing.fake_api import FakeMessagesAPI
from loopwright.testing.scripted_manager import manager_script

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}
DB = {"ask": "Which database should the cache use?", "options": ["postgres", "sqlite"],
      "default": "sqlite", "blocking": True}
WRITE = {"write": "cache.txt", "content": "cache\n"}


def manager_toml(decides: str = "") -> str:
    more = f"decides = [{decides}]\n" if decides else ""
    return agent_toml(rest=f'[manager]\nagent = "claude"\nbatch_seconds = 0.05\n'
                           f"round_minutes = 0\n{more}")


@pytest.fixture
def project(make_repo: MakeRepo, fake_api: FakeMessagesAPI) -> Project:
    project = init(make_repo(PASSING))
    configure(project, manager_toml())
    fake_api.add_script(manager_script())
    return project


def landed(n: int) -> object:
    return lambda st: sum(s.state == S.LANDED for s in st.sessions.values()) >= n


def interrupts(run: Running, decision_id: str) -> list[ev.Event]:
    return [e for e in run.events(ev.NotificationRaised)
            if isinstance(e, ev.NotificationRaised) and e.ref == decision_id and e.interrupt]


def raised(run: Running, decision_id: str) -> list[ev.Event]:
    return [e for e in run.events(ev.NotificationRaised)
            if isinstance(e, ev.NotificationRaised) and e.ref == decision_id]


def the_question(st: State) -> str:
    return next(d.decision_id for d in st.decisions.values() if d.question == DB["ask"])


async def test_a_question_answered_in_the_notes_never_reaches_the_human(
        project: Project) -> None:
    project.notes_path.write_text(
        "# Notes\n\n- Which database should the cache use? → postgres\n", encoding="utf-8")
    async with Running(project) as run:
        run.api.dispatch("Add a cache", task_file("Add a cache", DB, WRITE))
        st = await run.until(landed(1))
        did = the_question(st)
        d = st.decisions[did]
        assert (d.answer, d.answered_by) == ("postgres", "manager")
        assert interrupts(run, did) == []
        acted = [e for e in run.events(ev.ManagerActed) if isinstance(e, ev.ManagerActed)]
        assert [(a.tool, a.outcome) for a in acted] == [("triage", "done"),
                                                        ("answer", "done")]
        assert "loopwright overrule m2.1" in "\n".join(run.api.digest())
        with pytest.raises(ActionRefused, match="say the right answer"):
            run.api.overrule_act("m2.1")
        entry = run.api.overrule_act("m2.1", answer="sqlite")
        assert (entry.kind, entry.act_id) == ("overruled", "m2.1")
        [acted] = [e for e in run.api.manager_thread().entries if e.act_id == "m2.1"
                   and e.kind == "acted"]
        assert acted.overruled
        m = compute(History.of(run.api.store.read_after(0)), time.time()).manager
        assert m is not None
        assert (m.questions_answered, m.questions_escalated, m.overrules) == (1, 0, 1)


async def test_a_product_question_is_escalated_once_then_learned(project: Project) -> None:
    async with Running(project) as run:
        run.api.dispatch("Add a cache", task_file("Add a cache", DB, WRITE))
        st = await run.until(lambda st: any(d.question == DB["ask"] and
                                            d.decision_id in st.manager.escalated
                                            for d in st.decisions.values()))
        did = the_question(st)
        await run.until(lambda st: st.attention.open_for(st.decisions[did].session_id)
                        is not None)
        [raised] = interrupts(run, did)
        assert isinstance(raised, ev.NotificationRaised)
        [esc] = run.events(ev.ManagerEscalated)
        assert isinstance(esc, ev.ManagerEscalated) and esc.recommendation == "sqlite"
        run.api.answer(did, "postgres")
        await run.until(landed(1))
        await run.until(lambda st: "→ postgres" in _notes(project))
        run.api.dispatch("Add another cache", task_file(
            "Add another cache", DB, {"write": "cache2.txt", "content": "cache\n"}))
        st = await run.until(landed(2))
        records = run.api.store.read_after(0)
        new = interrupts(run, [d for d in st.decisions.values()
                               if d.question == DB["ask"]][-1].decision_id)
    [first, second] = sorted((d for d in st.decisions.values() if d.question == DB["ask"]),
                             key=lambda d: d.asked_at)
    assert first.answered_by == "human" and second.answered_by == "manager"
    assert second.answer == "postgres"
    assert new == []
    m = compute(History.of(records), time.time())
    assert m.manager is not None
    assert (m.manager.questions_answered, m.manager.questions_escalated) == (1, 1)
    assert m.overall.decisions == 1  # the human's one answer; the manager's is not theirs
    assert "- Which database should the cache use? → postgres" in _notes(project)


async def test_an_act_outside_decides_is_refused_and_asked(
        project: Project) -> None:
    configure(project, manager_toml('"triage"'))
    project.notes_path.write_text("- Which database should the cache use? → postgres\n",
                                  encoding="utf-8")
    async with Running(project) as run:
        run.api.dispatch("Add a cache", task_file("Add a cache", DB, WRITE))
        st = await run.until(lambda st: any(a.outcome == "refused"
                                            for a in st.manager.acts.values()))
        [refused] = [a for a in st.manager.acts.values() if a.outcome == "refused"]
        proposal = st.decisions[refused.decision_id]
        did = the_question(st)
        assert refused.tool == "answer"
        assert "`worker_questions` is not in [manager] decides" in refused.result
        assert proposal.question.startswith("The manager would answer")
        assert st.decisions[did].open  # nobody answered the worker behind the human's back
        await run.until(lambda st: bool(interrupts(run, did)))


def _notes(project: Project) -> str:
    return Path(project.notes_path).read_text(encoding="utf-8")


def _plan(*subtasks: dict[str, object]) -> str:
    import json

    return f"```loopwright-split\n{json.dumps(list(subtasks))}\n```\n"


async def test_a_large_task_is_split_and_its_sub_tasks_land_in_order(
        project: Project) -> None:
    def part(key: str, deps: list[str]) -> dict[str, object]:
        return {"key": key, "title": f"Part {key}", "depends_on": deps,
                "body": task_file(f"Part {key}", {"write": f"{key}.txt", "content": key})}

    async with Running(project) as run:
        parent = run.api.dispatch("Build the feature", "A large task.\n\n" + _plan(
            part("a", []), part("b", ["a"]), part("c", [])))
        st = await run.until(lambda st: st.tasks[parent.task_id].sub_tasks_landed)
        [split] = run.events(ev.TaskSplit)
        landed_at = {st.tasks[s.task_id].title: r.seq for r in run.api.store.read_after(0)
                     if isinstance(r.event, ev.ChangeLanded)
                     for s in [st.sessions[r.event.session_id]]}
        started_at = {st.tasks[s.task_id].title: r.seq
                      for r in run.api.store.read_after(0)
                      if isinstance(r.event, ev.SessionStarted)
                      for s in [st.sessions[r.event.session_id]]}
    assert isinstance(split, ev.TaskSplit) and split.by == "manager"
    assert sorted(landed_at) == ["Part a", "Part b", "Part c"]
    assert landed_at["Part a"] < started_at["Part b"]
    acted = [a.tool for a in st.manager.acts.values()]
    assert acted == ["split"]


async def test_a_stalled_session_is_steered_first_and_a_kill_proposed_only_after(
        project: Project) -> None:
    configure(project, manager_toml() + (
        "[stalls]\nrepeated_call_limit = 3\nno_diff_turns = 0\nno_diff_minutes = 0\n"
        "failing_check_repeats = 0\nheartbeat_minutes = 0\n"))
    spin = [{"run": "echo same"}, {"sleep": 0.4}] * 30
    async with Running(project) as run:
        run.api.dispatch("Spin", task_file("Spin", *spin))
        def stalls() -> list[str]:
            return [e.decision_id for e in run.events(ev.StallDetected)
                    if isinstance(e, ev.StallDetected)]

        st = await run.until(lambda st: len(stalls()) >= 2, 60)
        first, second = stalls()[:2]
        steers = run.events(ev.SessionSteered)
        assert st.decisions[first].answered_by == "manager"  # it steered, then let it run
        assert len(steers) == 1 and isinstance(steers[0], ev.SessionSteered)
        assert steers[0].by == "manager"
        await run.until(lambda st: second in st.manager.escalated)
        assert raised(run, first) == []  # the first stall never reached the human
        await run.until(lambda st: bool(raised(run, second)))
        [esc] = [e for e in run.events(ev.ManagerEscalated)
                 if isinstance(e, ev.ManagerEscalated) and e.decision_id == second]
        assert esc.recommendation.startswith("kill")
        assert not any(isinstance(e, ev.SessionKilled) for e in run.events(ev.SessionKilled))
