"""Helpers for the agents' tests: the fake Messages API wired into the environment, a
worker context in memory, and repositories to work on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from loopwright import events as ev
from loopwright.config import Config
from loopwright.core.commands import CommandResult
from loopwright.delegation_state import Steer
from loopwright.state import Session, Task
from loopwright.testing.fake_api import FakeMessagesAPI, RecordedRequest
from loopwright.workers.base import TranscriptEvent, WorkerInput
from loopwright.workspace import sandbox


def agent_toml(agent: str = "", rest: str = "") -> str:
    """Config for agent tests: retries and timeouts that keep the tests fast, no
    bubblewrap so commands behave the same everywhere, plus `agent` lines for [agent]
    (overriding those defaults) and `rest` (other sections)."""
    lines = [line for line in agent.splitlines() if line.strip()]
    keys = {line.split("=")[0].strip() for line in lines}
    fast = {"retry_max_seconds": "0.05", "request_timeout_seconds": "2.0"}
    lines += [f"{key} = {value}" for key, value in fast.items() if key not in keys]
    body = "\n".join(lines)
    return f'[agent]\n{body}\n[sandbox]\nbubblewrap = "never"\n{rest}'


API_KEY = "sk-test-fake-key-0123456789"


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    """A fake Messages API the real SDK reaches through ANTHROPIC_BASE_URL."""
    with FakeMessagesAPI() as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
        yield api


def tool_results(request: RecordedRequest | dict[str, Any]) -> list[dict[str, Any]]:
    """The tool_result blocks of a request's last message."""
    body = request.body if isinstance(request, RecordedRequest) else request
    content = body["messages"][-1]["content"]
    return [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]


def last_texts(request: RecordedRequest | dict[str, Any]) -> str:
    body = request.body if isinstance(request, RecordedRequest) else request
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if block.get("type") == "text":
            parts.append(block["text"])
        elif block.get("type") == "tool_result":
            inner = block.get("content")
            parts.append(inner if isinstance(inner, str) else str(inner))
    return "\n".join(parts)


def make_task(body: str = "Fix the greeting.", title: str = "Fix the greeting") -> Task:
    return Task(task_id="t-1", title=title, body=body, source="cli", labels=(), priority=0,
                backend="claude", origin="cli", filed_at=0.0)


def make_session(note: str = "") -> Session:
    return Session(session_id="s-1", task_id="t-1", name="fix-the-greeting",
                   branch="loopwright/t-1-fix", backend="claude", attempt=1, queued_at=0.0,
                   instruction=note)


class MemoryContext:
    """A worker context kept in memory: the manager's SessionContext without the log.
    `answer(question, options, default, blocking)` plays the human."""

    def __init__(self, worktree: Path, config: Config, *, task: Task | None = None,
                 notes: tuple[str, ...] = (),
                 answer: Callable[[str, tuple[str, ...], str, bool], str] | None = None,
                 ) -> None:
        self._input = WorkerInput(task=task or make_task(), session=make_session(),
                                  worktree=worktree, config=config, notes=notes)
        self.events: list[TranscriptEvent] = []
        self.acts: list[tuple[str, str]] = []
        self.progress_lines: list[str] = []
        self.thread_replies: list[tuple[str, str]] = []
        self.asked: list[tuple[str, bool]] = []
        self.given: dict[str, str] = {}
        self._later: dict[str, str] = {}
        self.budget_rounds: list[str] = []
        self.steered: list[Steer] = []  # `steer(note)` plays a steering human
        self._answer = answer or (lambda q, o, d, b: d)

    @property
    def input(self) -> WorkerInput:
        return self._input

    def resumed(self, notes: tuple[str, ...] = ()) -> MemoryContext:
        """The same session after a restart (and maybe new notes): same transcript."""
        again = MemoryContext(self._input.worktree, self._input.config,
                              task=self._input.task, notes=notes or self._input.notes,
                              answer=self._answer)
        again.events, again.given = list(self.events), dict(self.given)
        again.steered = self.steered
        return again

    async def act(self, action: str, detail: str = "") -> int:
        self.acts.append((action, detail))
        return len(self.acts) - 1

    async def progress(self, message: str) -> None:
        self.progress_lines.append(message)

    async def reply(self, thread_id: str, text: str, *, step: str | None = None) -> bool:
        self.thread_replies.append((thread_id, text))
        if step is not None:
            self.acts.append(("reply", step))
        return True

    async def run_command(self, command: str, *, step: str | None = None) -> CommandResult:
        cfg = self._input.config
        result = await sandbox.run(command, self._input.worktree, timeout=30.0,
                                   config=cfg.sandbox, tail_lines=40)
        if step is not None:
            self.acts.append(("run", step))
        return result

    async def ask(self, question: str, options: tuple[str, ...] = (), default: str = "",
                  blocking: bool = False) -> str:
        self.asked.append((question, blocking))
        if question in self.given:
            return self.given[question]
        answer = self._answer(question, options, default, blocking)
        if blocking:
            self.given[question] = answer
            return answer
        self._later[question] = answer  # the human answers while the worker goes on
        return default

    def answers(self) -> dict[str, str]:
        """What was answered so far; answers to non-blocking questions show from the
        second look on, as if the human took a turn to answer."""
        seen = dict(self.given)
        self.given.update(self._later)
        self._later = {}
        return seen

    def steer(self, note: str) -> None:
        self.steered.append(Steer(note=note, by="human", at=0.0))

    def steers(self) -> tuple[Steer, ...]:
        return tuple(self.steered)

    async def take_steer(self, number: int, *, as_step: bool = True) -> int | None:
        self.steered[number - 1].received = True
        if not as_step:
            return None
        self.acts.append(("steer", self.steered[number - 1].note))
        return len(self.acts) - 1

    def transcript(self) -> list[TranscriptEvent]:
        return list(self.events)

    async def record_turn(self, *events: TranscriptEvent | ev.SteerReceived) -> None:
        for e in events:
            if isinstance(e, ev.SteerReceived):
                self.steered[e.steer - 1].received = True
            else:
                self.events.append(e)

    async def over_budget(self, reason: str, round: int) -> bool:
        self.budget_rounds.append(reason)
        return await self.ask(f"over budget: {reason} ({round})", ("continue", "stop"),
                              "stop", blocking=True) == "continue"

    def replies(self) -> list[ev.ModelReplied]:
        return [e for e in self.events if isinstance(e, ev.ModelReplied)]
