"""Reading one task file dropped in `.loopwright/inbox/`: bytes in, a task or an error out.

Pure: no clock, no logging, no state. The format is documented in `docs/inbox.md`:

    ---
    labels: [bug, ui]
    priority: 2
    backend: script
    ---
    # Fix the login timeout

    The body: everything after the title line.

Every `IntakeError` message starts with the file's name and says what to change, because
it is shown to the user as is (it becomes an `IntakeRefused` event).
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..core.text import file_name

_BOM = b"\xef\xbb\xbf"
_FRONT_MATTER_KEYS = ("title", "labels", "priority", "backend")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CLOSING_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
# CommonMark ATX heading: 1-6 `#`, then a space or the end; an optional closing run of `#`.
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
MAX_NESTING = 64  # front matter is four flat keys; deeper is refused unread
PRIORITY_LIMIT = 1_000_000  # |priority| at most this: it is stored as a 64-bit number
# Values quoted in messages are cut short: a YAML alias can make a small file stand
# for a structure far too large to print.
_SHORT = reprlib.Repr()  # (keyword arguments only from Python 3.12)
_SHORT.maxlevel, _SHORT.maxtuple, _SHORT.maxlist, _SHORT.maxdict = 2, 4, 4, 4
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 60, 60, 40


class IntakeError(Exception):
    """The file cannot become a task; the message names the file and says why."""


@dataclass(frozen=True)
class ParsedTask:
    title: str
    body: str
    labels: tuple[str, ...] = ()
    priority: int = 0
    backend: str = ""  # empty: the configured default backend


def parse_task_path(path: Path, max_bytes: int) -> ParsedTask:
    """Read and parse `path` (see `read_task_bytes`)."""
    return parse_task_file(read_task_bytes(path, max_bytes), path.name, max_bytes=max_bytes)


def check_name(name: str) -> str:
    """`name` as it is shown in messages; an IntakeError when it is not UTF-8 (a name
    the log could not hold as it is)."""
    shown = file_name(name)
    if shown != name:
        raise IntakeError(
            f"{shown}: the file name is not valid UTF-8 (the bytes shown as \\x..); "
            "rename it and drop it in the inbox again"
        )
    return name


def read_task_bytes(path: Path, max_bytes: int) -> bytes:
    """A task file's bytes. Its size is checked before reading, so an oversized file
    is never read whole. A file that vanished raises FileNotFoundError (not an
    IntakeError): there is nothing to refuse or keep."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IntakeError(_too_large(name, size, max_bytes))
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since the stat
        if len(data) > max_bytes:
            raise IntakeError(_too_large(name, max(path.stat().st_size, len(data)), max_bytes))
    except FileNotFoundError:
        raise
    except OSError as e:
        raise IntakeError(f"{name}: cannot be read: {e.strerror or e}") from e
    return data


def parse_task_file(data: bytes, name: str, *, max_bytes: int,
                    unknown_backend: Callable[[str], str | None] | None = None) -> ParsedTask:
    """Parse a task file's bytes; `name` is used in error messages. A `backend:` that
    `unknown_backend` (the registry's check) says why it refuses is refused."""
    if len(data) > max_bytes:
        raise IntakeError(_too_large(name, len(data), max_bytes))
    text = _decode(data, name)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta, start = _front_matter(lines, name)
    rest = lines[start:]
    if unknown_backend is not None and (why := unknown_backend(meta.get("backend", ""))):
        raise IntakeError(f"{name}: front matter 'backend': {why}")
    title = meta.pop("title", None)
    if isinstance(title, str):
        body = "\n".join(rest).strip()
    else:
        title, body = _title_and_body(rest, name)
    return ParsedTask(title=title, body=body, **meta)


def _too_large(name: str, size: int, limit: int) -> str:
    return (
        f"{name}: the file is {size:,} bytes, over the inbox limit of {limit:,} bytes "
        "(intake.max_file_bytes in .loopwright/config.toml); shorten it or raise the limit"
    )


def _decode(data: bytes, name: str) -> str:
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as e:
        raise IntakeError(
            f"{name}: not valid UTF-8 text (bad byte at offset {skip + e.start}); "
            "save it as UTF-8"
        ) from None


def _front_matter(lines: list[str], name: str) -> tuple[dict[str, Any], int]:
    """The checked front-matter fields and the index of the first line after it."""
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].rstrip() == "---":
            break
    else:
        raise IntakeError(
            f"{name}: the front matter opened with '---' on line 1 is never closed; "
            "end it with a line holding only '---'"
        )
    source = "\n".join(lines[1:end])
    if _nesting(lines[1:end]) > MAX_NESTING:  # refused before YAML spends seconds on it
        raise IntakeError(_too_deep(name))
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as e:
        raise IntakeError(f"{name}: the front matter is not valid YAML{_yaml_where(e)}") from None
    except RecursionError:
        raise IntakeError(_too_deep(name)) from None
    except ValueError as e:  # Python refuses to read an integer of over 4,300 digits
        raise IntakeError(f"{name}: the front matter holds a number too long to read "
                          f"({e})") from None
    if raw is None:
        return {}, end + 1
    if not isinstance(raw, dict):
        raise IntakeError(
            f"{name}: the front matter must be 'key: value' lines "
            f"(found {_kind(raw)}); allowed keys: {', '.join(_FRONT_MATTER_KEYS)}"
        )
    return _check_fields(raw, name), end + 1


def _too_deep(name: str) -> str:
    return (f"{name}: the front matter is nested too deeply to read; "
            "front matter holds only title, labels, priority and backend")


def _nesting(lines: list[str]) -> int:
    """How deeply the YAML may nest, over-estimated: the deepest run of open brackets
    (quotes ignored) or of indentation and `- ` markers. PyYAML's time grows with the
    square of the depth: 1,200 levels take it seconds."""
    deepest = depth = 0
    for line in lines:
        body = line.lstrip(" -")
        deepest = max(deepest, len(line) - len(body))
        for ch in line:
            if ch in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif ch in "]}":
                depth = max(depth - 1, 0)
    return deepest


def _yaml_where(e: yaml.YAMLError) -> str:
    if not isinstance(e, yaml.MarkedYAMLError) or e.problem_mark is None:
        return f": {str(e)[:200]}"
    line = e.problem_mark.line + 2  # the YAML starts on the file's second line
    problem = e.problem or str(e)
    if len(problem) > 200:  # a problem may quote the file at length
        problem = problem[:199] + "…"
    return f" (line {line}, column {e.problem_mark.column + 1}): {problem}"


def _check_fields(raw: dict[Any, Any], name: str) -> dict[str, Any]:
    unknown = [k for k in raw if k not in _FRONT_MATTER_KEYS]
    if unknown:
        raise IntakeError(
            f"{name}: unknown front matter key{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(_shown(k) for k in unknown[:10])}; allowed keys: "
            f"{', '.join(_FRONT_MATTER_KEYS)}"
        )
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue  # `backend:` with nothing after it means "not given"
        fields[key] = _FIELD_CHECKS[key](value, name)
    return fields


def _check_title(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise IntakeError(f"{name}: front matter 'title' must be non-empty text")
    return _unicode(value, "title", name).strip()


def _unicode(value: str, key: str, name: str) -> str:
    """`value` if it can be stored as UTF-8: YAML's `"\\ud800"` escape makes a lone
    surrogate, which no text encoding can hold."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        bad = f"\\u{ord(value[e.start]):04x}"
        raise IntakeError(
            f"{name}: front matter '{key}' is not valid Unicode (it holds {bad}, half of "
            "a surrogate pair); write the character itself"
        ) from None
    return value


def _check_labels(value: object, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, list):
        items = list(value)
    else:
        items = [None]
    if not all(isinstance(item, str) for item in items):
        raise IntakeError(
            f"{name}: front matter 'labels' must be a list of words ([bug, ui]) "
            f"or a comma-separated string (bug, ui), not {_kind(value)} {_shown(value)}"
        )
    labels = (_unicode(str(item), "labels", name).strip() for item in items)
    return tuple(dict.fromkeys(label for label in labels if label))


def _check_priority(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise IntakeError(
            f"{name}: front matter 'priority' must be a whole number such as 2, "
            f"not {_kind(value)} {_shown(value)}"
        )
    if abs(value) > PRIORITY_LIMIT:
        raise IntakeError(
            f"{name}: front matter 'priority' must be a whole number between "
            f"-{PRIORITY_LIMIT:,} and {PRIORITY_LIMIT:,}, not {_shown(value)}"
        )
    return value


def _check_backend(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise IntakeError(
            f"{name}: front matter 'backend' must be a backend name such as script, "
            f"not {_kind(value)} {_shown(value)}"
        )
    return _unicode(value, "backend", name).strip()


_FIELD_CHECKS = {
    "title": _check_title,
    "labels": _check_labels,
    "priority": _check_priority,
    "backend": _check_backend,
}


def _shown(value: object) -> str:
    return _SHORT.repr(value)


def _kind(value: object) -> str:
    names = {
        list: "a list", dict: "a mapping", str: "text", bool: "a boolean",
        int: "a number", float: "a decimal number",
    }
    return names.get(type(value), f"a {type(value).__name__}")


def _title_and_body(lines: list[str], name: str) -> tuple[str, str]:
    """The first ATX heading outside code blocks is the title. The body is what follows
    it; text above the heading is kept too, before it, so nothing the user wrote is lost."""
    fence = ""
    for i, line in enumerate(lines):
        if fence:
            closed = _CLOSING_FENCE.match(line)
            if closed and closed.group(1)[0] == fence[0] and len(closed.group(1)) >= len(fence):
                fence = ""
            continue
        opened = _FENCE.match(line)
        if opened:
            fence = opened.group(1)
            continue
        heading = _HEADING.match(line)
        if heading and (heading.group(1) or "").strip():
            before = "\n".join(lines[:i]).strip()
            after = "\n".join(lines[i + 1 :]).strip()
            body = f"{before}\n\n{after}".strip() if before else after
            return heading.group(1).strip(), body
    raise IntakeError(
        f"{name}: no title; start the task with a Markdown heading such as "
        "'# Fix the login timeout', or set 'title:' in the front matter"
    )
