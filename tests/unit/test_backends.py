"""Backend names in the configuration are checked when it is read, against the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopwright import backends
from loopwright.config import ConfigError, parse


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[triage]\nagent = "bogus"\n',
         "triage.agent: unknown name 'bogus'; known: claude (or empty: every task accepted)"),
        ('[manager]\ndefault_backend = "bogus"\n',
         "manager.default_backend: unknown name 'bogus'; known: claude, claude-code, codex, "
         "script"),
        ('[review]\nreviewer = "bogus"\n',
         "review.reviewer: unknown name 'bogus'; known: claude, codex (or empty: no reviewer)"),
        ('[[timers]]\nname = "deps"\ntitle = "Check"\nevery = "1d"\nbackend = "bogus"\n',
         "timers.deps.backend: unknown name 'bogus'; known: claude, claude-code, codex, "
         "script (or empty: the default)"),
    ],
)
def test_an_unknown_backend_name_is_refused_when_the_config_is_read(
    tmp_path: Path, text: str, message: str,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        backends.load(path)
    assert str(e.value) == f"{path}: {message}"


def test_every_name_the_defaults_and_the_docs_offer_is_registered() -> None:
    assert backends.unknown_names(parse(
        '[manager]\ndefault_backend = "codex"\n[triage]\nagent = "claude"\n'
        '[review]\nreviewer = "claude"\n')) == []
    assert backends.unknown_names(parse("")) == []


def test_a_backend_registered_later_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse('[triage]\nagent = "doubtful"\n')
    assert backends.unknown_names(config) != []
    monkeypatch.setitem(backends.TRIAGERS, "doubtful", lambda _p, _c: backends.AcceptEverything())
    assert backends.unknown_names(config) == []
