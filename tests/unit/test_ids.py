"""Sessions, tasks and decisions can be named by a unique prefix."""

from __future__ import annotations

import pytest

from loopwright.manager.ids import LookupFailed, new_id, resolve, slug, unique_name

ITEMS = {"s-1a2b3c4d": "A", "s-1a9f0000": "B", "s-77777777": "C"}
NAMES = {"s-1a2b3c4d": "fix-typo", "s-1a9f0000": "fix-typo-2", "s-77777777": "add-docs"}


def test_ids_by_exact_id_name_or_unique_prefix() -> None:
    assert resolve("session", "s-77777777", ITEMS, NAMES) == "C"
    assert resolve("session", "add-docs", ITEMS, NAMES) == "C"
    assert resolve("session", "1a2", ITEMS, NAMES) == "A"
    assert resolve("session", "s-1a9", ITEMS, NAMES) == "B"
    assert resolve("session", "fix-typo", ITEMS, NAMES) == "A"  # exact name wins
    assert resolve("session", "add", ITEMS, NAMES) == "C"


def test_an_ambiguous_prefix_names_the_candidates() -> None:
    with pytest.raises(LookupFailed, match=r"'1a' matches 2 sessions: .*fix-typo"):
        resolve("session", "1a", ITEMS, NAMES)


def test_an_unknown_id_says_so() -> None:
    with pytest.raises(LookupFailed, match="no session matches 'zzz'"):
        resolve("session", "zzz", ITEMS, NAMES)


def test_names_are_readable_and_unique() -> None:
    assert slug("Fix the typo in README.md!") == "fix-the-typo-in-readme-md"
    assert slug("???") == "task"
    assert unique_name("fix", ["fix", "fix-2"]) == "fix-3"
    assert new_id("t").startswith("t-") and len(new_id("t")) == 10
