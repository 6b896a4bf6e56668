"""`loopwright`: the command line. A front end like the editor: reads state, appends
human events; `run` hosts the manager."""

from __future__ import annotations

from .parser import main, reference_markdown

__all__ = ["main", "reference_markdown"]
