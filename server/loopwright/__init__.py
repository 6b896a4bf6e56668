"""Loopwright: the loop that runs coding agents so the engineer stops being the scheduler."""

from __future__ import annotations

__version__ = "0.1.0"
