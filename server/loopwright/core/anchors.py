"""A line of a file, carried through a diff of that file: where it is now, or that it
changed (the thread on it is outdated).

Pure. The spans are a zero-context diff's hunks (`git diff -U0`), as
`(old_start, old_lines, new_start, new_lines)`, 1-based and in order. In git's notation
a span with `old_lines == 0` inserts after old line `old_start`, and one with
`new_lines == 0` deletes, the surviving text continuing after new line `new_start`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Span(NamedTuple):
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int


class Moved(NamedTuple):
    line: int  # 1-based, on the new side
    outdated: bool  # the line itself changed (replaced or deleted)


def remap(line: int, spans: Iterable[Span]) -> Moved:
    """Where old line `line` is on the new side. A line that a span replaces or
    deletes is outdated, and placed where the span's new text starts (at least 1)."""
    shift = 0
    for s in spans:
        if s.old_lines == 0:  # an insertion after old line old_start
            if line > s.old_start:
                shift += s.new_lines
                continue
            break
        if line < s.old_start:
            break
        if line < s.old_start + s.old_lines:
            return Moved(max(1, s.new_start if s.new_lines else s.new_start + 1), True)
        shift += s.new_lines - s.old_lines
    return Moved(line + shift, False)
