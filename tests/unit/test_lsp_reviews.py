"""Review URIs, code lens placement and request params, without a server."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from loopwright import events as ev
from loopwright.lsp import lenses, reviews
from loopwright.lsp import params as p
from loopwright.state import Session, SessionState


def test_a_review_uri_round_trips_paths_with_spaces_and_unicode() -> None:
    uri = reviews.ReviewUri("s-1", "head", "docs/ünï code/a b.md")
    text = str(uri)
    assert text.startswith("loopwright-review:/s-1/head/docs/")
    assert " " not in text
    assert reviews.parse_uri(text) == uri


def test_a_document_of_another_scheme_is_not_a_review() -> None:
    assert reviews.parse_uri("file:///tmp/a.py") is None
    assert reviews.parse_uri("untitled:Untitled-1") is None


@pytest.mark.parametrize("uri", [
    "loopwright-review:/s-1/middle/a.txt",
    "loopwright-review:/s-1/head",
    "loopwright-review:/",
    "loopwright-review://s-1//a.txt",
])
def test_a_malformed_review_uri_is_invalid_params(uri: str) -> None:
    with pytest.raises(p.InvalidParams, match="malformed review URI"):
        reviews.parse_uri(uri)


def hunk(hid: str, path: str, new_start: int, new_lines: int) -> ev.Hunk:
    return ev.Hunk(hunk_id=hid, path=path, old_start=new_start, old_lines=1,
                   new_start=new_start, new_lines=new_lines, header="", added=new_lines,
                   removed=1)


def session(state: SessionState, hunks: tuple[ev.Hunk, ...]) -> Session:
    review = ev.ReviewPrepared(session_id="s-1", head_commit="h", base_commit="b",
                               files=tuple({h.path for h in hunks}), hunks=hunks,
                               added=0, removed=0)
    return Session(session_id="s-1", task_id="t-1", name="n", branch="b", backend="script",
                   attempt=1, queued_at=0.0, state=state, review=review,
                   hunk_verdicts={"h2": "reject"})


def unresolved(got: object) -> list[dict[str, Any]]:
    if isinstance(got, lenses.Encoded):
        return cast(list[dict[str, Any]], json.loads(got.json))
    return cast(list[dict[str, Any]], got)


def test_one_lens_per_hunk_of_the_file_without_its_command() -> None:
    s = session(SessionState.AWAITING_APPROVAL, (
        hunk("h1", "a.txt", 10, 2), hunk("h2", "a.txt", 30, 0), hunk("h3", "b.txt", 1, 1)))
    uri = reviews.ReviewUri("s-1", "head", "a.txt")
    got = unresolved(reviews.code_lenses(s, uri, reviews.LensIndex()))
    # a pure deletion has no new line: the lens goes on the line after it
    assert [(lens["range"]["start"]["line"], lens["data"]) for lens in got] == [
        (9, "s-1:h1"), (30, "s-1:h2")]
    assert all("command" not in lens for lens in got)
    # the same lenses as flat lists (loopwright/hunkLenses)
    assert s.review is not None
    assert lenses.LensIndex().of(s.review).lines("a.txt") == ([9, 30], ["h1", "h2"])


def test_a_resolved_lens_says_the_hunks_verdict() -> None:
    s = session(SessionState.AWAITING_APPROVAL, (
        hunk("h1", "a.txt", 10, 2), hunk("h2", "a.txt", 30, 0)))
    got = unresolved(reviews.code_lenses(s, reviews.ReviewUri("s-1", "head", "a.txt"),
                                         reviews.LensIndex()))
    titles = [lenses.resolve(s, lens)["command"]["title"] for lens in got]
    assert titles == ["Accept · Reject · Comment", "Rejected ✗"]
    command = lenses.resolve(s, got[0])["command"]
    assert (command["command"], command["arguments"]) == (
        "loopwright.judgeHunk", [{"session": "s-1", "hunk": "h1", "verdict": None}])
    for data in ("s-1:gone", "s-2:h1", {"session": "s-1", "hunk": "h1"}, None):
        stale = lenses.resolve(s, {**got[0], "data": data})
        assert stale["command"]["title"].startswith("(review changed"), data


def test_no_lenses_on_the_base_side_or_once_the_review_is_settled() -> None:
    s = session(SessionState.AWAITING_APPROVAL, (hunk("h1", "a.txt", 1, 1),))
    index = reviews.LensIndex()
    assert reviews.code_lenses(s, reviews.ReviewUri("s-1", "base", "a.txt"), index) == []
    s.state = SessionState.LANDED
    assert reviews.code_lenses(s, reviews.ReviewUri("s-1", "head", "a.txt"), index) == []


def test_params_errors_name_the_field() -> None:
    with pytest.raises(p.InvalidParams, match="missing required field `note`"):
        p.parse("loopwright/requestChanges", {"session": "s"}, p.RequestChangesParams)
    with pytest.raises(p.InvalidParams, match=r"`labels\[1\]`: expected `str`"):
        p.parse("loopwright/dispatch", {"title": "t", "labels": ["a", 2]}, p.DispatchParams)
    with pytest.raises(p.InvalidParams, match="`session`: expected `str` of length >= 1"):
        p.parse("loopwright/kill", {"session": ""}, p.KillParams)
    with pytest.raises(p.InvalidParams, match="params must be a JSON object, not an array"):
        p.parse("loopwright/kill", ["s"], p.KillParams)
    assert p.parse("loopwright/state", None, p.NoParams) == p.NoParams()


def test_dispatch_params_take_camel_case_context() -> None:
    q = p.parse("loopwright/dispatch", {"title": "t", "context": {
        "text": "x = 1", "uri": "file:///a.py", "startLine": 3, "endLine": 4}},
        p.DispatchParams)
    assert isinstance(q.context, p.Context)
    assert (q.context.start_line, q.context.end_line) == (3, 4)
