"""The real Codex CLI against the local fake Responses API: its `-c` overrides, and a
private CODEX_HOME so the developer's own Codex state is never read or written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

needs_codex = pytest.mark.skipif(
    shutil.which("codex") is None,
    reason="the Codex CLI is not installed (npm install -g @openai/codex); without it "
           "the codex backends are not tested here",
)


def codex_toml(base_url: str) -> str:
    """`[codex] config` pointing Codex at the fake Responses API at `base_url`."""
    overrides = [
        "model_provider=fake", 'model_providers.fake.name="fake"',
        f'model_providers.fake.base_url="{base_url}"',
        'model_providers.fake.wire_api="responses"',
        "model_providers.fake.supports_websockets=false",
        'model_providers.fake.env_key="FAKE_OPENAI_KEY"', 'model="gpt-5"',
    ]
    return f"[codex]\nconfig = {json.dumps(overrides)}\n"


def private_codex_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    home = tmp_path / "codex-home"
    home.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(home))
    monkeypatch.setenv("FAKE_OPENAI_KEY", "sk-fake-key-for-tests")
    return home
