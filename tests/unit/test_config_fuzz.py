"""Two hundred config files a hostile worker might write, through the loader the CLI
uses: each one loads, or is refused with the loader's own error in one line. Never
another exception, never a hang. Seeded, so a failure names a case that can be re-run."""

from __future__ import annotations

import random
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from loopwright.backends import load
from loopwright.config import Config, ConfigError, render_toml

CASES = 200
VALID = render_toml(Config()).splitlines()
ODD_VALUES = [
    "nan", "inf", "-inf", "1e308", "-1e308", "1e-9", "0", "-1", "1" + "0" * 40,
    "9" * 5000, "0x7fffffffffffffff", "true", '""', '"x"', "[]", "[1, 2]", "{}",
    "{a = 1}", "1979-05-27T07:32:00Z", "07:32:00", '"\\u0000"', '"a\\nb"', "'''\n'''",
    '["' + "a" * 10_000 + '"]', '"bogus"', '"claude"', "-0.0", "+1_000",
]
KEYS = [line.split(" = ")[0] for line in VALID if " = " in line and not line.startswith("#")]
SECTIONS = [line for line in VALID if line.startswith("[")]


def _keys_in_sections() -> list[tuple[str, str]]:
    out, section = [], ""
    for line in VALID:
        if line.startswith("["):
            section = line
        elif " = " in line and not line.startswith("#"):
            out.append((section, line.split(" = ")[0]))
    return out


KEYS_IN = _keys_in_sections()  # (section, key): a real key given a value of any type


def _mutated(rng: random.Random) -> str:
    lines = list(VALID)
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(lines))
        kind = rng.randrange(6)
        if kind == 0 and " = " in lines[i]:
            lines[i] = lines[i].split(" = ")[0] + " = " + rng.choice(ODD_VALUES)
        elif kind == 1:
            del lines[i]
        elif kind == 2:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind == 3:
            line = lines[i]
            j = rng.randrange(len(line) + 1)
            lines[i] = line[:j] + rng.choice("[]{}=\"'.,#\\\n\t\x00é") + line[j:]
        elif kind == 4:
            lines.insert(i, f"{rng.choice(KEYS)}x = {rng.choice(ODD_VALUES)}")
        else:
            lines.insert(i, rng.choice(SECTIONS))
    return "\n".join(lines) + "\n"


def _random_toml(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(1, 12)):
        section = rng.choice([*SECTIONS, "[x]", "[[timers]]", '[prices."m"]', "[a.b.c]"])
        out.append(section)
        for _ in range(rng.randint(0, 5)):
            out.append(f"{rng.choice([*KEYS, 'name', 'title', 'every', 'input', 'q'])} = "
                       f"{rng.choice(ODD_VALUES)}")
    return "\n".join(out) + "\n"


def _deep(rng: random.Random) -> str:
    depth = rng.choice([50, 300, 1000, 3000])
    kind = rng.randrange(4)
    if kind == 0:
        return "a = " + "[" * depth + "]" * depth + "\n"
    if kind == 1:
        return "a = " + "{b = " * depth + "1" + "}" * depth + "\n"
    if kind == 2:
        return "a" + ".a" * depth + " = 1\n"
    return "[" + ".".join(["t"] * depth) + "]\n"


def _wrong_type(rng: random.Random) -> str:
    section, key = rng.choice(KEYS_IN)
    return f"{section}\n{key} = {rng.choice(ODD_VALUES)}\n"


def _bytes(rng: random.Random) -> bytes:
    data = bytearray(rng.randbytes(rng.randint(0, 400)))
    return bytes(data) if rng.random() < 0.5 else "\n".join(VALID).encode() + bytes(data)


MAKERS: list[Callable[[random.Random], str | bytes]] = [
    _mutated, _mutated, _mutated, _random_toml, _deep, _wrong_type, _bytes]


@contextmanager
def _no_hang(seconds: int) -> Iterator[None]:
    """A case that hangs fails the test instead of holding up CI for ever."""
    def hung(*_: object) -> None:
        raise TimeoutError(f"a config kept the loader busy for {seconds} s")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_two_hundred_hostile_configs_load_or_are_refused_in_one_line(tmp_path: Path) -> None:
    rng = random.Random(10)
    path = tmp_path / "config.toml"
    outcomes = {"loaded": 0, "refused": 0}
    for case in range(CASES):
        content = rng.choice(MAKERS)(rng)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        else:
            path.write_bytes(content)
        with _no_hang(30):
            try:
                load(path)
                outcomes["loaded"] += 1
            except ConfigError as e:
                message = str(e)
                assert message.startswith(f"{path}: ") and message.isprintable(), (
                    case, message)
                outcomes["refused"] += 1
            except Exception as e:  # noqa: BLE001 - any other exception is the bug
                pytest.fail(f"case {case}: {type(e).__name__}: {e}\n{content!r:.500}")
    assert outcomes["loaded"] > 0 and outcomes["refused"] > 100, outcomes
