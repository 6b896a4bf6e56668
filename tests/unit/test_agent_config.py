"""The agents' configuration: model, thinking, budgets and the price table."""

from __future__ import annotations

import pytest

from loopwright.config import DEFAULT_PRICES, Config, ConfigError, ModelPrice, parse, render_toml


def test_a_price_for_a_new_model_joins_the_built_in_table() -> None:
    cfg = parse('[prices."my-model"]\ninput = 1.0\noutput = 2.0\ncache_write = 1.5\n'
                'cache_read = 0.1\n')
    assert cfg.prices["my-model"] == ModelPrice(input=1.0, output=2.0, cache_write=1.5,
                                                cache_read=0.1)
    assert cfg.prices["claude-sonnet-4-6"] == DEFAULT_PRICES["claude-sonnet-4-6"]
    assert parse(render_toml(cfg)) == cfg


def test_the_written_config_keeps_only_prices_the_project_changed() -> None:
    text = render_toml(Config())
    assert '[prices."' not in text.replace('# [prices."', "")
    assert parse(text) == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[agent]\nthinking = "enabled"\nthinking_budget_tokens = 500\n', "at least 1024"),
        ('[agent]\nthinking = "enabled"\nthinking_budget_tokens = 20000\n', "under max_tokens"),
        ('[agent]\nthinking = "always"\n', "agent.thinking"),
        ('[agent]\ncompaction = "sometimes"\n', "agent.compaction"),
        ("[budget]\ndollars = -1\n", "budget.dollars"),
        ('[prices."m"]\ninput = 1.0\n', "prices"),
    ],
)
def test_a_broken_agent_setting_names_its_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(text)


def test_thinking_within_max_tokens_is_accepted() -> None:
    cfg = parse('[agent]\nmax_tokens = 32000\nthinking = "enabled"\n'
                "thinking_budget_tokens = 8000\n")
    assert cfg.agent.thinking_budget_tokens == 8000
    assert parse('[agent]\nthinking = "adaptive"\n').agent.thinking == "adaptive"
