"""The review as the editor sees it (`loopwright/review`): hunks, files, checks, the
reviewer, threads and viewed marks, the round, and why it waits for a human.

Review documents are in review_uri.py, code lenses in lenses.py, threads in threads.py.
"""

from __future__ import annotations

from typing import Annotated

from .. import events as ev
from ..config import GateConfig
from ..review.waiting import waiting_line
from ..state import Session, State
from ..views.preview import PreviewView, preview_view
from . import wire
from .lenses import LensIndex as LensIndex
from .lenses import code_lenses as code_lenses
from .params import InvalidParams
from .review_uri import SCHEME as SCHEME
from .review_uri import ReviewUri as ReviewUri
from .review_uri import Side as Side
from .review_uri import commit_of as commit_of
from .review_uri import parse_uri as parse_uri
from .review_uri import session_of as session_of
from .threads import ThreadRow, thread_rows, viewed_count

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
    viewed: Annotated[bool, D(description="marked viewed in this round (`loopwright/viewed`)"
                                          "; a file that changes in a later round is "
                                          "unviewed again")]
    changed_since_reviewed: Annotated[bool, D(description="changed since the round the "
                                                          "human last sent back")]
    reviewed_uri: Annotated[str, D(description="the file as the human last reviewed it "
                                               "(`reviewed` side); `\"\"` before a round "
                                               "was sent back")]


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
    round: Annotated[int, D(description="1, 2, …: each prepared review is a round")]
    reviewed_round: Annotated[int, D(description="the round the human last sent back (0: "
                                                 "none yet)")]
    reviewed_commit: Annotated[str, D(description="that round's head (`\"\"`: none)")]
    waiting_because: Annotated[str, D(description="one line: the gate rule that holds it, "
                                                  "with its numbers, and what would have "
                                                  "let it land alone")]
    viewed_count: Annotated[int, D(description="files marked viewed (\"3 of 7 files "
                                               "viewed\")")]
    file_count: Annotated[int, D(description="files of the change")]
    threads: Annotated[list[ThreadRow], D(description="every comment thread, as "
                                                      "`loopwright/threads`")]
    preview: Annotated[PreviewView | None, D(description="the change's running build and "
                                                         "its screenshots, when "
                                                         "`[preview]` is set")] = None


def review_result(state: State, s: Session, gate: GateConfig | None = None) -> ReviewResult:
    r = s.review
    if r is None:
        raise InvalidParams(f"session {s.name} has no review yet (it is {s.state})")
    by_file: dict[str, list[str]] = {path: [] for path in r.files}
    for h in r.hunks:
        by_file.setdefault(h.path, []).append(h.hunk_id)
    c = s.checks
    rounds = s.rounds
    done, total = viewed_count(s)
    task = state.tasks[s.task_id]
    waiting = "" if gate is None else waiting_line(
        gate, review=r, reasons=s.gate_reasons,
        checks_passed=None if c is None else c.passed and not c.timed_out,
        labels=task.labels)
    return ReviewResult(
        session_id=s.session_id, name=s.name, title=task.title,
        state=s.state.value, base_commit=r.base_commit, head_commit=r.head_commit,
        added=r.added, removed=r.removed,
        files=[FileRow(path=p, base_uri=str(ReviewUri(s.session_id, "base", p)),
                       head_uri=str(ReviewUri(s.session_id, "head", p)), hunks=ids,
                       viewed=p in rounds.viewed,
                       changed_since_reviewed=p in rounds.since_reviewed,
                       reviewed_uri=str(ReviewUri(s.session_id, "reviewed", p))
                       if rounds.reviewed_commit else "")
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
        notes=list(s.feedback), round=rounds.round, reviewed_round=rounds.reviewed_round,
        reviewed_commit=rounds.reviewed_commit, waiting_because=waiting,
        viewed_count=done, file_count=total, threads=thread_rows(s),
        preview=preview_view(s),
    )


def _hunk_row(h: ev.Hunk, verdict: str | None, comments: list[str]) -> HunkRow:
    return HunkRow(hunk_id=h.hunk_id, path=h.path, old_start=h.old_start,
                   old_lines=h.old_lines, new_start=h.new_start, new_lines=h.new_lines,
                   header=h.header, added=h.added, removed=h.removed, verdict=verdict,
                   comments=list(comments))
