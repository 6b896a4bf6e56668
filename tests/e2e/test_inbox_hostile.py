"""Inbox files made to break the manager: each is refused where the user sees it and kept.

Run through the real CLI: `loopwright run --once` must start and stop, and
`loopwright log` must name every refused file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.git import MakeRepo
from helpers.loop import cli, init
from loopwright import events as ev
from loopwright.project import Project
from loopwright.store import Store


@pytest.fixture
def project_repo(make_repo: MakeRepo) -> Path:
    return make_repo()


def refusals(project: Project) -> dict[str, str]:
    store = Store(project.db_path, secrets=[])
    try:
        return {r.event.origin: r.event.error for r in store.read_after(0)
                if isinstance(r.event, ev.IntakeRefused)}
    finally:
        store.close()


def filed(project: Project) -> list[ev.TaskFiled]:
    store = Store(project.db_path, secrets=[])
    try:
        return [r.event for r in store.read_after(0) if isinstance(r.event, ev.TaskFiled)]
    finally:
        store.close()


def run_once(root: Path) -> None:
    proc = cli(root, "run", "--once")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_a_symlink_loop_in_the_inbox_is_refused_and_the_manager_starts(
    project_repo: Path,
) -> None:
    project = init(project_repo)
    project.inbox.mkdir(exist_ok=True)
    (project.inbox / "loop.md").symlink_to("loop.md")
    run_once(project_repo)
    [(origin, error)] = refusals(project).items()
    assert origin == "loop.md"
    assert "cannot be read: Too many levels of symbolic links" in error
    assert list(project.inbox.iterdir()) == []
    [kept] = (project.archive / "refused").iterdir()
    assert kept.is_symlink() and kept.name.endswith("-loop.md")
    shown = cli(project_repo, "log").stdout
    assert "loop.md" in shown and "Too many levels of symbolic links" in shown


def test_files_made_to_crash_the_parser_are_refused_with_a_reason(project_repo: Path) -> None:
    project = init(project_repo)
    project.inbox.mkdir(exist_ok=True)
    deep = "[" * 1200 + "]" * 1200
    (project.inbox / "deep.md").write_text(f"---\nlabels: {deep}\n---\n# Deep\n")
    (project.inbox / "digits.md").write_text(f"---\npriority: {'9' * 5000}\n---\n# Big\n")
    (project.inbox / "huge-int.md").write_text(f"---\npriority: {'9' * 30}\n---\n# Big\n")
    (project.inbox / "surrogate.md").write_text('---\ntitle: "bad \\ud800 title"\n---\nx\n')
    run_once(project_repo)
    refused = refusals(project)
    assert set(refused) == {"deep.md", "digits.md", "huge-int.md", "surrogate.md"}
    assert "nested too deeply" in refused["deep.md"]
    assert "a number too long to read" in refused["digits.md"]
    assert "'priority' must be a whole number between" in refused["huge-int.md"]
    assert "not valid Unicode" in refused["surrogate.md"]
    assert list(project.inbox.iterdir()) == []
    assert len(list((project.archive / "refused").iterdir())) == 4
    assert filed(project) == []
    shown = cli(project_repo, "log").stdout
    for name in refused:
        assert name in shown


def test_a_file_name_that_is_not_utf8_is_refused_and_kept(project_repo: Path) -> None:
    project = init(project_repo)
    project.inbox.mkdir(exist_ok=True)
    (project.inbox / os.fsdecode(b"caf\xe9.md")).write_bytes(b"# Coffee\n")
    run_once(project_repo)
    [(origin, error)] = refusals(project).items()
    assert origin == "caf\\xe9.md"
    assert "file name is not valid UTF-8" in error
    assert list(project.inbox.iterdir()) == []
    [kept] = (project.archive / "refused").iterdir()
    assert kept.name.endswith("-caf%E9.md")
    assert "caf\\xe9.md" in cli(project_repo, "log").stdout


@pytest.mark.parametrize("length", [240, 255])
def test_a_long_file_name_is_filed_and_archived_under_a_shorter_name(
    project_repo: Path, length: int,
) -> None:
    project = init(project_repo)
    project.inbox.mkdir(exist_ok=True)
    name = "é" * ((length - 3) // 2) + "x" * ((length - 3) % 2) + ".md"
    assert len(name.encode()) == length
    (project.inbox / name).write_text("# A task with a long file name\n")
    (project.inbox / f"second-{name[:-10]}.md").write_text("# Another\n")
    run_once(project_repo)
    assert refusals(project) == {}
    assert sorted(t.title for t in filed(project)) == ["A task with a long file name",
                                                       "Another"]
    assert list(project.inbox.iterdir()) == []
    kept = [p for p in project.archive.iterdir() if p.is_file()]
    assert len(kept) == 2
    assert all(len(p.name.encode()) <= 255 and p.suffix == ".md" for p in kept)
