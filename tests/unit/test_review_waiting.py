"""The one line at the top of a review: why it waits, with the gate's numbers, and what
would have let it land alone."""

from __future__ import annotations

import msgspec

from loopwright import events as ev
from loopwright.config import GateConfig
from loopwright.review.gate import judge
from loopwright.review.waiting import waiting_line


def change(added: int, *, files: tuple[str, ...] = ("a.py",), reviewer: str = "",
           verdict: str = "") -> ev.ReviewPrepared:
    return ev.ReviewPrepared(session_id="s-1", head_commit="h", base_commit="b",
                             files=files, hunks=(), added=added, removed=0,
                             reviewer=reviewer, reviewer_verdict=verdict)  # type: ignore[arg-type]


def line(gate: GateConfig, review: ev.ReviewPrepared, labels: tuple[str, ...] = ()) -> str:
    _, reasons = judge(gate, review=review, checks=None, labels=labels,
                       reviewer_configured=bool(review.reviewer))
    return waiting_line(gate, review=review, reasons=reasons, checks_passed=True,
                        labels=labels)


def test_a_big_change_says_its_size_the_limit_and_the_setting() -> None:
    gate = msgspec.structs.replace(GateConfig(), require_checks=False)
    got = line(gate, change(412))
    assert got == ("Waits for you: The change is 412 lines (+412/-0), over the limit of 20 "
                   "for landing on its own. It would have landed alone with at most 20 "
                   "changed lines (it has 412; `[gate] max_changed_lines`).")


def test_every_failing_rule_is_named_and_counted() -> None:
    gate = msgspec.structs.replace(GateConfig(), auto_land=False, require_checks=False,
                                   labels=["easy"])
    got = line(gate, change(30, files=("Makefile",), reviewer="claude",
                            verdict="request_changes"))
    assert got.startswith("Waits for you: Auto-land is off, so every change waits for "
                          "approval (and 4 more reasons). It would have landed alone with "
                          "`[gate] auto_land = true`, the reviewer agent's approval, at "
                          "most 20 changed lines")
    assert got.endswith("no protected path touched (`[gate] protected_paths`) and a label "
                        "from easy (`[gate] labels`).")


def test_a_change_that_landed_on_policy_has_no_line() -> None:
    gate = msgspec.structs.replace(GateConfig(), require_checks=False)
    assert line(gate, change(3)) == ""
