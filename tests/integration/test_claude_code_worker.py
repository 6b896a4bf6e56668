"""The `claude-code` backend: the real Claude Code CLI (bundled with claude-agent-sdk),
driven by the real manager against the local fake Messages API over real HTTP."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, cli, configure, init
from loopwright.project import Project
from loopwright.state import SessionState, State
from loopwright.testing.fake_api import FakeMessagesAPI, Script, Turn
from loopwright.workers.claude_code import quiet, summarize

S = SessionState


def claude_code_cli() -> str | None:
    """The CLI claude-agent-sdk would run: its bundled one, else `claude` on PATH."""
    try:
        import claude_agent_sdk
    except ImportError:
        return None
    bundled = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
    return str(bundled) if bundled.is_file() else shutil.which("claude")


needs_cli = pytest.mark.skipif(
    claude_code_cli() is None,
    reason="claude-agent-sdk (with its bundled Claude Code CLI) is not installed: "
           "pip install -e '.[dev]' installs it; without it the claude-code backend is "
           "not tested here",
)


def test_reading_and_editing_inside_the_worktree_needs_no_human(tmp_path: Path) -> None:
    assert quiet("Read", {"file_path": str(tmp_path / "a.py")}, tmp_path)
    assert quiet("Write", {"file_path": "src/b.py", "content": ""}, tmp_path)
    assert not quiet("Write", {"file_path": "/etc/passwd", "content": ""}, tmp_path)
    assert not quiet("Edit", {"file_path": "../outside.py"}, tmp_path)
    assert not quiet("Bash", {"command": "ls"}, tmp_path)
    assert summarize("Bash", {"command": "echo hi > hi.txt"}) == "echo hi > hi.txt"


# What the fake model says each reply cost: known numbers, for the session's tokens.
SIDE = {"input_tokens": 7, "output_tokens": 3}
FIRST = {"input_tokens": 1000, "output_tokens": 50, "cache_creation_input_tokens": 200,
         "cache_read_input_tokens": 300}
LAST = {"input_tokens": 1100, "output_tokens": 20, "cache_creation_input_tokens": 10,
        "cache_read_input_tokens": 500}


def usage_of(request: dict[str, Any]) -> dict[str, int]:
    if not request.get("tools"):
        return SIDE
    ran = any(block.get("type") == "tool_result" for m in request["messages"]
              if m["role"] == "user" and isinstance(m["content"], list)
              for block in m["content"])
    return LAST if ran else FIRST


def main_loop(request: dict[str, Any]) -> Turn:
    """The fake model's side of Claude Code's main conversation: run one shell command
    (which needs the human's permission), then say it is done. Side requests Claude
    Code makes (no tools offered) get a plain answer."""
    usage = usage_of(request)
    if usage is SIDE:
        return Turn.text("none", **usage)
    if usage is FIRST:
        return Turn.tool_use("Bash", {"command": "echo hello > hello.txt",
                                      "description": "Write the greeting"},
                             text="I will write the greeting.", **usage)
    return Turn.text("Wrote hello.txt with a greeting.", **usage)


def claude_code_project(make_repo: MakeRepo) -> Project:
    """A repository whose sessions go to Claude Code on the model the fake answers as."""
    project = init(make_repo({"README.md": "# x\n", "Makefile": "test:\n\t@echo ok\n"}))
    configure(project, '[manager]\ndefault_backend = "claude-code"\n'
                       '[agent]\nmodel = "claude-sonnet-4-5"\n'
                       "[parallel]\npredict_conflicts = false\n")
    return project


def point_claude_code_at(api: FakeMessagesAPI, monkeypatch: pytest.MonkeyPatch,
                         home: Path) -> None:
    """The CLI talks to `api`, with its own settings kept in `home`, and nothing else."""
    home.mkdir()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-key-for-tests")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")

async def greeting_asked(run: Running) -> State:
    """Dispatch the greeting task and wait until Claude Code asks to run its command."""
    run.api.dispatch("Add a greeting", "Write hello.txt containing hello.")
    return await run.until(lambda st: any(d.open for d in st.decisions.values()),
                           timeout=90)


@needs_cli
async def test_claude_code_asks_before_a_shell_command_and_its_change_lands(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    project = claude_code_project(make_repo)
    with project.config_path.open("a", encoding="utf-8") as f:  # priced as no list is
        f.write('[prices."claude-sonnet-4-5"]\ninput = 10.0\noutput = 100.0\n'
                "cache_write = 1.0\ncache_read = 0.5\n")
    with FakeMessagesAPI(Script([main_loop] * 40), strict_roles=False) as api:
        point_claude_code_at(api, monkeypatch, tmp_path / "home")
        async with Running(project) as run:
            st = await greeting_asked(run)
            [d] = st.decisions.values()
            assert d.question == ("Claude Code asks to use Bash: echo hello > hello.txt")
            assert d.blocking and d.options == ("allow", "deny") and d.default == "deny"
            run.api.answer(d.decision_id, "allow")
            st = await run.until(lambda st: any(s.state == S.LANDED
                                                for s in st.sessions.values()), timeout=90)
    [s] = st.sessions.values()
    assert (project.root / "hello.txt").read_text() == "hello\n"
    assert s.summary == "Wrote hello.txt with a greeting."
    assert api.errors == []
    # What Claude Code spent is the worker's: every reply the fake served, counted once,
    # one turn per call of the main conversation, priced from [prices].
    served = [usage_of(r.body) for r in api.requests
              if r.path.split("?")[0].endswith("/v1/messages")]
    assert served.count(FIRST) == served.count(LAST) == 1
    assert s.tokens == sum(n for usage in served for n in usage.values())
    assert s.turns == 2
    spent = {k: sum(u.get(k, 0) for u in served) for k in (*FIRST,)}
    dollars = (spent["input_tokens"] * 10 + spent["output_tokens"] * 100
               + spent["cache_creation_input_tokens"] * 1
               + spent["cache_read_input_tokens"] * 0.5) / 1e6
    assert s.cost_usd == pytest.approx(dollars, abs=1e-5)
    shown = cli(project.root, "stats")
    assert f"tokens by agent      worker {s.tokens:,} (${dollars:.2f})" in shown.stdout, \
        shown.stdout
    [row] = [line for line in cli(project.root, "status").stdout.splitlines()
             if s.session_id in line]
    assert f"${dollars:.2f}" in row, row  # the session's cost
    log = cli(project.root, "log").stdout  # each call, what it said and cost
    assert (f'{s.name}: model: Bash("echo hello > hello.txt") (1,501 tokens, $0.0104)'
            in log), log
    page = tmp_path / "report.html"
    assert cli(project.root, "report", "--html", str(page)).returncode == 0
    assert (f"<b>{s.tokens:,} · ${dollars:,.2f}</b><span>worker tokens · cost</span>"
            in page.read_text(encoding="utf-8"))


@needs_cli
async def test_a_claude_code_session_killed_midway_keeps_what_it_spent(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    project = claude_code_project(make_repo)
    with FakeMessagesAPI(Script([main_loop] * 40), strict_roles=False) as api:
        point_claude_code_at(api, monkeypatch, tmp_path / "home")
        async with Running(project) as run:
            st = await greeting_asked(run)
            [s] = st.sessions.values()
            assert s.tokens == 0  # its one response so far may not have ended
            run.api.kill(s.session_id, "not now")
            st = await run.until(lambda st: st.sessions[s.session_id].tokens > 0,
                                 timeout=60)
    s = st.sessions[s.session_id]
    assert s.state == S.KILLED
    # The response that asked for the shell command, as its start showed it (output
    # tokens are known only at a response's end): the cost of a session you stopped.
    assert s.tokens == sum(FIRST.values()) - FIRST["output_tokens"] + 1
    assert "worker 1,501 ($0.00)" in cli(project.root, "stats").stdout
