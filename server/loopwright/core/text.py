"""Text from outside (task titles, GitHub issues, file names) made safe to show and store.

A task title can come from anyone who can open an issue. Printed raw, `\\x1b]52;...`
could write the user's clipboard and `\\x1b[2J` clear their screen; a right-to-left
override can make a line read differently from what it says. `for_terminal` shows
such characters as visible escapes instead: the text stays readable and nothing is
interpreted. `storable` turns what cannot be encoded as UTF-8 (lone surrogates, the
undecodable bytes of a file name) into visible escapes, so it can go into the log.
"""

from __future__ import annotations

import os
import re

# C0 controls but tab and newline, DEL, C1 controls, the bidirectional overrides and
# isolates (the "Trojan Source" characters), and lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)
_UNSAFE_ONE_LINE = re.compile(_UNSAFE.pattern[:-1] + "\t\n]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x09:
        return "\\t"
    if code == 0x0A:
        return "\\n"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def for_terminal(text: str, *, one_line: bool = False) -> str:
    """`text` with every control character shown as an escape (`\\x1b`, `\\u202e`).
    Tabs and newlines are kept, unless `one_line` asks for them escaped too."""
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    return pattern.sub(_escape, text)


def storable(text: str) -> str:
    """`text` as valid Unicode: lone surrogates (what Python makes of the undecodable
    bytes of a file name) become `\\udcff`-style escapes; everything else is kept."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def file_name(name: str) -> str:
    """A file name as text that can be shown and stored: the bytes that are not UTF-8
    (Python holds them as surrogates) become `\\xe9`-style escapes."""
    try:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no file system produced
        return storable(name)
