"""`loopwright init` and `loopwright config`: setting a repository up, and what the loop
will really use there (the detected test command, an interpreter that would test the
main checkout instead of the session's worktree, files a fresh worktree lacks)."""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import sys
from pathlib import Path

from .. import backends
from .. import config as config_mod
from ..project import Project
from ..review import checks as checks_mod
from ..review import editable
from ..workspace import repo as repo_mod
from ..workspace import sandbox
from .common import CliError, project_of

# Ignored files a session seldom needs: compiled, logged, editor and OS droppings.
_JUNK = re.compile(r"(\.py[co]|\.log|\.swp|\.tmp|~|\.DS_Store|\.coverage)$")
_MOST_PROPOSED = 10


def init(args: argparse.Namespace) -> int:
    project = project_of(args)
    branch = repo_mod.current_branch(project.root)
    if branch is None:
        raise CliError("HEAD is detached: check out the branch changes should land on, "
                       "then run `loopwright init` again")
    project.dot.mkdir(exist_ok=True)
    project.inbox.mkdir(exist_ok=True)
    repo_mod.ensure_ignored(project.root, ".loopwright/")
    proposed = ""
    if project.config_path.exists():
        print(f"{project.config_path} already exists; left as it is")
        cfg = backends.load(project.config_path)
    else:
        cfg = config_mod.Config()
        cfg.project.target_branch = branch
        proposed = _checks_for_src_layout(project.root, cfg)
        missing = files_a_worktree_lacks(project.root)
        text = config_mod.render_toml(cfg) + environment_hint(missing)
        project.config_path.write_text(text, encoding="utf-8")
        print(f"wrote {project.config_path} (changes land on {branch!r})")
        if missing:
            print(f"note: {len(missing)} git-ignored file(s) here would be missing in a "
                  f"session's worktree ({', '.join(missing[:3])}"
                  f"{', ...' if len(missing) > 3 else ''}): see the end of config.toml")
    if proposed:
        print(proposed)
    else:
        _say_checks(project, cfg)
    if not repo_mod.has_commits(project.root):
        print("note: this repository has no commits yet; commit something before "
              "`loopwright run`, so sessions have a base to branch from")
    print(f"drop task files in {project.inbox}, or use `loopwright dispatch`")
    return 0


def config_cmd(args: argparse.Namespace) -> int:
    if args.reference:
        sys.stdout.write(config_mod.reference_markdown())
        return 0
    project = project_of(args)
    cfg = backends.load(project.config_path)
    text = config_mod.render_toml(cfg)
    detected = checks_mod.detect_command(project.root)
    if not cfg.checks.command.strip():
        text = _show_detected(text, detected)
    sys.stdout.write(text)
    for line in _editable_warning(project, cfg):
        print(line, file=sys.stderr)
    return 0


def _say_checks(project: Project, cfg: config_mod.Config) -> None:
    command = checks_mod.command_for(project.root, cfg)
    if cfg.checks.command.strip():
        print(f"checks: `{command}` (from config.toml)")
    elif command:
        print(f"checks: `{command}` (detected; set [checks] command to change it)")
    else:
        print("checks: none found (no Makefile test target, npm test script or pytest "
              "tests); set [checks] command in config.toml")
    for line in _editable_warning(project, cfg):
        print(line, file=sys.stderr)


def _checks_for_src_layout(root: Path, cfg: config_mod.Config) -> str:
    """On a src-layout Python project, set the checks to test the session's `src/` with
    the Python on PATH (named by its path, so `loopwright run` finds it from any shell),
    and that Python's venv readable in the sandbox. Returns what to tell the user, or ""
    when the project is something else or there is no Python on PATH."""
    if checks_mod.detect_command(root) != checks_mod.PYTEST_SRC:
        return ""
    path = sandbox.scrubbed_env(cfg.sandbox.pass_env).get("PATH", "")
    python = shutil.which("python", path=path) or shutil.which("python3", path=path)
    if python is None:
        return ""
    python = str(Path(python).absolute())  # not resolved: a venv's python is a symlink
    cfg.checks.command = f"PYTHONPATH=src {shlex.quote(python)} -m pytest -q"
    said = (f"checks: `{cfg.checks.command}` (written to config.toml: the session's "
            "src/ comes first, so its checks test its own code, not an installed copy)")
    venv = Path(python).parent.parent
    if (venv / "pyvenv.cfg").is_file():
        cfg.sandbox.read_only = [*cfg.sandbox.read_only, str(venv)]
        said += (f"\nsandbox: {venv} is in [sandbox] read_only, so sessions can run that "
                 "Python whatever shell starts `loopwright run`")
    return said


def _editable_warning(project: Project, cfg: config_mod.Config) -> list[str]:
    command = checks_mod.command_for(project.root, cfg)
    env = sandbox.scrubbed_env(cfg.sandbox.pass_env)
    python = editable.checks_interpreter(command, project.root, env) if command else None
    if python is None:
        return []
    return editable.advice(project.root, editable.editable_installs_of(
        project.root, python, env))


def _show_detected(text: str, detected: str) -> str:
    """The [checks] command line as it will be used: the detected command, or none."""
    value = f'"{detected}"' if detected else '""'
    why = ("  # detected from the repository's files (config.toml leaves it empty)"
           if detected else "  # none detected: sessions run no checks")
    head, sep, rest = text.partition("\n[checks]\n")
    if not sep:
        return text
    rest = re.sub(r'^command = ""$', lambda _m: f"command = {value}{why}", rest,
                  count=1, flags=re.MULTILINE)
    return head + sep + rest


def files_a_worktree_lacks(root: Path) -> list[str]:
    """Git-ignored files (not whole ignored folders) in the checkout: a fresh worktree
    has none of them (`.env`, a generated `_version.py`)."""
    try:
        out = repo_mod.run(root, "ls-files", "--others", "--ignored", "--exclude-standard",
                           "--directory", "--no-empty-directory")
    except repo_mod.WorkspaceError:
        return []
    return [p for p in out.splitlines()
            if p and not p.endswith("/") and not p.startswith(".loopwright")
            and not _JUNK.search(p)][:_MOST_PROPOSED]


def environment_hint(paths: list[str]) -> str:
    """A commented proposal for config.toml: `[environment] copy` works, but copying the
    user's files into every worktree is theirs to turn on, so it stays a comment."""
    if not paths:
        return ""
    listed = ", ".join(f'"{p}"' for p in paths)
    return ("\n# Git-ignored files in this checkout that a session's fresh worktree will "
            "not have.\n# Uncomment to copy them into each worktree before its worker "
            "starts (never\n# committed; docs/environment.md). `setup` runs commands "
            "there first, in the sandbox:\n"
            f"# [environment]\n# copy = [{listed}]\n# setup = []\n")
