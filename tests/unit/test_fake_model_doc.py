"""docs/fake-model.md names every tool the scripted model may call and every field of
its input, so a test author scripting a turn finds them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loopwright.agent.tools.schemas import REVIEW_TOOL, TRIAGE_TOOL, WORKER_TOOLS, Schema

DOC = (Path(__file__).parents[2] / "docs" / "fake-model.md").read_text(encoding="utf-8")
SECTION = DOC.split("## What the scripted model may send", 1)[1].split("\n## ", 1)[0]


def documented_fields(tool: str) -> set[str]:
    """The fields named in the tool's row (worker tools) or its own table (verdicts)."""
    row = re.search(rf"^\| `{tool}` \| (.*)$", SECTION, re.MULTILINE)
    if row is not None:
        text = row.group(1).split(" | ")[0]
    else:
        text = SECTION.split(f"### `{tool}`", 1)[1].split("\n### ", 1)[0]
        text = "\n".join(line.split(" | ")[0] for line in text.splitlines()
                         if line.startswith("| "))
    return set(re.findall(r"`([a-z_]+)`", text))


@pytest.mark.parametrize("tool", [*WORKER_TOOLS, TRIAGE_TOOL, REVIEW_TOOL],
                         ids=lambda t: t["name"])
def test_every_tool_and_field_is_documented(tool: Schema) -> None:
    schema = tool["input_schema"]
    fields = documented_fields(tool["name"])
    assert set(schema["properties"]) <= fields, set(schema["properties"]) - fields
    for name in schema["required"]:
        assert f"**`{name}`**" in SECTION, f"{tool['name']}: mark {name} as required"


@pytest.mark.parametrize("value", ["accept", "decline", "ask", "approve", "request_changes"])
def test_every_verdict_is_named(value: str) -> None:
    assert f"`{value}`" in SECTION
