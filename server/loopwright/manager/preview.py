"""A session's preview (`[preview]`): its build started in its sandbox with its ports,
waited on until the URL answers, photographed beside the target branch's build, kept up
while someone uses it and stopped after `idle_minutes`. Each step is recorded; the owned
task that runs it is cancelled to stop it (`StopPreview`, decided in
`manager/environment_decide.py`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

from .. import events as ev
from ..config import Config, PreviewConfig
from ..preview import process, readiness, screenshots, vnc
from ..preview.process import Running
from ..runtime import Runtime
from ..workspace import copy_in, ports, repo, sandbox
from . import environment
from .environment import session_env

log = logging.getLogger(__name__)

IDLE_CHECK_SECONDS = 5.0
SHOTS_SLACK_SECONDS = 60.0  # besides ready_seconds, for the target's build and Chromium


def previews_dir(rt: Runtime) -> Path:
    return rt.project.dot / "previews"


def launch(cfg: PreviewConfig, env: dict[str, str]) -> tuple[str, dict[str, str], str]:
    """The command to run, its environment and the URL where it answers: the app's
    own, or for a desktop app the virtual display's wrapper and noVNC's page."""
    url = ports.expand(cfg.url, env)
    if cfg.display == "vnc":
        script, more = vnc.wrapper(cfg.command)
        return script, {**env, **more}, vnc.page_url(url)
    return cfg.command, env, url


def base_of(cfg: PreviewConfig, env: dict[str, str]) -> str:
    return ports.expand(cfg.url, env)


async def run_preview(rt: Runtime, session_id: str) -> None:
    """The preview's life, until it exits, goes idle, or the task is cancelled. Its end
    is recorded once its process has stopped: an ask read after that record starts a
    new run, never one taken for this run, still stopping. A session whose worker ran
    on a cluster node is previewed here too, in its worktree here, once its environment
    is made here (`environment.make_here`)."""
    cfg = rt.config.preview
    s = rt.state.sessions[session_id]
    if not cfg.enabled or not s.worktree or s.worktree_removed or s.terminal:
        return
    started = time.monotonic()
    unmade = not environment.made_here(rt.config, s)
    why = await _reserve(rt, session_id) if unmade else ""
    env = session_env(rt, session_id)
    command, command_env, url = launch(cfg, env)
    folder = previews_dir(rt) / s.name
    await rt.append_applied(ev.PreviewStarted(session_id=session_id, url=url,
                                              command=cfg.command, display=cfg.display,
                                              head_commit=s.head_commit))
    running: Running | None = None
    try:
        tail = ""
        if unmade and not why:
            why, tail = _split(await environment.make_here(rt, session_id))
        lacking = vnc.missing() if cfg.display == "vnc" else []
        if lacking and not why:
            why = (f"a desktop preview needs {', '.join(lacking)} (apt-get install "
                   f"{' '.join(lacking)})")
        if not why:
            started_process = await process.start(
                command, Path(s.worktree), config=rt.config.sandbox, env=command_env,
                repo_root=rt.project.root, output=folder / "output.log")
            if isinstance(started_process, str):
                why = started_process
            else:
                running = started_process
        ended = (ev.PreviewFailed(session_id=session_id, reason=why, output_tail=tail)
                 if running is None else
                 await _serve(rt, session_id, running, url, base_of(cfg, env), folder,
                              started))
    except Exception as e:  # the review says so, and never waits on it
        log.exception("the preview of %s crashed", s.name)
        ended = ev.PreviewFailed(session_id=session_id,
                                 reason=f"the preview crashed: {type(e).__name__}: {e}",
                                 output_tail=running.tail(cfg.output_tail_lines)
                                 if running is not None else "")
    finally:
        if running is not None:
            await asyncio.shield(process.stop(running))
    rt.append(ended)


async def _reserve(rt: Runtime, session_id: str) -> str:
    """The session's ports here (a session that ran on a node held its node's)."""
    try:
        await environment.reserve_ports(rt, session_id)
    except OSError as e:
        return f"could not reserve {rt.config.environment.ports} ports: {e}"
    return ""


def _split(failure: str | None) -> tuple[str, str]:
    """A setup's failure as the preview's reason (its first line) and output tail."""
    if failure is None:
        return "", ""
    reason, _, tail = failure.partition("\n")
    return reason.rstrip(":"), tail + ("\n" if tail else "")


async def _serve(rt: Runtime, session_id: str, running: Running, url: str, base: str,
                 folder: Path, started: float) -> ev.Event:
    """Ready, photographed and kept up while used: how it ended, to be recorded."""
    cfg = rt.config.preview
    why = await readiness.wait_ready(url, cfg.ready_seconds, running)
    if why is not None:
        return ev.PreviewFailed(session_id=session_id, reason=why,
                                output_tail=running.tail(cfg.output_tail_lines))
    await rt.append_applied(ev.PreviewReady(
        session_id=session_id, url=url, seconds=round(time.monotonic() - started, 3)))
    s = rt.state.sessions[session_id]
    preview = s.environment.preview
    if shots_expected(rt.config) and preview is not None and preview.shots_of != s.head_commit:
        await _screenshots(rt, session_id, base, folder)
    return await _while_used(rt, session_id, running)


async def _while_used(rt: Runtime, session_id: str, running: Running) -> ev.Event:
    """Until the preview exits (failed) or nobody asked for it in `idle_minutes`
    (stopped)."""
    while True:
        idle = rt.config.preview.idle_seconds
        env = rt.state.sessions[session_id].environment
        since = max(env.preview.started_at if env.preview else 0.0, env.preview_requested_at)
        left = since + idle - rt.clock() if idle else IDLE_CHECK_SECONDS
        if idle and left <= 0:
            return ev.PreviewStopped(
                session_id=session_id, idle_since=since,
                reason=f"idle for {rt.config.preview.idle_minutes:g} min")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(left, IDLE_CHECK_SECONDS)):
                await asyncio.shield(running.proc.wait())
        if running.exit_code is not None:
            return ev.PreviewFailed(
                session_id=session_id, reason=f"it exited ({running.exit_code})",
                output_tail=running.tail(rt.config.preview.output_tail_lines))


async def _screenshots(rt: Runtime, session_id: str, url: str, folder: Path) -> None:
    """The pages of the session's build, and the same pages of the target's."""
    cfg = rt.config.preview
    s = rt.state.sessions[session_id]
    head = s.head_commit
    shots: list[ev.Screenshot] = []
    problems: list[str] = []
    try:
        async with screenshots.browser(cfg.browser) as b:
            after = await _shoot_all(b, url, pages_of(cfg), folder / head[:12], problems)
            before = await _target_shots(rt, session_id, b, problems)
    except screenshots.ScreenshotError as e:
        problems.append(str(e))
        after, before = {}, {}
    for page in pages_of(cfg):
        if page in after:
            shots.append(ev.Screenshot(page=page, after=str(after[page]),
                                       before=str(before.get(page, ""))))
    rt.append(ev.ScreenshotsTaken(session_id=session_id, head_commit=head,
                                  shots=tuple(shots), problems=tuple(problems)))


DISPLAY_PAGE = "display"  # the one screenshot of a desktop app


def pages_of(cfg: PreviewConfig) -> list[str]:
    return [DISPLAY_PAGE] if cfg.display == "vnc" else cfg.pages


async def _shoot_all(b: screenshots.Browser, url: str, pages: list[str], folder: Path,
                     problems: list[str]) -> dict[str, Path]:
    taken: dict[str, Path] = {}
    for n, page in enumerate(pages):
        path = folder / screenshots.file_name(n, page)
        try:
            if page == DISPLAY_PAGE:
                await vnc.shoot_display(b, url, path)
            else:
                await b.shoot(url.rstrip("/") + page, path)
        except Exception as e:  # noqa: BLE001 - one page's failure is reported, not fatal
            problems.append(f"{page}: {type(e).__name__}: {str(e).splitlines()[0]}")
            continue
        taken[page] = path
    return taken


async def _target_shots(rt: Runtime, session_id: str, b: screenshots.Browser,
                        problems: list[str]) -> dict[str, Path]:
    """The target branch's build, in a temporary worktree of its own with ports of its
    own, photographed once per target commit (kept for the next session's review)."""
    cfg = rt.config.preview
    s = rt.state.sessions[session_id]
    root = rt.project.root
    target = await asyncio.to_thread(repo.head_commit, root, s.target_branch)
    folder = previews_dir(rt) / "target" / target[:12]
    cached = {page: folder / screenshots.file_name(n, page) for n, page in
              enumerate(pages_of(cfg))}
    if all(p.is_file() for p in cached.values()):
        return cached
    work = folder / "worktree"
    if work.exists():  # left by a run a crash interrupted
        await asyncio.to_thread(repo.run_ok, root, "worktree", "remove", "--force", str(work))
        await asyncio.to_thread(repo.run_ok, root, "worktree", "prune")
    added = await asyncio.to_thread(repo.run_ok, root, "worktree", "add", "-q", "--detach",
                                    str(work), target)
    if added.status != 0:
        problems.append(f"before: no worktree of {s.target_branch}: {added.stderr.strip()}")
        return {}
    running: Running | str = "not started"
    try:
        async with rt.ports_lock:  # ports no live session holds; free again at the end
            held = {p for x in rt.state.sessions.values() if not x.environment.released
                    for p in x.environment.ports}
            own = ports.reserve(max(1, rt.config.environment.ports), held)
        env = ports.session_env(f"{s.name}-target", own)
        why = await _prepare_target(rt, work, env)
        if why:
            problems.append(f"before: {why}")
            return {}
        command, command_env, url = launch(cfg, env)
        running = await process.start(command, work, config=rt.config.sandbox,
                                      env=command_env, repo_root=root,
                                      output=folder / "output.log")
        if isinstance(running, str):
            problems.append(f"before: the target's preview could not start: {running}")
            return {}
        failed = await readiness.wait_ready(url, cfg.ready_seconds, running)
        if failed is not None:
            problems.append(f"before: the target's preview failed: {failed}")
            return {}
        return await _shoot_all(b, base_of(cfg, env), pages_of(cfg), folder, problems)
    finally:
        if not isinstance(running, str):
            await asyncio.shield(process.stop(running))
        await asyncio.to_thread(repo.run_ok, root, "worktree", "remove", "--force", str(work))


async def _prepare_target(rt: Runtime, work: Path, env: dict[str, str]) -> str:
    """The session's `[environment]` copy and setup, in the target's worktree."""
    cfg = rt.config.environment
    if cfg.copy:
        await asyncio.to_thread(copy_in.copy_in, rt.project.root, work, cfg.copy)
    for command in cfg.setup:
        ran = await sandbox.run(command, work, timeout=cfg.setup_timeout_seconds,
                                config=rt.config.sandbox, repo_root=rt.project.root,
                                extra_env=env)
        if not ran.ok:
            return f"setup `{command}` failed (exit {ran.exit_code})"
    return ""


def record_stopped(rt: Runtime, session_id: str, reason: str) -> None:
    """The preview was stopped (its task cancelled): say so, once."""
    s = rt.state.sessions.get(session_id)
    p = s.environment.preview if s is not None else None
    if p is not None and p.status in ("starting", "ready"):
        rt.append(ev.PreviewStopped(session_id=session_id, reason=reason))


def shots_expected(config: Config) -> bool:
    return config.preview.enabled and bool(pages_of(config.preview))


async def screenshots_settled(rt: Runtime, session_id: str) -> None:
    """Wait (bounded) until the session's preview has its screenshots of the current
    head, or has failed or stopped: the reviewer then sees what there is to see."""
    if not shots_expected(rt.config):
        return
    s = rt.state.sessions.get(session_id)
    env = rt.config.environment  # a session from a node has its setup run first, here
    setup = (0.0 if s is None or environment.made_here(rt.config, s)
             else env.setup_timeout_seconds * len(env.setup))
    deadline = (time.monotonic() + rt.config.preview.ready_seconds + SHOTS_SLACK_SECONDS
                + setup)
    while time.monotonic() < deadline:
        s = rt.state.sessions.get(session_id)
        p = s.environment.preview if s is not None else None
        if s is None or s.terminal:
            return
        if p is not None and p.head_commit == s.head_commit and (
                p.status in ("failed", "stopped") or p.shots_of == s.head_commit):
            return
        await asyncio.sleep(0.05)
    log.warning("the preview of %s had no screenshots in time; reviewing without", session_id)
