"""The `script` worker's program: steps read from ```loopwright-script blocks.

Pure parsing; running the steps is the worker's job. The format is documented in
`docs/script-format.md`. In short, one JSON object per line, the key naming the action:

    ```loopwright-script
    // comments and blank lines are ignored
    {"write": "src/app.py", "content": "print('hi')\\n"}
    {"run": "pytest -q"}
    {"finish": "added app.py"}
    ```

Each step is a frozen msgspec Struct whose action key is renamed onto a readable field
(`{"write": "a.py"}` is `Write(path="a.py")`); `Step` is their union.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any

import msgspec

INFO_STRING = "loopwright-script"
NO_BLOCK = (
    "no ```loopwright-script block in the task body; the script backend needs one"
    " — see docs/script-format.md"
)

_NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
SLEEP_LIMIT = 3600.0  # seconds; a longer wait is a mistake (1e308 was once accepted)


class _Step(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class Write(_Step, frozen=True):
    """Create or replace a file in the worktree."""

    path: _NonEmpty = msgspec.field(name="write")
    content: str


class Append(_Step, frozen=True):
    """Add text to the end of a file (created when missing)."""

    path: _NonEmpty = msgspec.field(name="append")
    content: str


class Replace(_Step, frozen=True):
    """Replace the exact text `old`, which must occur once, with `new`."""

    path: _NonEmpty = msgspec.field(name="replace")
    old: _NonEmpty
    new: str


class Delete(_Step, frozen=True):
    path: _NonEmpty = msgspec.field(name="delete")


class Run(_Step, frozen=True):
    """Run a shell command in the worktree; a failing command does not stop the script."""

    command: _NonEmpty = msgspec.field(name="run")


class Ask(_Step, frozen=True):
    """Ask the human. Non-blocking asks continue at once on `default`."""

    question: _NonEmpty = msgspec.field(name="ask")
    options: tuple[str, ...] = ()
    default: str = ""  # parse_script fills in the first option when not given
    blocking: bool = False


class Sleep(_Step, frozen=True):
    seconds: Annotated[float, msgspec.Meta(ge=0, le=SLEEP_LIMIT)] = msgspec.field(name="sleep")


class Progress(_Step, frozen=True):
    message: str = msgspec.field(name="progress")


class Reply(_Step, frozen=True):
    """Answer a review thread of the note (its id, as the note shows it in brackets)."""

    thread: _NonEmpty = msgspec.field(name="reply")
    text: str


class Finish(_Step, frozen=True):
    summary: str = msgspec.field(name="finish")


class Fail(_Step, frozen=True):
    reason: str = msgspec.field(name="fail")


Step = (Write | Append | Replace | Delete | Run | Ask | Sleep | Progress | Reply | Finish
        | Fail)

_ACTIONS: dict[str, type[Step]] = {
    "write": Write, "append": Append, "replace": Replace, "delete": Delete, "run": Run,
    "ask": Ask, "sleep": Sleep, "progress": Progress, "reply": Reply, "finish": Finish,
    "fail": Fail,
}


class ScriptError(Exception):
    """A script cannot be run; the message says where (`line`, 1-based) and why."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class _Block:
    first_line: int  # 1-based line number of the block's first content line
    lines: tuple[str, ...]


def find_scripts(text: str) -> list[str]:
    """The content of every ```loopwright-script (or ~~~) block in `text`, in order."""
    return ["\n".join(block.lines) for block in _blocks(text)]


def parse_script(body: str, *, source: str = "task body") -> list[Step]:
    """Every step of every loopwright-script block in `body`, in order. Line numbers in
    errors count from the first line of `body` (`source` names it: a note, a body)."""
    blocks = _blocks(body)
    if not blocks:
        raise ScriptError(NO_BLOCK.replace("task body", source))
    steps: list[Step] = []
    for block in blocks:
        for offset, line in enumerate(block.lines):
            text = line.strip()
            if not text or text.startswith("//"):
                continue
            number = block.first_line + offset
            try:
                steps.append(_parse_step(text))
            except ValueError as e:
                raise ScriptError(f"line {number} of the {source}: {e}", number) from None
    return steps


def program(body: str, notes: tuple[str, ...] = ()) -> list[Step]:
    """The worker's whole program: the task body's steps, then those of every note that
    carries a block. A part the worker was sent back after stops before its first
    `finish` or `fail` (that step ended the earlier run and was never recorded), so the
    note's steps run next and the step numbers of earlier runs stay the same."""
    parts = [parse_script(body)]
    sent_back = [bool(notes)]
    for n, note in enumerate(notes, 1):
        if find_scripts(note):
            parts.append(parse_script(note, source=f"note {n}"))
            sent_back.append(n < len(notes))
    steps: list[Step] = []
    for part, later in zip(parts, sent_back, strict=True):
        if later:
            ends = [i for i, step in enumerate(part) if isinstance(step, Finish | Fail)]
            part = part[: ends[0]] if ends else part
        steps += part
    return steps


def describe(step: Step) -> tuple[str, str]:
    """(action, detail) for the log: ("write", "src/app.py"), ("run", "pytest -q")."""
    match step:
        case Write(path=path) | Append(path=path) | Replace(path=path) | Delete(path=path):
            detail = path
        case Run(command=detail) | Ask(question=detail) | Progress(message=detail):
            pass
        case Reply(thread=thread):
            detail = thread
        case Sleep(seconds=seconds):
            detail = f"{seconds:g}s"
        case Finish(summary=detail) | Fail(reason=detail):
            pass
    return _action(step), _one_line(detail)


def _action(step: Step) -> str:
    return next(name for name, kind in _ACTIONS.items() if type(step) is kind)


def _one_line(text: str, limit: int = 120) -> str:
    first = text.strip().split("\n", 1)[0]
    if len(first) > limit or "\n" in text.strip():
        return first[: limit - 1] + "…"
    return first


# --- parsing one line -----------------------------------------------------------


def _parse_step(text: str) -> Step:
    """One JSON line to a step; a ValueError says what is wrong."""
    try:
        raw: Any = msgspec.json.decode(text)
    except msgspec.DecodeError as e:
        if "out of range" in str(e):
            raise ValueError("a number is too large to read (no number in a script needs "
                             "more than 15 digits)") from None
        raise ValueError(f"not valid JSON ({e})") from None
    if not isinstance(raw, dict):
        raise ValueError('each step must be a JSON object such as {"run": "pytest -q"}')
    actions = [key for key in raw if key in _ACTIONS]
    if not actions:
        keys = ", ".join(repr(k) for k in raw) or "none"
        raise ValueError(f"unknown action (keys: {keys}); expected one of: {', '.join(_ACTIONS)}")
    if len(actions) > 1:
        raise ValueError(
            f"one step has {len(actions)} actions ({', '.join(actions)}); "
            "put each on its own line"
        )
    action = actions[0]
    try:
        step = msgspec.convert(raw, _ACTIONS[action])
    except msgspec.ValidationError as e:
        raise ValueError(f"{action}: {_readable(str(e), _ACTIONS[action])}") from None
    return _checked(step)


def _checked(step: Step) -> Step:
    match step:
        case Write(path=path) | Append(path=path) | Replace(path=path) | Delete(path=path):
            _check_path(path)
        case Ask(options=options, default=default) if options:
            if not default:
                return msgspec.structs.replace(step, default=options[0])
            if default not in options:
                raise ValueError(
                    f"ask: default {default!r} is not one of the options {list(options)}"
                )
    return step


def _check_path(path: str) -> None:
    parts = PurePosixPath(path).parts
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute() or (
        ".." in parts
    ):
        raise ValueError(f"path {path!r} must be relative to the worktree and stay inside it")


_KINDS = {
    "str": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
    "array": "a list", "object": "an object", "null": "null",
}
_TYPE = re.compile(r"^Expected `(\w+)`, got `(\w+)` - at `\$\.(.+)`$")
_CONSTRAINT = re.compile(r"^Expected `(\w+)` (.+) - at `\$\.(.+)`$")
_FIELD = re.compile(r"^Object (missing required|contains unknown) field `(.+)`$")


def _readable(message: str, step: type[Step]) -> str:
    """msgspec's "Expected `str`, got `int` - at `$.write`" in the script's words."""
    if found := _TYPE.match(message):
        want, got, key = found.groups()
        return f"{key!r} must be {_KINDS.get(want, want)}, not {_KINDS.get(got, got)}"
    if found := _CONSTRAINT.match(message):
        want, constraint, key = found.groups()
        if key == "sleep":
            return f"'sleep' must be a number >= 0 and <= {SLEEP_LIMIT:g} (seconds)"
        if constraint == "of length >= 1":
            return f"{key!r} must not be empty"
        return f"{key!r} must be {_KINDS.get(want, want)} {constraint}"
    if found := _FIELD.match(message):
        problem, key = found.groups()
        if problem == "missing required":
            return f"missing key {key!r}"
        keys = ", ".join(f.encode_name for f in msgspec.structs.fields(step))
        return f"unknown key {key!r} (this step takes: {keys})"
    return message


# --- finding blocks -------------------------------------------------------------

_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")


def _blocks(text: str) -> list[_Block]:
    """Fenced code blocks tagged loopwright-script, CommonMark-style: the closing fence
    uses the same character, at least as long; an unclosed block runs to the end."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[_Block] = []
    fence, indent, start, ours = "", 0, 0, False
    for i, line in enumerate(lines):
        if fence:
            closing = _CLOSE.match(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                if ours:
                    blocks.append(_Block(start + 1, _dedent(lines[start:i], indent)))
                fence = ""
            continue
        opening = _OPEN.match(line)
        if opening and not (opening.group(2)[0] == "`" and "`" in opening.group(3)):
            pad, fence, info = opening.groups()
            words = info.split()
            indent, start = len(pad), i + 1
            ours = bool(words) and words[0] == INFO_STRING
    if fence and ours:
        blocks.append(_Block(start + 1, _dedent(lines[start:], indent)))
    return blocks


def _dedent(lines: list[str], indent: int) -> tuple[str, ...]:
    # CommonMark removes up to the opening fence's indentation from each content line.
    out = []
    for line in lines:
        spaces = len(line) - len(line.lstrip(" "))
        out.append(line[min(spaces, indent):])
    return tuple(out)
