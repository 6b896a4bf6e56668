"""docs/protocol.md's examples say what the server says: lens titles, the error rule's
prefixes, the methods in the capabilities. (The generated tables are checked by
`make check-docs`; the examples that need a live server, in tests/e2e.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

from loopwright.lsp import lenses
from loopwright.lsp.commands import ACTIONS

DOC = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    return DOC.split(f"\n{title}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]


def test_every_lens_title_in_the_doc_is_one_the_server_makes() -> None:
    made = ({*lenses.TITLES.values(), *lenses.VERDICTS.values(), *(t for t, _ in lenses.WHOLE),
             "(review changed: reopen the diff)"})
    shown = set(re.findall(r'"title": "([^"]+)"', section("### Code lenses")
                           + section("### `loopwright/reviewLenses`")))
    assert shown and shown <= made, shown - made


def test_every_error_example_starts_with_its_method() -> None:
    table = DOC.split("| code | when | example message |", 1)[1].split("\n\n", 1)[0]
    messages = re.findall(r"^\|[^|]*\|[^|]*\| `+ ?(.+?) ?`+ \|$", table, re.M)
    assert len(messages) > 15
    pygls_own = ("Invalid Params: ", "Method Not Found: ")
    for message in messages:
        assert re.match(r"(loopwright[/.][A-Za-z]+|textDocument/codeLens)[: ]", message) or \
            message.startswith(pygls_own), message


def test_the_capabilities_list_every_command() -> None:
    block = DOC.split("Server capabilities (from `initialize`):", 1)[1]
    caps = json.loads(block.split("```json\n", 1)[1].split("```", 1)[0])
    assert caps["executeCommandProvider"]["commands"] == [
        f"loopwright.{a.name}" for a in ACTIONS]
    assert caps["codeLensProvider"] == {"resolveProvider": True}
