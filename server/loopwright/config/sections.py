"""What every configuration section is: a strict msgspec Struct whose fields carry their
description (the reference page is generated from it)."""

from __future__ import annotations

from typing import Any

import msgspec


def doc(text: str, **bounds: Any) -> msgspec.Meta:
    """A field's description (and bounds: `ge`, `gt`...), shown in docs/configuration.md."""
    return msgspec.Meta(description=text, **bounds)


class Section(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A `[section]` of config.toml: an unknown key is an error that names it."""
