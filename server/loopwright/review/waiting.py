"""The one line at the top of a review: why it waits for a human (the gate's first
reason, with its numbers) and what would have let it land alone (every rule it fails,
as what would have passed it).

Pure, like the gate, and over the same inputs: a rule that passed asks for nothing.
"""

from __future__ import annotations

from ..config import GateConfig
from ..events import ReviewPrepared
from .gate import _protected_reasons, _touched


def waiting_line(gate: GateConfig, *, review: ReviewPrepared, reasons: tuple[str, ...],
                 checks_passed: bool | None, labels: tuple[str, ...]) -> str:
    """`""` when nothing holds the change (it landed on policy)."""
    if not reasons:
        return ""
    first = reasons[0].rstrip(".")
    more = len(reasons) - 1
    head = f"Waits for you: {first}" + (
        f" (and {more} more reason{'s' if more > 1 else ''})" if more else "")
    needs = _remedies(gate, review, checks_passed, labels)
    if not needs:
        return head + "."
    return f"{head}. It would have landed alone with {_and(needs)}."


def _remedies(gate: GateConfig, review: ReviewPrepared, checks_passed: bool | None,
              labels: tuple[str, ...]) -> list[str]:
    needs = []
    if not gate.auto_land:
        needs.append("`[gate] auto_land = true`")
    if checks_passed is False or (checks_passed is None and gate.require_checks):
        needs.append("passing checks")
    if review.reviewer and gate.require_reviewer and review.reviewer_verdict != "approve":
        needs.append("the reviewer agent's approval")
    changed = review.added + review.removed
    if changed > gate.max_changed_lines:
        needs.append(f"at most {gate.max_changed_lines} changed lines (it has {changed}; "
                     "`[gate] max_changed_lines`)")
    if review.binary_files and not gate.allow_binary:
        needs.append("no binary file (`[gate] allow_binary`)")
    if len(review.new_files) > gate.max_new_files:
        needs.append(f"at most {gate.max_new_files} new files (it adds "
                     f"{len(review.new_files)}; `[gate] max_new_files`)")
    if _protected_reasons(gate.protected_paths, _touched(review)):
        needs.append("no protected path touched (`[gate] protected_paths`)")
    if gate.labels and not set(labels) & set(gate.labels):
        needs.append(f"a label from {', '.join(gate.labels)} (`[gate] labels`)")
    return needs


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
