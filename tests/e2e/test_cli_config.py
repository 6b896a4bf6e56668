"""A broken backend name stops `loopwright` at once, with one line that names the key."""

from __future__ import annotations

import pytest

from helpers.git import MakeRepo
from helpers.loop import cli, configure, init


@pytest.mark.parametrize("command", [("config",), ("run", "--once"), ("status",)])
def test_an_unknown_triage_agent_is_a_one_line_error_with_exit_status_2(
    make_repo: MakeRepo, command: tuple[str, ...],
) -> None:
    project = init(make_repo())
    configure(project, '[triage]\nagent = "bogus"\n')
    proc = cli(project.root, *command)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"loopwright: {project.config_path}: triage.agent: unknown name 'bogus'; known: "
        "claude (or empty: every task accepted)\n")
    assert proc.stdout == ""
