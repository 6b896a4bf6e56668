"""Run one shell command for a worker or the checks: scrubbed, time-limited, contained.

The command runs under `/bin/sh -c` with stdin from /dev/null and stdout and stderr
merged into one pipe, in its own process group so a timeout ends everything it started.
Its environment is an allow-list, and names that look like secrets never pass. With
bubblewrap it sees an allow-list of the file system (`sandbox_mounts`): the worktree
read-write, toolchains and the repository's git dir read-only, a private /tmp and home;
no capabilities, its own process, IPC and (unless `network = "full"`) network namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shlex
import shutil
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import msgspec

from ..config import SandboxConfig
from ..core.commands import CommandResult
from .repo import WorkspaceError
from .sandbox_mounts import HOME, mounts_for
from .session_git import session_git

log = logging.getLogger(__name__)

# What test commands (pytest, npm, make, cargo, go) commonly need to find their tools.
ALLOWED_ENV = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ",
    "TMPDIR", "VIRTUAL_ENV", "CONDA_PREFIX", "JAVA_HOME", "GOPATH", "GOROOT",
    "CARGO_HOME", "RUSTUP_HOME", "NVM_DIR", "NODE_PATH", "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME", "XDG_DATA_HOME", "SSL_CERT_FILE", "SSL_CERT_DIR",
    "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
    "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM",
})
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)

MAX_OUTPUT_BYTES = 64 * 1024
KILL_GRACE_SECONDS = 2.0  # between SIGTERM and SIGKILL
DRAIN_SECONDS = 0.5  # after exit, for background jobs that still hold the pipe

_bwrap_works: dict[str, tuple[bool, str]] = {}  # bwrap path -> (works here, why not)


def scrubbed_env(
    pass_env: list[str], extra_env: Mapping[str, str] | None = None,
    source: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment a command sees: the allow-list, `pass_env`, `extra_env`, minus
    anything whose name looks like a secret, plus LOOPWRIGHT_SANDBOX=1."""
    source = os.environ if source is None else source
    wanted = ALLOWED_ENV | set(pass_env)
    env = {k: v for k, v in source.items() if k in wanted or k.startswith("LC_")}
    env.update(extra_env or {})
    env = {k: v for k, v in env.items() if not SECRET_NAME.search(k)}
    env["LOOPWRIGHT_SANDBOX"] = "1"
    return env


@dataclass(frozen=True)
class Walled:
    """A command ready to start: its argv (bwrap's, with `{fd}` where a blob of `data`
    is fed), its environment, and the folders it can read (empty without bubblewrap)."""

    argv: list[str]
    env: dict[str, str]
    data: list[bytes]
    readable: list[Path]


async def walled(
    command: str, cwd: Path, *, config: SandboxConfig,
    extra_env: Mapping[str, str] | None = None, repo_root: Path | None = None,
) -> Walled | str:
    """`command` inside the wall `config` asks for, or why it cannot run there."""
    env = scrubbed_env(config.pass_env, extra_env)
    argv = ["/bin/sh", "-c", command]
    if config.bubblewrap == "never":
        return Walled(argv, env, [], [])
    bwrap, why_not = await _working_bwrap()
    if not bwrap:
        if config.bubblewrap == "always":
            return f"sandbox.bubblewrap is 'always' but bubblewrap cannot run: {why_not}"
        return Walled(argv, env, [], [])
    try:
        prefix, data, readable = await asyncio.to_thread(wall, bwrap, cwd, config, env,
                                                         repo_root)
    except WorkspaceError as e:
        return f"not run: {e}"
    env.update(HOME=HOME, TMPDIR="/tmp", XDG_CACHE_HOME="/tmp/.cache",
               XDG_CONFIG_HOME=f"{HOME}/.config", XDG_DATA_HOME=f"{HOME}/.local/share",
               npm_config_cache="/tmp/.npm")
    return Walled([*prefix, *argv], env, data, readable)


async def run(
    command: str, cwd: Path, *, timeout: float, config: SandboxConfig,
    tail_lines: int = 40, extra_env: Mapping[str, str] | None = None,
    repo_root: Path | None = None,
) -> CommandResult:
    """Run `command` in `cwd` (the worktree root). Never raises for the command's sake:
    a missing sandbox or a command that cannot start is exit code 127.

    `repo_root` is the repository `cwd` is a linked worktree of: its git dir is then
    mounted read-only (found from the repository, never from the worktree's `.git`), and
    its main checkout stays hidden. Without it the command sees no repository at all.
    `extra_env` is added to the scrubbed environment (a session's ports and name)."""
    started = time.monotonic()
    ready = await walled(command, cwd, config=config, extra_env=extra_env,
                         repo_root=repo_root)
    if isinstance(ready, str):
        return CommandResult(command, 127, ready, time.monotonic() - started)
    tail = _Tail()
    try:
        exit_code, timed_out = await _spawn(ready.argv, cwd, ready.env, timeout, tail,
                                            ready.data)
    except OSError as e:
        return CommandResult(command, 127, f"cannot start: {e}", time.monotonic() - started)
    output = tail.render(tail_lines)
    if exit_code in (126, 127) and ready.readable:
        output += explain_missing(command, cwd, ready.env.get("PATH", ""), ready.readable)
    return CommandResult(command, exit_code, output, time.monotonic() - started, timed_out)


def wall(bwrap: str, cwd: Path, config: SandboxConfig, env: Mapping[str, str],
         repo_root: Path | None) -> tuple[list[str], list[bytes], list[Path]]:
    """The bwrap command line (with `{fd}` where `data` is fed), the data, and the folders
    a command can read. Raises `WorkspaceError` when the worktree's `.git` was changed."""
    work = cwd.resolve()
    sg = session_git(repo_root, work) if repo_root is not None else None
    mounts = mounts_for(work, sg, env=env, read_only=config.read_only,
                        repo_root=repo_root.resolve() if repo_root is not None else None)
    # As root, bwrap keeps every capability unless told: a remount would undo the wall.
    args = [bwrap, "--cap-drop", "ALL", *mounts.args, "--unshare-pid", "--unshare-ipc",
            "--unshare-uts", "--die-with-parent", "--chdir", str(work)]
    if config.network == "none":
        args.append("--unshare-net")  # bwrap brings up the new namespace's own loopback
    else:
        args[3:3] = ["--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve"]
    return args, mounts.data, [*mounts.readable, work]


async def _agent_wall(cwd: Path, config: SandboxConfig, repo_root: Path | None
                      ) -> tuple[list[str], list[bytes]] | None:
    """The wall's bwrap arguments with the machine's network (an agent CLI needs its
    API), or None when bubblewrap is off or cannot run here (`WorkspaceError` under
    `bubblewrap = "always"`)."""
    if config.bubblewrap == "never":
        return None
    bwrap, why_not = await _working_bwrap()
    if not bwrap:
        if config.bubblewrap == "always":
            raise WorkspaceError(f"sandbox.bubblewrap is 'always' but bubblewrap cannot run: "
                                 f"{why_not}")
        return None
    full = msgspec.structs.replace(config, network="full")
    args, data, _ = await asyncio.to_thread(wall, bwrap, cwd, full, os.environ, repo_root)
    return args, data


async def walled_program(program: str, cwd: Path, config: SandboxConfig, folder: Path,
                         repo_root: Path | None) -> str:
    """A script in `folder` that runs `program "$@"` inside the wall, with the machine's
    network: for an external agent's CLI, which its SDK starts itself. Returns `program`
    unchanged when bubblewrap is off or cannot run here (and refuses, raising
    `WorkspaceError`, under `bubblewrap = "always"`). The environment passes through
    (the agent needs its API key); HOME and TMPDIR are the sandbox's."""
    walled = await _agent_wall(cwd, config, repo_root)
    if walled is None:
        return program
    args, data = walled
    blobs = iter(enumerate(data))
    line: list[str] = []
    for arg in args:
        if arg == "{fd}":  # a file here instead of a pipe: the SDK starts the script
            n, blob = next(blobs)
            (folder / f"bind-{n}").write_bytes(blob)
            line.append(str(folder / f"bind-{n}"))
        else:
            line.append("--ro-bind" if arg == "--ro-bind-data" else arg)
    line += ["--setenv", "HOME", HOME, "--setenv", "TMPDIR", "/tmp", "--", program]
    script = folder / "in-the-wall"
    script.write_text("#!/bin/sh\nexec " + " ".join(map(shlex.quote, line)) + ' "$@"\n')
    script.chmod(0o700)
    return str(script)


async def walled_argv(argv: list[str], cwd: Path, config: SandboxConfig,
                      repo_root: Path | None, *, dirs: tuple[str, ...] = (),
                      files: Mapping[str, bytes] | None = None,
                      read_only_cwd: bool = False,
                      ) -> tuple[list[str], list[bytes]] | None:
    """`argv` inside the wall, with the machine's network: for an external agent's CLI
    that Loopwright starts itself. Returns the bwrap command line (`{fd}` where a blob
    of the returned data is fed, see `bind_fds`), or None when bubblewrap is off or
    cannot run here (raising `WorkspaceError` under `bubblewrap = "always"`). `dirs` and
    `files` are made inside (absolute paths under /tmp): private, writable, gone at exit.
    `read_only_cwd`: the worktree is read-only inside (a reviewer's)."""
    walled = await _agent_wall(cwd, config, repo_root)
    if walled is None:
        return None
    args, data = walled
    if read_only_cwd:
        args += ["--remount-ro", str(await asyncio.to_thread(cwd.resolve))]
    for folder in dirs:
        args += ["--dir", folder]
    for path, blob in (files or {}).items():
        args += ["--dir", str(Path(path).parent), "--file", "{fd}", path]
        data.append(blob)
    return [*args, "--", *argv], data


def explain_missing(command: str, cwd: Path, path_var: str, readable: list[Path]) -> str:
    """Why a command that exited 126/127 found nothing: the program it named exists on
    this machine, but outside everything the sandbox mounts. "" when that is not it."""
    try:
        words = shlex.split(command)
    except ValueError:
        return ""
    if not words:
        return ""
    first = words[0]
    candidates: list[str] = []
    if "/" in first:
        candidates.append(first if first.startswith("/") else str(cwd / first))
        interpreter = _shebang(Path(candidates[0]))
        if interpreter:
            candidates.append(interpreter)
    else:
        found = shutil.which(first, path=path_var)
        if found:
            candidates.append(found)
    for candidate in candidates:
        named = Path(os.path.normpath(candidate))  # the name must be mounted, not its target
        if named.exists() and not any(named == r or r in named.parents for r in readable):
            return (f"\n[loopwright] not found inside the sandbox: {candidate} is not on the "
                    "allow-list; add its folder to [sandbox] read_only (docs/security.md)\n")
    return ""


def _shebang(script: Path) -> str:
    try:
        with script.open("rb") as f:
            head = f.read(256)
    except OSError:
        return ""
    if not head.startswith(b"#!"):
        return ""
    words = head[2:].split(b"\n", 1)[0].decode("utf-8", "replace").split()
    return words[0] if words else ""


async def _working_bwrap() -> tuple[str, str]:
    """("/usr/bin/bwrap", "") when bubblewrap runs here, else ("", why not). Probed once:
    bwrap can be installed and still fail (containers without user namespaces)."""
    path = shutil.which("bwrap")
    if path is None:
        return "", "bwrap is not installed (apt-get install bubblewrap)"
    if path not in _bwrap_works:
        _bwrap_works[path] = await _probe(path)
        if not _bwrap_works[path][0]:
            log.warning("bubblewrap does not work here, commands run unsandboxed unless "
                        "sandbox.bubblewrap = 'always': %s", _bwrap_works[path][1])
    works, why_not = _bwrap_works[path]
    return (path, "") if works else ("", why_not)


async def _probe(path: str) -> tuple[bool, str]:
    try:
        proc = await asyncio.create_subprocess_exec(
            path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--unshare-pid", "true", stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        async with asyncio.timeout(10):
            out, _ = await proc.communicate()
    except (OSError, TimeoutError) as e:
        return False, f"{path} failed to start: {e}"
    if proc.returncode != 0:
        return False, f"{path} exited {proc.returncode}: {out.decode(errors='replace').strip()}"
    return True, ""


async def _spawn(
    argv: list[str], cwd: Path, env: dict[str, str], limit: float, tail: _Tail,
    data: list[bytes],
) -> tuple[int, bool]:
    # Our own pipe rather than PIPE: asyncio would otherwise wait for EOF, which a
    # grandchild holding the write end may never send.
    loop = asyncio.get_running_loop()
    feeds = bind_fds(data)
    fds = iter(feeds)
    argv = [str(next(fds)) if a == "{fd}" else a for a in argv]
    read_fd, write_fd = os.pipe()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=write_fd, stderr=write_fd,
            cwd=cwd, env=env, start_new_session=True, pass_fds=feeds,
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
        for fd in feeds:
            os.close(fd)
    eof = loop.create_future()
    transport, _ = await loop.connect_read_pipe(
        lambda: _Collect(tail, eof), os.fdopen(read_fd, "rb", buffering=0)
    )
    timed_out = False
    try:
        try:
            async with asyncio.timeout(limit):
                await proc.wait()
        except TimeoutError:
            timed_out = True
            await _stop(proc)
        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                await asyncio.shield(eof)
        except TimeoutError:
            log.debug("pid %s: output still open after exit; ending its group", proc.pid)
    finally:
        _killpg(proc.pid, signal.SIGKILL)  # nothing it started outlives it
        if proc.returncode is None:
            await proc.wait()
        transport.close()
    assert proc.returncode is not None
    return proc.returncode, timed_out


def bind_fds(data: list[bytes]) -> list[int]:
    """One memory file per blob for bwrap's `--ro-bind-data FD`, written and rewound:
    unlike a pipe, any size (a large `packed-refs`) fits without a reader. The caller
    passes them on and closes them."""
    fds: list[int] = []
    for n, blob in enumerate(data):
        fd = os.memfd_create(f"loopwright-bind-{n}", os.MFD_CLOEXEC)
        fds.append(fd)
        view = memoryview(blob)
        while view:
            view = view[os.write(fd, view):]
        os.lseek(fd, 0, os.SEEK_SET)
    return fds


async def _stop(proc: asyncio.subprocess.Process) -> None:
    _killpg(proc.pid, signal.SIGTERM)
    try:
        async with asyncio.timeout(KILL_GRACE_SECONDS):
            await proc.wait()
    except TimeoutError:
        _killpg(proc.pid, signal.SIGKILL)
        await proc.wait()


def _killpg(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class _Collect(asyncio.Protocol):
    def __init__(self, tail: _Tail, eof: asyncio.Future[None]) -> None:
        self._tail = tail
        self._eof = eof

    def data_received(self, data: bytes) -> None:
        self._tail.feed(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._eof.done():
            self._eof.set_result(None)


class _Tail:
    """The end of a stream of bytes, bounded in memory, and how many lines it had."""

    def __init__(self, keep_bytes: int = MAX_OUTPUT_BYTES) -> None:
        self._keep = keep_bytes
        self._buf = bytearray()
        self._newlines = 0
        self._trimmed = False
        self._ends_in_newline = True

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self._newlines += data.count(b"\n")
        self._ends_in_newline = data.endswith(b"\n")
        self._buf += data
        if len(self._buf) > 2 * self._keep:
            del self._buf[: len(self._buf) - self._keep]
            self._trimmed = True

    def render(self, tail_lines: int, max_bytes: int = MAX_OUTPUT_BYTES) -> str:
        total = self._newlines + (0 if self._ends_in_newline else 1)
        lines = bytes(self._buf).split(b"\n")
        if self._ends_in_newline:
            lines.pop()
        kept = lines[-tail_lines:] if tail_lines > 0 else []
        size = sum(len(line) + 1 for line in kept)
        while len(kept) > 1 and size > max_bytes:
            size -= len(kept.pop(0)) + 1
        # the first kept line is partial when the buffer was trimmed into it
        partial = self._trimmed and len(kept) == len(lines)
        if kept and len(kept[0]) > max_bytes:
            kept[0], partial = kept[0][-max_bytes:], True
        if partial:
            kept[0] = "…".encode() + kept[0]
        text = b"\n".join(kept).decode("utf-8", errors="replace")
        if kept and self._ends_in_newline:
            text += "\n"
        cut = total - len(kept)
        return f"[… {cut} earlier lines cut]\n{text}" if cut > 0 else text
