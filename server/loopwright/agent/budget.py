"""Budgets: what a task's worker has used, and whether it crossed a limit.

Pure: totals are folded from the worker's own transcript events, so a restarted worker
knows what it spent before. Every "go on" from the human grants one more budget's worth.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import events as ev
from ..config import BudgetConfig


@dataclass
class Spent:
    tokens: int = 0
    dollars: float = 0.0
    seconds: float = 0.0
    turns: int = 0

    def add(self, event: ev.ModelPrompted | ev.ModelReplied) -> None:
        self.seconds += event.seconds
        if isinstance(event, ev.ModelReplied):
            self.turns += 1
            self.dollars += event.cost_usd
            self.tokens += (event.input_tokens + event.output_tokens
                            + event.cache_write_tokens + event.cache_read_tokens)


def over_budget(spent: Spent, budget: BudgetConfig, grants: int = 1) -> str | None:
    """Which limit `spent` has reached with `grants` budgets' worth, said plainly; None
    while every limit holds. A limit of 0 is no limit."""
    checks = (
        ("turns", spent.turns, budget.turns, "{:.0f}"),
        ("tokens", spent.tokens, budget.tokens, "{:,.0f}"),
        ("dollars", spent.dollars, budget.dollars, "${:.2f}"),
        ("wall time", spent.seconds, budget.wall_seconds, "{:.0f}s"),
    )
    for name, used, limit, fmt in checks:
        if limit and used >= limit * grants:
            return f"{name}: {fmt.format(used)} used of {fmt.format(limit * grants)}"
    return None
