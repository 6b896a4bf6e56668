"""The configuration sections of what wakes the loop: builds, timers, GitHub, webhooks,
the landing mode, parallel sessions; and the external agent CLIs that run as workers.
Part of the one tree in `config.py`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .triggers.schedule import ScheduleError, parse_schedule


def _doc(text: str, **bounds: Any) -> msgspec.Meta:
    return msgspec.Meta(description=text, **bounds)


class _Section(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pass


def _check_schedule(every: str, cron: str, what: str) -> None:
    if not (every or cron):
        return
    try:
        parse_schedule(every=every, cron=cron)
    except ScheduleError as e:
        raise ValueError(f"{what}: {e}") from None


class BuildConfig(_Section):
    on_landing: Annotated[bool, _doc(
        "Run the checks on the target branch after each landing.")] = True
    every: Annotated[str, _doc(
        "Also check the target on this schedule (`\"6h\"`); empty: only after "
        "landings (and `cron`).")] = ""
    cron: Annotated[str, _doc(
        "Or check it on a cron schedule (`\"0 3 * * *\"`, local time).")] = ""
    command: Annotated[str, _doc(
        "Command for the build check; empty: the checks command (`[checks]`).")] = ""
    priority: Annotated[int, _doc(
        "Priority of the \"Fix the build\" task a breakage files.")] = 10

    def __post_init__(self) -> None:
        if self.every and self.cron:
            raise ValueError("build: give `every` or `cron`, not both")
        _check_schedule(self.every, self.cron, "build")


class TimerConfig(_Section):
    name: Annotated[str, _doc("Names the timer in the log; keep it stable.")]
    title: Annotated[str, _doc("Title of the task each run files.")]
    body: Annotated[str, _doc("Body of that task (what the worker is asked).")] = ""
    every: Annotated[str, _doc(
        "A duration (`\"30m\"`, `\"24h\"`, `\"1h30m\"`), counted from when the timer "
        "was first seen.")] = ""
    cron: Annotated[str, _doc(
        "Or five cron fields in local time (`\"0 3 * * *\"`), or `@daily`, `@weekly` "
        "...")] = ""
    labels: Annotated[list[str], _doc("Labels of the task.")] = msgspec.field(
        default_factory=list)
    priority: Annotated[int, _doc("Priority of the task.")] = 0
    backend: Annotated[str, _doc("Worker backend; empty: the default.")] = ""

    def __post_init__(self) -> None:
        if not self.name.strip() or not self.title.strip():
            raise ValueError("a timer needs a `name` and a `title`")
        _check_schedule(self.every, self.cron, f"timer {self.name!r}")
        if not (self.every or self.cron):
            raise ValueError(f"timer {self.name!r}: give `every` or `cron`")

    @property
    def schedule_text(self) -> str:
        return f"every {self.every}" if self.every else f"cron {self.cron}"


class GitHubConfig(_Section):
    repo: Annotated[str, _doc(
        "`owner/name` of the GitHub repository; empty: GitHub is off. The token comes "
        "from `GITHUB_TOKEN` or `gh auth token` (docs/triggers.md).")] = ""
    api_url: Annotated[str, _doc(
        "REST API root (GitHub Enterprise: `https://HOST/api/v3`).")] = (
        "https://api.github.com")
    label: Annotated[str, _doc(
        "Open issues with this label become tasks.")] = "loopwright"
    poll_seconds: Annotated[float, _doc(
        "How often issues and pull requests are polled (conditional requests, so an "
        "unchanged list costs no rate limit); 0: only webhooks.", ge=0)] = 60.0
    status_labels: Annotated[bool, _doc(
        "Keep one `loopwright:<status>` label on each issue as its task moves.")] = True
    comments: Annotated[bool, _doc(
        "Comment on the issue when its task is accepted, declined, lands, opens a PR "
        "or fails.")] = True

    def __post_init__(self) -> None:
        if self.repo and (self.repo.count("/") != 1 or not all(self.repo.split("/"))):
            raise ValueError(f"github.repo: {self.repo!r} is not `owner/name`")


class LandConfig(_Section):
    mode: Annotated[Literal["merge", "pull-request"], _doc(
        "`merge`: land on the target branch here; `pull-request`: push the session's "
        "branch and open a PR on GitHub instead (needs `[github] repo`).")] = "merge"
    remote: Annotated[str, _doc(
        "Remote the branch is pushed to in `pull-request` mode.")] = "origin"


class WebhookConfig(_Section):
    max_bytes: Annotated[int, _doc(
        "Largest payload accepted; larger ones get 413 unread.", ge=1)] = 5_000_000
    secret_env: Annotated[str, _doc(
        "Environment variable with the webhook secret (required: unsigned deliveries "
        "are refused).")] = "LOOPWRIGHT_WEBHOOK_SECRET"


class ParallelConfig(_Section):
    rebase: Annotated[bool, _doc(
        "When the target moves, bring live sessions up to its new tip (a conflict is "
        "told to the worker instead). `merge` landing mode only.")] = True
    predict_conflicts: Annotated[bool, _doc(
        "Flag files changed by two live sessions as a likely conflict.")] = True
    predict_seconds: Annotated[float, _doc(
        "How often live sessions' diffs are compared.", gt=0)] = 10.0


class CodexConfig(_Section):
    command: Annotated[str, _doc(
        "The Codex CLI the `codex` worker runs (`codex app-server`): a name on PATH or a "
        "path.")] = "codex"
    config: Annotated[list[str], _doc(
        "`key=value` overrides passed as `-c` to Codex (a model provider, a model, ...); "
        "Codex's own `~/.codex/config.toml` applies under them.")] = msgspec.field(
        default_factory=list)
    approval_policy: Annotated[Literal["untrusted", "on-request", "never"], _doc(
        "When Codex asks before acting; each ask is a Decision. `untrusted`: every "
        "command that is not known to be read-only.")] = "untrusted"
    sandbox: Annotated[Literal["read-only", "workspace-write", "danger-full-access"], _doc(
        "Codex's own sandbox for the commands it runs.")] = "workspace-write"


def timers_reference(fields: list[tuple[str, str]]) -> list[str]:
    """The `[[timers]]` part of docs/configuration.md, from (key, description) pairs."""
    out = ["## `[[timers]]`", "",
           "Each `[[timers]]` entry files a task on its schedule. A run missed while the "
           "manager was not running is made up once when it starts (the task says how "
           "many were missed), never once per miss; a run whose previous task is still "
           "open is skipped and logged. No timers by default.", "",
           "| key | meaning |", "|---|---|"]
    out += [f"| `{key}` | {text} |" for key, text in fields]
    return [*out, ""]


TIMER_EXAMPLE = [
    "# Timers file a task on a schedule (docs/configuration.md, [[timers]]):",
    "# [[timers]]",
    '# name = "deps"',
    '# title = "Check dependencies for updates"',
    '# cron = "0 3 * * 1"',
    "",
]


def timers_toml(timers: list[TimerConfig], value: Any) -> list[str]:
    """`[[timers]]` entries as TOML (`value` renders one value), or a commented example."""
    if not timers:
        return TIMER_EXAMPLE
    lines: list[str] = []
    defaults = {"body": "", "every": "", "cron": "", "labels": [], "priority": 0,
                "backend": ""}
    for t in timers:
        lines.append("[[timers]]")
        for name in t.__struct_fields__:
            v = getattr(t, name)
            if name in defaults and v == defaults[name]:
                continue
            lines.append(f"{name} = {value(v)}")
        lines.append("")
    return lines
