"""Commands run scrubbed, time-limited and (with bubblewrap) unable to write outside."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from helpers.git import MakeRepo, git
from loopwright.config import SandboxConfig
from loopwright.workspace import sandbox
from loopwright.workspace.sandbox import run


def _bwrap_problem() -> str:
    path = shutil.which("bwrap")
    if path is None:
        return "bwrap is not installed (apt-get install bubblewrap)"
    probe = subprocess.run(
        [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid",
         "true"], capture_output=True, text=True, check=False,
    )
    return "" if probe.returncode == 0 else f"bwrap cannot run here: {probe.stderr.strip()}"


BWRAP_PROBLEM = _bwrap_problem()
needs_bwrap = pytest.mark.skipif(bool(BWRAP_PROBLEM), reason=BWRAP_PROBLEM)
NEVER = SandboxConfig(bubblewrap="never")
ALWAYS = SandboxConfig(bubblewrap="always")


@pytest.fixture(params=["never", pytest.param("always", marks=needs_bwrap)])
def config(request: pytest.FixtureRequest) -> SandboxConfig:
    return SandboxConfig(bubblewrap=request.param)


def _running(marker: str) -> bool:
    """Whether a live process has `marker` on its command line (zombies have none),
    allowing a moment for a SIGKILL already sent to land."""
    deadline = time.monotonic() + 2
    while True:
        alive = False
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            with contextlib.suppress(OSError):
                alive = alive or marker.encode() in cmdline.read_bytes()
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _real(path: Path) -> Path:
    return path.resolve()


def _marker_sleep() -> tuple[str, str]:
    """A `sleep` with a duration no other process uses, so we can find it in /proc."""
    seconds = f"{900 + uuid.uuid4().int % 90}.{uuid.uuid4().int % 10**6:06d}"
    return f"sleep {seconds}", seconds


async def test_exit_codes_and_merged_output(tmp_path: Path, config: SandboxConfig) -> None:
    ok = await run("echo out; echo err >&2", tmp_path, timeout=10, config=config)
    assert (ok.exit_code, ok.ok, ok.timed_out) == (0, True, False)
    assert ok.output.split() == ["out", "err"]
    failed = await run("exit 3", tmp_path, timeout=10, config=config)
    assert (failed.exit_code, failed.ok, failed.command) == (3, False, "exit 3")
    assert failed.seconds >= 0


async def test_runs_in_the_given_directory_with_no_stdin(
    tmp_path: Path, config: SandboxConfig
) -> None:
    where = _real(tmp_path)
    result = await run("pwd; cat; echo end", where, timeout=10, config=config)
    assert result.output.split() == [str(where), "end"]


async def test_timeout_kills_grandchildren_and_returns_promptly(
    tmp_path: Path, config: SandboxConfig
) -> None:
    sleep, marker = _marker_sleep()
    started = time.monotonic()
    result = await run(f"sh -c '{sleep}' & {sleep}; echo never", tmp_path, timeout=0.5,
                       config=config)
    assert time.monotonic() - started < 5
    assert result.timed_out and not result.ok
    assert "never" not in result.output
    assert not _running(marker)


async def test_timeout_ignoring_sigterm_is_killed(tmp_path: Path, config: SandboxConfig) -> None:
    sleep, marker = _marker_sleep()
    started = time.monotonic()
    result = await run(f"trap '' TERM; {sleep}", tmp_path, timeout=0.3, config=config)
    assert result.timed_out
    assert time.monotonic() - started < sandbox.KILL_GRACE_SECONDS + 3
    assert not _running(marker)


async def test_cancelling_the_caller_ends_the_command(
    tmp_path: Path, config: SandboxConfig
) -> None:
    sleep, marker = _marker_sleep()
    task = asyncio.create_task(run(sleep, tmp_path, timeout=60, config=config))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _running(marker)


async def test_background_job_holding_the_pipe_does_not_hang(
    tmp_path: Path, config: SandboxConfig
) -> None:
    sleep, marker = _marker_sleep()
    started = time.monotonic()
    result = await run(f"{sleep} & echo done", tmp_path, timeout=30, config=config)
    assert time.monotonic() - started < 5
    assert (result.exit_code, result.output, result.timed_out) == (0, "done\n", False)
    assert not _running(marker)


async def test_a_grandchild_that_leaves_the_group_cannot_hold_us(tmp_path: Path) -> None:
    sleep, _ = _marker_sleep()
    pid_file = tmp_path / "escapee.pid"
    started = time.monotonic()
    try:
        result = await run(f"setsid {sleep} & echo $! > {pid_file}; echo done", tmp_path,
                           timeout=30, config=NEVER)
        assert time.monotonic() - started < 5
        assert result.output == "done\n"
    finally:  # it left the process group, as this test meant it to: end it by its pid
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


async def test_environment_is_scrubbed(
    tmp_path: Path, config: SandboxConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-do-not-leak")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-fake")
    monkeypatch.setenv("DB_Password", "hunter2")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    monkeypatch.setenv("RANDOM_UNLISTED", "nope")
    monkeypatch.setenv("MY_SETTING", "yes")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    listed = SandboxConfig(
        bubblewrap=config.bubblewrap, pass_env=["MY_SETTING", "ANTHROPIC_API_KEY", "GITHUB_TOKEN"]
    )
    result = await run("env", tmp_path, timeout=10, config=listed,
                       extra_env={"EXTRA": "1", "NPM_TOKEN": "fake"})
    env = dict(line.split("=", 1) for line in result.output.splitlines() if "=" in line)
    assert "sk-ant-fake-do-not-leak" not in result.output
    for name in ("ANTHROPIC_API_KEY", "GITHUB_TOKEN", "DB_Password", "AWS_SECRET_ACCESS_KEY",
                 "RANDOM_UNLISTED", "NPM_TOKEN"):
        assert name not in env
    assert env["MY_SETTING"] == "yes"
    assert env["EXTRA"] == "1"
    assert env["LC_ALL"] == "C.UTF-8"
    assert env["LOOPWRIGHT_SANDBOX"] == "1"
    assert "PATH" in env and "HOME" in env


def test_scrubbed_env_drops_secret_names_case_insensitively() -> None:
    source = {"PATH": "/bin", "api_key": "x", "Credentials_File": "y", "PASSWD": "z",
              "ssh_passwd_hint": "w", "TERM": "xterm"}
    env = sandbox.scrubbed_env(["api_key", "Credentials_File"], source=source)
    assert env == {"PATH": "/bin", "TERM": "xterm", "LOOPWRIGHT_SANDBOX": "1"}


async def test_long_output_keeps_the_tail_with_a_note(tmp_path: Path) -> None:
    result = await run("seq 1 1000", tmp_path, timeout=10, config=NEVER, tail_lines=10)
    lines = result.output.splitlines()
    assert lines[0] == "[… 990 earlier lines cut]"
    assert lines[1:] == [str(n) for n in range(991, 1001)]


async def test_output_without_trailing_newline_counts_its_last_line(tmp_path: Path) -> None:
    result = await run("printf 'a\\nb\\nc'", tmp_path, timeout=10, config=NEVER, tail_lines=2)
    assert result.output == "[… 1 earlier lines cut]\nb\nc"


async def test_output_is_capped_in_bytes(tmp_path: Path) -> None:
    command = "python3 -c \"print(('x' * 999 + '\\n') * 500, end='')\""
    result = await run(command, tmp_path, timeout=10, config=NEVER, tail_lines=400)
    assert len(result.output.encode()) <= sandbox.MAX_OUTPUT_BYTES + 100
    assert result.output.startswith("[… ")
    cut = int(result.output.split()[1])
    assert cut + len(result.output.splitlines()) - 1 == 500


async def test_one_huge_line_is_shortened(tmp_path: Path) -> None:
    command = "python3 -c \"print('y' * 300000)\""
    result = await run(command, tmp_path, timeout=10, config=NEVER)
    assert result.output.startswith("…y")
    assert len(result.output.encode()) <= sandbox.MAX_OUTPUT_BYTES + 10


async def test_invalid_utf8_is_replaced(tmp_path: Path) -> None:
    result = await run("printf 'caf\\303\\251 \\377\\n'", tmp_path, timeout=10, config=NEVER)
    assert result.output == "café \ufffd\n"


async def test_missing_directory_is_exit_127(tmp_path: Path) -> None:
    result = await run("true", tmp_path / "gone", timeout=10, config=NEVER)
    assert result.exit_code == 127
    assert "cannot start" in result.output


async def test_always_without_bwrap_is_exit_127_not_an_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = await run("true", tmp_path, timeout=10, config=ALWAYS)
    assert result.exit_code == 127
    assert "bubblewrap" in result.output and "not installed" in result.output


async def test_auto_falls_back_when_bwrap_is_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "bwrap"
    broken.write_text("#!/bin/sh\necho 'No permissions to create new namespace' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(broken))
    monkeypatch.setattr(sandbox, "_bwrap_works", {})
    with caplog.at_level(logging.WARNING, logger="loopwright.workspace.sandbox"):
        auto = await run("echo ran", tmp_path, timeout=10, config=SandboxConfig())
        again = await run("echo ran", tmp_path, timeout=10, config=SandboxConfig())
    assert auto.output == again.output == "ran\n"
    assert len([r for r in caplog.records if "namespace" in r.getMessage()]) == 1
    always = await run("echo ran", tmp_path, timeout=10, config=ALWAYS)
    assert always.exit_code == 127 and "namespace" in always.output


@needs_bwrap
async def test_bwrap_cannot_write_outside_the_worktree(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    outside = tmp_path / "outside.txt"
    result = await run(
        f"echo in > inside.txt; echo out > {outside}; echo $? ; touch $HOME/.lw-probe; "
        "echo $? ; echo t > /tmp/private; cat /tmp/private",
        work, timeout=10, config=ALWAYS,
    )
    assert (work / "inside.txt").read_text() == "in\n"
    assert not outside.exists()
    assert not (Path.home() / ".lw-probe").exists()
    assert not _real(Path("/tmp/private")).exists()
    assert result.output.splitlines()[-1] == "t"


@needs_bwrap
async def test_git_in_a_worktree_reads_but_cannot_commit(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo()
    work = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "loopwright/t1", str(work))
    result = await run(
        "echo change > README.md && git status --short && git diff --stat | tail -1; "
        "git commit -qam work; echo commit=$?; "
        "echo evil > \"$(git rev-parse --git-common-dir)/hooks/post-commit\"; "
        "git config user.name Mallory; echo config=$?",
        work, timeout=30, config=ALWAYS, repo_root=repo,
    )
    lines = result.output.splitlines()
    assert " M README.md" in lines and "commit=128" in lines, lines
    assert "config=0" not in lines
    assert git(repo, "log", "-1", "--format=%s", "loopwright/t1") == "initial"
    assert not (repo / ".git" / "hooks" / "post-commit").exists()
    assert "Mallory" not in (repo / ".git" / "config").read_text()


@needs_bwrap
async def test_commands_start_and_see_no_secret_while_git_rewrites_the_config(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """The user's git rewrites `.git/config` (a `.lock` renamed over it) while sessions'
    commands start: every one starts, and none sees the real config underneath."""
    repo = make_repo()
    git(repo, "config", "remote.origin.url", "https://user:hunter2@example.invalid/x.git")
    work = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "loopwright/t1", str(work))
    stop = threading.Event()
    rewrites = 0

    def rewrite() -> None:
        nonlocal rewrites
        while not stop.is_set():
            subprocess.run(["git", "config", "user.note", str(rewrites)], cwd=repo,
                           check=True)
            rewrites += 1

    command = 'cat "$(git rev-parse --git-common-dir)/config"; git log -1 --format=%s main'
    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        results = []
        for _ in range(50):  # 4 at a time, 200 in all
            results += await asyncio.gather(*(
                run(command, work, timeout=30, config=ALWAYS, repo_root=repo)
                for _ in range(4)))
    finally:
        stop.set()
        writer.join()
    assert rewrites > 0
    failed = [r.output for r in results if r.exit_code != 0]
    assert failed == []
    assert [r for r in results if "hunter2" in r.output or "user.note" in r.output] == []
    assert {r.output.splitlines()[-1] for r in results} == {"initial"}


@needs_bwrap
async def test_a_repository_with_many_packed_refs_is_readable_inside(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo()
    head = git(repo, "rev-parse", "HEAD")
    subprocess.run(["git", "update-ref", "--stdin"], cwd=repo, check=True, text=True,
                   input="".join(f"create refs/tags/release-{n:05d} {head}\n"
                                 for n in range(3000)))
    git(repo, "pack-refs", "--all")
    assert (repo / ".git" / "packed-refs").stat().st_size > 128 * 1024  # > a pipe's buffer
    work = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "loopwright/t1", str(work))
    result = await run("git tag | wc -l", work, timeout=30, config=ALWAYS, repo_root=repo)
    assert (result.exit_code, result.output.strip()) == (0, "3000")
