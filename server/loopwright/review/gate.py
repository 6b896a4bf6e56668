"""The gate: whether a change may land without a human, and if not, every reason why.

Pure: it reads the review, the check result and the task's labels, and judges. No I/O.
"""

from __future__ import annotations

import functools
import re

from ..config import GateConfig
from ..core.commands import CommandResult
from ..events import ReviewPrepared


def judge(
    gate: GateConfig, *, review: ReviewPrepared, checks: CommandResult | None,
    labels: tuple[str, ...], reviewer_configured: bool,
) -> tuple[bool, tuple[str, ...]]:
    """(auto_land, reasons it needs a human). Every failing rule gives a reason."""
    reasons: list[str] = []
    if not gate.auto_land:
        reasons.append("Auto-land is off, so every change waits for approval.")
    reasons += _checks_reasons(gate, checks)
    if reviewer_configured and gate.require_reviewer and review.reviewer_verdict != "approve":
        reasons.append("The reviewer agent asked for changes."
                       if review.reviewer_verdict == "request_changes"
                       else "The reviewer agent gave no verdict.")
    changed = review.added + review.removed
    if changed > gate.max_changed_lines:
        reasons.append(f"The change is {changed} lines (+{review.added}/-{review.removed}), "
                       f"over the limit of {gate.max_changed_lines} for landing on its own.")
    reasons += _file_kind_reasons(gate, review)
    reasons += _protected_reasons(gate.protected_paths, _touched(review))
    if gate.labels and not set(labels) & set(gate.labels):
        allowed = ", ".join(gate.labels)
        reasons.append(
            f"The task's labels ({', '.join(labels)}) are not on the auto-land list "
            f"({allowed})." if labels else
            f"The task has no labels; only tasks labelled {allowed} may land on their own.")
    return not reasons, tuple(reasons)


def _checks_reasons(gate: GateConfig, checks: CommandResult | None) -> list[str]:
    # Failing checks always need a human; `require_checks` is about having none at all.
    if checks is None:
        if gate.require_checks:
            return ["No checks ran: no test command is configured or detected."]
        return []
    if checks.timed_out:
        return [f"The checks timed out after {checks.seconds:.0f} seconds."]
    if checks.exit_code != 0:
        return [f"The checks failed with exit code {checks.exit_code}."]
    return []


def _file_kind_reasons(gate: GateConfig, review: ReviewPrepared) -> list[str]:
    reasons = []
    if review.binary_files and not gate.allow_binary:
        reasons.append(f"It has {_files(review.binary_files, 'binary file')}; a binary "
                       "file has no lines to count, so it waits for a human "
                       "([gate] allow_binary = false).")
    if len(review.new_files) > gate.max_new_files:
        reasons.append(f"It adds {len(review.new_files)} new files, over the limit of "
                       f"{gate.max_new_files} for landing on its own.")
    return reasons


def _files(paths: tuple[str, ...], kind: str) -> str:
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    return f"a {kind}, {shown}" if len(paths) == 1 else f"{len(paths)} {kind}s: {shown}"


def _touched(review: ReviewPrepared) -> list[str]:
    paths = [*review.files, *(hunk.path for hunk in review.hunks)]
    return list(dict.fromkeys(path.removeprefix("./").lstrip("/") for path in paths))


def _protected_reasons(patterns: list[str], paths: list[str]) -> list[str]:
    reasons = []
    for path in paths:
        pattern = next((p for p in patterns if path_matches(path, p)), None)
        if pattern is not None:
            reasons.append(f"It touches {path}, a protected path ({pattern}).")
    return reasons


def path_matches(path: str, pattern: str) -> bool:
    """Whether the repository path `path` matches the glob `pattern` as a whole.

    `*`, `?` and `[...]` stay within one directory; a `**` segment spans any number of
    directories (none included); a pattern ending in `/` covers everything below it.
    Patterns are anchored at the repository root: `Makefile` is the top-level one only,
    `**/Makefile` is any.
    """
    return _glob_regex(pattern).fullmatch(path) is not None


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    if pattern.endswith("/"):
        pattern += "**"
    segments = [s for s in pattern.removeprefix("./").split("/") if s]
    parts = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:.*/)?")
        else:
            parts.append(_segment_regex(segment) + ("" if last else "/"))
    return re.compile("".join(parts))


def _segment_regex(segment: str) -> str:
    out, i = [], 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append("[^/]*")
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := _class_end(segment, i)) > 0:
            body = segment[i + 1:end]
            negate = body[:1] in ("!", "^")
            body = re.sub(r"([\\\[&~|^])", r"\\\1", body[1:] if negate else body)
            out.append(f"[^/{body}]" if negate else f"[{body}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int:
    """Index of the `]` closing the class that opens at `start`, or -1 (a literal `[`)."""
    i = start + 1
    if i < len(segment) and segment[i] in "!^":
        i += 1
    if i < len(segment) and segment[i] == "]":
        i += 1  # `[]a]`: a leading `]` is a member
    return segment.find("]", i)
