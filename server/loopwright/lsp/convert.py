"""How JSON-RPC messages become Python objects and back.

pygls turns the params of methods it does not know (our `loopwright/*` requests) into
nested namedtuples, which silently renames keys that are not identifiers. Loopwright
keeps them as plain JSON values instead and types them itself (`params.py`), so a wrong
or missing field gets an error that names it.

Responses are written without walking plain JSON results through cattrs: `json.dumps`
handles dicts and lists natively and calls back only for lsprotocol objects. A code
lens list of a big review is then one C-speed encode instead of thousands of hook calls.
"""

from __future__ import annotations

from typing import Any

import attrs
import cattrs
from lsprotocol import converters
from pygls.protocol import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage


def _request(obj: dict[str, Any], cls: type[Any]) -> Any:
    return _make(cls, {"params": None, **obj})


def _response(obj: dict[str, Any], cls: type[Any]) -> Any:
    return _make(cls, {"result": None, **obj})


def _make(cls: type[Any], obj: dict[str, Any]) -> Any:
    # Members JSON-RPC does not define are ignored, as the LSP types' converter does.
    return cls(**{f.name: obj[f.name] for f in attrs.fields(cls) if f.name in obj})


def _unstructure_response(message: JsonRPCResponseMessage) -> dict[str, Any]:
    return {"id": message.id, "jsonrpc": message.jsonrpc, "result": message.result}


def make_converter() -> cattrs.Converter:
    """The converter the server (and the tests' client) use: plain JSON for custom
    methods, lsprotocol types for standard ones."""
    converter = converters.get_converter()
    converter.register_structure_hook(JsonRPCRequestMessage, _request)
    converter.register_structure_hook(JsonRPCNotification, _request)
    converter.register_structure_hook(JsonRPCResponseMessage, _response)
    converter.register_unstructure_hook(JsonRPCResponseMessage, _unstructure_response)
    return converter
