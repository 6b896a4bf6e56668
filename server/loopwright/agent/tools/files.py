"""File tools, confined to the worktree: list, read, search, edit, write.

Every path goes through `resolve_inside`, so `..`, absolute paths, symlinks that leave
the worktree and its `.git` are refused. Errors a model can act on are `ToolError`s with
a message that says what to do next.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from ...workspace.paths import PathEscape, resolve_inside

MAX_LIST_ENTRIES = 400
MAX_SEARCH_HITS = 200
SKIP_DIRS = frozenset({".git", ".loopwright", "node_modules", "__pycache__", ".venv",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache"})


class ToolError(Exception):
    """A tool call that could not be done; the message goes back to the model."""


def _inside(root: Path, path: str) -> Path:
    try:
        return resolve_inside(root, path)
    except PathEscape as e:
        raise ToolError(f"refused: {e}") from e


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root.resolve()).as_posix()


def list_files(root: Path, path: str = ".", depth: int = 3) -> str:
    base = _inside(root, path)
    if not base.is_dir():
        raise ToolError(f"{path}: not a directory")
    entries: list[str] = []
    for current, dirs, names in os.walk(base):
        level = len(Path(current).relative_to(base).parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        if level + 1 >= depth:
            entries += [f"{_rel(root, Path(current) / d)}/" for d in dirs]
            dirs[:] = []
        entries += [_rel(root, Path(current) / n) for n in sorted(names)]
        if len(entries) > MAX_LIST_ENTRIES:
            break
    entries.sort()
    if len(entries) > MAX_LIST_ENTRIES:
        more = len(entries) - MAX_LIST_ENTRIES
        entries = [*entries[:MAX_LIST_ENTRIES], f"... and {more}+ more: list a subdirectory"]
    return "\n".join(entries) or "(empty)"


def read_file(root: Path, path: str, start_line: int = 1, end_line: int | None = None) -> str:
    """The file's lines `start_line`..`end_line` (from 1, inclusive), numbered."""
    target = _inside(root, path)
    if not target.is_file():
        raise ToolError(f"{path}: no such file" + ("" if not target.exists() else
                                                   " (it is a directory: use list_files)"))
    lines = target.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines:
        return f"{path} is empty"
    start = max(1, start_line)
    end = len(lines) if end_line is None else min(len(lines), end_line)
    if start > len(lines):
        raise ToolError(f"{path} has {len(lines)} lines; start_line {start_line} is past the end")
    width = len(str(end))
    body = "\n".join(f"{n:>{width}}\t{lines[n - 1]}" for n in range(start, end + 1))
    if start > 1 or end < len(lines):
        body += f"\n(lines {start}-{end} of {len(lines)})"
    return body


def search(root: Path, pattern: str, path: str = ".", glob: str = "") -> str:
    """Lines matching the regular expression `pattern`, as `path:line: text`."""
    base = _inside(root, path)
    try:
        regex = re.compile(pattern)
    except re.error as e:
        raise ToolError(f"not a valid regular expression: {e}") from e
    rg = shutil.which("rg")
    hits = _ripgrep(rg, root, base, pattern, glob) if rg else None
    if hits is None:
        hits = _python_search(root, base, regex, glob)
    if not hits:
        return "no matches"
    if len(hits) > MAX_SEARCH_HITS:
        more = len(hits) - MAX_SEARCH_HITS
        hits = [*hits[:MAX_SEARCH_HITS], f"... and {more} more: narrow the pattern or path"]
    return "\n".join(hits)


def _ripgrep(rg: str, root: Path, base: Path, pattern: str, glob: str) -> list[str] | None:
    args = [rg, "--line-number", "--no-heading", "--color=never", "--max-columns=300",
            "--glob", "!.loopwright", "-e", pattern]
    if glob:
        args += ["--glob", glob]
    proc = subprocess.run([*args, str(base)], cwd=root, capture_output=True, text=True,
                          check=False, timeout=60)
    if proc.returncode not in (0, 1):
        return None  # let the Python search try (and report) instead
    prefix = str(root.resolve()) + os.sep
    return sorted(line.removeprefix(prefix) for line in proc.stdout.splitlines())


def _python_search(root: Path, base: Path, regex: re.Pattern[str], glob: str) -> list[str]:
    hits: list[str] = []
    files = [base] if base.is_file() else sorted(_walk(base))
    for file in files:
        if glob and not (file.match(glob) or Path(_rel(root, file)).match(glob)):
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if regex.search(line):
                hits.append(f"{_rel(root, file)}:{n}:{line[:300]}")
        if len(hits) > MAX_SEARCH_HITS:
            break
    return hits


def _walk(base: Path) -> list[Path]:
    found = []
    for current, dirs, names in os.walk(base):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        found += [Path(current) / n for n in names]
    return found


def edit_file(root: Path, path: str, old: str, new: str, replace_all: bool = False) -> str:
    """Replace the exact text `old` with `new`; `old` must occur once unless
    `replace_all`."""
    target = _inside(root, path)
    if not target.is_file():
        raise ToolError(f"{path}: no such file (use write_file to create it)")
    if not old:
        raise ToolError("old is empty: give the exact text to replace (write_file "
                        "replaces a whole file)")
    text = target.read_text(encoding="utf-8")
    count = text.count(old)
    if count == 0:
        raise ToolError(f"{path}: the text to replace was not found. Read the file again "
                        "and copy the text exactly, whitespace included.")
    if count > 1 and not replace_all:
        lines = _lines_of(text, old)
        raise ToolError(f"{path}: the text to replace occurs {count} times (lines "
                        f"{', '.join(map(str, lines))}); include more of the surrounding "
                        "text to pick one, or set replace_all")
    target.write_text(text.replace(old, new), encoding="utf-8")
    return f"{path}: replaced {count} occurrence{'s' if count > 1 else ''}"


def _lines_of(text: str, needle: str) -> list[int]:
    lines, start = [], 0
    while (i := text.find(needle, start)) >= 0:
        lines.append(text.count("\n", 0, i) + 1)
        start = i + 1
    return lines


def write_file(root: Path, path: str, content: str) -> str:
    target = _inside(root, path)
    if target.is_dir():
        raise ToolError(f"{path} is a directory")
    existed = target.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content, encoding="utf-8")
    lines = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
    return f"{'overwrote' if existed else 'created'} {path} ({lines} line{'s' * (lines != 1)})"
