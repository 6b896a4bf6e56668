"""Review documents and their code lenses, as pure functions of the state.

A session's changed files are readable through the URI scheme
`loopwright-review:/<session_id>/<base|head>/<path>`: the file at the review's base or
head commit. On a head-side document, each hunk gets Accept · Reject · Comment on its
first new line, and line 0 gets Approve & land · Request changes · Reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote, unquote, urlsplit

from .. import events as ev
from ..state import Session, SessionState, State
from ..views.preview import PreviewView, preview_view
from . import wire
from .params import InvalidParams

SCHEME = "loopwright-review"
Side = Literal["base", "head"]


@dataclass(frozen=True)
class ReviewUri:
    session_id: str
    side: Side
    path: str

    def __str__(self) -> str:
        return f"{SCHEME}:/{quote(self.session_id)}/{self.side}/{quote(self.path)}"


def parse_uri(uri: str) -> ReviewUri | None:
    """The review document `uri` names; None for a document of another scheme;
    InvalidParams for a review URI that is malformed."""
    parts = urlsplit(uri)
    if parts.scheme != SCHEME:
        return None
    segments = parts.path.lstrip("/").split("/", 2)
    if len(segments) != 3 or not all(segments) or segments[1] not in ("base", "head"):
        raise InvalidParams(
            f"malformed review URI {uri!r}: expected "
            f"{SCHEME}:/<session>/<base|head>/<path>")
    session_id, side, path = (unquote(s) for s in segments)
    return ReviewUri(session_id, side, path)  # type: ignore[arg-type]


def session_of(state: State, uri: ReviewUri) -> Session:
    s = state.sessions.get(uri.session_id)
    if s is None:
        raise InvalidParams(f"no session {uri.session_id} (from {uri})")
    return s


def commit_of(s: Session, side: Side) -> str:
    """The commit a side of the session's review shows ('' before the session started)."""
    if s.review is not None:
        return s.review.base_commit if side == "base" else s.review.head_commit
    return s.base_commit if side == "base" else (s.head_commit or s.base_commit)


# --- the review as the editor sees it ---------------------------------------------


D = wire.D


class HunkRow(wire.Wire):
    """One hunk of a review."""

    hunk_id: Annotated[str, D(description="stable: depends on the path and the changed "
                                          "lines only")]
    path: Annotated[str, D(description="the file")]
    old_start: Annotated[int, D(description="1-based, as in the `@@` header")]
    old_lines: Annotated[int, D(description="lines on the old side")]
    new_start: Annotated[int, D(description="1-based, as in the `@@` header")]
    new_lines: Annotated[int, D(description="lines on the new side")]
    header: Annotated[str, D(description="the `@@` line")]
    added: Annotated[int, D(description="lines added")]
    removed: Annotated[int, D(description="lines removed")]
    verdict: Annotated[str | None, D(description="the latest human verdict: `accept` "
                                                 "`reject` `comment`, or null")]
    comments: Annotated[list[str], D(description="the texts of comment verdicts, oldest "
                                                 "first")]


class FileRow(wire.Wire):
    """A changed file (also one without hunks: a binary file, a pure rename)."""

    path: Annotated[str, D(description="repository-relative")]
    base_uri: Annotated[str, D(description="its base-side review document")]
    head_uri: Annotated[str, D(description="its head-side review document")]
    hunks: Annotated[list[str], D(description="its hunk ids, in diff order")]


class ChecksRow(wire.Wire):
    """The checks of the session's head."""

    command: Annotated[str, D(description='what ran; `""`: none configured or detected')]
    passed: Annotated[bool, D(description="they passed")]
    exit_code: Annotated[int, D(description="the command's exit code")]
    output_tail: Annotated[str, D(description="the end of its output")]
    seconds: Annotated[float, D(description="how long it ran")]
    timed_out: Annotated[bool, D(description="it was stopped at its time limit")]


class CommentRow(wire.Wire):
    """A reviewer agent's comment on a line."""

    path: Annotated[str, D(description="the file")]
    line: Annotated[int, D(description="the line (new side)")]
    body: Annotated[str, D(description="the comment")]


class ReviewerRow(wire.Wire):
    """The reviewer agent's verdict, when one is configured."""

    name: Annotated[str, D(description="the reviewer")]
    verdict: Annotated[str, D(description="its verdict")]
    summary: Annotated[str, D(description="its summary")]
    comments: Annotated[list[CommentRow], D(description="its comments on lines")]


class ReviewResult(wire.Wire):
    """`loopwright/review`: the session's reviewable change."""

    session_id: Annotated[str, D(description="as in `SessionRow`")]
    name: Annotated[str, D(description="as in `SessionRow`")]
    title: Annotated[str, D(description="as in `SessionRow`")]
    state: Annotated[str, D(description="as in `SessionRow`")]
    base_commit: Annotated[str, D(description="what the review compares from")]
    head_commit: Annotated[str, D(description="what the review compares to")]
    added: Annotated[int, D(description="lines added")]
    removed: Annotated[int, D(description="lines removed")]
    files: Annotated[list[FileRow], D(description="every changed file, with its two "
                                                  "review documents and its hunk ids")]
    hunks: Annotated[list[HunkRow], D(description="in diff order")]
    checks: Annotated[ChecksRow | None, D(description="the checks of the session's head")]
    gate_reasons: Annotated[tuple[str, ...], D(description="why the gate wants a human")]
    reviewer: Annotated[ReviewerRow | None, D(description="the reviewer agent, when one "
                                                          "is configured")]
    notes: Annotated[list[str], D(description="every request-changes note so far, oldest "
                                              "first")]
    preview: Annotated[PreviewView | None, D(description="the change's running build and "
                                                         "its screenshots, when "
                                                         "`[preview]` is set")] = None


def review_result(state: State, s: Session) -> ReviewResult:
    r = s.review
    if r is None:
        raise InvalidParams(f"session {s.name} has no review yet (it is {s.state})")
    by_file: dict[str, list[str]] = {path: [] for path in r.files}
    for h in r.hunks:
        by_file.setdefault(h.path, []).append(h.hunk_id)
    c = s.checks
    return ReviewResult(
        session_id=s.session_id, name=s.name, title=state.tasks[s.task_id].title,
        state=s.state.value, base_commit=r.base_commit, head_commit=r.head_commit,
        added=r.added, removed=r.removed,
        files=[FileRow(path=p, base_uri=str(ReviewUri(s.session_id, "base", p)),
                       head_uri=str(ReviewUri(s.session_id, "head", p)), hunks=ids)
               for p, ids in by_file.items()],
        hunks=[_hunk_row(h, s.hunk_verdicts.get(h.hunk_id), s.hunk_comments.get(h.hunk_id, []))
               for h in r.hunks],
        checks=None if c is None else ChecksRow(
            command=c.command, passed=c.passed, exit_code=c.exit_code,
            output_tail=c.output_tail, seconds=c.seconds, timed_out=c.timed_out),
        gate_reasons=s.gate_reasons,
        reviewer=None if not r.reviewer else ReviewerRow(
            name=r.reviewer, verdict=r.reviewer_verdict, summary=r.reviewer_summary,
            comments=[CommentRow(path=k.path, line=k.line, body=k.body) for k in r.comments]),
        notes=list(s.feedback), preview=preview_view(s),
    )


def _hunk_row(h: ev.Hunk, verdict: str | None, comments: list[str]) -> HunkRow:
    return HunkRow(hunk_id=h.hunk_id, path=h.path, old_start=h.old_start,
                   old_lines=h.old_lines, new_start=h.new_start, new_lines=h.new_lines,
                   header=h.header, added=h.added, removed=h.removed, verdict=verdict,
                   comments=list(comments))


# --- code lenses --------------------------------------------------------------------

# "hunk" in the titles: a hunk near the top shares line 0 with the whole-change lenses,
# and two bare "Reject"s side by side would not say which is which.
_TITLES = {"accept": ("Accept hunk", "Accepted ✓"), "reject": ("Reject hunk", "Rejected ✗"),
           "comment": ("Comment", "Commented 💬")}


class LensIndex:
    """Per review (immutable once prepared): its hunks by path, and each hunk's three
    lenses per verdict, built once. A request for a document's lenses is then a lookup
    and a list of references, whatever the size of the review."""

    def __init__(self) -> None:
        self._reviews: dict[int, _Indexed] = {}

    def lenses(self, s: Session, path: str) -> list[dict[str, Any]]:
        review = s.review
        assert review is not None
        indexed = self._reviews.get(id(review))
        if indexed is None or indexed.review is not review:
            if len(self._reviews) > 64:
                self._reviews.clear()
            indexed = self._reviews[id(review)] = _Indexed(review)
        out = list(indexed.whole)
        for h in indexed.by_path.get(path, ()):
            out += indexed.hunk_lenses(h, s.hunk_verdicts.get(h.hunk_id))
        return out


class _Indexed:
    def __init__(self, review: ev.ReviewPrepared) -> None:
        self.review = review
        self.by_path: dict[str, list[ev.Hunk]] = {}
        for h in review.hunks:
            self.by_path.setdefault(h.path, []).append(h)
        sid = review.session_id
        self.whole = (
            _lens(0, "Approve & land", "loopwright.approve", {"session": sid}),
            _lens(0, "Request changes", "loopwright.requestChanges", {"session": sid}),
            _lens(0, "Reject", "loopwright.reject", {"session": sid}),
        )
        self._built: dict[tuple[str, str | None], list[dict[str, Any]]] = {}

    def hunk_lenses(self, h: ev.Hunk, verdict: str | None) -> list[dict[str, Any]]:
        key = (h.hunk_id, verdict)
        built = self._built.get(key)
        if built is None:
            line = max(0, h.new_start - 1) if h.new_lines else max(0, h.new_start)
            built = self._built[key] = [
                _lens(line, done if verdict == choice else title, "loopwright.hunk",
                      {"session": self.review.session_id, "hunk": h.hunk_id,
                       "verdict": choice})
                for choice, (title, done) in _TITLES.items()]
        return built


def code_lenses(s: Session, uri: ReviewUri, index: LensIndex) -> list[dict[str, Any]]:
    """The lenses of a review document, as plain LSP JSON (they can number thousands):
    Approve & land · Request changes · Reject on line 0, and Accept · Reject · Comment on
    the first line of each hunk (on the new side), titled with the verdict once judged."""
    if uri.side != "head" or s.review is None or s.state != SessionState.AWAITING_APPROVAL:
        return []
    return index.lenses(s, uri.path)


def _lens(line: int, title: str, command: str, argument: dict[str, str]) -> dict[str, Any]:
    position = {"line": line, "character": 0}
    return {"range": {"start": position, "end": position},
            "command": {"title": title, "command": command, "arguments": [argument]}}
