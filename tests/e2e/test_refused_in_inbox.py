"""A refused inbox file waits in `loopwright inbox`, with its reason and where it was
kept, until the human dismisses it or drops the file again, fixed."""

from __future__ import annotations

from pathlib import Path

from helpers.git import MakeRepo
from helpers.loop import cli, configure, init, task_file

PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo ok\n"}


def inbox_lines(root: Path) -> list[str]:
    proc = cli(root, "inbox")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_a_refused_file_waits_in_the_inbox_until_dismissed(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, "[gate]\nauto_land = false\n")
    (project.inbox / "untitled.md").write_text("no heading here\n")
    assert cli(root, "run", "--once").returncode == 0
    lines = inbox_lines(root)
    [head] = [line for line in lines if line.startswith("refused")]
    assert "untitled.md" in head
    text = "\n".join(lines)
    assert "inbox file untitled.md was refused" in text
    [kept] = (project.archive / "refused").iterdir()
    assert f"(kept at {kept})" in text
    assert "loopwright dismiss untitled.md" in text
    done = cli(root, "dismiss", "untitled.md")
    assert done.returncode == 0, done.stderr
    assert "untitled.md" not in cli(root, "inbox").stdout
    again = cli(root, "dismiss", "untitled.md")
    assert again.returncode == 1  # refused, like any action that does not apply
    assert "no refused inbox file named 'untitled.md'" in again.stderr
    assert kept.exists()  # dismissing forgets the item, never the user's file


def test_the_same_file_fixed_and_dropped_again_leaves_the_inbox(make_repo: MakeRepo) -> None:
    root = make_repo(PASSING)
    project = init(root)
    configure(project, "[gate]\nauto_land = false\n")
    (project.inbox / "fix.md").write_text("no heading here\n")
    assert cli(root, "run", "--once").returncode == 0
    assert any(line.startswith("refused") for line in inbox_lines(root))
    (project.inbox / "fix.md").write_text(
        task_file("Fix it", {"write": "f.txt", "content": "f\n"}))
    assert cli(root, "run", "--once").returncode == 0
    lines = inbox_lines(root)
    assert not any(line.startswith("refused") for line in lines)
    assert any(line.startswith("review") for line in lines)
