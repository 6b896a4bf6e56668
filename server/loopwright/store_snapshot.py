"""Checkpoints of the fold, in the log's own database: a start reads the last snapshot
and folds only the records after it, however long the history.

A snapshot is the whole `State` as msgspec encodes it (whatever fields the state holds
today), with its history part encoded apart (`state_parts.split`: what ended a day
before the last record), so a front end that shows only what is current decodes the
live part alone (`history=False`); the sequence number it was folded up to; and a
version: a hash of the source of every module that defines the state's types, folds
events into it or splits it, and of the events themselves. Code that folds differently
has another version, so its start ignores an old snapshot and folds the log from the
beginning (then writes its own).
A snapshot that cannot be read, or that is ahead of the log, is ignored the same way:
a snapshot only ever saves time, it never decides what the state is.

The manager writes one every `EVERY` records it applies (`Checkpoints`, off its event
loop); a front end that had to fold a long tail writes one too, so the next start is
short even when no manager runs.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import logging
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

import msgspec

from . import __version__, state_parts
from . import state as state_mod
from .state import State, apply, park, unpark
from .store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
EVERY = 5_000  # records folded past the last snapshot before another is written
READ_CHUNK = 10_000  # records decoded at once while folding a tail: memory stays flat

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(State)


@functools.cache
def fold_version() -> str:
    """A hash of the state's definition and of the fold: the sources of the modules that
    define a type the state holds, or a function that applies events to it."""
    modules = {"loopwright.events", state_mod.__name__, state_parts.__name__, __name__,
               __version__, msgspec.__version__}
    modules |= {_module_of(f) for f in state_mod._APPLY.values()}
    modules |= {cls.__module__ for cls in _struct_types(State)}
    digest = hashlib.sha256()
    for name in sorted(modules):
        digest.update(name.encode())
        module = sys.modules.get(name)
        if module is not None:
            # no source (a frozen build): the name only
            with contextlib.suppress(OSError, TypeError):
                digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:32]


def _module_of(func: object) -> str:
    """The module of an apply function, or of the part a wrapper calls (`_and_session`)."""
    for cell in getattr(func, "__closure__", None) or ():
        if callable(cell.cell_contents):
            return _module_of(cell.cell_contents)
    return str(getattr(func, "__module__", ""))


def _struct_types(root: type) -> Iterator[type]:
    """Every Struct type reachable from `root`'s fields."""
    seen: set[type] = set()

    def walk(info: msgspec.inspect.Type) -> Iterator[type]:
        if isinstance(info, msgspec.inspect.StructType):
            if info.cls in seen:
                return
            seen.add(info.cls)
            yield info.cls
            for f in info.fields:
                yield from walk(f.type)
        for attr in ("item_type", "key_type", "value_type"):
            if (inner := getattr(info, attr, None)) is not None:
                yield from walk(inner)
        for inner in getattr(info, "item_types", ()) or getattr(info, "types", ()):
            yield from walk(inner)

    yield from walk(msgspec.inspect.type_info(root))


def encode(state: State) -> bytes:
    return _encoder.encode(state_parts.split(state))


def restore(store: Store, *, history: bool = True) -> State:
    """The last snapshot of this version, or an empty state (nothing usable saved).
    `history=False`: its history part stays encoded until something reaches it."""
    state = saved(store, fold_version(), _decoder, "snapshot of the state",
                  lambda state: state.last_seq)
    if state is None:
        return State()
    return unpark(state) if history else state


def saved(store: Store, version: str, decoder: msgspec.msgpack.Decoder[T], what: str,
             seq_of: Callable[[T], int]) -> T | None:
    """The checkpoint `version` saved in `store`, decoded, or None when there is none
    this log can use: ahead of the log (not this log's), unreadable, or not saved at
    the seq it claims."""
    found = store.read_snapshot(version)
    if found is None:
        return None
    seq, body = found
    if seq > store.last_seq():
        return None
    try:
        value = decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        log.warning("ignoring an unreadable %s: %s", what, e)
        return None
    return value if seq_of(value) == seq else None


def catch_up(store: Store, state: State) -> int:
    """Fold into `state` every record after its `last_seq`, a chunk at a time; the
    number of records folded."""
    folded = 0
    while batch := store.read_after(state.last_seq, limit=READ_CHUNK):
        for record in batch:
            apply(state, record)
        folded += len(batch)
    return folded


def load(store: Store, *, every: int = EVERY, history: bool = True) -> State:
    """The state now: the last snapshot, then the records after it. A long tail is
    saved as a new snapshot, so the next start does not fold it again. `history=False`:
    what a front end that shows the current state needs (the history part is decoded
    only if a record of the tail reaches it, or the caller `unpark`s it)."""
    state = restore(store, history=history)
    if catch_up(store, state) >= every:
        save(store, state)
    return state


def save(store: Store, state: State) -> None:
    store.write_snapshot(fold_version(), state.last_seq, encode(state))


class Checkpoints:
    """The manager's side: after each batch it folded, say whether a snapshot is due
    (every `every` records); the caller encodes it on its loop (the state is its own)
    and writes it off the loop. What the snapshot parks, the caller's state parks too
    (`state.park`): a manager that runs for months holds the live part only."""

    def __init__(self, saved_seq: int, every: int = EVERY) -> None:
        self.saved_seq, self.every = saved_seq, every

    def due(self, state: State) -> bytes | None:
        """The encoded state when a snapshot is due, else None."""
        if state.last_seq - self.saved_seq < self.every:
            return None
        self.saved_seq = state.last_seq
        parted = state_parts.split(state)
        park(state, parted)
        return _encoder.encode(parted)
