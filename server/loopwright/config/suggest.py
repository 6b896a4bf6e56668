""""Did you mean": the closest known name to one that is not known."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import msgspec

from .tree import Config


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`; did you mean `max_parallel`?` when a known name is close to `word`, else ""."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


_UNKNOWN = re.compile(r"Object contains unknown field `([^`]+)`(?: - at `\$(.*)`)?$")


def unknown_key_hint(message: str) -> str:
    """For msgspec's "unknown field" error, the closest key of the section it is in."""
    m = _UNKNOWN.search(message)
    if m is None:
        return ""
    fields = _fields_at(m.group(2) or "")
    return did_you_mean(m.group(1), fields) if fields else ""


def _fields_at(path: str) -> list[str]:
    """The keys of the section at msgspec's path (`.manager`, `.timers[0]`)."""
    info: msgspec.inspect.Type = msgspec.inspect.type_info(Config)
    for part in re.findall(r"\.([^.\[]+)|\[[^\]]*\]", path):
        info = _unwrap(info)
        if part and isinstance(info, msgspec.inspect.StructType):
            info = next((f.type for f in info.fields if f.encode_name == part),
                        msgspec.inspect.AnyType())
        elif isinstance(info, msgspec.inspect.ListType | msgspec.inspect.DictType):
            info = info.item_type if isinstance(info, msgspec.inspect.ListType) else (
                info.value_type)
    info = _unwrap(info)
    if isinstance(info, msgspec.inspect.StructType):
        return [f.encode_name for f in info.fields]
    return []


def _unwrap(info: msgspec.inspect.Type) -> msgspec.inspect.Type:
    return info.type if isinstance(info, msgspec.inspect.Metadata) else info
