"""Configuration: one typed tree with defaults, read from `.loopwright/config.toml`.

`tree.py` holds the root and the small sections, `attention.py`, `triggers.py` and
`workers.py` the sections of one concern each, `load.py` the reading and `reference.py`
the writing (TOML and docs/configuration.md).
"""

from __future__ import annotations

from .attention import AttentionConfig, StallsConfig, parse_quiet_hours
from .environment import EnvironmentConfig, copy_path_problem
from .load import ConfigError, load, parse
from .manager import ALL_DECISIONS, ManagerConfig, ManagerDecision
from .preview import PreviewConfig
from .push import PushConfig
from .reference import reference_markdown, render_toml
from .tree import (
    RESTART_KEYS,
    ChecksConfig,
    Config,
    GateConfig,
    IntakeConfig,
    ProjectConfig,
    ReviewConfig,
    SandboxConfig,
    TriageConfig,
)
from .triggers import (
    BuildConfig,
    GitHubConfig,
    LandConfig,
    ParallelConfig,
    TimerConfig,
    WebhookConfig,
)
from .web import WebConfig, served_url
from .workers import DEFAULT_PRICES, AgentConfig, BudgetConfig, CodexConfig, ModelPrice

__all__ = [
    "ALL_DECISIONS",
    "DEFAULT_PRICES",
    "RESTART_KEYS",
    "AgentConfig",
    "AttentionConfig",
    "BudgetConfig",
    "BuildConfig",
    "ChecksConfig",
    "CodexConfig",
    "Config",
    "ConfigError",
    "EnvironmentConfig",
    "GateConfig",
    "GitHubConfig",
    "IntakeConfig",
    "LandConfig",
    "ManagerConfig",
    "ManagerDecision",
    "ModelPrice",
    "ParallelConfig",
    "PreviewConfig",
    "ProjectConfig",
    "PushConfig",
    "ReviewConfig",
    "SandboxConfig",
    "StallsConfig",
    "TimerConfig",
    "TriageConfig",
    "WebConfig",
    "WebhookConfig",
    "copy_path_problem",
    "load",
    "parse",
    "parse_quiet_hours",
    "reference_markdown",
    "render_toml",
    "served_url",
]
