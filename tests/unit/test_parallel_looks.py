"""Which sleeping sessions' worktrees the conflict predictor looks at unprompted: each
within ten rounds while there are few, ten a round however many there are, the one
looked at longest ago first."""

from __future__ import annotations

from loopwright.manager.parallel import FULL_EVERY, QUIET_LOOKS, Looks
from loopwright.state import Session

STAMP: tuple[object, ...] = ("running", 0)


def sessions(n: int) -> list[Session]:
    return [Session(session_id=f"s-{i}", task_id=f"t-{i}", name=f"n-{i}", branch=f"b{i}",
                    backend="script", attempt=1, queued_at=0.0) for i in range(n)]


def rounds_until_all_looked_at(live: list[Session]) -> tuple[int, int]:
    """Rounds before every session was looked at once more, and the most in one round."""
    looks = Looks()
    for s in live:
        looks.looked(s.session_id, STAMP, set())
    seen: set[str] = set()
    rounds = most = 0
    while len(seen) < len(live):
        due = looks.unprompted(live)
        for sid in sorted(due):
            looks.looked(sid, STAMP, set())
        seen |= due
        rounds, most = rounds + 1, max(most, len(due))
    return rounds, most


def test_a_few_sessions_are_each_looked_at_within_ten_rounds() -> None:
    assert rounds_until_all_looked_at(sessions(7)) == (7, 1)
    assert rounds_until_all_looked_at(sessions(100)) == (FULL_EVERY, 10)
    assert rounds_until_all_looked_at(sessions(200)) == (20, QUIET_LOOKS)


def test_a_thousand_sleeping_sessions_cost_ten_looks_a_round() -> None:
    assert rounds_until_all_looked_at(sessions(1000)) == (1000 // QUIET_LOOKS, QUIET_LOOKS)


def test_the_session_looked_at_longest_ago_comes_first() -> None:
    live = sessions(30)
    looks = Looks()
    for s in reversed(live):  # s-29 looked at first
        looks.looked(s.session_id, STAMP, set())
    looks.looked("s-29", STAMP, set())  # its worker acted: looked at again just now
    assert looks.unprompted(live) == {"s-28", "s-27", "s-26"}
    assert looks.unprompted(live[:27]) == {"s-26", "s-25", "s-24"}  # ended ones drop out
