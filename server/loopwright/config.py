"""Configuration: one typed tree with defaults, read from `.loopwright/config.toml`.

Every field carries its description; `docs/configuration.md` is generated from this
module (`loopwright config --reference`) and CI checks that it is current.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from .config_attention import AttentionConfig, StallsConfig
from .config_triggers import (
    BuildConfig,
    CodexConfig,
    GitHubConfig,
    LandConfig,
    ParallelConfig,
    TimerConfig,
    WebhookConfig,
    timers_reference,
    timers_toml,
)


def _doc(text: str, **bounds: Any) -> msgspec.Meta:
    return msgspec.Meta(description=text, **bounds)


class _Section(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pass


class ProjectConfig(_Section):
    target_branch: Annotated[str, _doc(
        "Branch that approved changes land on. `loopwright init` sets it to the branch "
        "checked out at the time.")] = "main"
    goals: Annotated[str, _doc(
        "A sentence or two on what the project is for; triage and workers read it beside "
        "AGENTS.md, CLAUDE.md, README.md and .loopwright/notes.md.")] = ""


class ManagerConfig(_Section):
    max_parallel: Annotated[int, _doc(
        "How many sessions may run at once; the rest wait in the queue.", ge=1)] = 4
    default_backend: Annotated[str, _doc(
        "Worker backend for tasks that do not name one: `script`, or `claude` for the "
        "built-in agent on the Anthropic API.")] = "script"


class ChecksConfig(_Section):
    command: Annotated[str, _doc(
        "The project's test command, run in the session's worktree. Empty: detected "
        "(pytest, `npm test`, `make test`), or no checks when nothing is found.")] = ""
    timeout_seconds: Annotated[float, _doc(
        "Time limit for one run of the checks; past it the checks fail as timed out.",
        gt=0)] = 600.0
    max_parallel: Annotated[int, _doc(
        "How many check runs may go at once (they compete for the same cores); 0: one "
        "per CPU core. Sessions whose checks wait show as checking.", ge=0)] = 0
    output_tail_lines: Annotated[int, _doc(
        "How many of the last lines of check output are kept in the log.", ge=1)] = 40


class GateConfig(_Section):
    auto_land: Annotated[bool, _doc(
        "Whether a change may land without a human when every rule below passes. "
        "False: every change waits for approval.")] = True
    max_changed_lines: Annotated[int, _doc(
        "Most lines (added + removed) a change may have and still land on its own.",
        ge=0)] = 20
    protected_paths: Annotated[list[str], _doc(
        "Glob patterns; a change touching any of them always waits for a human.")] = (
        msgspec.field(default_factory=lambda: [
            ".github/**", ".loopwright/**", "pyproject.toml", "package.json", "Makefile",
        ]))
    labels: Annotated[list[str], _doc(
        "Label allow-list: when not empty, only tasks carrying one of these labels may "
        "land on their own.")] = msgspec.field(default_factory=list)
    require_checks: Annotated[bool, _doc(
        "Whether checks must exist and pass for a change to land on its own.")] = True
    require_reviewer: Annotated[bool, _doc(
        "Whether the reviewer agent must approve for a change to land on its own "
        "(only when a reviewer is configured).")] = True


class TriageConfig(_Section):
    agent: Annotated[str, _doc(
        "Triage agent that accepts, declines or asks about each new task; empty: every "
        "task is accepted.")] = ""


class ReviewConfig(_Section):
    reviewer: Annotated[str, _doc(
        "Reviewer agent backend (`claude`); empty for none.")] = ""
    max_rounds: Annotated[int, _doc(
        "How many times the reviewer agent may send a change back to the worker on its "
        "own before the change goes to the human as it is.", ge=0)] = 2


class AgentConfig(_Section):
    model: Annotated[str, _doc(
        "Model the `claude` worker, triage and reviewer agents use.")] = "claude-sonnet-4-6"
    max_tokens: Annotated[int, _doc(
        "Most tokens one reply may have (thinking included).", ge=1)] = 16_000
    thinking: Annotated[Literal["off", "adaptive", "enabled"], _doc(
        "Extended thinking for the worker: `adaptive` (the model decides when and how "
        "much to think; what the newest models want), `enabled` (up to "
        "`thinking_budget_tokens` a reply), or `off`.")] = "off"
    thinking_budget_tokens: Annotated[int, _doc(
        "With `thinking = \"enabled\"`: tokens the worker may think per reply, at least "
        "1024 and under `max_tokens`.", ge=0)] = 4096
    context_budget_tokens: Annotated[int, _doc(
        "Most tokens the worker's conversation may hold; past 80% of it the conversation "
        "is compacted.", ge=2_000)] = 160_000
    compaction: Annotated[Literal["server", "client", "off"], _doc(
        "How a long conversation is compacted: `server` (the API's compaction, beta "
        "`compact-2026-01-12`), `client` (the worker asks for a summary and starts over "
        "from it), or `off`.")] = "client"
    clear_tool_uses_at_tokens: Annotated[int, _doc(
        "Past this many input tokens the API clears old tool results (context editing, "
        "`clear_tool_uses_20250919`); 0 turns it off.", ge=0)] = 100_000
    clear_tool_uses_keep: Annotated[int, _doc(
        "How many of the latest tool results context editing keeps.", ge=0)] = 4
    request_timeout_seconds: Annotated[float, _doc(
        "Longest wait for the API to answer or to send the next part of a reply.",
        gt=0)] = 600.0
    max_retries: Annotated[int, _doc(
        "Retries of one request on 429, 5xx, 529 or a broken stream before the human is "
        "asked whether to go on.", ge=0)] = 6
    retry_max_seconds: Annotated[float, _doc(
        "Longest wait between retries (backoff doubles from 1 second; `retry-after` is "
        "honoured up to this).", gt=0)] = 60.0
    tool_output_chars: Annotated[int, _doc(
        "Longest tool result given back to the model; longer output is cut with a note.",
        ge=500)] = 20_000

    def __post_init__(self) -> None:
        if self.thinking == "enabled" and not (
            1024 <= self.thinking_budget_tokens < self.max_tokens
        ):
            raise ValueError("with thinking enabled, thinking_budget_tokens must be at "
                             "least 1024 and under max_tokens")


class BudgetConfig(_Section):
    tokens: Annotated[int, _doc(
        "Most tokens (input, output, cache writes and reads) a task's worker may use; "
        "0: no limit.", ge=0)] = 20_000_000
    dollars: Annotated[float, _doc(
        "Most dollars a task's worker may spend, priced from `[prices]`; 0: no limit.",
        ge=0)] = 10.0
    wall_seconds: Annotated[float, _doc(
        "Most time a task's worker may work (waits on the human not counted); 0: no "
        "limit.", ge=0)] = 3600.0
    turns: Annotated[int, _doc(
        "Most model turns a task's worker may take; 0: no limit.", ge=0)] = 200


class ModelPrice(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    input: Annotated[float, _doc("Dollars per million input tokens.", ge=0)]
    output: Annotated[float, _doc("Dollars per million output tokens.", ge=0)]
    cache_write: Annotated[float, _doc(
        "Dollars per million tokens written to the prompt cache (5-minute).", ge=0)]
    cache_read: Annotated[float, _doc(
        "Dollars per million tokens read from the prompt cache.", ge=0)]


def _price(i: float, o: float) -> ModelPrice:
    return ModelPrice(input=i, output=o, cache_write=i * 1.25, cache_read=i / 10)


# Anthropic's list prices (platform.claude.com/docs/en/about-claude/pricing).
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "claude-opus-5": _price(5.0, 25.0),
    "claude-opus-4-8": _price(5.0, 25.0),
    "claude-opus-4-7": _price(5.0, 25.0),
    "claude-opus-4-6": _price(5.0, 25.0),
    "claude-opus-4-5": _price(5.0, 25.0),
    "claude-sonnet-4-6": _price(3.0, 15.0),
    "claude-haiku-4-5": _price(1.0, 5.0),
}


class SandboxConfig(_Section):
    bubblewrap: Annotated[Literal["auto", "always", "never"], _doc(
        "Run worker commands and checks inside bubblewrap: `auto` when `bwrap` is "
        "installed, `always` (fail without it), or `never`.")] = "auto"
    command_timeout_seconds: Annotated[float, _doc(
        "Time limit for one command a worker runs.", gt=0)] = 300.0
    pass_env: Annotated[list[str], _doc(
        "Extra environment variables passed to commands (secrets never are: names with "
        "KEY, TOKEN, SECRET or PASSWORD are always dropped).")] = (
        msgspec.field(default_factory=list))
    network: Annotated[Literal["none", "full"], _doc(
        "What a command can reach: `none` (its own empty network with only a private "
        "loopback: servers a test starts work, nothing outside the sandbox answers) or "
        "`full` (the machine's network).")] = "none"
    read_only: Annotated[list[str], _doc(
        "More folders a command may read (a toolchain outside /usr, say), besides the "
        "built-in allow-list in docs/security.md.")] = msgspec.field(default_factory=list)


class IntakeConfig(_Section):
    max_file_bytes: Annotated[int, _doc(
        "Largest inbox file accepted; larger ones are refused and kept.", ge=1)] = 1_000_000


class Config(_Section):
    project: ProjectConfig = msgspec.field(default_factory=ProjectConfig)
    manager: ManagerConfig = msgspec.field(default_factory=ManagerConfig)
    checks: ChecksConfig = msgspec.field(default_factory=ChecksConfig)
    gate: GateConfig = msgspec.field(default_factory=GateConfig)
    triage: TriageConfig = msgspec.field(default_factory=TriageConfig)
    review: ReviewConfig = msgspec.field(default_factory=ReviewConfig)
    sandbox: SandboxConfig = msgspec.field(default_factory=SandboxConfig)
    intake: IntakeConfig = msgspec.field(default_factory=IntakeConfig)
    agent: AgentConfig = msgspec.field(default_factory=AgentConfig)
    budget: BudgetConfig = msgspec.field(default_factory=BudgetConfig)
    prices: Annotated[dict[str, ModelPrice], _doc(
        "Dollars per million tokens, by model: `[prices.\"<model>\"]` with `input`, "
        "`output`, `cache_write` and `cache_read`. Entries here are added to (or replace) "
        "the built-in table below.")] = msgspec.field(default_factory=dict)
    # What wakes the loop besides the inbox (config_triggers.py, docs/triggers.md).
    build: BuildConfig = msgspec.field(default_factory=BuildConfig)
    github: GitHubConfig = msgspec.field(default_factory=GitHubConfig)
    land: LandConfig = msgspec.field(default_factory=LandConfig)
    webhook: WebhookConfig = msgspec.field(default_factory=WebhookConfig)
    parallel: ParallelConfig = msgspec.field(default_factory=ParallelConfig)
    # What may interrupt, and what is wasting time (config_attention.py, docs/attention.md).
    attention: AttentionConfig = msgspec.field(default_factory=AttentionConfig)
    stalls: StallsConfig = msgspec.field(default_factory=StallsConfig)
    timers: list[TimerConfig] = msgspec.field(default_factory=list)
    codex: CodexConfig = msgspec.field(default_factory=CodexConfig)  # the `codex` worker

    def __post_init__(self) -> None:
        self.prices = {**DEFAULT_PRICES, **self.prices}
        names = [t.name for t in self.timers]
        if len(set(names)) != len(names):
            raise ValueError("timers: two [[timers]] entries have the same name")


class ConfigError(Exception):
    pass


def load(path: Path) -> Config:
    """Read `path`; a missing file gives the defaults, a broken one a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from e
    return parse(text, str(path))


def parse(text: str, where: str = "config.toml") -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: not valid TOML: {e}") from e
    try:
        return msgspec.convert(raw, Config)
    except msgspec.ValidationError as e:
        raise ConfigError(f"{where}: {_readable(str(e))}") from e


def _readable(message: str) -> str:
    # msgspec says "... - at `$.gate.max_changed_lines`"; name the key as TOML does.
    if " - at `$." in message:
        what, at = message.rsplit(" - at `$.", 1)
        return f"{at.rstrip('`')}: {what}"
    return message


def render_toml(config: Config) -> str:
    """The config as TOML, every field with its description as a comment."""
    lines = ["# Loopwright configuration. Reference: docs/configuration.md", ""]
    for section, info in _sections():
        lines.append(f"[{section}]")
        value = getattr(config, section)
        for field in info.fields:
            lines.append(f"# {_description(field)}")
            lines.append(f"{field.encode_name} = {_toml_value(getattr(value, field.name))}")
        lines.append("")
    lines += _prices_toml(config.prices)
    lines += timers_toml(config.timers, _toml_value)
    return "\n".join(lines)


def _prices_toml(prices: dict[str, ModelPrice]) -> list[str]:
    """Only the prices that differ from the built-in table, so new list prices reach a
    project that never changed them."""
    own = {m: p for m, p in prices.items() if DEFAULT_PRICES.get(m) != p}
    lines = ["# Dollars per million tokens, by model, added to the built-in table "
             "(docs/configuration.md)."]
    if not own:
        own_example = ModelPrice(input=3.0, output=15.0, cache_write=3.75, cache_read=0.3)
        lines += ['# [prices."my-model"]', *(f"# {line}" for line in _price_lines(own_example))]
        return [*lines, ""]
    for model, price in own.items():
        lines += [f"[prices.{_toml_value(model)}]", *_price_lines(price), ""]
    return lines


def _price_lines(price: ModelPrice) -> list[str]:
    return [f"{name} = {_toml_value(getattr(price, name))}" for name in price.__struct_fields__]


def reference_markdown() -> str:
    out = [
        "# Configuration reference",
        "",
        "Loopwright reads `.loopwright/config.toml` in the repository (written by "
        "`loopwright init`). Every key is optional; a missing key takes the default "
        "below. An unknown key or a value of the wrong type is an error that names the "
        "key. This page is generated by `loopwright config --reference`.",
        "",
    ]
    defaults = Config()
    for section, info in _sections():
        out += [f"## `[{section}]`", "", "| key | default | meaning |", "|---|---|---|"]
        value = getattr(defaults, section)
        for field in info.fields:
            default = _toml_value(getattr(value, field.name)).replace("|", "\\|")
            out.append(f"| `{field.encode_name}` | `{default}` | {_description(field)} |")
        out.append("")
    out += [
        "## `[prices]`", "",
        "Dollars per million tokens, by model, used to price each reply and enforce "
        "`[budget] dollars`. A `[prices.\"<model>\"]` table with `input`, `output`, "
        "`cache_write` and `cache_read` adds a model or replaces its built-in prices. "
        "A model with no price costs nothing as far as the budget knows. Built in:", "",
        "| model | input | output | cache_write | cache_read |", "|---|---|---|---|---|",
    ]
    for model, price in DEFAULT_PRICES.items():
        cells = " | ".join(f"{getattr(price, name):g}" for name in price.__struct_fields__)
        out.append(f"| `{model}` | {cells} |")
    out.append("")
    timer_info = msgspec.inspect.type_info(TimerConfig)
    assert isinstance(timer_info, msgspec.inspect.StructType)
    out += timers_reference([(f.encode_name, _description(f)) for f in timer_info.fields])
    return "\n".join(out)


def _sections() -> list[tuple[str, msgspec.inspect.StructType]]:
    root = msgspec.inspect.type_info(Config)
    assert isinstance(root, msgspec.inspect.StructType)
    result = []
    for field in root.fields:
        info = field.type
        if isinstance(info, msgspec.inspect.StructType):  # [prices] is a table of tables
            result.append((field.encode_name, info))
    return result


def _description(field: msgspec.inspect.Field) -> str:
    meta = field.type
    if isinstance(meta, msgspec.inspect.Metadata) and meta.extra_json_schema:
        return str(meta.extra_json_schema.get("description", ""))
    return ""


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return msgspec.json.encode(value).decode()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)
