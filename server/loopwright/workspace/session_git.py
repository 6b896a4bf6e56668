"""Git in a session's worktree, trusting nothing the worker could have written.

A worker writes whatever bytes it likes into its worktree, its `.git` pointer included.
So the manager never lets git discover the repository from the worktree: it knows the
worktree's git dir from its own records (the admin dir `git worktree add` made under the
common dir, whose `gitdir` file names this worktree), checks that the worktree's `.git`
file still says exactly that, and runs git with `--git-dir`/`--work-tree` explicit, the
system config off, and every setting that can make git run a command switched off:
hooks, fsmonitor, pagers and editors, external diff, and the filter, diff and merge
drivers the repository's config defines (a worker could select them from
`.gitattributes`). See docs/security.md.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .repo import GitResult, WorkspaceError, common_dir, run_ok

__all__ = [
    "SessionGit",
    "WorktreeTampered",
    "admin_dirs",
    "git",
    "git_ok",
    "pinned",
    "pointer_text",
    "session_git",
]

# Settings that make git start a program, forced off for every command on a worktree.
_NEUTRAL = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.sshCommand=false",
    "core.gitProxy=",
    "core.askPass=",
    "core.editor=false",
    "core.pager=cat",
    "sequence.editor=false",
    "credential.helper=",
    "diff.external=",
    "diff.ignoreSubmodules=all",
    "status.submoduleSummary=false",
    "submodule.recurse=false",
    "protocol.allow=never",
    "commit.gpgSign=false",
    "tag.gpgSign=false",
    "gpg.program=false",
    "rerere.enabled=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "merge.autoStash=false",
    "rebase.autoStash=false",
    "core.untrackedCache=false",
)
_DRIVER_KEYS = r"^(filter|diff|merge)\..+\.(clean|smudge|process|command|textconv|driver)$"


class WorktreeTampered(WorkspaceError):
    """The worktree's `.git` pointer is no longer the one git wrote: git is not run there."""


@dataclass(frozen=True, slots=True)
class SessionGit:
    """A session worktree and the git dirs the manager knows it by."""

    worktree: Path  # absolute, resolved
    git_dir: Path  # <common>/worktrees/<name>
    common: Path  # the repository's shared git dir
    drivers: tuple[str, ...] | None = None  # read once (`pinned`); None: at each command


def pointer_text(git_dir: Path) -> str:
    """What `git worktree add` writes into the worktree's `.git` file."""
    return f"gitdir: {git_dir}\n"


def session_git(root: Path, worktree: Path) -> SessionGit:
    """The git dirs of `worktree`, a linked worktree of the repository at `root`, found
    from the common dir alone; raises `WorktreeTampered` when its `.git` was changed."""
    common = common_dir(root).resolve()
    work = worktree.absolute().resolve()
    git_dir = _admin_dir(common, work)
    if git_dir is None:
        raise WorkspaceError(f"{work} is not a worktree of the repository at {root}")
    dot_git = work / ".git"
    expected = pointer_text(git_dir)
    try:
        regular = dot_git.is_file() and not dot_git.is_symlink()
        actual = dot_git.read_text(encoding="utf-8", errors="replace") if regular else None
    except OSError:
        actual = None
    if actual is None or actual.strip() != expected.strip():
        what = "is gone" if not os.path.lexists(dot_git) else (
            "is no longer a plain file" if actual is None else f"now says {actual.strip()!r}")
        raise WorktreeTampered(
            f"the worktree's .git pointer {dot_git} {what} (git wrote {expected.strip()!r}): "
            "something in the session rewrote it, so Loopwright will not run git there"
        )
    return SessionGit(work, git_dir, common)


def _admin_dir(common: Path, work: Path) -> Path | None:
    """The `<common>/worktrees/<name>` whose `gitdir` file names `work/.git`."""
    admin = common / "worktrees"
    wanted = str(work / ".git")
    first = admin / work.name  # git names it after the folder, unless that was taken
    # the others are listed only when that one is not it: with 1,000 worktrees, a
    # listing per git call made every sweep over them quadratic
    def others() -> Iterator[Path]:
        yield from (p for p in sorted(_children(admin)) if p != first)

    for candidate in itertools.chain((first,), others()):
        try:
            named = (candidate / "gitdir").read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if named == wanted or Path(named).resolve() == Path(wanted):
            return candidate.resolve()
    return None


def admin_dirs(root: Path) -> dict[Path, Path]:
    """Every checkout of the repository -> its git dir, read from the common dir only:
    the main checkout's is the common dir, a linked worktree's is the admin dir whose
    `gitdir` file names it."""
    common = common_dir(root).resolve()
    found = {root.resolve(): common}
    for admin in _children(common / "worktrees"):
        try:
            named = Path((admin / "gitdir").read_text(encoding="utf-8").strip())
        except OSError:
            continue
        if named.name == ".git":
            found.setdefault(named.parent.resolve(), admin.resolve())
    return found


def _children(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir()]
    except OSError:
        return []


def pinned(sg: SessionGit) -> SessionGit:
    """`sg` with its driver overrides read now, for the few commands of one quick look
    (one `git config` process for them, not one per command)."""
    return dataclasses.replace(sg, drivers=tuple(_driver_overrides(sg)))


def _driver_overrides(sg: SessionGit) -> list[str]:
    """`-c` pairs that switch off every filter, diff and merge driver git would see."""
    out = run_ok(sg.common, *_base(sg), "config", "--name-only", "--get-regexp", _DRIVER_KEYS)
    args: list[str] = []
    for key in sorted({line.strip() for line in out.text.splitlines() if line.strip()}):
        # an empty command is "no filter" to git; a merge driver that fails is a conflict
        args += ["-c", f"{key}=false" if key.endswith(".driver") else f"{key}="]
    return args


def _base(sg: SessionGit) -> list[str]:
    args = [f"--git-dir={sg.git_dir}", f"--work-tree={sg.worktree}"]
    for setting in _NEUTRAL:
        args += ["-c", setting]
    return args


def git_ok(sg: SessionGit, *args: str, env: Mapping[str, str] | None = None) -> GitResult:
    """Run `git args...` on the session's worktree, hardened; never raises on status.
    `env` adds to the environment (a private `GIT_INDEX_FILE`, say)."""
    drivers = sg.drivers if sg.drivers is not None else _driver_overrides(sg)
    return run_ok(sg.worktree, *_base(sg), *drivers, *args,
                  env={**_ENV, **(env or {})})


def git(sg: SessionGit, *args: str) -> str:
    """Like `git_ok`, but return stdout without its final newline, or raise."""
    result = git_ok(sg, *args)
    if result.status != 0:
        said = result.stderr.strip() or result.text.strip() or f"exit status {result.status}"
        raise WorkspaceError(f"git {' '.join(args[:2])} failed in {sg.worktree}: {said}")
    return result.text.removesuffix("\n")


_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
