"""Configuration: defaults, clear errors, and a reference page that stays current."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopwright.config import Config, ConfigError, load, parse, reference_markdown, render_toml


def test_a_missing_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load(tmp_path / "nope.toml") == Config()


def test_the_written_config_reads_back_the_same() -> None:
    cfg = Config()
    cfg.project.target_branch = "trunk"
    cfg.gate.labels = ["docs"]
    assert parse(render_toml(cfg)) == cfg


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[gate\n", "not valid TOML"),
        ('[gate]\nmax_changed_lines = "many"\n', "gate.max_changed_lines: Expected `int`"),
        ("[gate]\nmax_lines = 3\n", "unknown field `max_lines`"),
        ("[manager]\nmax_parallel = 0\n", "manager.max_parallel: Expected `int` >= 1"),
        ('[sandbox]\nbubblewrap = "sometimes"\n', "sandbox.bubblewrap"),
        ("[nonsense]\n", "unknown field `nonsense`"),
    ],
)
def test_a_broken_config_says_which_key_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("`", ".")):
        parse(text, "config.toml")


def test_the_reference_page_is_current() -> None:
    page = Path(__file__).parents[2] / "docs" / "configuration.md"
    assert page.read_text(encoding="utf-8") == reference_markdown(), "run `make docs`"
