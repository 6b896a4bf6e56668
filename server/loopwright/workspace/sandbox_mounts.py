"""What a sandboxed command can see: the bubblewrap mounts of the allow-list.

The sandbox starts from an empty root and mounts, in this order (later ones on top):
toolchains read-only (/usr, /bin, /lib*, /sbin, /etc minus its secrets, the interpreter's
prefixes, the prefixes of PATH, `[sandbox] read_only`), a fresh /dev and /proc, a
private /tmp with an empty home in it, the repository's git dir read-only (its folders
bound, its few files copied, its config stripped of remotes and credentials), and the
worktree read-write with its `.git` pointer read-only. Nothing else of the machine exists
inside: not the main checkout, not the other sessions, not the user's home.
docs/security.md is the user-facing account.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .repo import run_ok
from .session_git import SessionGit, pointer_text

__all__ = ["HOME", "Mounts", "mounts_for"]

HOME = "/tmp/home"  # the command's $HOME: empty, private, gone when it ends
TOOLCHAINS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Toolchain homes named by the environment (not CARGO_HOME: it keeps registry tokens).
PREFIX_VARS = ("VIRTUAL_ENV", "CONDA_PREFIX", "JAVA_HOME", "GOROOT", "RUSTUP_HOME", "NVM_DIR")
ETC_SECRETS = ("shadow", "shadow-", "gshadow", "gshadow-", "sudoers", "sudoers.d", "ssh",
               "ssl/private", "security/opasswd", "krb5.keytab", "docker", "machine-id")
# Under any home folder a read-only prefix happens to include (~/.local, ~/.pyenv...).
HOME_SECRETS = (".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".netrc",
                ".git-credentials", ".npmrc", ".pypirc", ".config/gh", ".config/gcloud",
                ".cargo/credentials", ".cargo/credentials.toml", ".local/share/keyrings",
                ".codex", ".claude", ".claude.json", ".anthropic")
# The files git reads at the top of the shared git dir, besides its config.
GIT_DIR_FILES = ("HEAD", "packed-refs", "shallow")


@dataclass
class Mounts:
    """bwrap arguments, the folders a command can read, and data to feed bwrap (fd args)."""

    args: list[str] = field(default_factory=list)
    readable: list[Path] = field(default_factory=list)
    data: list[bytes] = field(default_factory=list)  # for `--ro-bind-data FD`, in order


def mounts_for(work: Path, sg: SessionGit | None, *, env: Mapping[str, str],
               read_only: Iterable[str], repo_root: Path | None) -> Mounts:
    m = Mounts()
    for top in TOOLCHAINS:
        _toolchain(m, Path(top))
    m.args += ["--ro-bind", "/etc", "/etc"]
    m.readable.append(Path("/etc"))
    for name in ETC_SECRETS:
        _mask(m, Path("/etc") / name)
    m.args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--dir", HOME,
               "--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    hidden = [p for p in (repo_root, Path.home()) if p is not None]
    extras = _extra_prefixes(env, read_only, never=[work, *hidden])
    outside = [p for p in extras if not any(_under(p, h) for h in hidden)]
    for path in outside:
        _ro(m, path)
    for root in hidden:  # a prefix above the repository or home would show them: hide
        if any(_under(root, r) and root != r for r in m.readable):
            m.args += ["--tmpfs", str(root)]
    for path in extras:
        if path not in outside:
            _ro(m, path)
    for home in _homes():
        for secret in HOME_SECRETS:
            if any(_under(home / secret, r) for r in m.readable):
                _mask(m, home / secret)
    if sg is not None:
        _git_dir(m, sg)
    m.args += ["--bind", str(work), str(work)]
    if sg is not None:  # its pointer stays the one git wrote, even inside
        m.args += ["--ro-bind-data", "{fd}", str(work / ".git")]
        m.data.append(pointer_text(sg.git_dir).encode())
    return m


def _git_dir(m: Mounts, sg: SessionGit) -> None:
    """The shared git dir, rebuilt on a tmpfs of the sandbox's own: its folders bound
    read-only, its top files copied as they are now, its config stripped. Nothing is
    mounted over a file of the real git dir: git replaces those by renaming a `.lock`
    over them, which would fail the sandbox's start, or, once it runs, detach the mount
    and show the file underneath (the real config, remotes and tokens included)."""
    common = sg.common
    m.args += ["--tmpfs", str(common)]
    with os.scandir(common) as entries:
        folders = sorted(e.name for e in entries if e.is_dir())
    for name in folders:  # `-try`: one removed since is simply absent
        m.args += ["--ro-bind-try", str(common / name), str(common / name)]
    for name in GIT_DIR_FILES:
        try:
            blob = (common / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            continue
        m.args += ["--ro-bind-data", "{fd}", str(common / name)]
        m.data.append(blob)
    m.args += ["--ro-bind-data", "{fd}", str(common / "config"), "--remount-ro", str(common)]
    m.data.append(_safe_config(sg))
    m.readable.append(common)


def _toolchain(m: Mounts, top: Path) -> None:
    if top.is_symlink():  # merged /usr: /bin -> usr/bin
        m.args += ["--symlink", str(top.readlink()), str(top)]
    elif top.is_dir():
        _ro(m, top)


def _ro(m: Mounts, path: Path) -> None:
    if any(_under(path, r) for r in m.readable) and not _masked_above(m, path):
        return
    m.args += ["--ro-bind", str(path), str(path)]
    m.readable.append(path)


def _masked_above(m: Mounts, path: Path) -> bool:
    masked = [Path(m.args[i + 1]) for i, a in enumerate(m.args) if a == "--tmpfs"]
    return any(_under(path, t) for t in masked)


def _mask(m: Mounts, path: Path) -> None:
    if path.is_symlink() or not path.exists():
        return
    if path.is_dir():
        m.args += ["--tmpfs", str(path)]
    else:
        m.args += ["--ro-bind", "/dev/null", str(path)]


def _extra_prefixes(env: Mapping[str, str], read_only: Iterable[str], never: list[Path]
                    ) -> list[Path]:
    """Interpreter prefixes, PATH's prefixes and the configured folders, resolved, that
    exist and would not expose `/`, a home, the repository or the worktree whole."""
    wanted: list[Path] = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)]
    wanted += [Path(env[v]) for v in PREFIX_VARS if env.get(v)]
    for entry in env.get("PATH", "").split(os.pathsep):
        if not entry.startswith("/"):
            continue
        folder = Path(entry).resolve()
        # a bin (or shims) folder comes with its prefix: lib/ and share/ sit beside it
        if folder.name in ("bin", "sbin", "shims") and not _refused(folder.parent, never):
            folder = folder.parent
        wanted.append(folder)
    picked: list[Path] = []
    for path in [*wanted, *(Path(p).expanduser() for p in read_only)]:
        resolved = path.resolve()
        if resolved.is_dir() and not _refused(resolved, never) and resolved not in picked:
            picked.append(resolved)
    return sorted(picked, key=lambda p: len(p.parts))


def _refused(path: Path, never: list[Path]) -> bool:
    return path == Path("/") or any(_under(n, path) for n in never)


def _homes() -> list[Path]:
    homes = {Path.home().resolve(), Path("/root")}
    with_users = Path("/home")
    if with_users.is_dir():
        homes |= {p for p in with_users.iterdir() if p.is_dir()}
    return sorted(homes)


def _under(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


def _safe_config(sg: SessionGit) -> bytes:
    """The repository config a command sees: only what git needs to read the repository
    (its format and extensions), no remotes, credentials, hooks or drivers."""
    out = run_ok(sg.common, "config", "--file", str(sg.common / "config"), "--get-regexp",
                 r"^(core\.repositoryformatversion|extensions\..*)$")
    lines = ["[core]", "\tbare = false"]
    extensions: list[str] = []
    for line in out.text.splitlines():
        key, _, value = line.partition(" ")
        section, _, name = key.partition(".")
        if section == "core":
            lines.append(f"\trepositoryformatversion = {value}")
        elif name and value:
            extensions.append(f"\t{name} = {value}")
    if extensions:
        lines += ["[extensions]", *extensions]
    return ("\n".join(lines) + "\n").encode()
