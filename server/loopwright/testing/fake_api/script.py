"""What the fake Messages API says: scripted turns, faults, and which script answers whom.

Everything here is pure data and pure functions; the server in `server.py` owns the
cursors and the locks. A `Script` is an immutable list of steps, so one script can be
replayed by many servers.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Block = dict[str, Any]
"""A content block in the API's own shape: {"type": "text", "text": ...}, ..."""

USAGE_KEYS = frozenset(
    {"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}
)
STOP_REASONS = frozenset(
    {"end_turn", "tool_use", "max_tokens", "stop_sequence", "pause_turn", "refusal",
     "compaction"}
)
_REQUIRED = {
    "text": ("text", str),
    "tool_use": ("name", str),
    "thinking": ("thinking", str),
    "compaction": ("content", str),
}


@dataclass(frozen=True)
class Turn:
    """One assistant reply: content blocks, plus optional stop_reason and usage overrides.

    stop_reason defaults to "tool_use" when a tool_use block is present, else "end_turn".
    usage overrides any of input_tokens, output_tokens, cache_creation_input_tokens,
    cache_read_input_tokens; the rest are estimated from the request and the reply.
    """

    content: Sequence[Block]
    stop_reason: str | None = None
    usage: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "content", tuple(_check_block(b) for b in self.content))
        object.__setattr__(self, "usage", dict(self.usage))
        if self.stop_reason is not None and self.stop_reason not in STOP_REASONS:
            raise ValueError(f"unknown stop_reason {self.stop_reason!r}")
        unknown = set(self.usage) - USAGE_KEYS
        if unknown:
            raise ValueError(f"unknown usage keys {sorted(unknown)}; allowed: {sorted(USAGE_KEYS)}")

    @classmethod
    def text(cls, text: str, *, stop_reason: str | None = None, **usage: int) -> Turn:
        """A reply that is one text block."""
        return cls([text_block(text)], stop_reason=stop_reason, usage=usage)

    @classmethod
    def tool_use(
        cls,
        name: str,
        input: Mapping[str, Any],
        *,
        text: str | None = None,
        id: str | None = None,
        **usage: int,
    ) -> Turn:
        """A reply that calls one tool, optionally after a line of text."""
        blocks = [text_block(text)] if text else []
        return cls([*blocks, tool_use_block(name, input, id=id)], usage=usage)

    @property
    def resolved_stop_reason(self) -> str:
        if self.stop_reason is not None:
            return self.stop_reason
        return "tool_use" if any(b["type"] == "tool_use" for b in self.content) else "end_turn"


def text_block(text: str) -> Block:
    return {"type": "text", "text": text}


def tool_use_block(name: str, input: Mapping[str, Any], *, id: str | None = None) -> Block:
    """A tool call; the server assigns a `toolu_...` id when none is given."""
    block: Block = {"type": "tool_use", "name": name, "input": dict(input)}
    if id is not None:
        block["id"] = id
    return block


def thinking_block(thinking: str, *, signature: str | None = None) -> Block:
    block: Block = {"type": "thinking", "thinking": thinking}
    if signature is not None:
        block["signature"] = signature
    return block


def compaction_block(summary: str) -> Block:
    """What the API's server-side compaction (`compact_20260112`) puts first in a reply:
    a summary that stands in for everything before it."""
    return {"type": "compaction", "content": summary}


def _check_block(block: Mapping[str, Any]) -> Block:
    if not isinstance(block, Mapping):
        raise ValueError(f"a content block must be an object, got {block!r}")
    kind = block.get("type")
    if kind not in _REQUIRED:
        raise ValueError(f"content block type must be one of {sorted(_REQUIRED)}, got {kind!r}")
    key, typ = _REQUIRED[kind]
    if not isinstance(block.get(key), typ):
        raise ValueError(f"a {kind} block needs a string {key!r}: {dict(block)!r}")
    if kind == "tool_use" and not isinstance(block.get("input", {}), Mapping):
        raise ValueError(f"a tool_use block's input must be an object: {dict(block)!r}")
    return dict(block)


FaultKind = Literal["status", "stall", "malformed", "drop", "stream_error"]


@dataclass(frozen=True)
class Fault:
    """Something going wrong, on purpose, instead of (not as) a scripted turn.

    kinds: "status" — an HTTP error with the API's error body (and `retry-after`);
    "stall" — headers and message_start, then silence (non-streaming: silence);
    "malformed" — an SSE event whose data is not JSON (non-streaming: a cut JSON body);
    "drop" — the connection is cut mid-body; "stream_error" — an `error` SSE event.
    """

    kind: FaultKind
    status: int = 500
    error_type: str = "api_error"
    message: str = "Internal server error"
    retry_after: float | None = None
    stall_seconds: float | None = None

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1.0) -> Fault:
        return cls(
            "status",
            429,
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
            retry_after,
        )

    @classmethod
    def server_error(cls) -> Fault:
        return cls("status", 500, "api_error", "Internal server error")

    @classmethod
    def overloaded(cls, retry_after: float | None = None) -> Fault:
        return cls("status", 529, "overloaded_error", "Overloaded", retry_after)

    @classmethod
    def status_error(
        cls, status: int, error_type: str, message: str, retry_after: float | None = None
    ) -> Fault:
        return cls("status", status, error_type, message, retry_after)

    @classmethod
    def stalled(cls, seconds: float | None = None) -> Fault:
        """Hang until the client gives up, `seconds` pass, or the server stops."""
        return cls("stall", stall_seconds=seconds)

    @classmethod
    def malformed_event(cls) -> Fault:
        return cls("malformed")

    @classmethod
    def dropped_connection(cls) -> Fault:
        return cls("drop")

    @classmethod
    def stream_error(
        cls, error_type: str = "overloaded_error", message: str = "Overloaded"
    ) -> Fault:
        """An `event: error` after message_start, as the API sends when it fails mid-stream."""
        return cls("stream_error", 200, error_type, message)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """{"fault": "rate_limited", "retry_after": 0.1} -> Fault.rate_limited(retry_after=0.1)."""
        name = data.get("fault")
        factory = _FAULT_NAMES.get(name) if isinstance(name, str) else None
        if factory is None:
            raise ValueError(f"unknown fault {name!r}; known: {sorted(_FAULT_NAMES)}")
        kwargs = {k: v for k, v in data.items() if k != "fault"}
        try:
            inspect.signature(factory).bind(**kwargs)
        except TypeError as err:
            raise ValueError(f"fault {name!r}: {err}") from None
        result: Fault = factory(**kwargs)
        return result


_FAULT_NAMES: dict[str, Callable[..., Fault]] = {
    "rate_limited": Fault.rate_limited,
    "server_error": Fault.server_error,
    "overloaded": Fault.overloaded,
    "status_error": Fault.status_error,
    "stalled": Fault.stalled,
    "malformed_event": Fault.malformed_event,
    "dropped_connection": Fault.dropped_connection,
    "stream_error": Fault.stream_error,
}

TurnLike = Turn | Fault | str | Mapping[str, Any]
"""What a script step or a responder may give: a Turn, a Fault, a string (one text
block), or the JSON form of either."""

Responder = Callable[[dict[str, Any]], TurnLike]
"""A dynamic step: called with the request's JSON body, returns the reply."""

Step = Turn | Fault | Responder


def coerce_turn(value: TurnLike) -> Turn | Fault:
    """Read a Turn or Fault from any of the forms a script or a responder may use."""
    if isinstance(value, Turn | Fault):
        return value
    if isinstance(value, str):
        return Turn.text(value)
    if isinstance(value, Mapping):
        if "fault" in value:
            return Fault.from_json(value)
        unknown = set(value) - {"content", "stop_reason", "usage"}
        if unknown or "content" not in value:
            raise ValueError(
                f"a turn is a string, {{'content': [...], 'stop_reason'?, 'usage'?}} or "
                f"{{'fault': ...}}; got keys {sorted(value)}"
            )
        content = value["content"]
        blocks = [text_block(content)] if isinstance(content, str) else list(content)
        return Turn(blocks, value.get("stop_reason"), value.get("usage") or {})
    raise ValueError(f"cannot read a turn from {value!r}")


def _coerce_step(value: TurnLike | Responder) -> Step:
    if callable(value) and not isinstance(value, Turn | Fault):
        return value
    return coerce_turn(value)


@dataclass(frozen=True)
class Script:
    """The turns one conversation replays, in order, and how its requests are recognised.

    A script with neither `system_contains` nor `user_id` is a default: it answers
    requests no other script claims. With both, a request must match both.
    """

    steps: Sequence[Step]
    name: str = "default"
    system_contains: str | None = None
    user_id: str | None = None

    def __init__(
        self,
        turns: Iterable[TurnLike | Responder],
        *,
        name: str = "default",
        system_contains: str | None = None,
        user_id: str | None = None,
    ) -> None:
        object.__setattr__(self, "steps", tuple(_coerce_step(t) for t in turns))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "system_contains", system_contains)
        object.__setattr__(self, "user_id", user_id)

    @property
    def is_default(self) -> bool:
        return self.system_contains is None and self.user_id is None

    def matches(self, body: Mapping[str, Any]) -> bool:
        if self.is_default:
            return False
        if self.user_id is not None and request_user_id(body) != self.user_id:
            return False
        return self.system_contains is None or self.system_contains in system_text(body)


def route(scripts: Sequence[Script], body: Mapping[str, Any]) -> Script | None:
    """The first script whose matcher claims the request, else the first default."""
    for script in scripts:
        if script.matches(body):
            return script
    return next((s for s in scripts if s.is_default), None)


def system_text(body: Mapping[str, Any]) -> str:
    """The system prompt as plain text, whether sent as a string or as text blocks."""
    system = body.get("system")
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return "\n".join(b.get("text", "") for b in system if isinstance(b, Mapping))
    return ""


def request_user_id(body: Mapping[str, Any]) -> str | None:
    metadata = body.get("metadata")
    user_id = metadata.get("user_id") if isinstance(metadata, Mapping) else None
    return user_id if isinstance(user_id, str) else None


def load_scripts(data: Any) -> list[Script]:
    """Scripts from their JSON form: a list of turns (one default script), or
    {"conversations": [{"name", "system_contains"?, "user_id"?, "turns": [...]}, ...]}."""
    if isinstance(data, list):
        return [Script(data)]
    if not isinstance(data, Mapping) or not isinstance(data.get("conversations"), list):
        raise ValueError('a script file is a list of turns or {"conversations": [...]}')
    scripts = []
    for i, conv in enumerate(data["conversations"]):
        if not isinstance(conv, Mapping) or not isinstance(conv.get("turns"), list):
            raise ValueError(f"conversations[{i}] needs a list of 'turns'")
        try:
            system_contains, user_id = conv.get("system_contains"), conv.get("user_id")
            unnamed = "default" if system_contains is None and user_id is None else f"conv{i}"
            scripts.append(
                Script(
                    conv["turns"],
                    name=str(conv.get("name") or unnamed),
                    system_contains=system_contains,
                    user_id=user_id,
                )
            )
        except ValueError as err:
            raise ValueError(f"conversations[{i}]: {err}") from None
    return scripts


def load_script_file(path: str | Path) -> list[Script]:
    return load_scripts(json.loads(Path(path).read_text(encoding="utf-8")))
