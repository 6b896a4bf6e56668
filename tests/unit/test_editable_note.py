"""The line failed checks end with when their Python imports the main checkout."""

from __future__ import annotations

from pathlib import Path

from loopwright.review.editable import EditableInstall, failure_note, installs_behind


def test_no_editable_install_means_no_note(tmp_path: Path) -> None:
    assert failure_note(tmp_path, []) == ""


def test_the_note_names_the_cause_and_the_fix(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    installs = [EditableInstall("/v/bin/python", "tinypkg", tmp_path)]
    note = failure_note(tmp_path, installs)
    assert "\n" not in note  # one line, at the end of the output tail
    assert note.startswith(f"[loopwright] note: this Python (/v/bin/python) imports tinypkg "
                           f"from the main checkout ({tmp_path}, an editable install), "
                           "which sessions cannot see: run the checks with "
                           "`PYTHONPATH=src /v/bin/python -m pytest -q`")
    assert "give sessions their own environment" in note


def test_a_flat_layout_puts_the_worktree_itself_first(tmp_path: Path) -> None:
    note = failure_note(tmp_path, [EditableInstall("/v/bin/python", "flat", tmp_path)])
    assert "`PYTHONPATH=. /v/bin/python -m pytest -q`" in note


def test_commands_that_are_not_a_python_are_not_probed(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin"}
    assert installs_behind("make test", tmp_path, env) == []
    assert installs_behind("PYTHONPATH=src python -m pytest -q", tmp_path, env) == []
