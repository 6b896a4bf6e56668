"""Landing on a real repository as the user sees it in the first hour: only the change
lands, as one commit, and the user keeps editing in their checkout meanwhile."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from helpers.loop import Running, configure, init, task_file
from loopwright import events as ev
from loopwright.state import SessionState, State
from loopwright.workspace import land

S = SessionState
PASSING = {"README.md": "# sample\n", "notes/user.txt": "mine\n",
           "Makefile": "test:\n\t@python3 -c 'import app' 2>/dev/null; echo checks ok\n"}


@pytest.fixture
def project_repo(make_repo: MakeRepo) -> Path:
    return make_repo(PASSING)


def landed(count: int) -> object:
    def check(st: State) -> bool:
        done = [s for s in st.sessions.values() if s.state == S.LANDED and s.worktree_removed]
        return len(done) == count
    return check


def gate_decided(st: State) -> bool:
    return any(s.state in (S.AWAITING_APPROVAL, S.LANDING, S.LANDED)
               for s in st.sessions.values())


async def test_python_caches_left_by_a_run_step_and_the_checks_never_land(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Add app", task_file(
            "x", {"write": "app.py", "content": "X = 1\n"},
            {"run": "python3 -c 'import app' && mkdir -p .pytest_cache && ls __pycache__"},
            {"finish": "Added app.py"}))
        st = await run.until(landed(1))
        ran = run.events(ev.CommandRan)
    assert [e.output_tail.startswith("app.cpython") for e in ran  # type: ignore[union-attr]
            ] == [True]  # the cache really was there
    [s] = st.sessions.values()
    assert s.gate_reasons == ()  # it landed on the gate alone, as a one-line change
    tracked = git(project_repo, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert sorted(tracked) == ["Makefile", "README.md", "app.py",
                               "notes/user.txt"]


async def test_a_binary_file_waits_for_a_human_and_the_reason_says_so(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    async with Running(project) as run:
        run.api.dispatch("Add a logo", task_file(
            "x", {"run": "printf 'PNG\\000\\001' > logo.png"}, {"finish": "Added a logo"}))
        st = await run.until(lambda st: any(s.state == S.AWAITING_APPROVAL
                                            for s in st.sessions.values()))
    [s] = st.sessions.values()
    assert s.gate_reasons == (
        "It has a binary file, logo.png; a binary file has no lines to count, so it "
        "waits for a human ([gate] allow_binary = false).",)
    assert "logo.png" not in git(project_repo, "ls-tree", "--name-only", "main")

    configure(project, "[gate]\nallow_binary = true\n")
    async with Running(project) as run:
        run.api.dispatch("Add an icon", task_file(
            "y", {"run": "printf 'ICO\\000' > icon.ico"}, {"finish": "Added an icon"}))
        await run.until(landed(1))
    assert "icon.ico" in git(project_repo, "ls-tree", "--name-only", "main")


async def test_a_landing_a_crash_interrupted_is_recognised_by_its_trailer(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    configure(project, "[gate]\nauto_land = false\n")
    async with Running(project) as run:
        run.api.dispatch("Greet", task_file("x", {"write": "hi.txt", "content": "hi\n"},
                                            {"finish": "Said hi"}))
        st = await run.until(lambda st: any(s.state == S.AWAITING_APPROVAL
                                            for s in st.sessions.values()))
    [s] = st.sessions.values()
    base = git(project_repo, "rev-parse", "main")
    # What a manager killed between moving main and recording it had done already:
    message = land.commit_message("squash", s.name, "Greet", s.summary, s.session_id)
    squashed = land.prepare_merge(project_repo, Path(s.worktree), s.branch, "main",
                                  message, "squash")
    assert isinstance(squashed, str)
    assert land.advance_target(project_repo, "main", squashed, base) == land.Advanced(squashed)

    async with Running(project) as run:
        run.api.approve(s.session_id)
        await run.until(landed(1))
        [done] = run.events(ev.ChangeLanded)
    assert done.commit == squashed  # type: ignore[union-attr]
    assert git(project_repo, "rev-list", "--count", f"{base}..main") == "1"
    assert git(project_repo, "log", "-1", "--format=%s", "main") == "Greet"


async def test_a_change_after_two_review_rounds_lands_as_one_commit(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    configure(project, "[gate]\nauto_land = false\n")
    base = git(project_repo, "rev-parse", "main")
    async with Running(project) as run:
        run.api.dispatch("Count", task_file("x", {"write": "n.txt", "content": "1\n"},
                                            {"progress": "Counted to one"}))
        st = await run.until(lambda st: any(s.state == S.AWAITING_APPROVAL
                                            for s in st.sessions.values()))
        [sid] = st.sessions
        run.api.request_changes(sid, "Make it two.\n" + task_file(
            "y", {"write": "n.txt", "content": "2\n"}, {"progress": "Counted to two"}))
        await run.until(lambda st: st.sessions[sid].state == S.AWAITING_APPROVAL
                        and st.sessions[sid].feedback != [])
        run.api.approve(sid)
        await run.until(landed(1))
    assert git(project_repo, "rev-list", "--count", f"{base}..main") == "1"
    assert git(project_repo, "log", "-1", "--format=%B", "main").strip() == (
        f"Count\n\nCounted to two\n\nLoopwright-Session: {sid}")
    assert (project_repo / "n.txt").read_text() == "2\n"


async def test_merge_style_keeps_a_merge_commit_over_the_session_commits(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    configure(project, '[land]\nstyle = "merge"\n')
    base = git(project_repo, "rev-parse", "main")
    async with Running(project) as run:
        run.api.dispatch("Greet", task_file("x", {"write": "hi.txt", "content": "hi\n"},
                                            {"finish": "Said hi"}))
        st = await run.until(landed(1))
    [s] = st.sessions.values()
    assert git(project_repo, "log", "--format=%s", f"{base}..main").splitlines() == [
        f"Land {s.name}: Greet", "Greet"]
    assert len(git(project_repo, "log", "-1", "--format=%P", "main").split()) == 2


class _User(threading.Thread):
    """Appends to files in the checkout, without pause, until told to stop; remembers
    every byte it wrote."""

    def __init__(self, root: Path, paths: list[str]) -> None:
        super().__init__(daemon=True)
        self.root, self.paths = root, paths
        self.written = {p: (root / p).read_text() if (root / p).exists() else ""
                        for p in paths}
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            for path in self.paths:
                line = f"edit {n} of {path}\n"
                with (self.root / path).open("a", encoding="utf-8") as f:
                    f.write(line)
                self.written[path] += line
            n += 1
            time.sleep(0.001)


async def test_ten_changes_land_while_you_keep_editing_in_your_checkout(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    base = git(project_repo, "rev-parse", "main")
    user = _User(project_repo, ["README.md", "notes/user.txt", "draft.txt"])
    user.start()
    try:
        async with Running(project) as run:
            for i in range(10):
                run.api.dispatch(f"Change {i}", task_file(
                    "x", {"write": f"change{i}.txt", "content": f"change {i}\n"}))
            await run.until(landed(10), timeout=120)
            blocked = run.events(ev.LandingBlocked)
    finally:
        user.stop.set()
        user.join()
    for path, content in user.written.items():
        assert (project_repo / path).read_text() == content, path
    assert blocked == []  # not one landing waited for the user
    on_main = git(project_repo, "ls-tree", "--name-only", "main").splitlines()
    assert {f"change{i}.txt" for i in range(10)} <= set(on_main)
    assert git(project_repo, "rev-list", "--count", "--no-merges", f"{base}..main") == "10"
    assert git(project_repo, "status", "--porcelain", "-uno").splitlines() == [
        "M README.md", " M notes/user.txt"]


async def test_a_landing_waiting_on_your_edits_does_not_hold_up_the_others(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    (project_repo / "README.md").write_text("# sample\nmy draft\n")
    async with Running(project) as run:
        run.api.dispatch("Readme", task_file("x", {"write": "README.md", "content": "# r\n"}))
        await run.until(lambda st: any(s.landing_blocked for s in st.sessions.values()))
        run.api.dispatch("Other", task_file("y", {"write": "other.txt", "content": "o\n"}))
        await run.until(landed(1), timeout=15)
    assert (project_repo / "other.txt").read_text() == "o\n"
    assert (project_repo / "README.md").read_text() == "# sample\nmy draft\n"


async def test_a_landed_sessions_branch_that_git_will_not_delete_yet_is_deleted_later(
    project_repo: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    # Another git (the user's, an editor's) holds packed-refs.lock as the session lands:
    # `branch -D` is refused, and the clean-up is tried again once the lock is gone.
    project = init(project_repo)
    lock = project_repo / ".git" / "packed-refs.lock"
    async with Running(project) as run:
        lock.touch()
        run.api.dispatch("Greet", task_file("x", {"write": "hi.txt", "content": "hi\n"},
                                            {"finish": "Said hi"}))
        await run.until(lambda st: "trying again" in caplog.text)
        [s] = run.state().sessions.values()
        assert s.state == S.LANDED and not s.worktree_removed
        lock.unlink()
        st = await run.until(landed(1))
    [s] = st.sessions.values()
    assert s.branch not in git(project_repo, "branch", "--list", s.branch)
