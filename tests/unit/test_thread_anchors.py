"""A thread stays on its code through a round's change, and is outdated only when its
own line changed: `core.anchors.remap` over any edit (hypothesis), spans as git's
zero-context hunks write them."""

from __future__ import annotations

import difflib

from hypothesis import given
from hypothesis import strategies as st

from loopwright.core.anchors import Span, remap


def spans(old: list[str], new: list[str]) -> list[Span]:
    """The edit as `git diff -U0` hunks: an insertion's old_start is the line before
    it, a deletion's new_start the line before where it was."""
    out = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        out.append(Span(i1 + 1 if i2 > i1 else i1, i2 - i1,
                        j1 + 1 if j2 > j1 else j1, j2 - j1))
    return out


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    old = [f"old {k}" for k in range(draw(st.integers(1, 40)))]
    new = list(old)
    fresh = iter(range(10_000))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(new)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        count = draw(st.integers(1, 4))
        if kind == "insert":
            new[at:at] = [f"new {next(fresh)}" for _ in range(count)]
        elif kind == "delete":
            del new[at:at + count]
        else:
            new[at:at + count] = [f"new {next(fresh)}" for _ in range(count)]
    return old, new


@given(edits())
def test_an_unchanged_line_is_found_where_its_text_went(edit: tuple[list[str], list[str]]
                                                        ) -> None:
    old, new = edit
    edited = spans(old, new)
    changed = {line for s in edited for line in range(s.old_start, s.old_start + s.old_lines)}
    for line in range(1, len(old) + 1):
        moved = remap(line, edited)
        if line in changed:
            assert moved.outdated, (line, edited)
            assert moved.line >= 1
        else:
            assert not moved.outdated, (line, edited)
            assert new[moved.line - 1] == old[line - 1]


def test_lines_inserted_above_move_a_thread_down() -> None:
    assert remap(8, [Span(0, 0, 1, 2)]) == (10, False)


def test_its_own_line_rewritten_makes_it_outdated_where_the_new_text_is() -> None:
    assert remap(25, [Span(0, 0, 1, 2), Span(25, 1, 27, 1)]) == (27, True)
    assert remap(26, [Span(0, 0, 1, 2), Span(25, 1, 27, 1)]) == (28, False)


def test_a_deleted_line_is_outdated_and_lines_below_move_up() -> None:
    assert remap(5, [Span(4, 2, 3, 0)]) == (4, True)
    assert remap(7, [Span(4, 2, 3, 0)]) == (5, False)
