"""A session's change as text and as hunks with stable ids, and files at a commit.

The hunks come from parsing `git diff` output ourselves. Git's output is pinned down
with explicit options so the user's configuration (external diff drivers, textconv,
prefixes, submodule formats, colour) cannot change what we parse.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from loopwright.events import Hunk
from loopwright.workspace.repo import WorkspaceError, run_ok

__all__ = ["FileKinds", "compute_hunks", "diff_text", "file_at", "file_kinds"]

_DIFF_OPTIONS = (
    "-c",
    "core.quotePath=false",
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--submodule=short",
    "--find-renames",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)
_HUNK_HEADER = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_BINARY_SNIFF = 8000  # git's own heuristic: a NUL in the first 8000 bytes means binary
_SNIFF_FILES = 200  # files whose content file_kinds reads itself (one git process each)


def _diff_bytes(root: Path, base: str, head: str, context: int = 3) -> bytes:
    result = run_ok(root, *_DIFF_OPTIONS, f"-U{context}", base, head, "--")
    if result.status != 0:
        raise WorkspaceError(f"could not diff {base} against {head} in {root}: {result.stderr}")
    return result.stdout


def diff_text(root: Path, base: str, head: str) -> str:
    """The unified diff from `base` to `head` (what `loopwright diff` prints)."""
    return _diff_bytes(root, base, head).decode("utf-8", "replace")


def compute_hunks(root: Path, base: str, head: str, *, context: int = 3,
                  ) -> tuple[list[Hunk], list[str], int, int]:
    """(hunks, changed files, lines added, lines removed) from `base` to `head`.

    A hunk's id depends only on its path and its removed/added lines, so it survives a
    recomputation and changes elsewhere in the file. Files without hunks (binary, pure
    renames, mode changes, empty new files) are listed in `files` all the same.
    """
    files = _parse(_diff_bytes(root, base, head, context))
    hunks: list[Hunk] = []
    for entry in files:
        seen: Counter[str] = Counter()
        for raw in entry.hunks:
            digest = hashlib.sha1(entry.path.encode() + b"\0" + b"\n".join(raw.changed))
            hunk_id = digest.hexdigest()[:10]
            seen[hunk_id] += 1
            if seen[hunk_id] > 1:
                hunk_id = f"{hunk_id}-{seen[hunk_id]}"
            hunks.append(
                Hunk(
                    hunk_id=hunk_id,
                    path=entry.path,
                    old_start=raw.old_start,
                    old_lines=raw.old_lines,
                    new_start=raw.new_start,
                    new_lines=raw.new_lines,
                    header=raw.header,
                    added=raw.added,
                    removed=raw.removed,
                )
            )
    added = sum(h.added for h in hunks)
    removed = sum(h.removed for h in hunks)
    return hunks, [entry.path for entry in files], added, removed


@dataclass(frozen=True, slots=True)
class FileKinds:
    """The files of a change the gate counts apart from its lines."""

    binary: tuple[str, ...]  # binary in `head`: they have no lines to count
    new: tuple[str, ...]  # not in `base` (renames are not new)


def file_kinds(root: Path, base: str, head: str) -> FileKinds:
    """Which files changed from `base` to `head` are binary, and which are new.

    Binary is judged from the content (a NUL in the first 8000 bytes, as git does) as
    well as by git, so a `.gitattributes` in the change cannot make a binary file pass
    for text.
    """
    raw = run_ok(root, "-c", "core.quotePath=false", "diff", "--raw", "-z", "--no-abbrev",
                 "--find-renames", "--no-ext-diff", "--no-textconv", base, head, "--")
    numstat = run_ok(root, "diff", "--numstat", "-z", "--find-renames", "--no-ext-diff",
                     "--no-textconv", base, head, "--")
    if raw.status != 0 or numstat.status != 0:
        said = (raw.stderr or numstat.stderr).strip()
        raise WorkspaceError(f"could not diff {base} against {head} in {root}: {said}")
    by_git = set(_binary_by_numstat(numstat.stdout))
    binary: list[str] = []
    new: list[str] = []
    fields = raw.stdout.split(b"\0")
    i = sniffed = 0
    while i < len(fields) - 1:
        meta = fields[i].split()
        if len(meta) < 5:
            break
        status = meta[4][:1]
        paths = 2 if status in (b"R", b"C") else 1
        path = _decode(fields[i + paths])
        i += 1 + paths
        if status == b"D":
            continue
        if status == b"A":
            new.append(path)
        sniffed += 1  # past the cap the change is far over any line limit anyway
        sniff = sniffed <= _SNIFF_FILES
        if path in by_git or (sniff and _is_binary_blob(root, meta[3].decode())):
            binary.append(path)
    return FileKinds(tuple(binary), tuple(new))


def _binary_by_numstat(out: bytes) -> list[str]:
    """`-\t-\t` records of `git diff --numstat -z` (a rename's path follows in two fields)."""
    fields, found, i = out.split(b"\0"), [], 0
    while i < len(fields) and fields[i]:
        added, _, rest = fields[i].partition(b"\t")
        _, _, path = rest.partition(b"\t")
        if not path:  # a rename: "A\tD\t" then old and new paths
            path, i = fields[i + 2], i + 3
        else:
            i += 1
        if added == b"-":
            found.append(_decode(path))
    return found


def _is_binary_blob(root: Path, sha: str) -> bool:
    result = run_ok(root, "cat-file", "blob", sha)
    return result.status == 0 and b"\0" in result.stdout[:_BINARY_SNIFF]


def file_at(root: Path, commit: str, path: str) -> str | None:
    """The text of `path` at `commit`; None when it does not exist there or is binary."""
    result = run_ok(root, "cat-file", "blob", f"{commit}:{path}")
    if result.status != 0:
        if run_ok(root, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}").status:
            raise WorkspaceError(f"{commit!r} does not name a commit in {root}")
        return None
    if b"\0" in result.stdout[:_BINARY_SNIFF]:
        return None
    return result.stdout.decode("utf-8", "replace")


# --- parsing git's output ---------------------------------------------------------------


@dataclass
class _RawHunk:
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    header: str
    changed: list[bytes] = field(default_factory=list)
    added: int = 0
    removed: int = 0


@dataclass
class _FileDiff:
    old_path: str | None = None
    new_path: str | None = None
    deleted: bool = False
    hunks: list[_RawHunk] = field(default_factory=list)

    @property
    def path(self) -> str:
        name = self.old_path if self.deleted else self.new_path
        return name or self.old_path or self.new_path or ""


def _parse(output: bytes) -> list[_FileDiff]:
    files: list[_FileDiff] = []
    current: _FileDiff | None = None
    hunk: _RawHunk | None = None
    old_left = new_left = 0
    for line in output.split(b"\n"):
        if hunk is not None and (old_left > 0 or new_left > 0):
            kind = line[:1]
            if kind in (b" ", b""):
                old_left, new_left = old_left - 1, new_left - 1
            elif kind == b"-":
                old_left -= 1
                hunk.removed += 1
                hunk.changed.append(line)
            elif kind == b"+":
                new_left -= 1
                hunk.added += 1
                hunk.changed.append(line)
            elif kind == b"\\":
                hunk.changed.append(line)
            else:
                raise WorkspaceError(f"could not read git's diff output near {line[:80]!r}")
            continue
        if hunk is not None and line.startswith(b"\\"):
            hunk.changed.append(line)  # "\ No newline at end of file" after the last line
            continue
        hunk = None
        if line.startswith(b"diff --git "):
            current = _FileDiff()
            current.old_path, current.new_path = _split_git_header(line[len(b"diff --git ") :])
            files.append(current)
        elif current is None:
            continue
        elif match := _HUNK_HEADER.match(line):
            old_left = int(match[2]) if match[2] is not None else 1
            new_left = int(match[4]) if match[4] is not None else 1
            hunk = _RawHunk(
                old_start=int(match[1]),
                old_lines=old_left,
                new_start=int(match[3]),
                new_lines=new_left,
                header=line.decode("utf-8", "replace"),
            )
            current.hunks.append(hunk)
        elif line.startswith((b"rename from ", b"copy from ")):
            current.old_path = _path(line.split(b" ", 2)[2])
        elif line.startswith((b"rename to ", b"copy to ")):
            current.new_path = _path(line.split(b" ", 2)[2])
        elif line.startswith(b"deleted file mode"):
            current.deleted = True
        elif line.startswith(b"--- ") and line[4:] != b"/dev/null":
            current.old_path = _path(line[4:].removesuffix(b"\t"), strip=b"a/")
        elif line.startswith(b"+++ ") and line[4:] != b"/dev/null":
            current.new_path = _path(line[4:].removesuffix(b"\t"), strip=b"b/")
    return files


def _split_git_header(rest: bytes) -> tuple[str, str]:
    """Both paths of `diff --git a/X b/Y` (exact for X == Y; renames name theirs later)."""
    if rest.startswith(b'"'):
        first, end = _unquote(rest, 0)
        second_raw = rest[end + 1 :]
        second = _unquote(second_raw, 0)[0] if second_raw.startswith(b'"') else second_raw
        return _decode(first.removeprefix(b"a/")), _decode(second.removeprefix(b"b/"))
    if rest.endswith(b'"'):
        cut = rest.index(b' "')
        first, second = rest[:cut], _unquote(rest, cut + 1)[0]
        return _decode(first.removeprefix(b"a/")), _decode(second.removeprefix(b"b/"))
    half = (len(rest) - 5) // 2  # "a/" + X + " b/" + X
    if (
        rest[:2] == b"a/"
        and rest[2 : 2 + half] == rest[half + 5 :]
        and rest[half + 2 :][:3] == b" b/"
    ):
        name = _decode(rest[2 : 2 + half])
        return name, name
    first, _, second = rest.partition(b" b/")
    return _decode(first.removeprefix(b"a/")), _decode(second)


def _path(raw: bytes, strip: bytes = b"") -> str:
    if raw.startswith(b'"'):
        raw = _unquote(raw, 0)[0]
    return _decode(raw.removeprefix(strip))


_ESCAPES = {
    ord("a"): 7,
    ord("b"): 8,
    ord("t"): 9,
    ord("n"): 10,
    ord("v"): 11,
    ord("f"): 12,
    ord("r"): 13,
    ord('"'): ord('"'),
    ord("\\"): ord("\\"),
}


def _unquote(data: bytes, start: int) -> tuple[bytes, int]:
    """Undo git's C-style quoting of the string opening at `start`; (bytes, index of `"`)."""
    out = bytearray()
    i = start + 1
    while i < len(data):
        byte = data[i]
        if byte == ord('"'):
            return bytes(out), i
        if byte == ord("\\") and i + 1 < len(data):
            nxt = data[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if data[i + 1 : i + 4].isdigit():
                out.append(int(data[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
        out.append(byte)
        i += 1
    raise WorkspaceError(f"could not read a quoted path in git's output: {data[:80]!r}")


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")
