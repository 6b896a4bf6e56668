"""One test run split into shards, and the shards' results merged into one."""

from __future__ import annotations

import pytest

from loopwright.compute.shards import merge, shard_commands
from loopwright.config import ConfigError
from loopwright.config.load import parse
from loopwright.core.commands import CommandResult


def test_each_shard_gets_its_number_and_the_count() -> None:
    assert shard_commands("pytest --shard {shard}/{shards} -k '{x}'", 3) == [
        "pytest --shard 1/3 -k '{x}'", "pytest --shard 2/3 -k '{x}'",
        "pytest --shard 3/3 -k '{x}'"]
    assert shard_commands("make test", 1) == ["make test"]


def test_the_checks_pass_only_when_every_shard_passes() -> None:
    ok = CommandResult("t 1", 0, "1 passed\n", 2.0)
    bad = CommandResult("t 2", 3, "a\nb\nFAILED test_x\n", 5.0)
    merged = merge("t {shard}", [ok, bad], where=["n1", "n2"], tail_lines=4)
    assert not merged.ok and merged.exit_code == 3 and merged.command == "t {shard}"
    assert merged.seconds == 5.0  # they ran at once: the slowest is the wall time
    assert merged.output.splitlines() == [
        "--- shard 1/2 on n1: passed in 2.0 s", "1 passed",
        "--- shard 2/2 on n2: exit 3 in 5.0 s", "b", "FAILED test_x"]
    assert merge("t", [ok, ok]).ok


def test_a_timed_out_shard_times_the_checks_out() -> None:
    slow = CommandResult("t", 124, "", 9.0, timed_out=True)
    merged = merge("t", [CommandResult("t", 0, "", 1.0), slow])
    assert merged.timed_out and "timed out" in merged.output


def test_shards_without_a_place_for_the_shard_number_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"checks.shards needs a `command` with `\{shard\}`"):
        parse('[checks]\ncommand = "pytest"\nshards = 4\n')
    assert parse('[checks]\ncommand = "t {shard}"\nshards = 4\n').checks.shards == 4


def test_compute_sends_only_what_remote_names_and_keeps_local_labels_here() -> None:
    cfg = parse('[compute]\nengine = "ray"\nremote = ["checks"]\nlocal_labels = ["gui"]\n'
                'resources = { num_cpus = 2, gpu = 1 }\n').compute
    assert cfg.sends("checks", ["bug"]) and not cfg.sends("checks", ["gui"])
    assert not cfg.sends("sessions", [])
    assert cfg.resources == {"num_cpus": 2, "gpu": 1}
    assert not parse("").compute.sends("checks", [])
    with pytest.raises(ConfigError, match="engine"):
        parse('[compute]\nengine = "slurm"\n')
