"""Signed callbacks: an action button carries one item, one answer, and an HMAC of both.

The key is 32 random bytes in `.loopwright/push.key`, created mode 0600 on first use and
never sent anywhere. A callback is `<payload>.<mac>`, both base64url: the payload names
the notification, what it acts on (a decision, or a session's review at one commit), the
answer and the log position it was raised at. Anyone can read a payload; without the key
nobody can make one, or change its answer. Whether it still applies (the item is open,
the review is the same round) is the state's to say, not the signature's: the callback
is void once the item is answered anywhere.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import msgspec

KEY_BYTES = 32
MAX_TOKEN = 4096  # a longer callback is refused unread


class Act(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """What one action button does, as signed."""

    notification_id: str
    kind: str  # the notification's kind: needs_decision, needs_review, wasting_time
    ref: str  # a decision id, or a session id for a review
    answer: str  # a decision's option, or "approve"
    round: str = ""  # a review: the head commit it was raised for
    seq: int = 0  # the record that raised it: who answered first is read after it


class BadCallback(Exception):
    """Not a callback this repository signed (forged, altered, or cut short)."""


def load_key(path: Path) -> bytes:
    """The repository's push key, made (mode 0600, never replaced) on first use."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise ValueError(f"{path} is not a push key ({len(key)} bytes, not "
                             f"{KEY_BYTES}); remove it and a new one is made") from None
        return key
    key = secrets.token_bytes(KEY_BYTES)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


class Signer:
    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def at(cls, path: Path) -> Signer:
        return cls(load_key(path))

    def sign(self, act: Act) -> str:
        payload = msgspec.msgpack.encode(act)
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def verify(self, token: str) -> Act:
        if len(token) > MAX_TOKEN or token.count(".") != 1:
            raise BadCallback("not a callback")
        head, mac = token.split(".")
        try:
            payload, given = _unb64(head), _unb64(mac)
        except (binascii.Error, ValueError):
            raise BadCallback("not a callback") from None
        if not hmac.compare_digest(self._mac(payload), given):
            raise BadCallback("the signature does not match")
        try:
            return msgspec.msgpack.decode(payload, type=Act)
        except msgspec.DecodeError:  # signed by us, so only a change of format gets here
            raise BadCallback("a callback of another version") from None

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
