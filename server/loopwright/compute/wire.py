"""The messages between the manager and its cluster driver process: length-prefixed
msgpack frames over the driver's stdin and stdout."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import msgspec

from ..config.tree import SandboxConfig

MAX_FRAME = 1 << 30  # a bundle of a large repository fits; anything larger is an error


class CheckRun(msgspec.Struct, frozen=True, tag="check_run"):
    request_id: int
    bundle: bytes
    commit: str
    commands: list[str]
    timeout: float
    sandbox: SandboxConfig
    tail_lines: int
    resources: dict[str, float]


class Ran(msgspec.Struct, frozen=True):
    command: str
    exit_code: int
    output: str
    seconds: float
    timed_out: bool
    where: str


class CheckRunDone(msgspec.Struct, frozen=True, tag="check_run_done"):
    request_id: int
    results: list[Ran]


class RequestFailed(msgspec.Struct, frozen=True, tag="request_failed"):
    request_id: int
    error: str
    lost: bool  # the cluster (or the node) went away: worth trying again


class Connected(msgspec.Struct, frozen=True, tag="connected"):
    address: str
    nodes: int
    cpus: float


class Unreachable(msgspec.Struct, frozen=True, tag="unreachable"):
    address: str
    error: str


class SessionStart(msgspec.Struct, frozen=True, tag="session_start"):
    """Run a session's worker on a node, from `commit` (its base, or its last checkpoint)
    with `resume_step` steps already done. `task`, `session` and `config` are the
    msgpack of the manager's own structures, decoded on the node."""

    session_id: str
    bundle: bytes
    commit: str
    base_commit: str
    resume_step: int
    notes: list[str]
    task: bytes
    session: bytes
    config: bytes
    checkpoint_steps: int
    resources: dict[str, float]
    env: dict[str, str]  # what the worker's agent CLI gets from `[compute] pass_keys`
    spare: bool = True  # keep an idle actor started for the next session
    # The built-in agent: its loop runs on the manager's machine, and the node only
    # carries out its tool calls (`node_tools`), so no key ever travels.
    serve_tools: bool = False


class SpareWarm(msgspec.Struct, frozen=True, tag="spare_warm"):
    """The target's head moved to `commit`: check it out in the spare session actor of
    these `resources` (and each new one) ahead, so a session starting there starts at
    once, and its bundle need not travel again."""

    resources: dict[str, float]
    commit: str
    bundle: bytes


class SessionCall(msgspec.Struct, frozen=True, tag="session_call"):
    """The worker on the node asks the manager something (its context's methods)."""

    session_id: str
    call_id: int
    method: str  # act, progress, command, ask, checkpoint, placed, tool
    args: dict[str, Any]


class SessionReply(msgspec.Struct, frozen=True, tag="session_reply"):
    session_id: str
    call_id: int
    value: Any


class SessionEnded(msgspec.Struct, frozen=True, tag="session_ended"):
    """The worker returned: finished with a summary (and its commit in `bundle`), or
    failed with a reason."""

    session_id: str
    finished: bool
    text: str  # the summary, or the reason it failed
    bundle: bytes
    commit: str


class SessionLost(msgspec.Struct, frozen=True, tag="session_lost"):
    """The session's actor is gone (its node died, or the cluster): start it again."""

    session_id: str
    error: str


ToDriver = CheckRun | SessionStart | SessionReply | SpareWarm
FromDriver = (CheckRunDone | RequestFailed | Connected | Unreachable | SessionCall
              | SessionEnded | SessionLost)

_encoder = msgspec.msgpack.Encoder()
_to_driver = msgspec.msgpack.Decoder(ToDriver)
_from_driver = msgspec.msgpack.Decoder(FromDriver)


def frame(message: ToDriver | FromDriver) -> bytes:
    body = _encoder.encode(message)
    return struct.pack(">I", len(body)) + body


async def _read_frame(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readexactly(4)
    except asyncio.IncompleteReadError:
        return None
    (size,) = struct.unpack(">I", head)
    if size > MAX_FRAME:
        raise ValueError(f"a frame of {size} bytes is over the limit of {MAX_FRAME}")
    return await reader.readexactly(size)


async def read_to_driver(reader: asyncio.StreamReader) -> ToDriver | None:
    body = await _read_frame(reader)
    return None if body is None else _to_driver.decode(body)


async def read_from_driver(reader: asyncio.StreamReader) -> FromDriver | None:
    body = await _read_frame(reader)
    return None if body is None else _from_driver.decode(body)
