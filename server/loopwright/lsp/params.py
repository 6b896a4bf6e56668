"""Typed params of every `loopwright/*` request, and the errors a bad request gets.

Params are msgspec Structs with camelCase names on the wire. `parse` turns the raw JSON
into one, or raises `InvalidParams` with msgspec's message, which names the field
("Object missing required field `session`").
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import msgspec
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

Ref = Annotated[str, msgspec.Meta(min_length=1)]
P = TypeVar("P", bound="Params")


class InvalidParams(JsonRpcInvalidParams):
    """Bad input: a missing or mistyped field, an unknown id, a stale hunk. (-32602)"""

    def __init__(self, message: str) -> None:
        super().__init__(message=message)


class RequestFailed(JsonRpcException):
    """Well-formed, but it does not apply now (LSP `RequestFailed`, -32803): the session
    is in another state, the decision was already answered, no project is open."""

    CODE = -32803
    MESSAGE = "Request failed"

    def __init__(self, message: str) -> None:
        super().__init__(message=message)


class Params(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    pass


class NoParams(Params, frozen=True):
    pass


class Context(Params, frozen=True):
    """Text the user selected, sent along with a dispatched task."""

    text: str
    uri: str = ""
    start_line: int | None = None  # 0-based, as LSP positions
    end_line: int | None = None


class DispatchParams(Params, frozen=True):
    title: str
    body: str = ""
    labels: tuple[str, ...] = ()
    priority: int = 0
    backend: str = ""
    context: Context | str | None = None


class AnswerParams(Params, frozen=True):
    decision: Ref
    answer: str


class PresenceParams(Params, frozen=True):
    """The human is active on this window now (`true`: focused, typing, selecting), or
    left it (`false`). Send it at most every 15 s; while active in the last minute, a
    push waits `[push] hold_seconds` in case they answer here."""

    active: bool


class SessionParams(Params, frozen=True):
    session: Ref


class RequestChangesParams(Params, frozen=True):
    session: Ref
    note: str


class RejectParams(Params, frozen=True):
    session: Ref
    why: str = ""


class KillParams(Params, frozen=True):
    session: Ref
    reason: str = ""


class HunkParams(Params, frozen=True):
    session: Ref
    hunk: Ref
    verdict: Literal["accept", "reject", "comment"]
    comment: str = ""


class TaskParams(Params, frozen=True):
    task: Ref
    reason: str = ""


class DismissParams(Params, frozen=True):
    file: Ref


class SubTaskParams(Params, frozen=True):
    """One sub-task of `loopwright/split`; what it leaves out comes from the parent."""

    title: str
    key: str = ""  # what `dependsOn` names; default its position from 1
    body: str = ""
    depends_on: tuple[str, ...] = ()
    labels: tuple[str, ...] | None = None
    priority: int | None = None
    backend: str = ""


class SplitParams(Params, frozen=True):
    """`children`, or `plan`: the same TOML as `loopwright split --into`."""

    task: Ref
    children: tuple[SubTaskParams, ...] = ()
    plan: str = ""
    reason: str = ""


class SteerParams(Params, frozen=True):
    session: Ref
    note: str


class PriorityParams(Params, frozen=True):
    task: Ref
    priority: int
    reason: str = ""


class ReviewDocumentParams(Params, frozen=True):
    uri: Ref


def parse(method: str, raw: Any, kind: type[P]) -> P:
    """`raw` (the request's params, plain JSON) as `kind`, or InvalidParams saying why."""
    if raw is None or raw == []:
        raw = {}  # no params; Lua clients encode an empty table `{}` as `[]`
    if not isinstance(raw, dict):
        raise InvalidParams(f"{method}: params must be a JSON object, not {_json_kind(raw)}")
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as e:
        raise InvalidParams(f"{method}: {_readable(str(e))}") from None


def _readable(message: str) -> str:
    # "Expected `str`, got `int` - at `$.session`" -> "`session`: expected `str`, got `int`"
    if " - at `$." in message:
        what, at = message.rsplit(" - at `$.", 1)
        return f"`{at.rstrip('`')}`: {what[0].lower()}{what[1:]}"
    return message


def _json_kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


class TellParams(Params, frozen=True):
    """`loopwright/tell`: a message to the manager agent."""

    text: Ref


class ManagerParams(Params, frozen=True):
    """`loopwright/manager`: the thread's entries after record `after` (0: from the
    start; the last 500)."""

    after: int = 0


class OverruleActParams(Params, frozen=True):
    """`loopwright/overruleAct`: undo a decision the manager took alone."""

    act: Ref
    answer: str = ""  # with an `answer` act: the right answer, for the worker
    why: str = ""
class ThreadsParams(Params, frozen=True):
    session: Ref
    path: str = ""  # "": every file's threads


class OpenThreadParams(Params, frozen=True):
    session: Ref
    path: Ref
    line: int  # 1-based, on `side`
    body: str
    side: Literal["head", "base"] = "head"


class ReplyThreadParams(Params, frozen=True):
    session: Ref
    thread: Ref
    body: str


class ResolveThreadParams(Params, frozen=True):
    session: Ref
    thread: Ref
    resolved: bool = True


class ViewedParams(Params, frozen=True):
    session: Ref
    path: Ref
    viewed: bool = True


class ReviewLensesParams(Params, frozen=True):
    session: Ref
    path: Ref
