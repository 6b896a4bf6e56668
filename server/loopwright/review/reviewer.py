"""The reviewer slot: a second agent that reads the change and gives a verdict.

Empty unless `[review] reviewer` names a backend (`claude`: `agent.reviewer`, registered
in `loopwright.backends`). The gate can require the reviewer's approval; a request for
changes goes back to the worker on its own for up to `[review] max_rounds` rounds (see
`manager.pipeline`). A reviewer that fails raises `ReviewFailed` with what it spent,
so a failed review's tokens are counted too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from .. import events as ev
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


class ReviewFailed(Exception):
    """The review gave no verdict, after the model may have answered: `spent` is what
    its calls cost so far, recorded with the review as a verdict's would be."""

    def __init__(self, reason: str, spent: tuple[ev.ModelReplied, ...] = ()) -> None:
        super().__init__(reason)
        self.spent = spent


class UnknownReviewer(Exception):
    pass
