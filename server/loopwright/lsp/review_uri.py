"""Review documents: `loopwright-review:/<session_id>/<base|head|reviewed>/<path>`, the
file at the review's base or head commit, or as the human last reviewed it (the head
of the round they last sent back: the left side of the interdiff)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from ..manager.api import ActionRefused, FrontEndApi
from ..state import Session, State
from .params import InvalidParams

SCHEME = "loopwright-review"
Side = Literal["base", "head", "reviewed"]
SIDES = ("base", "head", "reviewed")


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
    if len(segments) != 3 or not all(segments) or segments[1] not in SIDES:
        raise InvalidParams(
            f"malformed review URI {uri!r}: expected "
            f"{SCHEME}:/<session>/<base|head|reviewed>/<path>")
    session_id, side, path = (unquote(s) for s in segments)
    return ReviewUri(session_id, side, path)  # type: ignore[arg-type]


def session_of(state: State, uri: ReviewUri) -> Session:
    s = state.sessions.get(uri.session_id)
    if s is None:
        raise InvalidParams(f"no session {uri.session_id} (from {uri})")
    return s


def commit_of(s: Session, side: Side) -> str:
    """The commit a side of the session's review shows ('' before the session started,
    and for `reviewed` before the human sent a round back)."""
    if side == "reviewed":
        return s.rounds.reviewed_commit
    if s.review is not None:
        return s.review.base_commit if side == "base" else s.review.head_commit
    return s.base_commit if side == "base" else (s.head_commit or s.base_commit)


def session(api: FrontEndApi, ref: str) -> Session:
    """The session `ref` names (an id, a prefix, a name), or InvalidParams saying why."""
    try:
        return api.session(ref)
    except ActionRefused as e:
        raise InvalidParams(str(e)) from None
