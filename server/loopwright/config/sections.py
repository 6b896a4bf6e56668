"""What every configuration section is: a strict msgspec Struct whose fields carry their
description and bounds (the reference page is generated from both)."""

from __future__ import annotations

import functools
from typing import Any

import msgspec

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
WEEK = 7 * DAY


def doc(text: str, *, off_or_at_least: float | None = None, **bounds: Any) -> msgspec.Meta:
    """A field's description and bounds (`ge`, `le`...), shown in docs/configuration.md.

    `off_or_at_least`: the field is 0 (off) or at least this, which msgspec's bounds
    cannot say; `Section.__post_init__` checks it."""
    extra = {} if off_or_at_least is None else {"off_or_at_least": off_or_at_least}
    return msgspec.Meta(description=text, extra=extra, **bounds)


class Section(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A `[section]` of config.toml: an unknown key is an error that names it, and so is
    a value out of its bounds. A subclass with its own `__post_init__` calls this one."""

    def __post_init__(self) -> None:
        for name, least in _off_or_at_least(type(self)).items():
            value = getattr(self, name)
            if value != 0 and not value >= least:
                raise ValueError(f"{name} must be 0 (off) or at least {least:g}, "
                                 f"not {value:g}")


@functools.cache
def _off_or_at_least(struct: type[msgspec.Struct]) -> dict[str, float]:
    # Resolving a section's annotations costs milliseconds, paid by every CLI call for
    # every section: only those that spell the bound out pay it.
    written = (str(a) for cls in struct.__mro__
               for a in vars(cls).get("__annotations__", {}).values())
    if not any("off_or_at_least" in a for a in written):
        return {}
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    return {f.name: float(f.type.extra["off_or_at_least"]) for f in info.fields
            if isinstance(f.type, msgspec.inspect.Metadata) and f.type.extra
            and "off_or_at_least" in f.type.extra}


def bounds_text(field: msgspec.inspect.Field) -> str:
    """`0.05 to 3_600`, `0 (off), or 1 to 10_080`: what a number field accepts."""
    meta = field.type
    if not isinstance(meta, msgspec.inspect.Metadata):
        return ""
    kind = meta.type
    if not isinstance(kind, msgspec.inspect.IntType | msgspec.inspect.FloatType):
        return ""
    least = (meta.extra or {}).get("off_or_at_least")
    low = kind.ge if least is None else least
    if low is None or kind.le is None:
        return ""
    text = f"{_number(low)} to {_number(kind.le)}"
    return text if least is None else f"0 (off), or {text}"


def _number(value: float) -> str:
    if value == int(value):
        return f"{int(value):_}"
    return f"{value:g}"
