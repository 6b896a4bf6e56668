"""Secrets never reach state.db, whichever process writes the event and whatever its
environment holds: keys are known by their shape, and by the variables that hold them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.git import MakeRepo
from helpers.loop import init
from loopwright import events as ev
from loopwright.store import REDACTED, Store, redact, secrets_from_environment

# Shaped like the real thing, made up for this test.
KEYS = {
    "anthropic": "sk-ant-api03-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_-" * 3,
    "openai project": "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6",
    "openai": "sk-" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4",
    "github classic": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "github oauth": "gho_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "github app": "ghs_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "github fine-grained": "github_pat_11ABCDEFG0" + "a1B2c3D4e5F6g7H8i9J0_k1L2m3N4o5P6q7R8",
    "aws": "AKIA" + "IOSFODNN7EXAMPL3",
}
HEADERS = {
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl":
        "Authorization: Bearer " + REDACTED,
    "authorization: Basic dXNlcjpodW50ZXIy": "authorization: Basic " + REDACTED,
    "X-Api-Key: 0123456789abcdef": "X-Api-Key: " + REDACTED,
    "curl -H 'Bearer 0123456789abcdefXYZ' https://example.test":
        "curl -H 'Bearer " + REDACTED + "' https://example.test",
}


def cli_without_secrets(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI from a shell that has none of the variables a key could be named in."""
    env = {k: v for k, v in os.environ.items()
           if not any(word in k.upper() for word in ("KEY", "TOKEN", "SECRET"))}
    return subprocess.run([sys.executable, "-m", "loopwright", "-C", str(root), *args],
                          capture_output=True, text=True, env=env, check=False, timeout=60)


def database_text(path: Path) -> str:
    """Everything SQLite holds, read directly: the log, the WAL, whatever is there."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT body FROM events").fetchall()
    finally:
        db.close()
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    return "\n".join(bytes(r[0]).decode() for r in rows) + raw.decode("latin-1")


def test_a_key_pasted_into_dispatch_is_not_stored(make_repo: MakeRepo) -> None:
    root = make_repo()
    project = init(root)
    body = "Use these to reproduce:\n" + "\n".join(f"{k}: {v}" for k, v in KEYS.items())
    body += "\n" + "\n".join(HEADERS)
    title = f"Rotate {KEYS['anthropic']}"
    proc = cli_without_secrets(root, "dispatch", title, "--body", body)
    assert proc.returncode == 0, proc.stderr
    stored = database_text(project.db_path)
    for kind, key in KEYS.items():
        assert key not in stored, kind
    assert "eyJhbGciOiJIUzI1NiJ9" not in stored and "dXNlcjpodW50ZXIy" not in stored
    assert "0123456789abcdef" not in stored
    [task] = [r.event for r in Store(project.db_path, secrets=[]).read_after(0)
              if isinstance(r.event, ev.TaskFiled)]
    assert task.title == f"Rotate {REDACTED}"
    assert f"anthropic: {REDACTED}\n" in task.body and f"aws: {REDACTED}\n" in task.body
    for shown in HEADERS.values():
        assert shown in task.body
    assert "[redacted]" in cli_without_secrets(root, "log").stdout


@pytest.mark.parametrize("text", [
    "sk-learn and risk-assessment-document-for-q3 are words",
    "the Bearer of bad news; authorization: granted",
    "commit 3f7127c1a9e0b6f1d2c3b4a5968778695a4b3c2d",
    "AKIA is not a key without its sixteen characters",
])
def test_text_that_only_looks_a_little_like_a_key_is_kept(text: str) -> None:
    body = ev.encode(ev.TaskFiled(task_id="t-1", title=text, body="", source="cli"))
    assert redact(body) == body


def test_a_configured_variable_name_redacts_its_value(tmp_path: Path) -> None:
    env = {"HOOK_PASS": "correct-horse-battery", "HOME": "/home/someone"}
    assert secrets_from_environment(env) == []
    values = secrets_from_environment(env, names=["HOOK_PASS"])
    assert values == ["correct-horse-battery"]
    store = Store(tmp_path / "state.db", secrets=[])
    store.also_redact(values)
    store.append(ev.TaskFiled(task_id="t-1", title="pass is correct-horse-battery",
                              body="", source="cli"))
    assert "correct-horse-battery" not in database_text(tmp_path / "state.db")
