"""Every request with an id gets exactly one answer.

pygls decodes a body with `json.loads(..., object_hook=structure_message)` and, when the
JSON is bad or a request's params do not fit its method's type (`"params": null` on
`textDocument/codeLens`, `false` on `workspace/executeCommand`), logs the error and
answers nothing: the client waits forever. `LoopwrightProtocol` decodes each frame
itself and answers what it cannot handle (docs/protocol.md, Errors):

- a body that is not JSON: -32700 (id null);
- not a JSON-RPC 2.0 message (not an object, no valid id or method, another version),
  a refused frame, a request after `shutdown`: -32600;
- params that do not fit the method: -32602, saying where. An empty array `[]` is
  taken as `{}` (or as no params, for `shutdown` and `exit`): Lua clients encode an
  empty table so.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import cattrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    MsgId,
    RPCMessage,
    RPCRequest,
)

from .framing import BadFrame
from .lenses import Encoded

log = logging.getLogger(__name__)

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602
_NO_PARAMS = frozenset({types.SHUTDOWN, types.EXIT})


class LoopwrightProtocol(LanguageServerProtocol):
    _answered: dict[MsgId, Any] | None = None

    def answered_already(self, answers: dict[MsgId, Any]) -> None:
        """Requests the first answers (early.py) answered before the server was loaded:
        their frames are still handled (`initialize` sets the server up) but not answered
        again. An answer that would have differed is logged: capabilities.py is stale."""
        self._answered = dict(answers)

    def handle_frame(self, frame: bytes | BadFrame) -> None:
        """Decode one frame's body and handle it, or answer why it cannot be."""
        if isinstance(frame, BadFrame):
            self.refuse(None, INVALID_REQUEST, f"Invalid request: {frame.reason}")
            return
        try:
            data = json.loads(frame)
        except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
            self.refuse(None, PARSE_ERROR, f"Parse error: {e}")
            return
        if not isinstance(data, dict):
            self.refuse(None, INVALID_REQUEST,
                        "Invalid request: a message is one JSON object (LSP has no batches)")
            return
        msg_id = data.get("id")
        has_id = "id" in data
        if has_id and not _valid_id(msg_id):
            if "method" in data:  # never answer an answer: two peers would ping-pong
                self.refuse(None, INVALID_REQUEST,
                            "Invalid request: `id` must be a string or an integer")
            else:
                log.warning("ignored a response with the id %r", msg_id)
            return
        method = data.get("method")
        is_request = has_id and "method" in data
        if data.get("jsonrpc") != self.VERSION or ("method" in data and
                                                   not isinstance(method, str)):
            why = ('`jsonrpc` must be "2.0"' if data.get("jsonrpc") != self.VERSION
                   else "`method` must be a string")
            if is_request:
                self.refuse(msg_id, INVALID_REQUEST, f"Invalid request: {why}")
            else:
                log.warning("ignored a message that is not JSON-RPC 2.0: %s", why)
            return
        if data.get("params") == [] and isinstance(method, str):
            # LSP params are objects (or none): `[]` is how Lua encodes an empty `{}`.
            if method in _NO_PARAMS:
                del data["params"]
            else:
                data["params"] = {}
        try:
            message = self._structure(data)
        except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as e:
            self._not_structured(data, method, msg_id if has_id else None, e)
            return
        if is_request and not isinstance(message, RPCRequest):
            self.refuse(msg_id, INVALID_REQUEST,
                        f"{method} is a notification: it takes no id")
            return
        self.handle_message(message)

    def handle_message(self, message: RPCMessage) -> None:
        # pygls drops requests after `shutdown` unanswered; LSP says: InvalidRequest.
        if (self._shutdown and isinstance(message, RPCRequest)
                and message.method != types.EXIT):
            self.refuse(message.id, INVALID_REQUEST,
                        f"{message.method}: the server is shutting down")
            return
        super().handle_message(message)

    def _send_response(self, msg_id: MsgId, result: Any | None = None,
                       error: Any | None = None) -> None:
        if self._answered and msg_id in self._answered:
            sent = self._answered.pop(msg_id)
            mine = json.loads(json.dumps(error or result, default=self._serialize_message))
            if error is not None or mine != sent:
                log.error("the first answer to request %r was not the server's: sent %s, "
                          "the server's is %s", msg_id, sent, mine)
            return
        if error is None and isinstance(result, Encoded):
            # Already JSON (code lenses by the thousand): sent as it is, not walked by
            # the converter and encoded again.
            self._result_types.pop(msg_id, None)
            self._write_body(b'{"jsonrpc":"2.0","id":' + json.dumps(msg_id).encode()
                             + b',"result":' + result.json + b"}")
            return
        super()._send_response(msg_id, result, error)

    def _write_body(self, body: bytes) -> None:
        if self.writer is None:
            log.error("no transport to send a response on")
            return
        header = (f"Content-Length: {len(body)}\r\nContent-Type: {self.CONTENT_TYPE}; "
                  f"charset={self.CHARSET}\r\n\r\n").encode("ascii")
        self.writer.write(header + body)

    def refuse(self, msg_id: MsgId | None, code: int, message: str) -> None:
        log.debug("refused (%s): %s", code, message)
        # A plain dict: lsprotocol's converter would leave out `"id": null`, which
        # JSON-RPC requires when the id could not be read.
        self._send_data({"jsonrpc": self.VERSION, "id": msg_id,
                         "error": {"code": code, "message": message}})

    # --- helpers -------------------------------------------------------------------

    def _structure(self, data: dict[str, Any]) -> Any:
        """As pygls' `structure_message`, for the whole message at once, raising what
        went wrong instead of logging it."""
        method = data.get("method")
        if "id" in data:
            if "error" in data:
                return self._converter.structure(data, types.ResponseErrorMessage)
            if isinstance(method, str):
                kind = self.get_message_type(method) or JsonRPCRequestMessage
                return self._converter.structure(data, kind)
            kind = self._result_types.pop(data["id"], None) or JsonRPCResponseMessage
            return self._converter.structure(data, kind)
        if not isinstance(method, str):
            raise ValueError("a message without an id needs a method")
        kind = self.get_message_type(method) or JsonRPCNotification
        return self._converter.structure(data, kind)

    def _not_structured(self, data: dict[str, Any], method: Any, msg_id: MsgId | None,
                        error: Exception) -> None:
        detail = _readable(error)
        if msg_id is not None and isinstance(method, str):
            self.refuse(msg_id, INVALID_PARAMS, f"{method}: invalid params: {detail}")
        elif msg_id is not None:
            # A client's answer to one of our requests that does not fit: fail that
            # request, so whatever waits on it goes on instead of waiting forever.
            future = self._request_futures.pop(msg_id, None)
            log.warning("a response that does not fit its request (%s): %s", msg_id, detail)
            if future is not None and not future.done():
                future.set_exception(JsonRpcException(message=detail))
        else:
            log.warning("ignored notification %s: %s", method, detail)


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _readable(error: Exception) -> str:
    if isinstance(error, cattrs.BaseValidationError):
        lines = cattrs.transform_error(error, path="$")
        return "; ".join(lines[:3]) + ("; …" if len(lines) > 3 else "")
    return f"{type(error).__name__}: {error}"
