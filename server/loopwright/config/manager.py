"""The `[manager]` section: the loop's own limits, and the long-lived manager agent
(docs/manager.md): whether it runs, its model, how often it looks around, what it may
decide alone, how long it gathers wakes into one turn, and its context budget."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from .sections import MINUTE, Section, doc

ManagerDecision = Literal["triage", "worker_questions", "steer", "split", "priority",
                          "retry"]
ALL_DECISIONS: tuple[ManagerDecision, ...] = ("triage", "worker_questions", "steer",
                                               "split", "priority", "retry")


class ManagerConfig(Section):
    max_parallel: Annotated[int, doc(
        "How many sessions may run at once; the rest wait in the queue. A session waiting "
        "on your answer to a blocking question does not count: it goes on when answered.",
        ge=1, le=1000)] = 4
    warm_worktrees: Annotated[int, doc(
        "How many checkouts of the target's tip to keep ready, so a session on a large "
        "repository starts by taking one instead of checking out every file (each is a "
        "full checkout on disk, in `.loopwright/worktrees/.warm/`). 0: off.",
        ge=0, le=64)] = 0
    default_backend: Annotated[str, doc(
        "Worker backend for tasks that do not name one: `script`, or `claude` for the "
        "built-in agent on the Anthropic API.")] = "script"
    agent: Annotated[str, doc(
        "The manager agent: `off` (the loop works on its own, every question goes to "
        "you) or `claude` (one long-lived agent on the Anthropic API that triages, "
        "answers workers' questions it can, escalates the rest with a recommendation, "
        "and remembers what you teach it; docs/manager.md).")] = "off"
    model: Annotated[str, doc(
        "Model of the manager agent; empty: `[agent] model`.")] = ""
    round_minutes: Annotated[float, doc(
        "The manager also looks over everything this often; a round with nothing new "
        "since its last turn costs no model call. 0: no rounds.",
        off_or_at_least=0.1, ge=0, le=7 * 24 * 60)] = 10.0
    decides: Annotated[list[ManagerDecision], doc(
        "What the manager may decide alone: any of `triage`, `worker_questions`, "
        "`steer`, `split`, `priority`, `retry`. Anything else it wants to do becomes a "
        "question to you, with its recommendation. It can never approve a change the "
        "gate would not land, touch `protected_paths`, raise a budget or kill outside "
        "`[stalls] kill_on`.")] = msgspec.field(default_factory=lambda: list(ALL_DECISIONS))
    batch_seconds: Annotated[float, doc(
        "After a wake, how long the manager waits for more before its turn starts; "
        "wakes that arrive while it thinks wait for its next turn.",
        ge=0, le=10 * MINUTE)] = 0.5
    context_budget_tokens: Annotated[int, doc(
        "Most tokens the manager's conversation may hold; past 80% of it the "
        "conversation starts over from a summary the loop writes from the log (what "
        "you told it, what it decided, what is open), and its notes are re-read every "
        "turn.", ge=2_000, le=10_000_000)] = 100_000
    max_turn_calls: Annotated[int, doc(
        "Most model calls one manager turn may make before it is ended.",
        ge=1, le=1000)] = 12

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(set(self.decides)) != len(self.decides):
            raise ValueError("decides: a decision is named twice")
