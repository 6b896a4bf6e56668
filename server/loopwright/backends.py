"""The composition root: every worker backend, reviewer and triage agent by name.

The slots (`workers.base.Worker`, `review.reviewer.Reviewer`, `review.triage.Triager`)
know nothing of their implementations; this module is where the names meet the code.
An implementation loads only when it is made, so the SDKs load only when configured.
`load` reads the configuration and refuses a name nobody registered, at once, with the
key and the names that are known.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, ConfigError
from .config import load as load_file
from .config.suggest import did_you_mean
from .project import Project

if TYPE_CHECKING:  # the slots load when something is made: `load` and the names do not
    from .review.reviewer import Reviewer  # need them (`loopwright status` stays light)
    from .review.triage import Triager
    from .workers.base import Worker


def _script_worker(_config: Config) -> Worker:
    from .workers.script import ScriptWorker

    return ScriptWorker()


def _claude_worker(config: Config) -> Worker:
    from .agent.worker import ClaudeWorker

    return ClaudeWorker(config)


def _claude_code_worker(config: Config) -> Worker:
    from .workers.claude_code import ClaudeCodeWorker  # claude-agent-sdk

    return ClaudeCodeWorker(config)


def _codex_worker(config: Config) -> Worker:
    from .workers.codex import CodexWorker

    return CodexWorker(config)


def _claude_reviewer(project: Project, config: Config) -> Reviewer:
    from .agent.reviewer import ClaudeReviewer

    return ClaudeReviewer(project, config)


def _codex_reviewer(project: Project, config: Config) -> Reviewer:
    from .agent.codex_reviewer import CodexReviewer

    return CodexReviewer(project, config)


def _claude_triager(project: Project, config: Config) -> Triager:
    from .agent.triage import ClaudeTriager

    return ClaudeTriager(project, config)


WORKERS: dict[str, Callable[[Config], Worker]] = {
    "script": _script_worker,
    "claude": _claude_worker,
    "claude-code": _claude_code_worker,
    "codex": _codex_worker,
}
REVIEWERS: dict[str, Callable[[Project, Config], Reviewer]] = {
    "claude": _claude_reviewer,
    "codex": _codex_reviewer,
}
TRIAGERS: dict[str, Callable[[Project, Config], Triager]] = {"claude": _claude_triager}
MANAGER_AGENTS = ("off", "claude")  # the manager agent: none, or the built-in one


def make_worker(name: str, config: Config) -> Worker:
    factory = WORKERS.get(name)
    if factory is None:
        from .workers.base import UnknownBackend

        raise UnknownBackend(f"unknown worker backend {name!r}; known: {_known(WORKERS)}")
    return factory(config)


def unknown_worker(name: str) -> str | None:
    """Why `name` cannot be a task's worker backend, or None (empty: the default)."""
    if not name or name in WORKERS:
        return None
    return (f"unknown worker backend {name!r}{did_you_mean(name, WORKERS) or ';'} known: "
            f"{_known(WORKERS)}")


def make_reviewer(project: Project, config: Config) -> Reviewer | None:
    name = config.review.reviewer
    if not name:
        return None
    factory = REVIEWERS.get(name)
    if factory is None:
        from .review.reviewer import UnknownReviewer

        raise UnknownReviewer(f"unknown reviewer {name!r} in [review]; known: "
                              f"{_known(REVIEWERS)}")
    return factory(project, config)


def make_triager(project: Project, config: Config) -> Triager:
    name = config.triage.agent
    if not name:
        from .review.triage import AcceptEverything

        return AcceptEverything()
    factory = TRIAGERS.get(name)
    if factory is None:
        from .review.triage import UnknownTriager

        raise UnknownTriager(f"unknown triage agent {name!r} in [triage]; known: "
                             f"{_known(TRIAGERS)}")
    return factory(project, config)


def model_sdk_configured(config: Config) -> bool:
    """Whether something configured runs on the `anthropic` SDK (the built-in agent): the
    manager agent, the reviewer, triage, the default worker or a timer's."""
    return ("claude" in (config.manager.agent, config.review.reviewer, config.triage.agent,
                         config.manager.default_backend)
            or any(t.backend == "claude" for t in config.timers))


async def warm_up_model_sdk(config: Config) -> None:
    """When something configured uses the SDK: its import and its first call's schema
    building done in a worker thread now (`agent/sdk_warm_up.py`), not on the event loop
    at the first model call. Otherwise nothing, and the SDK is never imported."""
    if not model_sdk_configured(config):
        return
    module = await asyncio.to_thread(importlib.import_module, "loopwright.agent.sdk_warm_up")
    await module.warmed()


def unknown_names(config: Config) -> list[str]:
    """One line per configured name that nobody registered, naming its key."""
    wanted: list[tuple[str, str, Iterable[str], str]] = [
        ("manager.default_backend", config.manager.default_backend, WORKERS, ""),
        ("review.reviewer", config.review.reviewer, REVIEWERS, " (or empty: no reviewer)"),
        ("triage.agent", config.triage.agent, TRIAGERS, " (or empty: every task accepted)"),
        ("manager.agent", config.manager.agent, MANAGER_AGENTS, ""),
    ]
    wanted += [(f"timers.{t.name}.backend", t.backend, WORKERS, " (or empty: the default)")
               for t in config.timers]
    return [f"{key}: unknown name {name!r}; known: {_known(known)}{empty}"
            for key, name, known, empty in wanted
            if name and name not in known]


def load(path: Path) -> Config:
    """`config.load`, then every backend name checked against the registry: a ConfigError
    names the first unknown one."""
    config = load_file(path)
    if problems := unknown_names(config):
        raise ConfigError(f"{path}: {problems[0]}")
    return config


def _known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "none yet"
