"""Which edits of config.toml a running manager applies at once, and which wait for a
restart (the values in force keep the old ones until then)."""

from __future__ import annotations

import pytest

from loopwright.config import Config, parse
from loopwright.manager import reload


def config(text: str) -> Config:
    return parse(text)


@pytest.mark.parametrize(("before", "after", "changed"), [
    ("", "", ()),
    ("[manager]\nmax_parallel = 1\n", "[manager]\nmax_parallel = 3\n",
     ("manager.max_parallel",)),
    ("", '[github]\nrepo = "o/r"\n[gate]\nprotected_paths = []\n',
     ("gate.protected_paths", "github.repo")),
    ("", '[[timers]]\nname = "nightly"\nevery = "1d"\ntitle = "Tidy"\n', ("timers",)),
])
def test_the_changed_keys_are_named_as_in_the_file(
    before: str, after: str, changed: tuple[str, ...],
) -> None:
    assert reload.changed_keys(config(before), config(after)) == changed


@pytest.mark.parametrize(("key", "restart"), [
    ("manager.max_parallel", False),
    ("gate.max_changed_lines", False),
    ("review.max_rounds", False),
    ("checks.command", False),
    ("checks.max_parallel", True),
    ("project.target_branch", True),
    ("github.repo", True),
    ("webhook.secret_env", True),
    ("timers", True),
    ("triage.agent", True),
])
def test_a_short_list_of_keys_waits_for_a_restart(key: str, restart: bool) -> None:
    assert reload.needs_restart(key) is restart


def test_what_waits_for_a_restart_keeps_its_value_in_force() -> None:
    started = config("[manager]\nmax_parallel = 1\n")
    edited = config('[manager]\nmax_parallel = 5\n[github]\nrepo = "o/r"\n'
                    "[checks]\nmax_parallel = 2\ncommand = \"make check\"\n")
    now = reload.in_force(started, edited)
    assert now.manager.max_parallel == 5 and now.checks.command == "make check"
    assert now.github.repo == "" and now.checks.max_parallel == 0
    assert started.manager.max_parallel == 1  # the tree in force is never changed in place
