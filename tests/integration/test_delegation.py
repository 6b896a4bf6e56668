"""Delegation and steering on real repositories, with the script worker: a split task's
sub-tasks land in dependency order and close it, a steering note reaches a running
worker at its next step, a priority reorders a full queue, and bad input is refused
with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, cli, configure, init, script, task_file
from loopwright import events as ev
from loopwright.core.split_plan import SubTaskSpec
from loopwright.manager.api import ActionRefused, FrontEndApi
from loopwright.state import SessionState, State

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}


@pytest.fixture
def project_repo(make_repo: MakeRepo) -> Path:
    return make_repo(PASSING)


def seq_of(run: Running, kind: type[ev._Event], **fields: object) -> int:
    [seq] = [r.seq for r in run.api.store.read_after(0) if isinstance(r.event, kind)
             and all(getattr(r.event, k) == v for k, v in fields.items())]
    return seq


def session_of(st: State, task_id: str) -> str:
    [sid] = st.tasks[task_id].sessions
    return sid


SCHEMA = script({"write": "schema.txt", "content": "v1\n"}, {"finish": "schema"})
API = script({"run": "test -f schema.txt && cp schema.txt api.txt"}, {"finish": "api"})
DOCS = script({"write": "docs.txt", "content": "docs\n"}, {"finish": "docs"})
PLAN = (  # TOML literal strings: the scripts' JSON escapes stay as they are
    '[[task]]\nkey = "schema"\ntitle = "Add the schema"\n'
    f"body = '''\n{SCHEMA}'''\n\n"
    '[[task]]\nkey = "api"\ntitle = "Use the schema in the API"\n'
    'depends_on = ["schema"]\n'
    f"body = '''\n{API}'''\n\n"
    '[[task]]\ntitle = "Write the docs"\n'
    f"body = '''\n{DOCS}'''\n"
)


async def test_a_split_task_lands_its_sub_tasks_in_dependency_order_and_closes(
        project_repo: Path) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        parent = run.api.dispatch("A large change", task_file("x", {"fail": "too big"}))
        await run.until(lambda st: st.count(S.FAILED) == 1)
        plan = project_repo / "plan.toml"
        plan.write_text(PLAN, encoding="utf-8")
        split = cli(project_repo, "split", parent.task_id, "--into", str(plan),
                    "--why", "three steps")
        assert split.returncode == 0, split.stderr
        assert "split into 3 sub-task(s)" in split.stdout
        st = await run.until(lambda st: st.tasks[parent.task_id].sub_tasks_landed)
        schema, api_task, docs = st.tasks[parent.task_id].children
        # the dependent one was queued only once what it depends on had landed
        landed_schema = seq_of(run, ev.ChangeLanded, session_id=session_of(st, schema))
        assert seq_of(run, ev.SessionQueued, task_id=api_task) > landed_schema
        assert seq_of(run, ev.SessionQueued, task_id=docs) < landed_schema
        closed = seq_of(run, ev.SubTasksLanded, task_id=parent.task_id)
        assert closed > max(seq_of(run, ev.ChangeLanded, session_id=session_of(st, t))
                            for t in (schema, api_task, docs))
        assert len(st.tasks[parent.task_id].sessions) == 1  # the failed attempt only
    assert (project_repo / "api.txt").read_text() == "v1\n"  # it saw the schema
    assert (project_repo / "docs.txt").read_text() == "docs\n"
    status = cli(project_repo, "status")
    assert f"{parent.task_id}  A large change  (done: 3 of 3 sub-tasks landed)" in (
        status.stdout)
    assert f"  {api_task}  Use the schema in the API  (landed; after {schema})" in (
        status.stdout)
    tasks = {t["task_id"]: t for t in json.loads(cli(project_repo, "status", "--json")
                                                 .stdout)["tasks"]}
    assert tasks[parent.task_id]["children"] == [schema, api_task, docs]
    assert tasks[api_task]["parent"] == parent.task_id
    assert tasks[api_task]["depends_on"] == [schema] and tasks[api_task]["done"]
    log = cli(project_repo, "log").stdout
    assert f"task {parent.task_id}: every sub-task done, so it is done" in log
    stats = cli(project_repo, "stats").stdout
    assert "delegation           1 task(s) split into 3 sub-task(s); 0 steering note(s)" in (
        stats)
    page = project_repo.parent / "report.html"
    assert cli(project_repo, "report", "--html", str(page)).returncode == 0
    html = page.read_text(encoding="utf-8")
    assert "<h2>Split tasks</h2>" in html
    assert f"<code>{api_task}</code> Use the schema in the API</td><td>landed · after {schema}" in (
        html)
    # after a restart the tree is the same, folded from the log
    again = FrontEndApi.open(project)
    try:
        assert again.state.tasks[parent.task_id].children == [schema, api_task, docs]
        assert again.state.tasks[api_task].depends_on == (schema,)
    finally:
        again.close()
    # the failed attempt no longer waits on the human: its task was split
    assert parent.task_id not in cli(project_repo, "inbox").stdout


STEERED = script({"write": "steered.txt", "content": "as told\n"})


async def test_a_steering_note_reaches_the_running_worker_at_its_next_step(
        project_repo: Path) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Steer me", task_file(
            "x", {"ask": "Go on?", "options": ["yes", "no"], "blocking": True},
            {"write": "work.txt", "content": "work\n"}, {"finish": "worked"}))
        st = await run.until(lambda st: st.count(S.WAITING) == 1)
        [s] = st.sessions.values()
        steer = cli(project_repo, "steer", s.name, "Also write steered.txt:\n" + STEERED)
        assert steer.returncode == 0, steer.stderr
        assert f"steered {s.name}" in steer.stdout
        assert "[1 steering note(s) not taken yet]" in cli(project_repo, "status").stdout
        [d] = st.decisions.values()
        run.api.answer(d.decision_id, "yes")
        st = await run.until(lambda st: st.sessions[s.session_id].state == S.LANDED)
        [received] = run.events(ev.SteerReceived)
        assert isinstance(received, ev.SteerReceived)
        assert (received.steer, received.step) == (1, 1)  # right after the ask
        assert seq_of(run, ev.SteerReceived) < seq_of(run, ev.WorkerFinished)
        assert st.sessions[s.session_id].steers[0].received
        refused = cli(project_repo, "steer", s.name, "more please")
        assert refused.returncode == 1
        assert refused.stderr == f"loopwright: session {s.name} has landed; nothing to steer\n"
        assert len(run.events(ev.SessionSteered)) == 1  # nothing written
    assert (project_repo / "steered.txt").read_text() == "as told\n"
    assert (project_repo / "work.txt").read_text() == "work\n"
    log = cli(project_repo, "log").stdout
    assert f"{s.name}: steered by human: Also write steered.txt:" in log
    assert f"{s.name}: the worker took steering note 1 (as step 1)" in log


async def test_a_priority_reorders_the_queue_when_the_slots_are_full(
        project_repo: Path) -> None:
    project = init(project_repo)
    configure(project, "[manager]\nmax_parallel = 1\n")
    async with Running(project) as run:
        run.api.dispatch("Holder", task_file(
            "x", {"run": "until [ -f release ]; do sleep 0.05; done"},
            {"delete": "release"}, {"write": "holder.txt", "content": "h\n"}))
        st = await run.until(lambda st: st.count(S.RUNNING) == 1)
        [holder] = st.sessions.values()
        first = run.api.dispatch("First filed", task_file(
            "x", {"write": "first.txt", "content": "1\n"}))
        second = run.api.dispatch("Second filed", task_file(
            "x", {"write": "second.txt", "content": "2\n"}))
        await run.until(lambda st: st.count(S.QUEUED) == 2)
        out = cli(project_repo, "priority", second.task_id, "5")
        assert out.returncode == 0, out.stderr
        assert out.stdout == f"{second.task_id}: priority 5 (was 0)\n"
        Path(holder.worktree, "release").write_text("go\n")
        st = await run.until(lambda st: st.count(S.LANDED) == 3)
        assert (seq_of(run, ev.SessionStarted, session_id=session_of(st, second.task_id))
                < seq_of(run, ev.SessionStarted, session_id=session_of(st, first.task_id)))
        same = cli(project_repo, "priority", second.task_id, "6")
        assert same.stderr == (f"loopwright: task {second.task_id} is done; its priority "
                               "no longer matters\n")


async def test_a_split_that_does_not_hold_together_is_refused_and_writes_nothing(
        project_repo: Path) -> None:
    project = init(project_repo)
    api = FrontEndApi.open(project)
    try:
        task = api.dispatch("Big", "body")
        before = api.store.read_after(0)[-1].seq

        def refusal(*specs: SubTaskSpec) -> str:
            with pytest.raises(ActionRefused) as e:
                api.split(task.task_id, specs)
            return str(e.value)

        a = SubTaskSpec(key="a", title="A", depends_on=("b",))
        b = SubTaskSpec(key="b", title="B", depends_on=("a",))
        assert refusal(a, b) == "the sub-tasks depend on each other in a cycle: a -> b -> a"
        assert refusal(SubTaskSpec(key="a", title="A", depends_on=("z",))) == (
            "sub-task 'a' depends on 'z', which is no sub-task of this split (keys: a)")
        assert refusal(SubTaskSpec(key="a", title="A"), SubTaskSpec(key="a", title="B")) == (
            "two sub-tasks have the key 'a': keys must differ")
        assert refusal(SubTaskSpec(title="  ")) == "sub-task '1' needs a title"
        assert refusal() == "a split needs at least one sub-task"
        assert refusal(SubTaskSpec(title="A", backend="clod")).startswith(
            "sub-task '1': unknown worker backend 'clod'")
        assert api.store.read_after(before) == []  # nothing written
        bad = project_repo / "bad.toml"
        bad.write_text('[[task]]\ntitle = "A"\ncolour = "red"\n', encoding="utf-8")
        out = cli(project_repo, "split", task.task_id, "--into", str(bad))
        assert out.returncode == 1
        assert "bad.toml: sub-task 1: object contains unknown field `colour`" in out.stderr
        assert api.store.read_after(before) == []
        # a task whose session is at work is refused (here: queued by hand in the log)
        api.store.append(ev.TaskAccepted(task_id=task.task_id),
                         ev.SessionQueued(session_id="s-1", task_id=task.task_id,
                                          name="big", branch="b", backend="script"))
        assert refusal(SubTaskSpec(title="A")) == (
            f"task {task.task_id} has session big queued: kill it first, then split")
        # a sub-task not at work can be dropped: what waited on it no longer does
        other = api.split(api.dispatch("Other", "").task_id, [
            SubTaskSpec(key="a", title="Drop me"),
            SubTaskSpec(key="b", title="Keep me", depends_on=("a",))])
        drop, keep = other.children
        out = cli(project_repo, "cancel", drop, "--why", "not needed")
        assert out.returncode == 0, out.stderr
        assert api.refresh().tasks[drop].verdict_reason == "dropped by human: not needed"
        status = cli(project_repo, "status").stdout
        assert f"    {drop}  Drop me  (dropped)" in status
        assert f"    {keep}  Keep me  (not started; after {drop})" in status
    finally:
        api.close()
    assert git(project_repo, "status", "--porcelain") == "?? bad.toml"


async def test_a_split_and_a_taken_note_survive_a_restart(project_repo: Path) -> None:
    """The manager stops while a sub-task waits on the human, after its worker took a
    steering note: restarted, the note is not taken again, no step runs twice, and the
    sub-task that depends on it starts once it lands."""
    project = init(project_repo)
    first = script({"ask": "First?", "options": ["yes"], "blocking": True},
                   {"ask": "Second?", "options": ["yes"], "blocking": True},
                   {"append": "log.txt", "content": "after both\n"}, {"finish": "first"})
    api = FrontEndApi.open(project)
    try:
        parent = api.dispatch("Two steps", "")
        t = api.split(parent.task_id, [
            SubTaskSpec(key="a", title="Step A", body=first),
            SubTaskSpec(key="b", title="Step B", depends_on=("a",),
                        body=script({"write": "b.txt", "content": "b\n"}))])
        step_a, step_b = t.children
    finally:
        api.close()
    async with Running(project) as run:
        st = await run.until(lambda st: st.count(S.WAITING) == 1)
        sid = session_of(st, step_a)
        run.api.steer(sid, "Log it:\n" + script({"append": "log.txt", "content": "steered\n"}))
        [d1] = [d for d in st.decisions.values() if d.question == "First?"]
        run.api.answer(d1.decision_id, "yes")
        st = await run.until(lambda st: any(d.question == "Second?"
                                            for d in st.decisions.values()))
        assert not st.tasks[step_b].sessions  # B waits on A
    async with Running(project) as run:  # restarted from the log
        st = await run.until(lambda st: st.sessions[sid].state == S.WAITING)
        [d2] = [d for d in st.decisions.values() if d.question == "Second?"]
        run.api.answer(d2.decision_id, "yes")
        st = await run.until(lambda st: st.tasks[parent.task_id].sub_tasks_landed)
        assert run.events(ev.SessionResumed)  # its worker was picked up where it was
        assert len(run.events(ev.SteerReceived)) == 1
        steps = [e.step for e in run.events(ev.WorkerActed)
                 if isinstance(e, ev.WorkerActed) and e.session_id == sid]
        assert len(steps) == len(set(steps))  # no step done twice
        assert seq_of(run, ev.SessionQueued, task_id=step_b) > seq_of(
            run, ev.ChangeLanded, session_id=sid)
    assert (project_repo / "log.txt").read_text() == "steered\nafter both\n"
    assert (project_repo / "b.txt").read_text() == "b\n"


async def test_a_split_github_issue_is_told_it_was_split_and_when_it_landed(
        project_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from loopwright.testing.fake_github import FakeGitHub

    with FakeGitHub(repo="octo/project") as fake:
        monkeypatch.setenv("GITHUB_TOKEN", fake.token)
        project = init(project_repo)
        configure(project, f'[github]\nrepo = "{fake.repo}"\napi_url = "{fake.url}"\n'
                           "poll_seconds = 0.2\n[parallel]\npredict_conflicts = false\n")
        n = fake.add_issue("Too big", script({"fail": "too big for one go"}),
                           labels=("loopwright",))
        async with Running(project) as run:
            st = await run.until(lambda st: "failed" in st.world.issue_status.values())
            [task] = st.tasks.values()
            run.api.split(task.task_id, [
                SubTaskSpec(title="Half one", body=script({"write": "one.txt",
                                                             "content": "1\n"})),
                SubTaskSpec(title="Half two", depends_on=("1",),
                            body=script({"write": "two.txt", "content": "2\n"}))])
            await run.until(lambda st: st.world.issue_status.get(task.task_id) == "landed")
        said = fake.comment_bodies(n)
        assert "Loopwright split this into 2 sub-tasks: Half one; Half two" in said
        assert said[-1] == "Loopwright landed every sub-task of this issue."
        assert fake.labels_of(n) == ["loopwright", "loopwright:landed"]
