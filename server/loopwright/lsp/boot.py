"""`loopwright serve` starts here: the language server loads in a thread while the first
answers (early.py) are given, then it takes over the same stream of frames.

One thread reads frames from stdin into a queue, for the first answers and then for
the server; another imports the server (pygls, lsprotocol, the manager) and puts a
mark in the same queue when it is done, so the switch falls between two frames and
nothing is read twice or lost.
"""

from __future__ import annotations

import gc
import logging
import os
import queue
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .early import FirstAnswers, Frame
from .framing import FrameReader

QUIET_SECONDS = 0.05


@dataclass(frozen=True)
class _Loaded:
    """The server's modules are imported (or failed to be: `error`)."""

    error: BaseException | None = None


def serve(default_root: Path | None = None, *, verbose: bool = False) -> int:
    """Speak LSP on stdin/stdout until the client says exit."""
    stdin, stdout = _protect_stdio()
    # Start-up allocates millions of objects (the state) and frees few: each full
    # collection meanwhile walks them all for nothing (3 of 100-400 ms at 1M events).
    # startup.py turns it back on, with what was loaded frozen.
    gc.disable()
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)  # server.run quiets pygls' own too
    inbox: queue.Queue[Frame | _Loaded] = queue.Queue()
    threading.Thread(target=_read_frames, args=(FrameReader(stdin), inbox), daemon=True,
                     name="lsp-frames").start()
    loader = threading.Thread(target=_load_server, args=(inbox,), daemon=True,
                              name="lsp-load")
    first = FirstAnswers(stdout, default_root)
    while True:
        try:  # loading takes the GIL most of the time: it starts once the first answers
            # are settled, or while the client is quiet
            item = inbox.get(timeout=QUIET_SECONDS if loader.ident is None else None)
        except queue.Empty:
            loader.start()
            continue
        if isinstance(item, _Loaded):
            break
        first.take(item)
        if first.settled and loader.ident is None:
            loader.start()
    first.close()
    if item.error is not None:
        raise item.error

    from .server import run  # imported by now

    def next_frame() -> Frame:
        got = inbox.get()
        assert not isinstance(got, _Loaded)
        return got

    return run(next_frame, stdout, first, default_root, verbose=verbose)


def _read_frames(reader: FrameReader, inbox: queue.Queue[Frame | _Loaded]) -> None:
    while True:
        frame = reader.next()
        inbox.put(frame)
        if frame is None:
            return


def _load_server(inbox: queue.Queue[Frame | _Loaded]) -> None:
    try:
        from . import server  # noqa: F401
    except BaseException as e:  # noqa: BLE001 - raised again on the main thread
        inbox.put(_Loaded(e))
        return
    inbox.put(_Loaded())


def _protect_stdio() -> tuple[BinaryIO, BinaryIO]:
    """The protocol's own handles on stdin/stdout; fds 0 and 1 become /dev/null and
    stderr, so no print and no child process can read or corrupt the protocol."""
    sys.stdout.flush()
    protocol_in = os.fdopen(os.dup(0), "rb")
    protocol_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as we do
    sys.stdout = sys.stderr
    return protocol_in, protocol_out

