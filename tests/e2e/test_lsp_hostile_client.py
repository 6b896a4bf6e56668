"""The language server against a client that plays the attacker: a real `loopwright
serve` hosting a real manager, fed raw bytes over stdio. A bad frame costs that frame
only; every request with an id gets exactly one answer; the server stays up."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from test_lsp_server import set_up

from helpers.git import MakeRepo
from helpers.lsp_raw import RawServer, frame
from loopwright.lsp.framing import MAX_BODY_BYTES

pytestmark = pytest.mark.slow

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602


@contextmanager
def server_on(root: Path) -> Iterator[RawServer]:
    set_up(root)
    server = RawServer(root)
    try:
        server.initialize(root)
        state = server.request("ready", "loopwright/state", {})
        assert state["result"]["hostedManager"] is True, state
        yield server
    finally:
        server.stop()


def hosts_its_manager(server: RawServer, msg_id: str) -> bool:
    result = server.request(msg_id, "loopwright/state", {})["result"]
    return bool(result["hostedManager"]) and result["managerPid"] == server.proc.pid


@pytest.mark.parametrize("length", [b"18446744073709551616", b"1000000000000",
                                    str(MAX_BODY_BYTES + 1).encode()])
def test_a_content_length_over_the_limit_is_refused_and_the_server_keeps_serving(
        make_repo: MakeRepo, length: bytes) -> None:
    with server_on(make_repo({"a.txt": "a\n"})) as server:
        server.send(b"Content-Length: " + length + b"\r\n\r\n")
        reply = server.request(1, "loopwright/state", {})
        assert reply["result"]["running"] == 0
        assert server.unidentified[0]["error"]["code"] == INVALID_REQUEST
        assert "over the limit" in server.unidentified[0]["error"]["message"]
        assert hosts_its_manager(server, "after")


def test_a_refused_frame_whose_body_was_sent_costs_that_frame_only(
        make_repo: MakeRepo) -> None:
    with server_on(make_repo({"a.txt": "a\n"})) as server:
        junk = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "loopwright/state"})
        server.send(b"Content-Length: 99999999999999\r\n\r\n" + junk.encode()
                    + frame({"jsonrpc": "2.0", "id": 8, "method": "loopwright/state"}))
        assert "result" in server.answer(8)
        assert server.answers_to([7]) == {7: 0}
        assert server.alive


def test_a_body_that_is_not_json_gets_a_parse_error(make_repo: MakeRepo) -> None:
    with server_on(make_repo({"a.txt": "a\n"})) as server:
        server.send(frame(b'{"jsonrpc": "2.0", "id": 1, "method": '))
        server.send(frame(b"\xff\xfe\x00garbage"))
        assert "result" in server.request(2, "loopwright/state", {})
        assert [m["error"]["code"] for m in server.unidentified] == [PARSE_ERROR] * 2


BAD_PARAMS = [
    ("textDocument/codeLens", None),
    ("textDocument/codeLens", []),
    ("textDocument/codeLens", {"textDocument": 5}),
    ("workspace/executeCommand", False),
    ("workspace/executeCommand", {"command": ["loopwright.state"]}),
    ("workspace/executeCommand", {"command": "loopwright.approve", "arguments": [7]}),
    ("loopwright/approve", None),
    ("loopwright/approve", {"session": 5}),
    ("loopwright/kill", [1, 2]),
    ("loopwright/hunk", {"session": "x", "hunk": "y", "verdict": "maybe"}),
    ("loopwright/dispatch", {"title": False}),
    ("loopwright/dispatch", "Fix it"),
]


def test_a_request_whose_params_do_not_fit_is_answered_invalid_params(
        make_repo: MakeRepo) -> None:
    with server_on(make_repo({"a.txt": "a\n"})) as server:
        for n, (method, params) in enumerate(BAD_PARAMS):
            error = server.request(n, method, params).get("error", {})
            assert error.get("code") == INVALID_PARAMS, (method, params, error)
            assert "loopwright" in error["message"] or "@ $.params" in error["message"]
        assert hosts_its_manager(server, "after")


def test_messages_that_are_not_json_rpc_requests_are_answered_invalid_request(
        make_repo: MakeRepo) -> None:
    with server_on(make_repo({"a.txt": "a\n"})) as server:
        server.send(frame([{"jsonrpc": "2.0", "id": 1, "method": "loopwright/state"}]))
        server.send(frame({"jsonrpc": "2.0", "id": 1.5, "method": "loopwright/state"}))
        server.send(frame({"jsonrpc": "2.0", "id": None, "method": "loopwright/state"}))
        server.send(frame({"jsonrpc": "1.0", "id": 3, "method": "loopwright/state"}))
        server.send(frame({"jsonrpc": "2.0", "id": 4, "method": 17}))
        assert server.answer(3)["error"]["code"] == INVALID_REQUEST
        assert server.answer(4)["error"]["code"] == INVALID_REQUEST
        assert "result" in server.request(5, "loopwright/state", {})
        assert [m["error"]["code"] for m in server.unidentified] == [INVALID_REQUEST] * 3


def test_a_lua_client_may_send_empty_params_as_an_empty_array(make_repo: MakeRepo) -> None:
    with server_on(make_repo({"a.txt": "a\n"})) as server:
        assert server.request(1, "loopwright/state", [])["result"]["hostedManager"]
        assert "<html" in server.request(2, "loopwright/dashboard", [])["result"]["html"]
        reply = server.request(3, "workspace/executeCommand",
                               {"command": "loopwright.state", "arguments": [[]]})
        assert reply["result"]["running"] == 0
        missing = server.request(4, "loopwright/approve", [])["error"]
        assert missing["code"] == INVALID_PARAMS and "`session`" in missing["message"]


def test_a_lua_client_may_send_empty_params_to_standard_methods_too(
        make_repo: MakeRepo) -> None:
    root = make_repo({"a.txt": "a\n"})
    set_up(root)
    server = RawServer(root)
    try:
        uri = root.as_uri()
        assert "result" in server.request("init", "initialize", {
            "processId": None, "rootUri": uri, "capabilities": {},
            "workspaceFolders": [{"uri": uri, "name": root.name}]})
        server.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": []}))
        state = server.request(1, "loopwright/state", [])
        assert state["result"]["hostedManager"] is True, state
        assert "result" in server.request("bye", "shutdown", [])
    finally:
        server.stop()


def test_a_request_after_shutdown_is_answered_not_dropped(make_repo: MakeRepo) -> None:
    with server_on(make_repo({"a.txt": "a\n"})) as server:
        assert server.request(1, "shutdown", None)["result"] is None
        reply = server.request(2, "loopwright/state", {})
        assert reply["error"]["code"] == INVALID_REQUEST


# --- bounded fuzzing -----------------------------------------------------------------

FUZZ_FRAMES, FUZZ_SEED = 10_000, 20261201
METHODS = ["loopwright/state", "loopwright/dispatch", "loopwright/answer",
           "loopwright/approve", "loopwright/requestChanges", "loopwright/reject",
           "loopwright/kill", "loopwright/retry", "loopwright/hunk", "loopwright/review",
           "loopwright/reviewDocument", "loopwright/dashboard", "textDocument/codeLens",
           "workspace/executeCommand", "textDocument/hover", "loopwright/nope",
           "$/cancelRequest", "textDocument/didOpen", "workspace/didChangeConfiguration"]
FIELDS = ["session", "decision", "answer", "note", "why", "reason", "hunk", "verdict",
          "comment", "uri", "title", "body", "labels", "priority", "context", "command",
          "arguments", "textDocument", "id", "position"]
ATOMS: list[Any] = [None, True, False, 0, -1, 2**63, 1.5, "", "s-nope", "accept",
                    "loopwright.state", "loopwright-review:/s-1/head/a.txt",
                    "file:///nowhere", "\u2603" * 3, [], {}, [1, "x"], {"uri": 5}]


def fuzz_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 2 and roll < 0.15:
        return [fuzz_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 2 and roll < 0.3:
        return fuzz_params(rng, depth + 1)
    return rng.choice(ATOMS)


def fuzz_params(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    return {rng.choice(FIELDS): fuzz_value(rng, depth) for _ in range(rng.randint(0, 4))}


def fuzz_message(rng: random.Random, method: str) -> Any:
    params = rng.choice([None, [], {}, False, 0, "x", [{}]] + [fuzz_params(rng)] * 6)
    if method == "loopwright/dispatch" and isinstance(params, dict) and isinstance(
            params.get("title"), str):
        params["title"] = 0  # a well-formed dispatch would start real sessions
    return params


def fuzz_frames(rng: random.Random, count: int) -> Iterator[tuple[bytes, Any]]:
    """`count` frames and, for each, the id that must be answered (None: no answer is
    owed, or it is owed to `"id": null`)."""
    for n in range(count):
        method = rng.choice(METHODS)
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method,
                                   "params": fuzz_message(rng, method)}
        roll = rng.random()
        if roll < 0.6:
            message["id"] = n if rng.random() < 0.5 else f"f-{n}"
            yield frame(message), message["id"]
        elif roll < 0.75:
            yield frame(message), None  # a notification
        elif roll < 0.8:
            message["id"] = rng.choice([1.5, True, None, [n], {"n": n}])
            yield frame(message), None
        elif roll < 0.85:
            message["id"], message["jsonrpc"] = n, rng.choice(["1.0", None, 2])
            yield frame(message), n
        elif roll < 0.9:
            body = json.dumps(message).encode()
            yield frame(body[: rng.randint(0, len(body) - 1)]), None
        elif roll < 0.93:
            yield frame(rng.choice([b"[]", b"null", b"17", b'"x"', b"[{}]", b""])), None
        elif roll < 0.95:
            yield rng.choice([b"Content-Length: 99999999999\r\n\r\n",
                              b"Content-Length: -4\r\n\r\n",
                              b"Content-Type: text/plain\r\n\r\n",
                              b"Nonsense\r\n\r\n", b"\r\n"]), None
        else:
            message["id"] = f"h-{n}"
            extra = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
            body = json.dumps(message).encode()
            yield (b"content-length: %d\r\n" % len(body) + extra + b"\r\n" + body,
                   message["id"])


def test_ten_thousand_fuzzed_frames_get_every_request_answered_exactly_once(
        make_repo: MakeRepo) -> None:
    rng = random.Random(FUZZ_SEED)
    with server_on(make_repo({"a.txt": "a\n"})) as server:
        frames = list(fuzz_frames(rng, FUZZ_FRAMES))
        owed = [msg_id for _, msg_id in frames if msg_id is not None]
        sender = threading.Thread(target=lambda: server.send(b"".join(f for f, _ in frames)),
                                  daemon=True)
        sender.start()
        sender.join(60)
        assert not sender.is_alive(), "the server stopped reading its input"
        server.request("last", "loopwright/state", {}, timeout=60)
        deadline = time.monotonic() + 30
        while (counts := server.answers_to(owed)) and time.monotonic() < deadline:
            if all(c >= 1 for c in counts.values()):
                break
            time.sleep(0.05)
        unanswered = [i for i, c in counts.items() if c == 0]
        twice = [i for i, c in counts.items() if c > 1]
        assert (unanswered[:10], twice[:10]) == ([], []), server.stderr()
        assert len(owed) > 5_000
        assert hosts_its_manager(server, "after-fuzz"), server.stderr()
