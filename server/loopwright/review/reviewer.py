"""The reviewer slot: a second agent that reads the change and gives a verdict.

Empty unless `[review] reviewer` names a backend (`claude`: `agent.reviewer`). The gate
can require the reviewer's approval; a request for changes goes back to the worker on
its own for up to `[review] max_rounds` rounds (see `manager.pipeline`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from .. import events as ev
from ..config import Config
from ..project import Project
from ..state import Session, Task


@dataclass(frozen=True)
class Verdict:
    verdict: Literal["approve", "request_changes"]
    summary: str
    comments: tuple[ev.ReviewComment, ...] = ()
    spent: tuple[ev.ModelReplied, ...] = ()  # what the review cost, for the log


class Reviewer(Protocol):
    name: str

    async def review(self, task: Task, session: Session, change: ev.ReviewPrepared) -> Verdict:
        ...


class UnknownReviewer(Exception):
    pass


def _claude(project: Project, config: Config) -> Reviewer:
    from ..agent.reviewer import ClaudeReviewer  # the SDK loads only when configured

    return ClaudeReviewer(project, config)


REVIEWERS: dict[str, Callable[[Project, Config], Reviewer]] = {"claude": _claude}


def make_reviewer(project: Project, config: Config) -> Reviewer | None:
    name = config.review.reviewer
    if not name:
        return None
    factory = REVIEWERS.get(name)
    if factory is None:
        known = ", ".join(sorted(REVIEWERS)) or "none yet"
        raise UnknownReviewer(f"unknown reviewer {name!r} in [review]; known: {known}")
    return factory(project, config)
