"""Checkpoints of the history (`History`: every session's states over time and the
attention facts), beside the state's snapshot in the log's database: `stats`, the report
and the dashboard read the last one and fold only the records after it, so their cost
grows with what happened since, not with the months behind it.

Like the state's snapshot it is tied to a version (the state's fold version and the
source of `history.py`), is ignored when unreadable or ahead of the log, and only ever
saves time. It is written by whoever folded a long tail: the first fold of a log (a
front end that found no snapshot of this code: `fold_all`), and `stats` or the report
after 1,000 records or more.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging

import msgspec

from .. import store_snapshot
from ..store import Store
from . import history as history_mod
from .history import History

log = logging.getLogger(__name__)
EVERY = 1_000  # records folded past the last checkpoint before another is written

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(History)


@functools.cache
def version() -> str:
    digest = hashlib.sha256(store_snapshot.fold_version().encode())
    digest.update(inspect.getsource(history_mod).encode())
    return "history:" + digest.hexdigest()[:32]


def restore(store: Store) -> History:
    """The last checkpoint of this version, or an empty history."""
    h = store_snapshot.saved(store, version(), _decoder, "checkpoint of the history",
                             lambda h: h.state.last_seq)
    return h if h is not None else History()


def save(store: Store, h: History) -> None:
    store.write_snapshot(version(), h.state.last_seq, _encoder.encode(h))


def load(store: Store, *, every: int = EVERY) -> History:
    """The history now: the last checkpoint, then the records after it (a long tail is
    saved, so the next call does not fold it again)."""
    h = restore(store)
    before = h.state.last_seq
    h.feed(store.read_all(after=before))
    if h.state.last_seq - before >= every:
        save(store, h)
    return h


def fold_all(store: Store) -> None:
    """Fold the whole log once into both checkpoints, the state's and the history's
    (the first start of this code on a log: it folds everything anyway)."""
    h = History()
    h.feed(store.read_all())
    store_snapshot.save(store, h.state)
    save(store, h)
