"""The `codex` backend: the real Codex CLI (`codex app-server`), driven by the real manager
against a local fake of the Responses API over real HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, cli, configure, init
from loopwright import events as ev
from loopwright.state import SessionState
from loopwright.testing.fake_responses import Call, FakeResponsesAPI, Reply
from loopwright.workers.codex import approval_answer, approval_question
from loopwright.workers.codex_app import seed, walled_env

S = SessionState

needs_codex = pytest.mark.skipif(
    shutil.which("codex") is None,
    reason="the Codex CLI is not installed (npm install -g @openai/codex); without it "
           "the codex backend is not tested here",
)


def test_approvals_are_asked_and_answered_in_each_protocol() -> None:
    question = approval_question("item/commandExecution/requestApproval",
                                 {"command": "make test", "reason": "run the tests"})
    assert question == "Codex asks to run: make test (run the tests)"
    assert approval_question("execCommandApproval", {"command": ["ls", "-a"]}) == (
        "Codex asks to run: ls -a")
    assert approval_answer("item/fileChange/requestApproval", True) == {"decision": "accept"}
    assert approval_answer("applyPatchApproval", False) == {"decision": "denied"}


def model(request: dict[str, Any]) -> Reply:
    """The fake model: run one shell command, then say it is done."""
    ran = any(item.get("type") == "function_call_output" for item in request["input"])
    if not ran:
        return Reply(text="I will write the greeting.", calls=(Call("exec_command", {
            "cmd": "echo hello > hello.txt", "sandbox_permissions": "require_escalated",
            "justification": "write the greeting file"}),))
    return Reply(text="Wrote hello.txt with a greeting.")


@needs_codex
async def test_codex_asks_before_a_command_and_its_change_lands(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    root = make_repo({"README.md": "# x\n", "Makefile": "test:\n\t@echo ok\n"})
    project = init(root)
    home = tmp_path / "codex-home"
    home.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(home))  # Codex's own state stays in here
    monkeypatch.setenv("FAKE_OPENAI_KEY", "sk-fake-key-for-tests")
    with FakeResponsesAPI(model) as api:
        overrides = [
            "model_provider=fake", 'model_providers.fake.name="fake"',
            f'model_providers.fake.base_url="{api.base_url}"',
            'model_providers.fake.wire_api="responses"',
            "model_providers.fake.supports_websockets=false",
            'model_providers.fake.env_key="FAKE_OPENAI_KEY"', 'model="gpt-5"',
        ]
        configure(project, '[manager]\ndefault_backend = "codex"\n[codex]\n'
                           f"config = {json.dumps(overrides)}\n"
                           "[parallel]\npredict_conflicts = false\n")
        async with Running(project) as run:
            run.api.dispatch("Add a greeting", "Write hello.txt containing hello.")
            st = await run.until(lambda st: any(d.open for d in st.decisions.values()),
                                 timeout=90)
            [d] = st.decisions.values()
            assert d.question.startswith("Codex asks to run:")
            assert "echo hello > hello.txt" in d.question
            assert d.blocking and d.options == ("allow", "deny") and d.default == "deny"
            run.api.answer(d.decision_id, "allow")
            st = await run.until(lambda st: any(s.state in (S.LANDED, S.FAILED)
                                                for s in st.sessions.values()), timeout=90)
            # one reply per model call, as the built-in agent's: the stall rule that
            # counts model turns sees each of them
            replies = [e for e in run.events(ev.ModelReplied)
                       if isinstance(e, ev.ModelReplied) and e.agent == "worker"]
    [s] = st.sessions.values()
    assert s.state == S.LANDED, s.failure
    assert [r.input_tokens + r.output_tokens for r in replies] == [110, 110]
    assert (root / "hello.txt").read_text() == "hello\n"
    assert s.summary == "Wrote hello.txt with a greeting."
    assert api.errors == []
    assert len(api.requests) == 2 and s.tokens == 2 * 110  # what Codex spent is counted
    shown = cli(root, "stats")
    assert "tokens by agent      worker 220 ($0.00)" in shown.stdout, shown.stdout
    if shutil.which("bwrap"):  # inside the wall, Codex wrote only its private CODEX_HOME
        assert list(home.iterdir()) == []


def test_inside_the_wall_codex_gets_the_keys_its_configuration_names_and_no_other(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.toml").write_text(
        '[model_providers.corp]\nname = "corp"\nenv_key = "CORP_LLM_KEY"\n')
    source = {"PATH": "/usr/bin", "HOME": "/root", "OPENAI_API_KEY": "sk-1",
              "FAKE_OPENAI_KEY": "sk-2", "CORP_LLM_KEY": "sk-3", "GITHUB_TOKEN": "ghp-4",
              "AWS_SECRET_ACCESS_KEY": "aws-5", "CODEX_HOME": str(tmp_path)}
    env = walled_env([], ['model_providers.fake.env_key="FAKE_OPENAI_KEY"'], tmp_path,
                     source=source)
    assert {k: env[k] for k in ("OPENAI_API_KEY", "FAKE_OPENAI_KEY", "CORP_LLM_KEY")} == {
        "OPENAI_API_KEY": "sk-1", "FAKE_OPENAI_KEY": "sk-2", "CORP_LLM_KEY": "sk-3"}
    assert "GITHUB_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert (env["HOME"], env["CODEX_HOME"]) == ("/tmp/home", "/tmp/home/.codex")
    assert seed(tmp_path) == {"config.toml": (tmp_path / "config.toml").read_bytes()}
