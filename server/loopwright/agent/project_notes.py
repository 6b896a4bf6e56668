"""What the agents read about the project: its goals and its notes for agents."""

from __future__ import annotations

from pathlib import Path

from ..state import Task

NOTE_FILES = ("AGENTS.md", "CLAUDE.md", "README.md")
MAX_CHARS_PER_FILE = 12_000


def project_notes(root: Path, goals: str = "", notes_path: Path | None = None) -> str:
    """The project's goals and notes as one text: config goals, AGENTS.md, CLAUDE.md,
    README.md (from `root`) and `.loopwright/notes.md` (from `notes_path`)."""
    parts = [f"# The project's goals\n\n{goals.strip()}"] if goals.strip() else []
    paths = [root / name for name in NOTE_FILES]
    if notes_path is not None:
        paths.append(notes_path)
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        if not text:
            continue
        if len(text) > MAX_CHARS_PER_FILE:
            text = text[:MAX_CHARS_PER_FILE] + "\n[... cut: read the file for the rest]"
        name = path.name if path.parent == root else ".loopwright/notes.md"
        parts.append(f"# {name}\n\n{text}")
    return "\n\n".join(parts) or "(The project has no README or notes for agents.)"


def describe_task(task: Task) -> str:
    labels = f"\nLabels: {', '.join(task.labels)}" if task.labels else ""
    return f"# The task: {task.title}\n\n{task.body.strip()}{labels}".strip()
