"""The project's test command: configured, or detected from the files in the worktree."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from ..config import Config
from ..core.commands import CommandResult
from ..workspace import sandbox
from . import editable

PYTEST = "python -m pytest -q"
# A src layout's code is not importable from the root: put the worktree's src/ first, so
# the checks test the session's code, not an installed (or editable, main's) copy.
PYTEST_SRC = "PYTHONPATH=src python -m pytest -q"
NPM_TEST = "npm test --silent"
MAKE_TEST = "make test"

# `test:` or `lint test:: deps`, but not `test := x`, `test ::= x` or `test = x`
_MAKE_RULE = re.compile(r"^([^\s:#=][^:#=]*?)\s*::?(?![:=])", re.MULTILINE)
_NPM_STUB = "no test specified"  # `npm init`'s default script exits 1 with this


def detect_command(worktree: Path) -> str:
    """The test command the project declares, or "" when none is found.

    Order: a Makefile `test` target (the project's own entry point, which may set up
    what the others need), then package.json's `test` script, then pytest (inferred).
    """
    if _has_make_test(worktree):
        return MAKE_TEST
    if _has_npm_test(worktree):
        return NPM_TEST
    if _uses_pytest(worktree):
        return PYTEST_SRC if is_src_layout(worktree) else PYTEST
    return ""


def is_src_layout(worktree: Path) -> bool:
    """A pyproject.toml, and Python code under `src/` (a package or a module)."""
    src = worktree / "src"
    if not (worktree / "pyproject.toml").is_file() or not src.is_dir():
        return False
    try:
        return any(src.glob("*.py")) or any(src.glob("*/*.py"))
    except OSError:
        return False


def command_for(worktree: Path, config: Config) -> str:
    """The configured test command, else the detected one; "" when there is none."""
    return config.checks.command.strip() or detect_command(worktree)


async def run_checks(worktree: Path, config: Config, command: str | None = None,
                     repo_root: Path | None = None,
                     extra_env: Mapping[str, str] | None = None) -> CommandResult | None:
    """Run the checks in the sandbox; None when no command is configured or detected.
    A caller that already looked the command up passes it; `repo_root` is the repository
    the worktree belongs to (see `sandbox.run`). Failed checks whose Python imports
    that repository's main checkout (an editable install) end with a line saying so."""
    command = command_for(worktree, config) if command is None else command
    if not command:
        return None
    result = await sandbox.run(
        command, worktree, timeout=config.checks.timeout_seconds, config=config.sandbox,
        tail_lines=config.checks.output_tail_lines, repo_root=repo_root, extra_env=extra_env,
    )
    if result.ok or repo_root is None:
        return result
    env = sandbox.scrubbed_env(config.sandbox.pass_env)
    installs = await asyncio.to_thread(editable.installs_behind, command, repo_root, env)
    note = editable.failure_note(repo_root, installs)
    if not note:
        return result
    sep = "\n" if result.output and not result.output.endswith("\n") else ""
    return dataclasses.replace(result, output=f"{result.output}{sep}{note}\n")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _has_make_test(worktree: Path) -> bool:
    for name in ("GNUmakefile", "makefile", "Makefile"):
        for match in _MAKE_RULE.finditer(_read(worktree / name)):
            if "test" in match.group(1).split():
                return True
    return False


def _has_npm_test(worktree: Path) -> bool:
    try:
        package = json.loads(_read(worktree / "package.json") or "{}")
    except json.JSONDecodeError:
        return False
    scripts = package.get("scripts") if isinstance(package, dict) else None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    return isinstance(test, str) and bool(test.strip()) and _NPM_STUB not in test


def _uses_pytest(worktree: Path) -> bool:
    for name in ("tests", "test"):
        tests = worktree / name
        if tests.is_dir() and any(tests.rglob("*.py")):
            return True
    if _has_test_modules(worktree):
        return True
    if (worktree / "pytest.ini").is_file():
        return True
    if re.search(r"^\s*\[tool:pytest\]", _read(worktree / "setup.cfg"), re.MULTILINE):
        return True
    if re.search(r"^\s*\[pytest\]", _read(worktree / "tox.ini"), re.MULTILINE):
        return True
    try:
        pyproject = tomllib.loads(_read(worktree / "pyproject.toml"))
    except tomllib.TOMLDecodeError:
        return False
    tool = pyproject.get("tool")
    return isinstance(tool, dict) and "pytest" in tool


# Folders that hold no tests of the project's own: environments, caches, builds.
_NOT_THE_PROJECTS = frozenset({"node_modules", "venv", "env", "build", "dist",
                               "site-packages", "__pycache__"})
_TEST_MODULE = re.compile(r"^(test_.*|.*_test)\.py$")
_LOOK_AT_MOST = 5000  # directory entries: detection must stay instant on a big repository


def _has_test_modules(worktree: Path) -> bool:
    """pytest's own default: `test_*.py` or `*_test.py` files anywhere in the project."""
    seen = 0
    for _folder, dirs, files in os.walk(worktree):
        dirs[:] = sorted(d for d in dirs
                         if not d.startswith(".") and d not in _NOT_THE_PROJECTS)
        if any(_TEST_MODULE.match(f) for f in files):
            return True
        seen += len(dirs) + len(files)
        if seen > _LOOK_AT_MOST:
            return False
    return False
