"""The protocol has one source, its Python types: the extension's protocol.ts and the
tables of docs/protocol.md are generated from them and must be current."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from loopwright.lsp import generate

ROOT = Path(__file__).resolve().parents[2]
DOC_TYPES = re.findall(r"<!-- generated: (\S+) -->",
                       (ROOT / "docs/protocol.md").read_text(encoding="utf-8"))


def test_the_extension_imports_the_generated_protocol() -> None:
    text = (ROOT / "client-vscode/src/protocol.ts").read_text(encoding="utf-8")
    assert text == generate.typescript(), "protocol.ts is stale: run `make docs`"


def test_the_protocol_doc_tables_are_the_generated_ones() -> None:
    text = (ROOT / "docs/protocol.md").read_text(encoding="utf-8")
    assert text == generate.document(text), "docs/protocol.md is stale: run `make docs`"
    assert {"requests", "State", "SessionRow", "InboxItem", "Review", "Changed"} <= set(
        DOC_TYPES)


def test_the_review_type_carries_the_reviewers_verdict_and_the_checks_output() -> None:
    ts = generate.typescript()
    review = ts[ts.index("export interface Review {"):]
    review = review[:review.index("\n}")]
    assert "  reviewer: ReviewerVerdict | null;" in review
    assert "  outputTail: string;" in ts[ts.index("export interface ReviewChecks {"):]


def test_what_clients_send_may_leave_out_defaults_what_the_server_sends_has_all() -> None:
    ts = generate.typescript()
    dispatch = ts[ts.index("export interface DispatchParams {"):]
    assert "  title: string;" in dispatch and "  body?: string;" in dispatch
    assert "  context?: string | SelectionContext | null;" in dispatch
    row = ts[ts.index("export interface InboxItem {"):]
    assert "  sessionName: string;" in row[:row.index("\n}")]


def test_the_typescript_of_a_schema() -> None:
    class Row(msgspec.Struct, rename="camel"):
        ids: list[str | None]
        at: float | None
        kind: str

    _, found = msgspec.json.schema_components([Row], ref_template="{name}")
    props = found["Row"]["properties"]
    assert generate.ts_type(props["ids"]) == "(string | null)[]"
    assert generate.ts_type(props["at"]) == "number | null"
    assert generate.doc_type(props["at"]) == "float | null"


def test_every_documented_field_says_what_it_means() -> None:
    by_ts = {generate.ts_name(n): s for n, s in generate.components().items()}
    missing = [f"{name}.{field}" for name in DOC_TYPES if name != "requests"
               for field, sub in by_ts[name]["properties"].items()
               if not sub.get("description")]
    assert missing == []
