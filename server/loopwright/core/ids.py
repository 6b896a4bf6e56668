"""Identifiers: short random ids, readable session names, and lookup by unique prefix."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")


class LookupFailed(Exception):
    pass


def new_id(prefix: str) -> str:
    """`t-3f9a2c1b`: a kind letter and 8 hex digits."""
    return f"{prefix}-{secrets.token_hex(4)}"


def slug(text: str, max_len: int = 32) -> str:
    """`fix-the-typo`: lower-case words joined by dashes, cut after the last whole word
    that fits in `max_len` (a single longer word is cut)."""
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    if not words:
        return "task"
    kept = words[0][:max_len]
    for word in words[1:]:
        if len(kept) + 1 + len(word) > max_len:
            break
        kept += "-" + word
    return kept


def unique_name(base: str, taken: Iterable[str]) -> str:
    used = set(taken)
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def resolve(kind: str, ref: str, items: Mapping[str, T], names: Mapping[str, str]) -> T:
    """Find one item by exact id, exact name, then unique prefix of id or name.

    `names` maps id -> human name (empty mapping when the kind has none).
    """
    ref = ref.strip()
    if not ref:
        raise LookupFailed(f"no {kind} given")
    if ref in items:
        return items[ref]
    exact = [i for i, n in names.items() if n == ref]
    if len(exact) == 1:
        return items[exact[0]]
    matches = [
        i for i in items
        if i.startswith(ref) or i.split("-", 1)[-1].startswith(ref)
        or names.get(i, "").startswith(ref)
    ]
    if len(matches) == 1:
        return items[matches[0]]
    if not matches:
        raise LookupFailed(f"no {kind} matches {ref!r}")
    shown = ", ".join(sorted(f"{m} ({names[m]})" if m in names else m for m in matches)[:8])
    raise LookupFailed(f"{ref!r} matches {len(matches)} {kind}s: {shown}; give more of the id")
