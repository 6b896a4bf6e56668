"""Configuration: one typed tree with defaults, read from `.loopwright/config.toml`.

Every field carries its description; `docs/configuration.md` is generated from this
module (`loopwright config --reference`) and CI checks that it is current.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec


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
        "Worker backend for tasks that do not name one (`script`).")] = "script"


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
        "Reviewer agent backend; empty for none.")] = ""


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
    return "\n".join(lines)


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
    return "\n".join(out)


def _sections() -> list[tuple[str, msgspec.inspect.StructType]]:
    root = msgspec.inspect.type_info(Config)
    assert isinstance(root, msgspec.inspect.StructType)
    result = []
    for field in root.fields:
        info = field.type
        assert isinstance(info, msgspec.inspect.StructType)
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
