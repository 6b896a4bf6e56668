"""Helpers for tests that run the real manager on a real repository."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from loopwright import events as ev
from loopwright.config import Config, load
from loopwright.manager.api import Loopwright
from loopwright.manager.loop import Manager
from loopwright.project import Project
from loopwright.state import State


def script(*steps: dict[str, object]) -> str:
    lines = "\n".join(json.dumps(s) for s in steps)
    return f"```loopwright-script\n{lines}\n```\n"


def task_file(title: str, *steps: dict[str, object], front: str = "") -> str:
    head = f"---\n{front}\n---\n" if front else ""
    return f"{head}# {title}\n\nBody.\n\n{script(*steps)}"


def cli(root: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "loopwright", "-C", str(root), *args],
                          capture_output=True, text=True, input=stdin, check=False,
                          timeout=60)


def init(root: Path, config: str = "") -> Project:
    proc = cli(root, "init")
    assert proc.returncode == 0, proc.stderr
    project = Project(root)
    if config:
        with project.config_path.open("a", encoding="utf-8") as f:
            f.write("\n" + config)
    return project


def configure(project: Project, text: str) -> Config:
    """Replace the config with defaults + `text` (TOML), keeping the target branch."""
    target = load(project.config_path).project.target_branch
    project.config_path.write_text(f'[project]\ntarget_branch = "{target}"\n{text}',
                                   encoding="utf-8")
    return load(project.config_path)


class Running:
    """A manager running in this test's event loop, and a way to wait on its state."""

    def __init__(self, project: Project, *, once: bool = False) -> None:
        self.project = project
        self.manager = Manager(project, load(project.config_path), once=once)
        self.task: asyncio.Task[None] | None = None
        self.api = Loopwright.open(project)

    async def __aenter__(self) -> Running:
        self.task = asyncio.create_task(self.manager.run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.manager.stop()
        assert self.task is not None
        await asyncio.wait_for(self.task, 30)
        self.api.close()

    def state(self) -> State:
        return self.api.refresh()

    async def until(self, what: Callable[[State], object], timeout: float = 30.0) -> State:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.state()
            if what(st):
                return st
            if self.task is not None and self.task.done():
                self.task.result()
                raise AssertionError("the manager stopped")
            await asyncio.sleep(0.02)
        lines = [type(r.event).__name__ + " " + str(r.event)[:200]
                 for r in self.api.store.read_after(0)]
        raise AssertionError("timed out; the log:\n" + "\n".join(lines))

    def events(self, kind: type[ev._Event]) -> list[ev.Event]:
        return [r.event for r in self.api.store.read_after(0) if isinstance(r.event, kind)]
