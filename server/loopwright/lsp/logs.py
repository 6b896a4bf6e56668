"""Python logging forwarded to the client as `window/logMessage`.

stdout is the protocol, so nothing may be printed; every log record goes to the client
instead. pygls logs each message it sends at INFO, and forwarding that would send
another message, so pygls records below WARNING are dropped, and a record logged while
one is being forwarded is never forwarded again. Records from other threads (git work
runs in threads) are handed to the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from lsprotocol import types
from pygls.exceptions import JsonRpcException

_LEVELS = (
    (logging.ERROR, types.MessageType.Error),
    (logging.WARNING, types.MessageType.Warning),
    (logging.INFO, types.MessageType.Info),
)

Send = Callable[[types.LogMessageParams], None]


class ClientLogHandler(logging.Handler):
    def __init__(self, send: Send, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._send, self._loop = send, loop
        self._busy = threading.local()
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.addFilter(quiet_pygls)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "on", False):
            return
        try:
            params = types.LogMessageParams(type=_type(record.levelno),
                                            message=self.format(record))
        except Exception:  # noqa: BLE001 - a bad log call must never break the server
            self.handleError(record)
            return
        if threading.current_thread() is threading.main_thread():
            self._forward(params)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._forward, params)

    def _forward(self, params: types.LogMessageParams) -> None:
        self._busy.on = True
        try:
            self._send(params)
        except Exception:  # noqa: BLE001 - the client is gone; nowhere to say so
            pass
        finally:
            self._busy.on = False


def quiet_pygls(record: logging.LogRecord) -> bool:
    if not record.name.startswith("pygls"):
        return True
    if record.levelno < logging.WARNING:
        return False
    # A refused request is answered with its error; its traceback is not news.
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, JsonRpcException)


def _type(level: int) -> types.MessageType:
    for threshold, kind in _LEVELS:
        if level >= threshold:
            return kind
    return types.MessageType.Log


def install(send: Send, loop: asyncio.AbstractEventLoop, *, verbose: bool) -> ClientLogHandler:
    """Forward `loopwright` logs (INFO, or DEBUG when verbose) and pygls warnings."""
    handler = ClientLogHandler(send, loop)
    root = logging.getLogger()
    root.addHandler(handler)
    logging.getLogger("loopwright").setLevel(logging.DEBUG if verbose else logging.INFO)
    return handler
