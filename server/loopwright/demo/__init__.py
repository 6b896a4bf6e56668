"""`loopwright demo`: the whole loop on a sample repository, offline, in under a minute.

It builds a small Python project in a temporary folder, files three scripted issues
through the inbox, runs the manager, and plays a human who only acts when the inbox
asks: one change lands on the gate alone, one asks a question and keeps working on its
assumption, one waits for approval, which the demo gives through the real CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

from .. import events as ev
from ..backends import load
from ..manager.loop import Manager
from ..project import Project
from ..state import TERMINAL, SessionState, State, fold
from ..store import Store
from ..views import overview as views

ISSUES = ("fix-greeting.md", "add-farewell.md", "document-usage.md")
DEADLINE_SECONDS = 90.0

SAMPLE_FILES = {
    ".gitignore": "__pycache__/\n",
    "README.md": "# greeter\n\nA tiny library that greets people.\n",
    "greeter.py": (
        'def greet(name: str) -> str:\n'
        '    return f"Helo, {name}!"\n'
    ),
    "tests/__init__.py": "",
    "tests/test_greeter.py": (
        "import unittest\n\nfrom greeter import greet\n\n\n"
        "class GreetTest(unittest.TestCase):\n"
        "    def test_greets_by_name(self) -> None:\n"
        '        self.assertIn("Ada", greet("Ada"))\n'
    ),
    "Makefile": "test:\n\tpython3 -m unittest discover -q\n",
}


def run_demo(*, keep: bool = False) -> int:
    with sample_repository("loopwright-demo-", keep=keep,
                           intro="Loopwright demo: a sample repository at") as root:
        say("Filing three issues by dropping Markdown files into .loopwright/inbox/")
        for name in ISSUES:
            text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
            (root / ".loopwright" / "inbox" / name).write_text(text, encoding="utf-8")
        project = Project(root)
        ok, state = asyncio.run(_loop(project))
        say("Everything landed." if ok else "Not everything landed (see above).")
        print(timeline(state), flush=True)
        cli(root, "status")
        say("What landed on main (`git log --oneline --graph`):")
        print(git(root, "log", "--oneline", "--graph"), flush=True)
        return 0 if ok else 1


@contextlib.contextmanager
def sample_repository(prefix: str, *, keep: bool,
                      intro: str = "a sample repository at") -> Iterator[Path]:
    """The sample repository with Loopwright set up, in a temporary folder that is
    removed afterwards unless `keep` (each demo starts from one)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    root = workdir / "greeter"
    say(f"{intro} {root}")
    try:
        make_sample_repo(root)
        cli(root, "init")
        yield root
    finally:
        if keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def make_sample_repo(root: Path) -> None:
    root.mkdir(parents=True)
    for name, content in SAMPLE_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=Demo", "-c", "user.email=demo@localhost", "commit", "-q",
        "-m", "A greeter with a typo")


async def watch_loop(
    project: Project, *, done: Callable[[State], bool], look: Callable[[State], None],
    mark: Callable[[ev.Record], str] = lambda _record: "",
) -> State:
    """Run the manager in this process and print the log as it grows, until `done`
    (or the deadline). `look` plays the human after each batch; `mark` prefixes a line."""
    manager = Manager(project, load(project.config_path))
    run = asyncio.create_task(manager.run())
    store = Store(project.db_path)
    state = State()
    started = time.monotonic()
    try:
        while time.monotonic() - started < DEADLINE_SECONDS and not run.done():
            for record in store.read_after(state.last_seq):
                state = fold([record], state)
                line = views.describe(record, state)
                if line is not None:
                    say(f"{mark(record)}{line}", at=record.at)
            look(state)
            if done(state):
                break
            await store.wait(0.2)
        return state
    finally:
        manager.stop()
        await run
        store.close()


async def _loop(project: Project) -> tuple[bool, State]:
    def done(state: State) -> bool:
        return len(state.sessions) == len(ISSUES) and all(
            (s.state in TERMINAL and s.worktree_removed) or s.state == SessionState.FAILED
            for s in state.sessions.values()
        )

    state = await watch_loop(project, done=done, look=_ScriptedHuman(project.root).look)
    landed = all(s.state == SessionState.LANDED for s in state.sessions.values())
    return done(state) and landed, state


def timeline(state: State) -> str:
    """Per session: when it was filed, started, ready, and landed (seconds from the
    first filing), and what the human had to do."""
    t0 = min(t.filed_at for t in state.tasks.values())
    rows = [f"  {'session':<34}{'started':>8}{'landed':>8}  human"]
    for s in state.sessions.values():
        asked = [d for d in state.decisions.values() if d.session_id == s.session_id]
        human = []
        if asked:
            human.append(f"answered {len(asked)} question(s) after the worker moved on")
        if s.review is not None and s.gate_reasons:
            human.append("approved the change")
        rows.append(
            f"  {s.name:<34}{(s.started_at or t0) - t0:>7.1f}s"
            f"{(s.ended_at or t0) - t0:>7.1f}s  {'; '.join(human) or 'nothing: landed on the gate'}"
        )
    return "\n".join(rows)


class _ScriptedHuman:
    """Acts only on what the inbox shows, through the real CLI, as a person would."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.done: set[str] = set()

    def look(self, state: State) -> None:
        for item in views.inbox(state):
            if item.ref in self.done:
                continue
            self.done.add(item.ref)
            if item.kind == "review":
                say(f"The inbox has a change for you: {item.title} ({item.detail})")
                cli(self.root, "inbox")
                cli(self.root, "diff", item.session_name)
                say("Looks right. Approving it from the shell:")
                cli(self.root, "approve", item.session_name)
            elif item.kind == "decision":
                say(f"A question arrived while the worker kept going: {item.title}")
                cli(self.root, "answer", item.ref, item.options[0] if item.options else "yes")


def cli(root: Path, *args: str) -> None:
    print(f"  $ loopwright {' '.join(args)}", flush=True)
    proc = subprocess.run([sys.executable, "-m", "loopwright", "-C", str(root), *args],
                          capture_output=True, text=True, check=False)
    for line in (proc.stdout + proc.stderr).splitlines():
        print(f"    {line}", flush=True)
    if proc.returncode != 0:
        raise RuntimeError(f"`loopwright {' '.join(args)}` exited {proc.returncode}")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()


def say(text: str, at: float | None = None) -> None:
    stamp = time.strftime("%H:%M:%S", time.localtime(at or time.time()))
    print(f"{stamp}  {text}", flush=True)



