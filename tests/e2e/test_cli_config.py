"""A broken or hostile config.toml stops `loopwright` at once, with one line that names
the key or the file, and exit status 2: `config` and `run` refuse it the same way."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.git import MakeRepo
from helpers.loop import cli, configure, init
from loopwright.project import Project

COMMANDS = [("config",), ("run", "--once")]


@pytest.mark.parametrize("command", [*COMMANDS, ("status",)])
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


def _text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)  # nobody ever writes to it: reading it would wait for ever


def _link_to(target: str) -> Callable[[Path], None]:
    def link(path: Path) -> None:
        path.unlink()
        path.symlink_to(target)
    return link


def _directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _unreadable(path: Path) -> None:
    if os.geteuid() != 0:
        path.chmod(0)
        return
    # root reads any file whatever its mode, but not a write-only sysctl
    sysctl = Path("/proc/sys/vm/compact_memory")
    if not sysctl.exists():
        pytest.skip("running as root, with no write-only file to point at")
    _link_to(str(sysctl))(path)


HOSTILE: dict[str, tuple[Callable[[Path], None], str]] = {
    "nested 2,000 levels": (_text("a = " + "[" * 2000 + "]" * 2000 + "\n"),
                            "not valid TOML: nested too deeply"),
    "a dotted key of 5,000 parts": (_text("a" + ".a" * 5000 + " = 1\n"),
                                    "line 1: a dotted key of more than 32 parts"),
    "a FIFO": (_fifo, "a FIFO, not a regular file"),
    "a link to /dev/zero": (_link_to("/dev/zero"), "a device, not a regular file"),
    "over 1 MiB": (_text("#" * (1 << 20) + "\n"),
                   "larger than 1 MiB; a config is a few kilobytes"),
    "a directory": (_directory, "a directory, not a regular file"),
    "unreadable": (_unreadable, "cannot read: Permission denied"),
    "a link to nothing": (_link_to("/no/such/config.toml"), "a symbolic link to nothing"),
    "not UTF-8": (lambda p: p.write_bytes(b'[project]\ngoals = "caf\xe9"\n'),
                  "not UTF-8 text (line 2)"),
    "a tick of a nanosecond": (_text("[attention]\ntick_seconds = 1e-9\n"),
                               "attention.tick_seconds: Expected `float` >= 0.05"),
    "conflicts predicted every nanosecond": (
        _text("[parallel]\npredict_seconds = 1e-9\n"),
        "parallel.predict_seconds: Expected `float` >= 0.2"),
    "a NaN": (_text("[attention]\ntick_seconds = nan\n"),
              "attention.tick_seconds: Expected `float` >= 0.05"),
    "an infinite timeout": (_text("[checks]\ntimeout_seconds = inf\n"),
                            "checks.timeout_seconds: Expected `float` <= 604800.0"),
    "1e308 seconds": (_text("[sandbox]\ncommand_timeout_seconds = 1e308\n"),
                      "sandbox.command_timeout_seconds: Expected `float` <= 604800.0"),
    "a digest every millisecond": (
        _text("[attention]\ndigest_minutes = 0.00001\n"),
        "attention: digest_minutes must be 0 (off) or at least 1, not 1e-05"),
}


# `run` reads the config through the same loader as `config`; it is tried on a few.
RUN_TOO = {"nested 2,000 levels", "a FIFO", "a link to /dev/zero", "a tick of a nanosecond"}


@pytest.mark.parametrize(
    ("case", "command"),
    [(case, ("config",)) for case in HOSTILE]
    + [(case, ("run", "--once")) for case in HOSTILE if case in RUN_TOO])
def test_a_hostile_config_is_refused_in_one_line_with_exit_status_2(
    make_repo: MakeRepo, case: str, command: tuple[str, ...],
) -> None:
    project = Project(make_repo())
    project.dot.mkdir()
    project.config_path.write_text("", encoding="utf-8")
    spoil, message = HOSTILE[case]
    spoil(project.config_path)
    proc = cli(project.root, *command)
    assert (proc.returncode, proc.stderr, proc.stdout) == (
        2, f"loopwright: {project.config_path}: {message}\n", "")


def test_the_same_values_within_bounds_are_accepted(make_repo: MakeRepo) -> None:
    project = init(make_repo())
    configure(project, "[attention]\ntick_seconds = 0.05\ndigest_minutes = 0\n"
                       "[parallel]\npredict_seconds = 0.2\n")
    proc = cli(project.root, "config")
    assert proc.returncode == 0, proc.stderr
    assert "tick_seconds = 0.05\n" in proc.stdout
