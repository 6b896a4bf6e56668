"""What the manager's shell can be asked to do: frozen effects, each with its typed key.

`decide` returns these; `manager.loop` carries them out. An effect that runs as an owned
task has a `key` (an `EffectKey`): one task per key at a time, so asking twice while it
runs is asking once, and a session's tasks are found by their key, never by parsing a
string. Effects without a key are done at once (append facts, queue a session, cancel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .. import events as ev
from ..core.keys import EffectKey

# The kinds of a session's own tasks, which stopping the session cancels.
SESSION_KINDS = ("worker", "checks", "review", "land")


@dataclass(frozen=True)
class Triage:
    task_id: str

    @property
    def key(self) -> EffectKey:
        return EffectKey("triage", self.task_id)


@dataclass(frozen=True)
class QueueSession:
    task_id: str
    attempt: int
    note: str = ""


@dataclass(frozen=True)
class StartWorker:
    session_id: str
    resume: bool  # the session ran before: reuse its worktree, skip recorded steps
    reason: str = ""

    @property
    def key(self) -> EffectKey:
        return EffectKey("worker", self.session_id)


@dataclass(frozen=True)
class RunChecks:
    session_id: str

    @property
    def key(self) -> EffectKey:
        return EffectKey("checks", self.session_id)


@dataclass(frozen=True)
class PrepareReview:
    """Compute the session's hunks and ask the reviewer (when one is configured)."""

    session_id: str

    @property
    def key(self) -> EffectKey:
        return EffectKey("review", self.session_id)


@dataclass(frozen=True)
class Record:
    """Facts `decide` settled by itself (the gate's verdict, the reviewer's request sent
    back, the human's triage answer): append them."""

    events: tuple[ev.Event, ...]


@dataclass(frozen=True)
class Land:
    """One landing step: merge onto the target's tip, check the result, try once to
    advance the target. `again`: the target moved meanwhile, so merge anew."""

    session_id: str
    again: bool = False

    @property
    def key(self) -> EffectKey:
        return EffectKey("land", self.session_id)


@dataclass(frozen=True)
class AdvanceTarget:
    """Try again to move the target from `target_commit` to the checked merge."""

    session_id: str
    merged_commit: str
    target_commit: str

    @property
    def key(self) -> EffectKey:
        return EffectKey("land", self.session_id)


@dataclass(frozen=True)
class StopWorker:
    session_id: str


@dataclass(frozen=True)
class RemoveWorktree:
    session_id: str
    delete_branch: bool

    @property
    def key(self) -> EffectKey:
        return EffectKey("cleanup", self.session_id)


@dataclass(frozen=True)
class DeliverAnswer:
    decision_id: str
    answer: str


@dataclass(frozen=True)
class CheckBuild:
    """Check the target's build (a landing's ask is never downgraded to a schedule's)."""

    why: Literal["landing", "schedule", "start"]

    @property
    def key(self) -> EffectKey:
        return EffectKey("build")


@dataclass(frozen=True)
class BringUpToDate:
    """Bring the sessions at work up to the target's new tip `onto`."""

    onto: str

    @property
    def key(self) -> EffectKey:
        return EffectKey("meet-target")


@dataclass(frozen=True)
class WriteIssueStatuses:
    """Write what changed back to the GitHub issues tasks came from."""

    @property
    def key(self) -> EffectKey:
        return EffectKey("github-status")


# --- a session's environment and preview (manager/environment_decide.py) -------------


@dataclass(frozen=True)
class StartPreview:
    """Run the session's preview (until it is stopped, exits or goes idle)."""

    session_id: str

    @property
    def key(self) -> EffectKey:
        return EffectKey("preview", self.session_id)


@dataclass(frozen=True)
class StopPreview:
    session_id: str
    reason: str


@dataclass(frozen=True)
class EndEnvironment:
    """Teardown and release the ports of a session that ended with its worktree kept."""

    session_id: str

    @property
    def key(self) -> EffectKey:
        return EffectKey("environment", self.session_id)


Keyed = (
    Triage | StartWorker | RunChecks | PrepareReview | Land | AdvanceTarget
    | RemoveWorktree | CheckBuild | BringUpToDate | WriteIssueStatuses
    | StartPreview | EndEnvironment
)


@dataclass(frozen=True)
class Later:
    """`effect`, once `seconds` have passed (under the effect's own key, so stopping the
    session cancels the wait too)."""

    seconds: float
    effect: Keyed

    @property
    def key(self) -> EffectKey:
        return self.effect.key


Effect = Keyed | Later | QueueSession | Record | StopWorker | DeliverAnswer | StopPreview


@dataclass(frozen=True)
class StillBlocked:
    """An outcome the shell reports without a record: the landing is blocked for the
    reason already in the log (recording it again every retry would flood the log)."""

    session_id: str
    merged_commit: str
    target_commit: str
