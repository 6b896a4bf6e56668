"""The first answers, given while the language server is still loading.

Importing pygls and lsprotocol costs 0.6-0.9 s of CPU (attrs compiles some 2,500 methods
at import), and a hosted manager's start decodes the whole state (half a second at 1M
events). The editor waits for neither: while boot.py loads the server in a thread, this
answers `initialize` (the result the server would give, capabilities.py), opens the
repository on `initialized` as the server will (the snapshot's live part, as live.py
reads it), announces `$/loopwright/ready` and answers `loopwright/state`.

Everything else goes to the server once it is loaded, in the order it came (`replay`),
`initialize` and `initialized` included (its own answer to `initialize` is compared
with the one sent and not sent again, jsonrpc.py). After the first request this does
not answer, it answers nothing more, so no answer overtakes one the server owes; a
frame that is not plain, valid JSON-RPC is the server's to refuse. When anything on the
way to opening the repository fails (not a repository, not set up, a bad configuration,
no commit yet), nothing is announced and the server says why, as it always did.

Nothing here imports pygls, lsprotocol, the manager or git.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from .. import store_snapshot
from ..backends import load as load_config
from ..config import ConfigError
from ..manager.lock import holder_pid
from ..project import NotARepository, Project
from ..state import State, apply
from ..store import Store, StoreError
from . import wire
from .capabilities import INITIALIZE_RESULT
from .framing import BadFrame
from .root import opened_root

log = logging.getLogger(__name__)
READY = "$/loopwright/ready"  # startup is over (startup.py sends it when this did not)
STATE = "loopwright/state"
ENCODINGS = ("utf-8", "utf-16", "utf-32")  # pygls' choice: the client's first it knows
Frame = bytes | BadFrame | None


@dataclass
class Opened:
    """The repository as the first answers opened it; the server carries on from here
    (the same state object, so its first delta follows on from the last state sent)."""

    project: Project
    state: State
    hosted: bool  # as announced: no manager held the lock, so this server will host one
    pid: int | None


class FirstAnswers:
    def __init__(self, out: BinaryIO, default_root: Path | None, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._out, self._default_root, self._clock = out, default_root, clock
        self.replay: list[Frame] = []  # for the server, in order
        self.answered: dict[int | str, Any] = {}  # request id -> the result sent
        self.opened: Opened | None = None
        self._store: Store | None = None
        self._initialize: dict[str, Any] | None = None
        self._deferring = False
        self._open_tried = False  # `initialized` came: the repository was opened, or tried
        self._opening_done = False  # tried, and either left to the server or answered

    @property
    def settled(self) -> bool:
        """Nothing more to do before the server loads: the state was sent (or opening
        the repository is the server's), or the first answers are over."""
        return self._opening_done or self._deferring

    def take(self, frame: Frame) -> None:
        """Answer `frame` now if it is one of the first answers, else keep it."""
        message = None if self._deferring else _message(frame)
        if message is None:
            self._defer(frame)
            return
        method, msg_id = message.get("method"), message.get("id")
        params = message.get("params")
        if "id" not in message:  # a notification: no answer to overtake
            self.replay.append(frame)
            if method == "initialized" and self._initialize is not None and not self._open_tried:
                self._open_tried = True
                try:
                    self._open()
                except Exception:  # a bug here must not end the server: it opens it
                    log.exception("the first answers could not open the repository")
                    self._forget()
                self._opening_done = self.opened is None
            elif method == "exit":
                self._deferring = True
            return
        assert isinstance(msg_id, int | str)
        if method == "initialize" and self._initialize is None and _fits_initialize(params):
            assert isinstance(params, dict)
            self._initialize = params
            self._answer(msg_id, _initialize_result(params["capabilities"]))
            self.replay.append(frame)
        elif method == STATE and self.opened is not None and params in (None, {}, []):
            try:
                result = self._state_result()
            except Exception:  # the server answers it, and everything after it
                log.exception("the first answers could not read the state")
                self._forget()
                self._defer(frame)
                return
            self._answer(msg_id, result)
            self._opening_done = True
        else:
            self._defer(frame)

    def close(self) -> None:
        """The server takes over: it reads the log with its own connection."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def _forget(self) -> None:
        """Leave the repository to the server: it opens it afresh and says what is wrong
        (a `$/loopwright/ready` sent already is sent again by it)."""
        self.close()
        self.opened = None

    # --- helpers -------------------------------------------------------------------

    def _defer(self, frame: Frame) -> None:
        self._deferring = True
        self.replay.append(frame)

    def _open(self) -> None:
        assert self._initialize is not None
        params = self._initialize
        folders = [f["uri"] for f in params.get("workspaceFolders") or []]
        root = opened_root(folders, params.get("rootUri"), self._default_root)
        try:
            project = Project.find(root)
            if not project.dot.exists():
                return  # the server offers to set it up
            load_config(project.config_path)  # a bad one: the server says so
            store = Store(project.db_path)
        except (NotARepository, ConfigError, StoreError, OSError) as e:
            log.debug("left opening %s to the server: %s", root, e)
            return
        try:
            pid = holder_pid(project.lock_path)
            if not pid and not _has_commits(project.root):
                store.close()
                return  # the server attaches without a manager and says why
            state = store_snapshot.load(store, history=False)
        except (StoreError, OSError) as e:
            store.close()
            log.debug("left opening %s to the server: %s", root, e)
            return
        hosted = not pid
        self._store = store
        self.opened = Opened(project, state, hosted, os.getpid() if hosted else pid)
        self._notify(READY, wire.Ready(root=str(project.root), ok=True, problem="",
                                       hosted=hosted))

    def _state_result(self) -> object:
        opened, store = self.opened, self._store
        assert opened is not None and store is not None
        for record in store.read_after(opened.state.last_seq):
            apply(opened.state, record)
        return wire.state_result(opened.state, root=str(opened.project.root),
                                 hosted=opened.hosted, pid=opened.pid, now=self._clock())

    def _answer(self, msg_id: int | str, result: object) -> None:
        plain = msgspec.to_builtins(result)
        self.answered[msg_id] = plain
        self._write({"jsonrpc": "2.0", "id": msg_id, "result": plain})

    def _notify(self, method: str, params: object) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def _write(self, message: dict[str, Any]) -> None:
        body = msgspec.json.encode(message)
        self._out.write(f"Content-Length: {len(body)}\r\nContent-Type: "
                        "application/vscode-jsonrpc; charset=utf-8\r\n\r\n".encode()
                        + body)
        self._out.flush()


def _message(frame: Frame) -> dict[str, Any] | None:
    """The frame as a JSON-RPC 2.0 message that needs no checking, or None."""
    if not isinstance(frame, bytes):
        return None
    try:
        data = json.loads(frame)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
        return None
    if not isinstance(data.get("method"), str) or "error" in data or "result" in data:
        return None
    msg_id = data.get("id")
    if "id" in data and not (isinstance(msg_id, str) or (isinstance(msg_id, int)
                                                          and not isinstance(msg_id, bool))):
        return None
    return data


def _fits_initialize(params: Any) -> bool:
    """Params the server's initialize would take as they are: anything odder is its
    to answer (or refuse)."""
    if not isinstance(params, dict) or not isinstance(params.get("capabilities"), dict):
        return False
    process_id = params.get("processId", 0)
    folders = params.get("workspaceFolders")
    root_uri = params.get("rootUri")
    general = params["capabilities"].get("general", {})
    encodings = general.get("positionEncodings", []) if isinstance(general, dict) else 0
    return ("processId" in params
            and (process_id is None or type(process_id) is int)
            and (root_uri is None or isinstance(root_uri, str))
            and (folders is None or (isinstance(folders, list) and all(
                isinstance(f, dict) and isinstance(f.get("uri"), str)
                and isinstance(f.get("name"), str) for f in folders)))
            and isinstance(encodings, list | None)
            and all(isinstance(e, str) for e in encodings or []))


def _initialize_result(capabilities: dict[str, Any]) -> dict[str, Any]:
    general = capabilities.get("general") or {}
    encoding = next((e for e in general.get("positionEncodings") or [] if e in ENCODINGS),
                    "utf-16")
    result = json.loads(json.dumps(INITIALIZE_RESULT))  # a copy: it is changed below
    result["capabilities"]["positionEncoding"] = encoding
    return dict(result)


def _has_commits(root: Path) -> bool:
    """As workspace.repo.has_commits, without loading GitPython; an error is False (the
    server then finds out what it is)."""
    proc = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet",
                           "HEAD^{commit}"], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return proc.returncode == 0

