"""What wakes the loop besides the inbox: build checks, timers, GitHub, webhooks, and
sessions meeting each other. The manager owns one `WorldTriggers`; it starts the long-lived
listeners as owned tasks, and carries out the effects `decide` asks of the world: check
the build after a landing, write an issue's status back, bring live sessions up to a
target that moved. Each runs coalesced: asked again while it runs, it runs once more.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from ..core.keys import EffectKey
from ..core.schedule import Every, parse_schedule
from ..runtime import Runtime
from ..triggers import build, timers
from ..triggers.github import GitHubSync
from ..triggers.github_api import GitHubClient, GitHubError, find_token
from . import parallel, pull_request
from .effects import BringUpToDate, CheckBuild, WriteIssueStatuses

if TYPE_CHECKING:  # HTTP serving is imported only when `--webhook` asks for it
    from ..triggers.webhook import WebhookServer

log = logging.getLogger(__name__)
Spawn = Callable[[EffectKey, Coroutine[Any, Any, None]], None]

# Owned tasks that only listen; with `run --once` the manager may stop while they run.
LISTENING = frozenset(EffectKey(kind) for kind in ("timers", "build-schedule", "github",
                                                     "meet"))


class Coalesced:
    """An owned task that runs `work` again while it was asked meanwhile: many asks
    while one run goes become one more run, never a pile."""

    def __init__(self, spawn: Spawn, key: EffectKey,
                 work: Callable[[], Awaitable[None]]) -> None:
        self._spawn, self._key, self._work = spawn, key, work
        self._asked = self._running = False

    @property
    def busy(self) -> bool:
        return self._asked or self._running

    def ask(self) -> None:
        self._asked = True
        if not self._running:
            self._running = True
            self._spawn(self._key, self._loop())

    async def _loop(self) -> None:
        try:
            while self._asked:
                self._asked = False
                await self._work()
        finally:
            self._running = False


class WorldTriggers:
    def __init__(self, rt: Runtime, spawn: Spawn, *, webhook: str = "") -> None:
        self._rt, self._spawn, self._webhook_address = rt, spawn, webhook
        self.github: GitHubSync | None = None
        self.webhook: WebhookServer | None = None
        self._build_why: build.Why = "schedule"
        self._build = Coalesced(spawn, CheckBuild("landing").key, self._check_build)
        self._status = Coalesced(spawn, WriteIssueStatuses().key, self._write_statuses)
        self._pulls = Coalesced(spawn, EffectKey("github-pulls"), self._watch_pulls)
        self._moved_to = ""
        self._meet = Coalesced(spawn, BringUpToDate("").key, self._target_moved)

    def start(self) -> None:
        """Start the listeners the config asks for. A webhook that cannot start raises
        (the user asked for it); GitHub without a token is logged and left off."""
        rt, cfg = self._rt, self._rt.config
        if cfg.timers:
            self._spawn(EffectKey("timers"), timers.run_timers(rt))
        if cfg.build.every or cfg.build.cron:
            self._spawn(EffectKey("build-schedule"), self._build_schedule())
        if cfg.github.repo:
            try:
                client = GitHubClient(cfg.github.api_url, cfg.github.repo, find_token())
            except GitHubError as e:
                log.error("GitHub is off: %s", e)
            else:
                self.github = GitHubSync(rt, client)
                if cfg.github.poll_seconds:
                    self._spawn(EffectKey("github"), self.github.poll_forever())
                self._status.ask()  # statuses that changed while the manager was down
        if cfg.parallel.predict_conflicts:
            self._spawn(EffectKey("meet"), parallel.predict_forever(rt))
        if self._webhook_address:
            self._start_webhook()

    def stop(self) -> None:
        if self.webhook is not None:
            self.webhook.stop()
            self.webhook = None

    def idle(self) -> bool:
        return not any(c.busy for c in (self._build, self._status, self._pulls, self._meet))

    def land(self, session_id: str, lock: asyncio.Lock, again: bool = False
             ) -> Coroutine[Any, Any, None]:
        """The landing of a session, in the configured mode (merge, or pull request)."""
        return pull_request.land(self._rt, session_id, lock, self.github, again)

    def bring_up_to_date(self, onto: str) -> None:
        """Bring the sessions at work up to the target's new tip."""
        self._moved_to = onto
        self._meet.ask()

    def write_statuses(self) -> None:
        if self.github is not None:  # (off: no token)
            self._status.ask()

    # --- the build ---------------------------------------------------------------

    def check_build(self, why: build.Why) -> None:
        """Ask for a build check; a landing's ask is never downgraded to a schedule's."""
        if not (self._build.busy and self._build_why == "landing"):
            self._build_why = why
        self._build.ask()

    async def _check_build(self) -> None:
        await build.check_build(self._rt, self._build_why)

    async def _build_schedule(self) -> None:
        cfg = self._rt.config.build
        schedule = parse_schedule(every=cfg.every, cron=cfg.cron)
        clock = self._rt.clock
        checked = self._rt.state.world.build.checked_at
        if not checked or schedule.next_due(checked, checked) <= clock():
            self.check_build("start")  # never checked, or a scheduled check was missed
        last = checked or clock()
        while True:
            due = (schedule.next_due(last, last) if isinstance(schedule, Every)
                   else schedule.next_due(clock()))
            await asyncio.sleep(max(0.0, min(due - clock(), timers.MAX_SLEEP_SECONDS)))
            if clock() >= due:
                last = due
                self.check_build("schedule")

    # --- sessions meeting --------------------------------------------------------

    async def _target_moved(self) -> None:
        await parallel.on_target_moved(self._rt, self._moved_to)

    # --- GitHub ------------------------------------------------------------------

    async def _write_statuses(self) -> None:
        if self.github is not None:
            await self._guarded(self.github.write_statuses())

    async def _watch_pulls(self) -> None:
        if self.github is not None:
            await self._guarded(self.github.watch_pulls())

    async def _guarded(self, call: Awaitable[None]) -> None:
        try:
            await call
        except GitHubError as e:
            log.warning("GitHub: %s", e)

    def _start_webhook(self) -> None:
        from ..triggers.webhook import WebhookServer, parse_address

        host, port = parse_address(self._webhook_address)
        cfg = self._rt.config.webhook
        secret = os.environ.get(cfg.secret_env, "").encode()
        loop = asyncio.get_running_loop()

        def from_server_thread(event: str, payload: dict[str, Any]) -> None:
            loop.call_soon_threadsafe(self.delivered, event, payload)

        self.webhook = WebhookServer(host, port, secret, cfg.max_bytes, from_server_thread)
        self.webhook.start()
        log.info("webhook listening on %s:%d", host, self.webhook.port)

    def delivered(self, event: str, payload: dict[str, Any]) -> None:
        """A verified GitHub delivery, on the loop's thread."""
        gh = self.github
        repo = (payload.get("repository") or {}).get("full_name", "")
        if gh is None or repo.lower() != gh.repo.lower():
            log.info("webhook: %s event for %r ignored (GitHub is set to %r)", event, repo,
                     gh.repo if gh else "nothing")
            return
        action = payload.get("action", "")
        if event == "issues" and action in ("opened", "labeled", "reopened", "edited"):
            gh.file_issue(payload.get("issue") or {})
        elif (event == "pull_request" and action == "closed") or (
                event == "pull_request_review" and action == "submitted"):
            self._pulls.ask()
