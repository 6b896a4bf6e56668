"""The digest as a user reads it after stopping work: the real CLI, real git."""

from __future__ import annotations

from helpers.git import MakeRepo
from helpers.loop import cli, configure, init, task_file

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo ok\n"}


def test_the_digest_counts_kills_and_rejections_and_ends_on_them(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    configure(init(root), "[gate]\nauto_land = false\n")
    wait = task_file("x", {"ask": "Which?", "options": ["a", "b"], "blocking": True})
    assert cli(root, "dispatch", "Stuck one", "--body", wait).returncode == 0
    change = task_file("x", {"write": "c.txt", "content": "c\n"})
    assert cli(root, "dispatch", "Unwanted change", "--body", change).returncode == 0
    assert cli(root, "run", "--once").returncode == 0  # one waits on a question, one on review
    assert cli(root, "kill", "stuck-one").returncode == 0
    assert cli(root, "reject", "unwanted-change", "--why", "not needed").returncode == 0
    lines = cli(root, "digest").stdout.splitlines()
    assert lines[0] == "1 killed · 1 rejected"
    assert lines[-2:] == ["stuck-one: killed by human (+1 earlier)",
                          "unwanted-change: rejected by human: not needed (+2 earlier)"]
