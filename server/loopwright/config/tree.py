"""Configuration: one typed tree with defaults, read from `.loopwright/config.toml`.

Every field carries its description; `docs/configuration.md` is generated from this
tree (`loopwright config --reference`, config/reference.py) and CI checks that it is
current. The sections of one concern live beside it: attention.py, triggers.py,
workers.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from .attention import AttentionConfig, StallsConfig
from .compute import ComputeConfig
from .environment import EnvironmentConfig
from .manager import ManagerConfig
from .preview import PreviewConfig
from .push import PushConfig
from .sections import HOUR, WEEK, Section, doc
from .triggers import (
    BuildConfig,
    GitHubConfig,
    LandConfig,
    ParallelConfig,
    TimerConfig,
    WebhookConfig,
)
from .web import WebConfig
from .workers import DEFAULT_PRICES, AgentConfig, BudgetConfig, CodexConfig, ModelPrice


class ProjectConfig(Section):
    target_branch: Annotated[str, doc(
        "Branch that approved changes land on. `loopwright init` sets it to the branch "
        "checked out at the time.")] = "main"
    goals: Annotated[str, doc(
        "A sentence or two on what the project is for; triage and workers read it beside "
        "AGENTS.md, CLAUDE.md, README.md and .loopwright/notes.md.")] = ""


class ChecksConfig(Section):
    command: Annotated[str, doc(
        "The project's test command, run in the session's worktree. Empty: detected "
        "(pytest, `npm test`, `make test`), or no checks when nothing is found.")] = ""
    timeout_seconds: Annotated[float, doc(
        "Time limit for one run of the checks; past it the checks fail as timed out.",
        ge=0.1, le=WEEK)] = 600.0
    max_parallel: Annotated[int, doc(
        "How many check runs may go at once (they compete for the same cores); 0: one "
        "per CPU core. Sessions whose checks wait show as checking.", ge=0, le=1000)] = 0
    output_tail_lines: Annotated[int, doc(
        "How many of the last lines of check output are kept in the log.", ge=1,
        le=10_000)] = 40
    shards: Annotated[int, doc(
        "Split one run of the checks into this many runs at once, each given its part "
        "by `{shard}` (1 to N) and `{shards}` (N) in `command`; the checks pass when "
        "every shard passes. 1: one run.", ge=1, le=256)] = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.shards > 1 and "{shard}" not in self.command:
            raise ValueError("checks.shards needs a `command` with `{shard}` in it (and "
                             "usually `{shards}`), to give each run its part")


class GateConfig(Section):
    auto_land: Annotated[bool, doc(
        "Whether a change may land without a human when every rule below passes. "
        "False: every change waits for approval.")] = True
    max_changed_lines: Annotated[int, doc(
        "Most lines (added + removed) a change may have and still land on its own.",
        ge=0, le=10_000_000)] = 20
    allow_binary: Annotated[bool, doc(
        "Whether a change with a binary file (an image, a compiled file: it has no lines "
        "to count) may land on its own.")] = False
    max_new_files: Annotated[int, doc(
        "Most new files a change may add and still land on its own.",
        ge=0, le=1_000_000)] = 10
    protected_paths: Annotated[list[str], doc(
        "Glob patterns; a change touching any of them always waits for a human.")] = (
        msgspec.field(default_factory=lambda: [
            ".github/**", ".loopwright/**", "pyproject.toml", "package.json", "Makefile",
        ]))
    labels: Annotated[list[str], doc(
        "Label allow-list: when not empty, only tasks carrying one of these labels may "
        "land on their own.")] = msgspec.field(default_factory=list)
    require_checks: Annotated[bool, doc(
        "Whether checks must exist and pass for a change to land on its own.")] = True
    require_reviewer: Annotated[bool, doc(
        "Whether the reviewer agent must approve for a change to land on its own "
        "(only when a reviewer is configured).")] = True


class TriageConfig(Section):
    agent: Annotated[str, doc(
        "Triage agent that accepts, declines or asks about each new task; empty: every "
        "task is accepted.")] = ""


class ReviewConfig(Section):
    reviewer: Annotated[str, doc(
        "Reviewer agent backend: `claude` (the Anthropic API) or `codex` (the Codex CLI, "
        "read-only in the session's worktree); empty for none.")] = ""
    max_rounds: Annotated[int, doc(
        "How many times the reviewer agent may send a change back to the worker on its "
        "own before the change goes to the human as it is.", ge=0, le=100)] = 2
    model: Annotated[str, doc(
        "Model of the reviewer agent, so a change can be reviewed by another model than "
        "the one that wrote it; empty: `[agent] model` (for `codex`: Codex's own "
        "configured model).")] = ""
    timeout_seconds: Annotated[float, doc(
        "Longest the `codex` reviewer may take over one change; past it the review "
        "fails and the change goes to the human.", ge=1, le=HOUR * 4)] = 900.0


class SandboxConfig(Section):
    bubblewrap: Annotated[Literal["auto", "always", "never"], doc(
        "Run worker commands and checks inside bubblewrap: `auto` when `bwrap` is "
        "installed, `always` (fail without it), or `never`.")] = "auto"
    command_timeout_seconds: Annotated[float, doc(
        "Time limit for one command a worker runs.", ge=0.1, le=WEEK)] = 300.0
    pass_env: Annotated[list[str], doc(
        "Extra environment variables passed to commands (secrets never are: names with "
        "KEY, TOKEN, SECRET or PASSWORD are always dropped).")] = (
        msgspec.field(default_factory=list))
    network: Annotated[Literal["none", "full"], doc(
        "What a command can reach: `none` (its own empty network with only a private "
        "loopback: servers a test starts work, nothing outside the sandbox answers) or "
        "`full` (the machine's network).")] = "none"
    read_only: Annotated[list[str], doc(
        "More folders a command may read (a toolchain outside /usr, say), besides the "
        "built-in allow-list in docs/security.md.")] = msgspec.field(default_factory=list)


class IntakeConfig(Section):
    max_file_bytes: Annotated[int, doc(
        "Largest inbox file accepted; larger ones are refused and kept.", ge=1,
        le=100_000_000)] = 1_000_000


# Dotted keys (or whole sections) bound when the manager starts. Everything else applies
# at once: the queue, the gate, the review rounds, workers and their sandbox, budgets,
# prices, intake, attention and stalls, rebasing sessions.
RESTART_KEYS = (
    "project.target_branch",  # sessions under way branch from it and land on it
    "checks.max_parallel",  # the checks' slots are counted from it at start
    "triage",  # the triage agent is made once
    "build",  # the build listener and its schedule
    "github",  # the GitHub client and its sync
    "land",  # merge or pull request: the GitHub client behind it
    "webhook",  # the receiver's socket
    "timers",  # armed at start
    "manager.agent",  # the manager agent is started with the manager
    "web",  # the page's socket and TLS
)


class Config(Section):
    project: ProjectConfig = msgspec.field(default_factory=ProjectConfig)
    manager: ManagerConfig = msgspec.field(default_factory=ManagerConfig)
    checks: ChecksConfig = msgspec.field(default_factory=ChecksConfig)
    gate: GateConfig = msgspec.field(default_factory=GateConfig)
    triage: TriageConfig = msgspec.field(default_factory=TriageConfig)
    review: ReviewConfig = msgspec.field(default_factory=ReviewConfig)
    sandbox: SandboxConfig = msgspec.field(default_factory=SandboxConfig)
    intake: IntakeConfig = msgspec.field(default_factory=IntakeConfig)
    # What each session's worktree gets before its worker starts (docs/environment.md).
    environment: EnvironmentConfig = msgspec.field(default_factory=EnvironmentConfig)
    # A running build of each session's change, and screenshots on its review (docs/preview.md).
    preview: PreviewConfig = msgspec.field(default_factory=PreviewConfig)
    agent: AgentConfig = msgspec.field(default_factory=AgentConfig)
    budget: BudgetConfig = msgspec.field(default_factory=BudgetConfig)
    prices: Annotated[dict[str, ModelPrice], doc(
        "Dollars per million tokens, by model: `[prices.\"<model>\"]` with `input`, "
        "`output`, `cache_write` and `cache_read`. Entries here are added to (or replace) "
        "the built-in table below.")] = msgspec.field(default_factory=dict)
    # What wakes the loop besides the inbox (config/triggers.py, docs/triggers.md).
    build: BuildConfig = msgspec.field(default_factory=BuildConfig)
    github: GitHubConfig = msgspec.field(default_factory=GitHubConfig)
    land: LandConfig = msgspec.field(default_factory=LandConfig)
    webhook: WebhookConfig = msgspec.field(default_factory=WebhookConfig)
    web: WebConfig = msgspec.field(default_factory=WebConfig)  # the phone page
    parallel: ParallelConfig = msgspec.field(default_factory=ParallelConfig)
    # What may interrupt, and what is wasting time (config/attention.py, docs/attention.md).
    attention: AttentionConfig = msgspec.field(default_factory=AttentionConfig)
    stalls: StallsConfig = msgspec.field(default_factory=StallsConfig)
    # Interruptions pushed to the phone through ntfy (config/push.py, docs/anywhere.md).
    push: PushConfig = msgspec.field(default_factory=PushConfig)
    timers: list[TimerConfig] = msgspec.field(default_factory=list)
    codex: CodexConfig = msgspec.field(default_factory=CodexConfig)  # the `codex` worker
    # Where sessions and checks run: here, or a Ray cluster (config/compute.py).
    compute: ComputeConfig = msgspec.field(default_factory=ComputeConfig)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.prices = {**DEFAULT_PRICES, **self.prices}
        names = [t.name for t in self.timers]
        if len(set(names)) != len(names):
            raise ValueError("timers: two [[timers]] entries have the same name")
