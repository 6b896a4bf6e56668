"""Code lenses on review documents, at a flat cost whatever the size of the review.

`textDocument/codeLens` answers one lens per hunk, without its command: the range (the
hunk's first line on the new side) and `data: "<session>:<hunk>"`, one short string.
That answer depends on the review alone, so it is encoded once per review and document
and sent as it is (`Encoded`, written by jsonrpc.py without going through pygls'
converter). The client asks `codeLens/resolve` for the lenses it shows: the title says
the hunk's verdict, and the command is `loopwright.judgeHunk`, a client command (a
choice of Accept, Reject, Comment, then `loopwright/hunk`).

Even so a client parses an object per lens, a few times an empty round trip for a file
of 2,000 hunks. `loopwright/hunkLenses` answers the same lenses as two flat lists (lines,
hunk ids) and the verdicts given, which a client parses at about the cost of one object:
the VS Code extension makes its lenses from it and resolves them itself.

The whole-change actions are no lenses any more (clients put them in the diff editor's
title bar). `loopwright/reviewLenses` returns the same lenses resolved to explicit
commands, three per hunk, and the whole-change commands, for clients that cannot open
`loopwright-review:` documents (Neovim shows them on a buffer of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from .. import events as ev
from ..state import Session, SessionState
from . import params as p
from . import wire
from .review_uri import ReviewUri, session

if TYPE_CHECKING:
    from .live import ClientSync

JUDGE = "loopwright.judgeHunk"  # the client's command: pick a verdict, send loopwright/hunk
TITLES = {None: "Accept · Reject · Comment", "accept": "Accepted ✓",
          "reject": "Rejected ✗", "comment": "Commented 💬"}
VERDICTS = {"accept": "Accept", "reject": "Reject", "comment": "Comment"}
WHOLE = (("Approve & land", "loopwright.approve"),
         ("Request changes", "loopwright.requestChanges"), ("Reject", "loopwright.reject"))


@dataclass(frozen=True)
class Encoded:
    """A result already encoded as JSON, sent as it is."""

    json: bytes


_encoder = msgspec.json.Encoder()


def line_of(h: ev.Hunk) -> int:
    """The hunk's first line on the new side, 0-based (a pure deletion: the line after)."""
    return max(0, h.new_start - 1) if h.new_lines else max(0, h.new_start)


class LensIndex:
    """Per review (immutable once prepared): each document's unresolved lenses,
    encoded once, and the hunks by id for `codeLens/resolve`."""

    def __init__(self) -> None:
        self._reviews: dict[int, _Indexed] = {}

    def of(self, review: ev.ReviewPrepared) -> _Indexed:
        indexed = self._reviews.get(id(review))
        if indexed is None or indexed.review is not review:
            if len(self._reviews) > 64:
                self._reviews.clear()
            indexed = self._reviews[id(review)] = _Indexed(review)
        return indexed


class _Indexed:
    def __init__(self, review: ev.ReviewPrepared) -> None:
        self.review = review
        self.by_path: dict[str, list[ev.Hunk]] = {}
        self.by_id = {h.hunk_id: h for h in review.hunks}
        for h in review.hunks:
            self.by_path.setdefault(h.path, []).append(h)
        self._encoded: dict[str, Encoded] = {}
        self._lines: dict[str, tuple[list[int], list[str]]] = {}

    def unresolved(self, path: str) -> Encoded:
        out = self._encoded.get(path)
        if out is None:
            sid = self.review.session_id
            out = self._encoded[path] = Encoded(_encoder.encode([
                {"range": _range(line_of(h)), "data": f"{sid}:{h.hunk_id}"}
                for h in self.by_path.get(path, ())]))
        return out

    def lines(self, path: str) -> tuple[list[int], list[str]]:
        """The document's hunks as two flat lists: each one's lens line, and its id."""
        out = self._lines.get(path)
        if out is None:
            hunks = self.by_path.get(path, ())
            out = self._lines[path] = ([line_of(h) for h in hunks], [h.hunk_id for h in hunks])
        return out


def lens_target(data: object) -> tuple[str, str] | None:
    """The session and hunk an unresolved lens's `data` names, or None."""
    if not isinstance(data, str) or ":" not in data:
        return None
    sid, _, hunk = data.partition(":")
    return sid, hunk


def code_lenses(s: Session, uri: ReviewUri, index: LensIndex) -> Encoded | list[Any]:
    """The lenses of a review document, unresolved: one per hunk on a head-side document
    of a session awaiting approval; `[]` for any other."""
    if uri.side != "head" or s.review is None or s.state != SessionState.AWAITING_APPROVAL:
        return []
    return index.of(s.review).unresolved(uri.path)


def resolve(s: Session | None, lens: dict[str, Any]) -> dict[str, Any]:
    """The lens with its command: the hunk's verdict in the title. A lens of a review
    that has moved on keeps its place and says so."""
    target = lens_target(lens.get("data"))
    command: dict[str, Any] = {"title": "(review changed: reopen the diff)", "command": ""}
    if (target is not None and s is not None and s.review is not None
            and s.session_id == target[0]
            and any(h.hunk_id == target[1] for h in s.review.hunks)):
        hunk = target[1]
        verdict = s.hunk_verdicts.get(hunk)
        command = {"title": TITLES.get(verdict, TITLES[None]), "command": JUDGE,
                   "arguments": [{"session": s.session_id, "hunk": hunk,
                                  "verdict": verdict}]}
    return {**lens, "command": command}


# --- loopwright/hunkLenses --------------------------------------------------------

D = wire.D


class HunkLensesResult(wire.Wire):
    """`loopwright/hunkLenses`: the code lenses of one head-side review document, as flat
    lists (one entry per hunk, in diff order) a client makes its lenses from."""

    session_id: Annotated[str, D(description="the session")]
    path: Annotated[str, D(description="the file")]
    lines: Annotated[list[int], D(description="each hunk's lens line, 0-based: its first "
                                              "line on the new side (a pure deletion: "
                                              "the line after it)")]
    hunks: Annotated[list[str], D(description="each hunk's id, in the same order")]
    judged: Annotated[dict[str, str], D(description="the verdicts given so far on these "
                                                    "hunks, by id: `accept` `reject` "
                                                    "`comment`")]
    titles: Annotated[dict[str, str], D(description="a lens's title by verdict (`\"\"`: "
                                                    "none yet), as `codeLens/resolve` "
                                                    "gives it")]


_TITLES = {k or "": v for k, v in TITLES.items()}


async def hunk_lenses(live: ClientSync, q: p.ReviewLensesParams) -> Encoded:
    """Encoded here (msgspec, once) rather than walked by pygls' converter: the lists
    are as long as the file has hunks."""
    live.pump()
    s = live.follower.state.sessions.get(q.session)
    if s is None:
        s = live.follower.state.sessions[session(live.repo.api, q.session).session_id]
    lines: list[int] = []
    hunks: list[str] = []
    if s.review is not None and s.state == SessionState.AWAITING_APPROVAL:
        lines, hunks = live.lenses.of(s.review).lines(q.path)
    verdicts = s.hunk_verdicts
    judged = {h: v for h in hunks if (v := verdicts.get(h))} if verdicts else {}
    return Encoded(_encoder.encode(HunkLensesResult(
        session_id=s.session_id, path=q.path, lines=lines, hunks=hunks, judged=judged,
        titles=_TITLES)))


# --- loopwright/reviewLenses ------------------------------------------------------


class LensCommand(wire.Wire):
    """An LSP `Command`."""

    title: Annotated[str, D(description="what the user sees")]
    command: Annotated[str, D(description="a `loopwright.*` command, for "
                                          "`workspace/executeCommand`")]
    arguments: Annotated[list[dict[str, Any]], D(description="its one argument, the "
                                                             "params of its request")]


class LensRow(wire.Wire):
    """An LSP `CodeLens`, resolved. `range` is 0-based, as LSP positions are."""

    range: Annotated[dict[str, Any], D(description="`{start, end}`: the hunk's first line "
                                                   "on the new side")]
    command: Annotated[LensCommand, D(description="what it runs")]


class ReviewLensesResult(wire.Wire):
    """`loopwright/reviewLenses`: the review lenses of one file, ready to show."""

    session_id: Annotated[str, D(description="the session")]
    path: Annotated[str, D(description="the file")]
    lenses: Annotated[list[LensRow], D(description="three per hunk: Accept, Reject, "
                                                   "Comment (`loopwright.hunk`); `[]` "
                                                   "unless the session awaits approval")]
    actions: Annotated[list[LensCommand], D(description="the whole change: Approve & "
                                                        "land, Request changes, Reject")]


async def review_lenses(live: ClientSync, q: p.ReviewLensesParams) -> Any:
    sid = session(live.repo.api, q.session).session_id
    live.pump()
    s = live.follower.state.sessions[sid]
    rows: list[LensRow] = []
    actions: list[LensCommand] = []
    if s.review is not None and s.state == SessionState.AWAITING_APPROVAL:
        judged = s.hunk_verdicts
        for h in live.lenses.of(s.review).by_path.get(q.path, ()):
            for verdict, title in VERDICTS.items():
                done = judged.get(h.hunk_id) == verdict
                rows.append(LensRow(range=_range(line_of(h)), command=LensCommand(
                    title=TITLES[verdict] if done else title, command="loopwright.hunk",
                    arguments=[{"session": sid, "hunk": h.hunk_id, "verdict": verdict}])))
        actions = [LensCommand(title=t, command=c, arguments=[{"session": sid}])
                   for t, c in WHOLE]
    return ReviewLensesResult(session_id=sid, path=q.path, lenses=rows, actions=actions)


def _range(line: int) -> dict[str, Any]:
    position = {"line": line, "character": 0}
    return {"start": position, "end": position}
