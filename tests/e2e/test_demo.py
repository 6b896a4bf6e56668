"""`loopwright demo` shows the whole loop to a newcomer, offline."""

from __future__ import annotations

import subprocess
import sys


def test_the_demo_lands_all_three_changes_and_shows_what_the_human_did() -> None:
    proc = subprocess.run([sys.executable, "-m", "loopwright", "demo"], capture_output=True,
                          text=True, timeout=120, check=False)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert out.count("LANDED on main") == 3
    assert "Everything landed." in out
    assert "fix-the-typo-in-the-greeting" in out and "nothing: landed on the gate" in out
    assert "answered 1 question(s) after the worker moved on" in out
    assert "$ loopwright approve document-how-to-use-the-greeter" in out
    assert "needs review: The change is 27 lines" in out
