"""The messages between the manager and its cluster driver process: length-prefixed
msgpack frames over the driver's stdin and stdout."""

from __future__ import annotations

import asyncio
import struct

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


ToDriver = CheckRun
FromDriver = CheckRunDone | RequestFailed | Connected | Unreachable

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
