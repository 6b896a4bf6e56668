"""The configuration sections of what wakes the loop: builds, timers, GitHub, webhooks,
the landing mode, parallel sessions. Part of the one tree in `config/tree.py`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from ..core.schedule import Every, ScheduleError, parse_schedule
from .sections import DAY, Section, doc

PRIORITY = 1_000_000  # either way: a priority is an order, not an amount


def _check_schedule(every: str, cron: str, what: str) -> None:
    if not (every or cron):
        return
    try:
        schedule = parse_schedule(every=every, cron=cron)
    except ScheduleError as e:
        raise ValueError(f"{what}: {e}") from None
    if isinstance(schedule, Every) and schedule.seconds > 366 * DAY:
        raise ValueError(f"{what}: every = {every!r}: at most 366 days")


class BuildConfig(Section):
    on_landing: Annotated[bool, doc(
        "Run the checks on the target branch after each landing.")] = True
    every: Annotated[str, doc(
        "Also check the target on this schedule (`\"6h\"`); empty: only after "
        "landings (and `cron`).")] = ""
    cron: Annotated[str, doc(
        "Or check it on a cron schedule (`\"0 3 * * *\"`, local time).")] = ""
    command: Annotated[str, doc(
        "Command for the build check; empty: the checks command (`[checks]`).")] = ""
    priority: Annotated[int, doc(
        "Priority of the \"Fix the build\" task a breakage files.", ge=-PRIORITY,
        le=PRIORITY)] = 10

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.every and self.cron:
            raise ValueError("build: give `every` or `cron`, not both")
        _check_schedule(self.every, self.cron, "build")


class TimerConfig(Section):
    name: Annotated[str, doc("Names the timer in the log; keep it stable.")]
    title: Annotated[str, doc("Title of the task each run files.")]
    body: Annotated[str, doc("Body of that task (what the worker is asked).")] = ""
    every: Annotated[str, doc(
        "A duration (`\"30m\"`, `\"24h\"`, `\"1h30m\"`), counted from when the timer "
        "was first seen.")] = ""
    cron: Annotated[str, doc(
        "Or five cron fields in local time (`\"0 3 * * *\"`), or `@daily`, `@weekly` "
        "...")] = ""
    labels: Annotated[list[str], doc("Labels of the task.")] = msgspec.field(
        default_factory=list)
    priority: Annotated[int, doc("Priority of the task.", ge=-PRIORITY, le=PRIORITY)] = 0
    backend: Annotated[str, doc("Worker backend; empty: the default.")] = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.name.strip() or not self.title.strip():
            raise ValueError("a timer needs a `name` and a `title`")
        _check_schedule(self.every, self.cron, f"timer {self.name!r}")
        if not (self.every or self.cron):
            raise ValueError(f"timer {self.name!r}: give `every` or `cron`")

    @property
    def schedule_text(self) -> str:
        return f"every {self.every}" if self.every else f"cron {self.cron}"


class GitHubConfig(Section):
    repo: Annotated[str, doc(
        "`owner/name` of the GitHub repository; empty: GitHub is off. The token comes "
        "from `GITHUB_TOKEN` or `gh auth token` (docs/triggers.md).")] = ""
    api_url: Annotated[str, doc(
        "REST API root (GitHub Enterprise: `https://HOST/api/v3`).")] = (
        "https://api.github.com")
    label: Annotated[str, doc(
        "Open issues with this label become tasks.")] = "loopwright"
    poll_seconds: Annotated[float, doc(
        "How often issues and pull requests are polled (conditional requests, so an "
        "unchanged list costs no rate limit); 0: only webhooks.", ge=0, le=DAY,
        off_or_at_least=0.2)] = 60.0
    status_labels: Annotated[bool, doc(
        "Keep one `loopwright:<status>` label on each issue as its task moves.")] = True
    comments: Annotated[bool, doc(
        "Comment on the issue when its task is accepted, declined, lands, opens a PR "
        "or fails.")] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.repo and (self.repo.count("/") != 1 or not all(self.repo.split("/"))):
            raise ValueError(f"github.repo: {self.repo!r} is not `owner/name`")


class LandConfig(Section):
    mode: Annotated[Literal["merge", "pull-request"], doc(
        "`merge`: land on the target branch here; `pull-request`: push the session's "
        "branch and open a PR on GitHub instead (needs `[github] repo`).")] = "merge"
    remote: Annotated[str, doc(
        "Remote the branch is pushed to in `pull-request` mode.")] = "origin"
    style: Annotated[Literal["squash", "merge", "rebase"], doc(
        "What a landed change adds to the target's history: `squash`, one commit (the "
        "task's title, the worker's summary and a `Loopwright-Session:` trailer); "
        "`merge`, a merge commit over the session's commits; `rebase`, the session's "
        "commits replayed on the target, the last one with the trailer.")] = "squash"


class WebhookConfig(Section):
    max_bytes: Annotated[int, doc(
        "Largest payload accepted; larger ones get 413 unread.", ge=1,
        le=100_000_000)] = 5_000_000
    secret_env: Annotated[str, doc(
        "Environment variable with the webhook secret (required: unsigned deliveries "
        "are refused).")] = "LOOPWRIGHT_WEBHOOK_SECRET"


class ParallelConfig(Section):
    rebase: Annotated[bool, doc(
        "When the target moves, bring live sessions up to its new tip (a conflict is "
        "told to the worker instead). `merge` landing mode only.")] = True
    predict_conflicts: Annotated[bool, doc(
        "Flag files changed by two live sessions as a likely conflict.")] = True
    predict_seconds: Annotated[float, doc(
        "How often live sessions' diffs are compared.", ge=0.2, le=DAY)] = 10.0


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
    defaults = _defaults(TimerConfig)
    for t in timers:
        lines.append("[[timers]]")
        for name in t.__struct_fields__:
            v = getattr(t, name)
            if name in defaults and v == defaults[name]:
                continue
            lines.append(f"{name} = {value(v)}")
        lines.append("")
    return lines


def _defaults(struct: type[msgspec.Struct]) -> dict[str, Any]:
    """The fields of `struct` that have a default, with it (required fields left out)."""
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    out: dict[str, Any] = {}
    for f in info.fields:
        if f.default is not msgspec.NODEFAULT:
            out[f.name] = f.default
        elif f.default_factory is not msgspec.NODEFAULT:
            out[f.name] = f.default_factory()
    return out
