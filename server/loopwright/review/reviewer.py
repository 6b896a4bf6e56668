"""The reviewer slot: a second agent that reads the change and gives a verdict.

Empty unless `[review] reviewer` names a backend; the agents arrive with the `claude`
backend. The gate can require the reviewer's approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from .. import events as ev
from ..config import Config
from ..state import Session, Task


@dataclass(frozen=True)
class Verdict:
    verdict: Literal["approve", "request_changes"]
    summary: str
    comments: tuple[ev.ReviewComment, ...] = ()


class Reviewer(Protocol):
    name: str

    async def review(self, task: Task, session: Session, change: ev.ReviewPrepared) -> Verdict:
        ...


class UnknownReviewer(Exception):
    pass


REVIEWERS: dict[str, type[Reviewer]] = {}


def make_reviewer(config: Config) -> Reviewer | None:
    name = config.review.reviewer
    if not name:
        return None
    try:
        return REVIEWERS[name]()
    except KeyError:
        known = ", ".join(sorted(REVIEWERS)) or "none yet"
        raise UnknownReviewer(f"unknown reviewer {name!r} in [review]; known: {known}") from None
