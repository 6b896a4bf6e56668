"""A task title can come from anyone who opens an issue: the CLI shows its control
characters as visible escapes and never lets the terminal interpret them."""

from __future__ import annotations

from helpers.git import MakeRepo
from helpers.loop import cli, configure, init, task_file
from loopwright.core.text import for_terminal, storable

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo ok\n"}
# Clear the screen, write the clipboard (OSC 52), ring the bell, reverse the text.
HOSTILE = "Fix \x1b[2J\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07it\u202edesrever\x9b"


def test_log_status_and_inbox_show_escapes_instead_of_sending_them(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, "[gate]\nauto_land = false\n")
    body = task_file("x", {"ask": f"Really {HOSTILE}?", "options": ["yes", "no\x1b[8m"],
                           "blocking": True})
    assert cli(root, "dispatch", HOSTILE, "--body", body).returncode == 0
    proc = cli(root, "run", "--once")
    assert proc.returncode == 0, proc.stderr
    assert cli(root, "dispatch", HOSTILE + " again").returncode == 0  # no session yet
    visible = "Fix \\x1b[2J\\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07it\\u202edesrever\\x9b"
    for command in ("log", "status", "inbox"):
        out = cli(root, command).stdout
        assert not any(ch in out for ch in "\x1b\x07\x9b\u202e"), command
        assert visible in out, (command, out)
    assert "options: yes | no\\x1b[8m" in cli(root, "inbox").stdout


def test_escaping_keeps_ordinary_text_as_it_is() -> None:
    text = "Réparer l'écran — 修正 ✓\ttab"
    assert for_terminal(text) == text
    assert for_terminal(text, one_line=True) == text.replace("\t", "\\t")
    assert for_terminal("two\nlines") == "two\nlines"
    assert for_terminal("a\x00b\x7fc") == "a\\x00b\\x7fc"
    assert storable("lone \ud800 half") == "lone \\ud800 half"
    assert storable(text) is text
