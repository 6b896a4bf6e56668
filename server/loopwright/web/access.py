"""The page's access token: random, kept in `.loopwright/web-token` (mode 0600).

Whoever holds it can act on the loop, so it is compared in constant time, never logged,
never put in a page or in the log. `rotate` (`loopwright web revoke`) writes a new one;
a running server reads the file again when it changes, so old links stop at once.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_FILE = "web-token"
TOKEN_BYTES = 32


def token_path(dot: Path) -> Path:
    return dot / TOKEN_FILE


def read_or_create(dot: Path) -> str:
    """The token, made on first use."""
    path = token_path(dot)
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        token = ""
    return token or rotate(dot)


def rotate(dot: Path) -> str:
    """A new token in place of the old one (written whole, then renamed over it)."""
    dot.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    tmp = dot / f".{TOKEN_FILE}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    tmp.chmod(0o600)
    tmp.replace(token_path(dot))
    return token


class TokenCheck:
    """Whether a presented token is the current one; the file is read again when it
    changes (a revoke from another process)."""

    def __init__(self, dot: Path) -> None:
        self._path = token_path(dot)
        self._stamp: tuple[int, int] | None = None
        self._token = b""
        read_or_create(dot)

    def current(self) -> bytes:
        try:
            st = self._path.stat()
        except FileNotFoundError:
            self._stamp, self._token = None, b""
            return b""
        stamp = (st.st_mtime_ns, st.st_ino)
        if stamp != self._stamp:
            self._token = self._path.read_text().strip().encode()
            self._stamp = stamp
        return self._token

    def matches(self, presented: str) -> bool:
        token = self.current()
        # compare_digest on bytes of any length takes time independent of where they differ
        return bool(token) and hmac.compare_digest(token, presented.encode())


@dataclass
class BadTokens:
    """Repeated bad tokens from one client are slowed down: after `free` misses within
    `window` seconds, each further miss waits twice as long as the last (up to
    `max_delay`) and is answered 429. A good token is never slowed."""

    free: int = 5
    window: float = 600.0
    max_delay: float = 5.0
    base_delay: float = 0.25
    _misses: dict[str, list[float]] = field(default_factory=dict)

    def missed(self, client: str, now: float | None = None) -> float:
        """Record a miss; the delay to impose on its answer (0: answer at once)."""
        now = time.monotonic() if now is None else now
        recent = [t for t in self._misses.get(client, []) if now - t < self.window]
        recent.append(now)
        self._misses[client] = recent[-64:]
        if len(self._misses) > 4096:  # many clients: forget the oldest
            self._misses.pop(next(iter(self._misses)))
        over = len(recent) - self.free
        return 0.0 if over <= 0 else min(self.max_delay, self.base_delay * 2 ** (over - 1))
