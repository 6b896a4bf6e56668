"""Which folder the editor opened, from `initialize`'s workspace folders and root URI.
Light on purpose: the first answers (early.py) need it before the server is loaded."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit


def path_of(uri: str) -> Path:
    parts = urlsplit(uri)
    return Path(unquote(parts.path))


def workspace_root(folders: list[str], root_uri: str | None) -> Path:
    """The folder the editor opened: its first workspace folder, else the root URI."""
    for uri in folders:
        if uri.startswith("file:"):
            return path_of(uri)
    if root_uri and root_uri.startswith("file:"):
        return path_of(root_uri)
    return Path.cwd()


def opened_root(folders: list[str], root_uri: str | None, default: Path | None) -> Path:
    """The repository to open: `-C DIR` when the editor named no folder at all."""
    if not folders and not root_uri and default is not None:
        return default
    return workspace_root(folders, root_uri)
