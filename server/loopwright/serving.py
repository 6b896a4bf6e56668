"""The project's one HTTP layer: an ASGI app (Starlette) served by uvicorn in a thread.

The webhook receiver and the web page both run through `HttpServer`. The socket is bound
before the thread starts, so a taken port or a bad address fails at once, in the caller,
and port 0 gives a real port to read back. The server's event loop is its own thread's:
an app talks to the manager only through the log (or a thread-safe callback).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any

import uvicorn

log = logging.getLogger(__name__)


class ServingError(Exception):
    """The server could not start; the message says why, for the user."""


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_address(text: str, *, option: str) -> Address:
    """`PORT`, `HOST:PORT` or `[IPv6]:PORT`; the host defaults to 127.0.0.1."""
    host, sep, port = text.strip().rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text.strip()
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ServingError(f"{option} {text!r}: give PORT or HOST:PORT (like 127.0.0.1:8787)")
    return Address(host, int(port))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpServer:
    """A socket bound at once; `start(app)` serves it in a daemon thread until `stop()`."""

    def __init__(self, address: Address, *, name: str, ssl_certfile: str = "",
                 ssl_keyfile: str = "") -> None:
        family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address.host, address.port))
            sock.listen(128)
        except OSError as e:
            sock.close()
            raise ServingError(f"cannot listen on {address}: {e}") from e
        sock.set_inheritable(True)
        self._sock, self.name = sock, name
        self._tls = (ssl_certfile, ssl_keyfile)
        self.tls = bool(ssl_certfile)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._sock.getsockname()[0])

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    @property
    def address(self) -> Address:
        return Address(self.host, self.port)

    def start(self, app: Any) -> None:
        """Serve `app`; returns once its lifespan has started (or failed to)."""
        certfile, keyfile = self._tls
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="on",
            timeout_graceful_shutdown=1, ws="none",
            ssl_certfile=certfile or None, ssl_keyfile=keyfile or None,
        )
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, args=([self._sock],),
                                        daemon=True, name=f"loopwright-{self.name}")
        self._thread.start()
        while not server.started and self._thread.is_alive():
            self._thread.join(timeout=0.01)
        if not server.started:
            raise ServingError(f"the {self.name} server did not start (see the log)")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._sock.close()
