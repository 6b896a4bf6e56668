"""LSP base-protocol framing: `Content-Length` headers, a blank line, a body.

pygls' reader trusts the header: `Content-Length: 18446744073709551616` makes it try to
read that many bytes, and the error that follows ends the server (and a manager it
hosts). This reader refuses a length over `MAX_BODY_BYTES` without reading it, caps
header lines at `MAX_HEADER_LINE_BYTES`, and after a bad header looks for the next
`Content-Length:` line, so a bad frame costs that frame only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_HEADER_LINE_BYTES = 8 * 1024
_LENGTH = b"content-length:"


@dataclass(frozen=True)
class BadFrame:
    """A header block that was refused; its body (if any was sent) is not read."""

    reason: str


class FrameReader:
    """Reads frames from a blocking binary stream (the server's stdin), one at a time."""

    def __init__(self, stream: BinaryIO, *, max_body: int = MAX_BODY_BYTES) -> None:
        self._stream, self._max_body = stream, max_body

    def next(self) -> bytes | BadFrame | None:
        """The next frame's body; a `BadFrame` for a refused header; None at the end of
        the stream (also when it ends in the middle of a body)."""
        length: int | None = None
        problem = ""
        in_header = False
        while True:
            line = self._stream.readline(MAX_HEADER_LINE_BYTES + 1)
            if not line:
                return None
            if len(line) > MAX_HEADER_LINE_BYTES and not line.endswith(b"\n"):
                if not self._skip_line():
                    return None
                problem, in_header = f"a header line over {MAX_HEADER_LINE_BYTES} bytes", True
                continue
            if line.strip() == b"":
                if not in_header:
                    continue  # blank lines between frames
                if problem:
                    return BadFrame(problem)
                if length is None:
                    return BadFrame("a header without Content-Length")
                body = self._stream.read(length) if length else b""
                return body if len(body) == length else None
            # A header line glued to the end of garbage (the unread body of a refused
            # frame has no line break of its own) starts a new header block.
            at = line.lower().find(_LENGTH)
            if at > 0:
                line, length, problem = line[at:], None, ""
            in_header = True
            name, colon, value = line.partition(b":")
            if not colon:
                problem = problem or f"not a header line: {_show(line)}"
            elif name.strip().lower() == b"content-length":
                length, why = self._length(value.strip())
                problem = problem or why

    def _length(self, value: bytes) -> tuple[int | None, str]:
        if not value.isdigit():
            return None, f"Content-Length is not a number: {_show(value)}"
        if len(value) > len(str(self._max_body)) or int(value) > self._max_body:
            return None, (f"Content-Length {_show(value)} is over the limit of "
                          f"{self._max_body} bytes")
        return int(value), ""

    def _skip_line(self) -> bool:
        """Read to the end of an overlong line in bounded pieces; False at the end."""
        while True:
            piece = self._stream.readline(64 * 1024)
            if not piece:
                return False
            if piece.endswith(b"\n"):
                return True


def _show(text: bytes) -> str:
    shown = text.strip()[:40].decode("utf-8", "replace")
    return repr(shown + ("…" if len(text.strip()) > 40 else ""))
