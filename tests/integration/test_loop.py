"""The whole loop on real repositories: inbox -> session -> checks -> gate -> landed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, cli, configure, init, task_file
from loopwright import events as ev
from loopwright.backends import TRIAGERS, WORKERS
from loopwright.cli import main as cli_main
from loopwright.review.triage import Accept, Ask, OnRetry, Verdict
from loopwright.state import SessionState, State, Task
from loopwright.workers.base import Outcome, WorkerContext

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}


def landed(st: State) -> bool:
    return bool(st.sessions) and all(
        s.state == S.LANDED and s.worktree_removed for s in st.sessions.values()
    )


def state_is(wanted: SessionState) -> object:
    return lambda st: any(s.state == wanted for s in st.sessions.values())


@pytest.fixture
def project_repo(make_repo: MakeRepo) -> Path:
    return make_repo(PASSING)


async def test_an_inbox_file_becomes_a_landed_change(project_repo: Path) -> None:
    project = init(project_repo)
    (project.inbox / "fix.md").write_text(task_file(
        "Add a greeting", {"write": "hello.txt", "content": "hello\n"},
        {"progress": "wrote it"}, {"finish": "Added hello.txt"}))
    async with Running(project) as run:
        st = await run.until(landed)
    s = next(iter(st.sessions.values()))
    assert (project_repo / "hello.txt").read_text() == "hello\n"  # the checkout followed
    # one squashed commit on main: the title, the worker's summary, the session's trailer
    assert git(project_repo, "log", "-1", "--format=%B").strip() == (
        f"Add a greeting\n\nAdded hello.txt\n\nLoopwright-Session: {s.session_id}")
    assert len(git(project_repo, "log", "-1", "--format=%P").split()) == 1
    assert not (project.inbox / "fix.md").exists()
    assert [p.name.endswith("-fix.md") for p in project.archive.iterdir()] == [True]
    assert not Path(s.worktree).exists()
    assert s.branch not in git(project_repo, "branch", "--list")
    assert s.checks is not None and s.checks.passed and "checks ok" in s.checks.output_tail
    assert s.summary == "Added hello.txt"


async def test_a_change_over_the_gate_waits_for_approval(project_repo: Path) -> None:
    project = init(project_repo)
    configure(project, "[gate]\nmax_changed_lines = 1\n")
    async with Running(project) as run:
        run.api.dispatch("Two lines", task_file("x", {"write": "a.txt", "content": "1\n2\n"}))
        st = await run.until(state_is(S.AWAITING_APPROVAL))
        [item] = run.api.inbox()
        assert item.kind == "review"
        assert "The change is 2 lines (+2/-0), over the limit of 1" in item.detail
        assert not (project_repo / "a.txt").exists()
        proc = cli(project_repo, "approve", item.session_name)
        assert proc.returncode == 0, proc.stderr
        await run.until(landed)
    assert (project_repo / "a.txt").read_text() == "1\n2\n"
    [s] = st.sessions.values()
    assert s.gate_reasons == (
        "The change is 2 lines (+2/-0), over the limit of 1 for landing on its own.",)


async def test_a_non_blocking_question_is_asked_and_the_worker_goes_on(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Ask", task_file(
            "x", {"ask": "Tabs or spaces?", "options": ["tabs", "spaces"], "default": "spaces"},
            {"write": "style.txt", "content": "spaces\n"}))
        st = await run.until(landed)
    [d] = st.decisions.values()
    assert d.open and d.default == "spaces" and not d.blocking
    assert (project_repo / "style.txt").exists()


async def test_a_blocking_question_waits_for_the_answer(project_repo: Path) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Ask", task_file(
            "x", {"ask": "Which name?", "options": ["a", "b"], "blocking": True},
            {"write": "name.txt", "content": "x\n"}))
        st = await run.until(state_is(S.WAITING))
        [d] = st.decisions.values()
        [item] = run.api.inbox()
        assert item.kind == "decision" and item.options == ("a", "b")
        assert cli(project_repo, "answer", d.decision_id[:6], "b").returncode == 0
        st = await run.until(landed)
    assert st.decisions[d.decision_id].answer == "b"


async def test_request_changes_sends_the_note_back_to_the_worker(project_repo: Path) -> None:
    project = init(project_repo)
    configure(project, "[gate]\nauto_land = false\n")
    async with Running(project) as run:
        task = run.api.dispatch("Note", task_file("x", {"write": "n.txt", "content": "1\n"}))
        st = await run.until(state_is(S.AWAITING_APPROVAL))
        sid = task.sessions[0] if task.sessions else next(iter(st.sessions))
        note = "Make it two.\n" + task_file("y", {"write": "n.txt", "content": "2\n"})
        run.api.request_changes(sid, note)
        st = await run.until(lambda st: st.sessions[sid].state == S.AWAITING_APPROVAL
                             and st.sessions[sid].feedback != [])
        review = st.sessions[sid].review
        assert review is not None and review.added == 1
        run.api.approve(sid)
        await run.until(landed)
    assert (project_repo / "n.txt").read_text() == "2\n"


async def test_reject_removes_the_worktree_and_the_branch_which_can_come_back(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    configure(project, "[gate]\nauto_land = false\n")
    async with Running(project) as run:
        run.api.dispatch("R", task_file("x", {"write": "r.txt", "content": "r\n"}))
        st = await run.until(state_is(S.AWAITING_APPROVAL))
        [s] = st.sessions.values()
        proc = cli(project_repo, "reject", s.name, "--why", "not wanted")
        assert proc.returncode == 0, proc.stderr
        assert f"`git branch {s.branch} {s.head_commit}` brings it back" in proc.stdout
        st = await run.until(lambda st: st.sessions[s.session_id].worktree_removed)
        [removed] = run.events(ev.WorktreeRemoved)
    assert st.sessions[s.session_id].state == S.REJECTED
    assert not Path(s.worktree).exists()
    assert s.branch not in git(project_repo, "branch", "--list")
    assert not (project_repo / "r.txt").exists()
    assert isinstance(removed, ev.WorktreeRemoved) and removed.branch_deleted == s.branch
    log = cli(project_repo, "log").stdout
    assert f"branch {s.branch} deleted at {removed.branch_commit[:12]}" in log
    git(project_repo, "branch", s.branch, removed.branch_commit)  # what the log says to do
    assert git(project_repo, "show", f"{s.branch}:r.txt") == "r"


async def test_kill_stops_a_session_and_keeps_its_worktree(project_repo: Path) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Slow", task_file("x", {"write": "k.txt", "content": "k\n"},
                                           {"sleep": 60}))
        st = await run.until(lambda st: any(s.steps_done for s in st.sessions.values()))
        [s] = st.sessions.values()
        run.api.kill(s.session_id)
        await run.until(state_is(S.KILLED))
        assert run.api.inbox() == []  # a kill is the human's own decision
    assert Path(s.worktree, "k.txt").exists()


async def test_failing_checks_keep_a_change_from_landing_on_its_own(
    make_repo: MakeRepo,
) -> None:
    root = make_repo({"README.md": "x\n", "Makefile": "test:\n\t@echo broken; exit 3\n"})
    project = init(root)
    async with Running(project) as run:
        run.api.dispatch("F", task_file("x", {"write": "f.txt", "content": "f\n"}))
        st = await run.until(state_is(S.AWAITING_APPROVAL))
    [s] = st.sessions.values()
    assert s.checks is not None and not s.checks.passed and s.checks.exit_code != 0
    assert "broken" in s.checks.output_tail
    assert "The checks failed with exit code 2." in s.gate_reasons


async def test_a_hanging_test_command_times_out(project_repo: Path) -> None:
    project = init(project_repo)
    configure(project, '[checks]\ncommand = "sleep 60"\ntimeout_seconds = 0.5\n')
    async with Running(project) as run:
        run.api.dispatch("H", task_file("x", {"write": "h.txt", "content": "h\n"}))
        st = await run.until(state_is(S.AWAITING_APPROVAL))
    [s] = st.sessions.values()
    assert s.checks is not None and s.checks.timed_out and not s.checks.passed


async def test_a_task_without_a_script_fails_with_a_clear_message(project_repo: Path) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("No script", "just words")
        st = await run.until(state_is(S.FAILED))
        assert [i.kind for i in run.api.inbox()] == ["failed"]
    [s] = st.sessions.values()
    assert "no ```loopwright-script block" in s.failure


async def test_a_worker_writing_through_a_symlink_out_of_its_worktree_is_stopped(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = make_repo(PASSING)
    (root / "shortcut").symlink_to(outside)
    git(root, "add", "shortcut")
    git(root, "commit", "-qm", "a symlink out of the repository")
    project = init(root)
    async with Running(project) as run:
        run.api.dispatch("Escape", task_file("x", {"write": "shortcut/escape.txt",
                                                   "content": "x"}))
        st = await run.until(state_is(S.FAILED))
    [s] = st.sessions.values()
    assert s.failure.startswith("step 1: ") and "shortcut/escape.txt" in s.failure
    assert list(outside.iterdir()) == []


async def test_a_script_that_climbs_out_with_dotdot_is_refused_before_it_runs(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Escape", task_file("x", {"write": "../../escape.txt", "content": "x"}))
        st = await run.until(state_is(S.FAILED))
    [s] = st.sessions.values()
    assert "'../../escape.txt' must be relative to the worktree and stay inside it" in s.failure
    assert not (project_repo.parent / "escape.txt").exists()


class CrashingWorker:
    name = "crashing"

    async def run(self, ctx: WorkerContext) -> Outcome:
        await ctx.progress("about to fall over")
        raise RuntimeError("segfault in the agent")


async def test_a_crashing_worker_fails_its_session_and_the_loop_goes_on(
    project_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(WORKERS, "crashing", lambda _config: CrashingWorker())
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Crash", "", backend="crashing")
        run.api.dispatch("Fine", task_file("x", {"write": "ok.txt", "content": "ok\n"}))
        st = await run.until(lambda st: len(st.sessions) == 2 and all(
            s.state in (S.FAILED, S.LANDED) for s in st.sessions.values()))
    failures = {s.name: s.failure for s in st.sessions.values() if s.state == S.FAILED}
    assert failures == {"crash": "the crashing worker crashed: RuntimeError: segfault in the agent"}
    assert (project_repo / "ok.txt").exists()


async def test_an_unknown_backend_fails_clearly(project_repo: Path) -> None:
    project = init(project_repo)
    async with Running(project) as run:  # a task from an older log names one
        run.api.store.append(ev.TaskFiled(task_id="t-1", title="B", body="x", source="cli",
                                          backend="gpt-9"))
        st = await run.until(state_is(S.FAILED))
    [s] = st.sessions.values()
    assert s.failure.startswith("unknown worker backend 'gpt-9'; known: ")
    assert "claude, " in s.failure and s.failure.endswith(", script")


async def test_landing_waits_while_you_edit_a_file_it_changes_and_lands_once_clean(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    (project_repo / "README.md").write_text("# sample\nwork in progress\n")
    async with Running(project) as run:
        run.api.dispatch("D", task_file("x", {"write": "d.txt", "content": "d\n"},
                                        {"write": "README.md", "content": "# sampled\n"}))
        await run.until(lambda st: any(s.landing_blocked for s in st.sessions.values()))
        [item] = run.api.inbox()
        assert item.kind == "landing_blocked"
        assert "uncommitted changes to README.md, which the change also changes" in item.detail
        assert (project_repo / "README.md").read_text().endswith("work in progress\n")
        git(project_repo, "stash")
        await run.until(landed)
    assert (project_repo / "README.md").read_text() == "# sampled\n"
    assert "work in progress" in git(project_repo, "stash", "show", "-p")
    assert (project_repo / "d.txt").exists()


async def test_malformed_inbox_files_are_refused_and_kept(project_repo: Path) -> None:
    project = init(project_repo)
    project.inbox.mkdir(exist_ok=True)
    (project.inbox / "binary.md").write_bytes(b"# Title\n\xff\xfe broken")
    (project.inbox / "untitled.md").write_text("no heading here\n")
    (project.inbox / "front.md").write_text("---\nlabels: [unclosed\n---\n# T\n")
    (project.inbox / "huge.md").write_bytes(b"# Big\n" + b"x" * 10_000_000)
    async with Running(project) as run:
        await run.until(lambda st: len(st.refused_files) == 4)
        refused = {e.origin: e.error for e in run.events(ev.IntakeRefused)}  # type: ignore[union-attr]
    assert set(refused) == {"binary.md", "untitled.md", "front.md", "huge.md"}
    assert "UTF-8" in refused["binary.md"]
    assert "title" in refused["untitled.md"].lower()
    assert "front matter" in refused["front.md"].lower()
    assert "over the inbox limit of 1,000,000 bytes" in refused["huge.md"]
    kept = sorted(p.name for p in (project.archive / "refused").iterdir())
    assert len(kept) == 4 and list(project.inbox.iterdir()) == []


async def test_max_parallel_holds_the_rest_in_the_queue(project_repo: Path) -> None:
    project = init(project_repo)
    configure(project, "[manager]\nmax_parallel = 1\n[gate]\nauto_land = false\n")
    async with Running(project) as run:
        for n in range(3):
            run.api.dispatch(f"T{n}", task_file("x", {"write": f"{n}.txt", "content": "x\n"},
                                                {"sleep": 0.2}))
        seen_running = 0
        while True:
            st = run.state()
            running = st.count(S.RUNNING, S.WAITING, S.CHECKING, S.REVIEWING)
            seen_running = max(seen_running, running)
            if st.count(S.AWAITING_APPROVAL) == 3:
                break
            await asyncio.sleep(0.01)
    assert seen_running == 1


class DoubtfulTriager:
    """Asks about every task whose title mentions a rewrite."""

    name = "doubtful"

    async def triage(self, task: Task, on_retry: OnRetry | None = None) -> Verdict:
        return Ask("A rewrite? Really?") if "rewrite" in task.title.lower() else Accept("fine")


async def test_triage_can_ask_and_a_declined_task_can_be_overruled(
    project_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(TRIAGERS, "doubtful", lambda _p, _c: DoubtfulTriager())
    project = init(project_repo)
    configure(project, '[triage]\nagent = "doubtful"\n')
    async with Running(project) as run:
        task = run.api.dispatch("Rewrite it in Rust", task_file("x", {"write": "r.rs",
                                                                       "content": "fn\n"}))
        st = await run.until(lambda st: bool(st.decisions))
        [item] = run.api.inbox()
        assert (item.kind, item.title, item.options) == (
            "decision", "A rewrite? Really?", ("accept", "decline"))
        assert not st.sessions  # nothing starts while triage waits on the human
        run.api.answer(item.ref, "decline")
        await run.until(lambda st: st.tasks[task.task_id].verdict == "declined")
        [item] = run.api.inbox()
        assert (item.kind, item.ref) == ("declined", task.task_id)
        # In this process, where the test registered its triager; a `loopwright` process
        # would refuse the config, as it should, since "doubtful" is no agent it knows.
        assert cli_main(["-C", str(project_repo), "overrule", task.task_id[:6]]) == 0
        await run.until(landed)
    assert (project_repo / "r.rs").exists()
