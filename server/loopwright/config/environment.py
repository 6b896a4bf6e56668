"""The `[environment]` section: what each session's fresh worktree gets before its
worker starts (files copied from the main checkout, setup commands, reserved ports) and
what runs when it ends (teardown). Part of the one
tree in `config/tree.py`; docs/environment.md says what it does and cannot do."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated

import msgspec

from .sections import HOUR, Section, doc


def copy_path_problem(path: str) -> str | None:
    """Why `path` cannot be an `[environment] copy` entry, or None when it can: it must
    name a file inside the checkout by a plain relative path."""
    if not path.strip():
        return "is empty"
    if "\\" in path or "\0" in path:
        return "has a backslash or a NUL in it; write it with forward slashes"
    if path.startswith("/") or PurePosixPath(path).is_absolute():
        return "is absolute; write it relative to the checkout's root"
    parts = PurePosixPath(path).parts
    if ".." in parts:
        return "contains `..`; only files inside the checkout can be copied"
    if ".git" in parts:
        return "is inside `.git`"
    if any(c in path for c in "*?[") or path.startswith(":"):
        return "is a pattern; list each file by its path"
    return None


class EnvironmentConfig(Section):
    copy: Annotated[list[str], doc(
        "Files of the main checkout (usually git-ignored: `.env`, `config/local.yml`) "
        "copied into each session's new worktree before its worker starts. Paths "
        "relative to the checkout's root; a symlink pointing outside it is refused, a "
        "missing file is skipped. Never committed, never part of a change.")] = (
        msgspec.field(default_factory=list))
    setup: Annotated[list[str], doc(
        "Commands run in each session's worktree, in the worker's sandbox, before its "
        "worker starts (`npm ci`, say). One that fails ends the session as failed with "
        "its output; after a restart, commands that already succeeded are not run "
        "again.")] = msgspec.field(default_factory=list)
    setup_timeout_seconds: Annotated[float, doc(
        "Time limit for each setup command; past it the session fails as timed out.",
        ge=0.1, le=24 * HOUR)] = 600.0
    teardown: Annotated[list[str], doc(
        "Commands run in the session's worktree, in the worker's sandbox, once the "
        "session has ended (landed, rejected, failed, killed, no change): drop its "
        "database, say. Their output is in the log; one that fails is reported and "
        "blocks nothing (the change has landed or been set aside by then).")] = (
        msgspec.field(default_factory=list))
    teardown_timeout_seconds: Annotated[float, doc(
        "Time limit for each teardown command.", ge=0.1, le=24 * HOUR)] = 120.0
    ports: Annotated[int, doc(
        "How many free TCP ports to reserve for each session, never shared between live "
        "sessions and kept across a restart of the manager. Every command of the session "
        "(setup, the worker's, the checks, teardown, the preview) gets them as "
        "`LOOPWRIGHT_PORT_0`, `LOOPWRIGHT_PORT_1`... beside `LOOPWRIGHT_SESSION`, the "
        "session's name.", ge=0, le=64)] = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        for path in self.copy:
            if (problem := copy_path_problem(path)) is not None:
                raise ValueError(f"copy: {path!r} {problem}")
        if any(not command.strip() for command in self.setup):
            raise ValueError("setup: a command is empty")
        if any(not command.strip() for command in self.teardown):
            raise ValueError("teardown: a command is empty")
