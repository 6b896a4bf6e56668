"""Where a repository's Loopwright files live: everything under `.loopwright/`."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


class NotARepository(Exception):
    pass


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def dot(self) -> Path:
        return self.root / ".loopwright"

    @property
    def config_path(self) -> Path:
        return self.dot / "config.toml"

    @property
    def db_path(self) -> Path:
        return self.dot / "state.db"

    @property
    def inbox(self) -> Path:
        return self.dot / "inbox"

    @property
    def archive(self) -> Path:
        """Inbox files that became tasks, and ones that could not be read."""
        return self.dot / "archive"

    @property
    def worktrees(self) -> Path:
        return self.dot / "worktrees"

    @property
    def lock_path(self) -> Path:
        return self.dot / "manager.lock"

    @property
    def notes_path(self) -> Path:
        return self.dot / "notes.md"

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The repository containing `start` (default: the current directory)."""
        where = (start or Path.cwd()).resolve()
        proc = subprocess.run(
            ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
            cwd=where, capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            raise NotARepository(f"{where} is not inside a git repository")
        # The common dir's parent is the main checkout even from inside a worktree.
        common = Path(proc.stdout.strip())
        root = common.parent if common.name == ".git" else where
        return cls(root)
