"""Configuration: defaults, clear errors, and a reference page that stays current."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from loopwright.config import Config, ConfigError, load, parse, reference_markdown, render_toml
from loopwright.config.load import MAX_CONFIG_BYTES


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


def _numbers(struct: type[msgspec.Struct], prefix: str) -> list[tuple[str, bool]]:
    """(key, is a float) for every number in the tree below `struct`."""
    out = []
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    for f in info.fields:
        kind = f.type.type if isinstance(f.type, msgspec.inspect.Metadata) else f.type
        if isinstance(kind, msgspec.inspect.StructType):
            out += _numbers(kind.cls, f"{prefix}{f.encode_name}.")
        elif isinstance(kind, msgspec.inspect.IntType | msgspec.inspect.FloatType):
            out.append((f"{prefix}{f.encode_name}",
                        isinstance(kind, msgspec.inspect.FloatType)))
    return out


NUMBERS = _numbers(Config, "")


def test_the_tree_has_numbers_to_check() -> None:
    assert ("attention.tick_seconds", True) in NUMBERS and len(NUMBERS) > 30


@pytest.mark.parametrize(("key", "is_float"), NUMBERS)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "-1e308", "1" + "0" * 30])
def test_every_number_refuses_nan_infinity_and_absurd_sizes_naming_its_key(
    key: str, is_float: bool, value: str,
) -> None:
    section, name = key.rsplit(".", 1)
    with pytest.raises(ConfigError) as refused:
        parse(f"[{section}]\n{name} = {value}\n")
    assert str(refused.value).startswith(f"config.toml: {key}: Expected `")
    if is_float or value.isdigit():
        assert " <= " in str(refused.value) or " >= " in str(refused.value)


def test_the_reference_shows_what_each_number_accepts() -> None:
    page = reference_markdown()
    assert ("| `tick_seconds` | `5.0` | How often the supervisor looks for stalls, digests due "
            "and the end of quiet hours or focus. Accepts 0.05 to 3_600. |") in page
    assert "0: only webhooks. Accepts 0 (off), or 0.2 to 86_400. |" in page


@pytest.mark.parametrize(("minutes", "accepted"), [(0, True), (1, True), (0.5, False)])
def test_a_digest_is_off_or_at_least_a_minute_apart(minutes: float, accepted: bool) -> None:
    text = f"[attention]\ndigest_minutes = {minutes}\n"
    if accepted:
        assert parse(text).attention.digest_minutes == minutes
    else:
        with pytest.raises(ConfigError, match=r"digest_minutes must be 0 \(off\) or at least 1"):
            parse(text)


def test_a_timer_fires_at_least_once_a_year() -> None:
    with pytest.raises(ConfigError, match="at most 366 days"):
        parse('[[timers]]\nname = "x"\ntitle = "X"\nevery = "99999999d"\n')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = " + "{b = " * 3000 + "1" + "}" * 3000, "nested too deeply"),
        ("n = " + "1" * 5000, "a number is too long"),
        ('"a"."b".' * 20 + "c = 1", "line 1: a dotted key of more than 32 parts"),
    ],
)
def test_toml_that_would_crash_or_stall_the_parser_is_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(text)


def test_a_key_with_a_newline_is_named_on_one_line() -> None:
    with pytest.raises(ConfigError) as refused:
        parse('"evil\\nkey" = 1\n')
    assert str(refused.value) == "config.toml: Object contains unknown field `evil\\nkey`"


def test_a_regular_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("#" * (MAX_CONFIG_BYTES - 1) + "\n", encoding="utf-8")
    assert load(path) == Config()
    path.write_text("#" * MAX_CONFIG_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="larger than 1 MiB"):
        load(path)
