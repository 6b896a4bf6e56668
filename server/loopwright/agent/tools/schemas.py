"""The tools as the model sees them: names, descriptions and JSON schemas."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def _tool(name: str, description: str, properties: Schema, required: list[str]) -> Schema:
    return {
        "name": name,
        "description": description,
        "input_schema": {"type": "object", "properties": properties, "required": required,
                         "additionalProperties": False},
    }


_PATH = {"type": "string", "description": "Path relative to the repository root."}

WORKER_TOOLS: list[Schema] = [
    _tool("list_files", "List files and directories under a path (default: the root).",
          {"path": {**_PATH, "default": "."},
           "depth": {"type": "integer", "minimum": 1, "default": 3,
                     "description": "How many directory levels to descend."}}, []),
    _tool("read_file", "Read a text file with numbered lines; give a line range for "
          "large files.",
          {"path": _PATH,
           "start_line": {"type": "integer", "minimum": 1, "default": 1},
           "end_line": {"type": "integer", "minimum": 1,
                        "description": "Last line to read (inclusive); default: the end."}},
          ["path"]),
    _tool("search", "Search files for a regular expression; answers path:line: text.",
          {"pattern": {"type": "string", "description": "A regular expression."},
           "path": {**_PATH, "default": "."},
           "glob": {"type": "string", "description": "Only files matching this glob, "
                    "e.g. '*.py'."}},
          ["pattern"]),
    _tool("edit_file", "Replace an exact piece of text in a file. `old` must match the "
          "file exactly (whitespace included) and occur once, unless replace_all.",
          {"path": _PATH, "old": {"type": "string"}, "new": {"type": "string"},
           "replace_all": {"type": "boolean", "default": False}},
          ["path", "old", "new"]),
    _tool("write_file", "Create a file, or replace a whole file, with this content.",
          {"path": _PATH, "content": {"type": "string"}}, ["path", "content"]),
    _tool("run_command", "Run a shell command in the repository root (no network, a "
          "time limit, no secrets in its environment; git can read the repository but "
          "not commit: your changes are committed for you when you finish). Answers its "
          "exit code and the tail of its output.",
          {"command": {"type": "string"}}, ["command"]),
    _tool("ask", "Ask the human a question. Non-blocking (the default): you get the "
          "default answer at once and should go on working on that assumption; the "
          "real answer arrives in a later message. Blocking: wait for the answer; only "
          "when no safe assumption exists.",
          {"question": {"type": "string"},
           "options": {"type": "array", "items": {"type": "string"}},
           "default": {"type": "string", "description": "The assumption you work on "
                       "until answered."},
           "blocking": {"type": "boolean", "default": False}},
          ["question"]),
    _tool("reply_to_thread", "Answer one review thread of the note you were sent back "
          "with (its id is in brackets, e.g. [th-1a2b3c4d]): what you changed for it, or "
          "why you did not. The reply appears in that thread on the next review.",
          {"thread": {"type": "string", "description": "The thread's id."},
           "text": {"type": "string"}}, ["thread", "text"]),
    _tool("progress", "Tell the human, in a line, what you have done or are doing.",
          {"message": {"type": "string"}}, ["message"]),
    _tool("finish", "Finish the task: the change is complete and the checks pass. The "
          "summary becomes the commit message body and what the reviewer reads first.",
          {"summary": {"type": "string"}}, ["summary"]),
]

TRIAGE_TOOL: Schema = _tool(
    "triage_verdict", "Give your verdict on whether the project should take this task.",
    {"verdict": {"type": "string", "enum": ["accept", "decline", "ask"]},
     "reason": {"type": "string", "description": "Why, in a sentence the human reads."},
     "question": {"type": "string", "description": "With ask: the question for the "
                  "human, answerable with accept or decline."}},
    ["verdict", "reason"],
)

REVIEW_TOOL: Schema = _tool(
    "review_verdict", "Give your verdict on the change.",
    {"verdict": {"type": "string", "enum": ["approve", "request_changes"]},
     "summary": {"type": "string", "description": "What you found, in a few sentences."},
     "comments": {"type": "array", "items": {
         "type": "object",
         "properties": {"path": {"type": "string"},
                        "line": {"type": "integer", "minimum": 1,
                                 "description": "Line in the new version of the file."},
                        "body": {"type": "string"}},
         "required": ["path", "line", "body"], "additionalProperties": False}}},
    ["verdict", "summary"],
)
