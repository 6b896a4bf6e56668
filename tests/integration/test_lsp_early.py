"""The first answers (lsp/early.py) say what the loaded server would say, and leave to
it everything they do not answer, in order."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from helpers.loop import init
from loopwright import store_snapshot
from loopwright.lsp import wire
from loopwright.lsp.early import FirstAnswers
from loopwright.lsp.framing import BadFrame
from loopwright.lsp.generate import capabilities_module, server_answer
from loopwright.store import Store


class Sink:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)

    def flush(self) -> None:
        pass

    def messages(self) -> list[dict[str, Any]]:
        out, rest = [], self.data
        while rest:
            header, _, rest = rest.partition(b"\r\n\r\n")
            length = int(header.split(b"\r\n")[0].split(b":")[1])
            out.append(json.loads(rest[:length]))
            rest = rest[length:]
        return out


def message(**fields: Any) -> bytes:
    return json.dumps({"jsonrpc": "2.0", **fields}).encode()


def initialize(root: Path, capabilities: dict[str, Any] | None = None) -> bytes:
    return message(id=1, method="initialize", params={
        "processId": None, "rootUri": root.as_uri(), "capabilities": capabilities or {}})


@pytest.mark.parametrize("encodings", [None, [], ["utf-8"], ["utf-32", "utf-16"],
                                       ["latin-1", "utf-32"], ["latin-1"]])
def test_initialize_is_answered_as_the_loaded_server_answers_it(
        encodings: list[str] | None, tmp_path: Path) -> None:
    capabilities: dict[str, Any] = {"window": {"workDoneProgress": True}}
    if encodings is not None:
        capabilities["general"] = {"positionEncodings": encodings}
    out = Sink()
    first = FirstAnswers(out, None)  # type: ignore[arg-type]
    first.take(initialize(tmp_path, capabilities))
    params = {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": capabilities}
    assert out.messages() == [{"jsonrpc": "2.0", "id": 1,
                               "result": server_answer(params)["result"]}]
    assert first.answered == {1: server_answer(params)["result"]}


def test_the_capabilities_sent_first_are_current() -> None:
    path = Path(__file__).parents[2] / "server" / "loopwright" / "lsp" / "capabilities.py"
    assert path.read_text(encoding="utf-8") == capabilities_module(), (
        f"{path} is stale: run 'make docs'")


def test_a_folder_that_is_not_a_repository_is_left_to_the_server(tmp_path: Path) -> None:
    out = Sink()
    first = FirstAnswers(out, None)  # type: ignore[arg-type]
    frames = [initialize(tmp_path), message(method="initialized", params={}),
              message(id=2, method="loopwright/state", params={})]
    for frame in frames:
        first.take(frame)
    assert [m.get("id") for m in out.messages()] == [1]  # no ready, no state
    assert first.opened is None and first.settled
    assert first.replay == frames


def test_after_a_frame_it_does_not_answer_it_answers_nothing(tmp_path: Path) -> None:
    out = Sink()
    first = FirstAnswers(out, None)  # type: ignore[arg-type]
    frames = [message(id=1, method="initialize", params={"capabilities": {}}),  # no processId
              initialize(tmp_path), BadFrame("no"), b"{", None]
    for frame in frames:
        first.take(frame)
    assert out.data == b""
    assert first.replay == frames and first.answered == {}


def opened_on(repo: Path) -> tuple[FirstAnswers, Sink]:
    out = Sink()
    first = FirstAnswers(out, None, clock=lambda: 5000.0)  # type: ignore[arg-type]
    first.take(initialize(repo))
    first.take(message(method="initialized", params={}))
    return first, out


def test_a_set_up_repository_is_announced_and_its_state_answered(repo: Path) -> None:
    project = init(repo)
    first, out = opened_on(repo)
    first.take(message(id=2, method="loopwright/state", params={}))
    store = Store(project.db_path)
    expected = wire.state_result(store_snapshot.load(store, history=False), root=str(repo),
                                 hosted=True, pid=os.getpid(), now=5000.0)
    store.close()
    _, ready, state = out.messages()
    assert ready == {"jsonrpc": "2.0", "method": "$/loopwright/ready", "params": {
        "root": str(repo), "ok": True, "problem": "", "hosted": True}}
    assert state == {"jsonrpc": "2.0", "id": 2, "result": wire.to_json(expected)}
    assert first.settled and first.opened is not None
    first.close()


def test_a_request_it_does_not_answer_holds_back_every_later_one(repo: Path) -> None:
    init(repo)
    first, out = opened_on(repo)
    later = [message(id=2, method="loopwright/dispatch", params={"title": "x", "body": ""}),
             message(id=3, method="loopwright/state", params={})]
    for frame in later:
        first.take(frame)
    assert [m.get("id", m.get("method")) for m in out.messages()] == [
        1, "$/loopwright/ready"]
    assert first.replay[-2:] == later and first.settled
    first.close()


def test_a_state_it_cannot_read_is_left_to_the_server(repo: Path) -> None:
    project = init(repo)
    first, out = opened_on(repo)
    with sqlite3.connect(project.db_path) as db:  # the log is gone from under it
        db.execute("DROP TABLE events")
    state = message(id=2, method="loopwright/state", params={})
    first.take(state)
    assert [m.get("id", m.get("method")) for m in out.messages()] == [
        1, "$/loopwright/ready"]
    assert first.replay[-1] == state and first.opened is None and first.settled
