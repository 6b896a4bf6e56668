"""`loopwright demo --manager` shows the manager agent splitting an issue and answering
a worker's question from the notes, offline, and says plainly that the model is
scripted."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_manager_demo_splits_and_answers_without_the_human() -> None:
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-must-never-be-used",
           "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}  # nothing listens there
    proc = subprocess.run([sys.executable, "-m", "loopwright", "demo", "--manager"],
                          capture_output=True, text=True, timeout=180, check=False, env=env)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "SCRIPTED MODEL" in out and "no real Claude" in out
    assert "split by manager into 3 sub-task(s)" in out
    assert "answered by manager: yes" in out
    assert out.count("LANDED on main") == 3
    assert "nobody asked the human" in out
    assert "notified:" not in out
    assert "overrule: loopwright overrule m2.1" in out
