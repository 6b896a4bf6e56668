"""`loopwright demo --agents` shows triage, the claude worker and the reviewer at work,
offline, and says plainly that the model is scripted."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_agents_demo_lands_the_fix_after_a_reviewer_round() -> None:
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-must-never-be-used",
           "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}  # nothing listens there
    proc = subprocess.run([sys.executable, "-m", "loopwright", "demo", "--agents"],
                          capture_output=True, text=True, timeout=120, check=False, env=env)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "SCRIPTED MODEL" in out and "no real Claude" in out
    assert "[scripted model] fix-the-typo-in-the-greeting: model: edit_file" in out
    assert "declined: The README describes a tiny Python library" in out
    assert "changes requested by reviewer" in out
    assert "the note went to the worker as its next instruction" in out
    assert out.count("LANDED on main") == 1
    assert "The fix landed after one round with the reviewer." in out
    assert "8 worker turns, 1 reviewer round(s)" in out
    assert "-> loopwright overrule" in out
