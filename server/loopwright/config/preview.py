"""The `[preview]` section: a running build of each session's change, for the human to
try and for the screenshots on its review. docs/preview.md says how it behaves."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from .sections import HOUR, MINUTE, Section, doc


class PreviewConfig(Section):
    command: Annotated[str, doc(
        "The command that serves the session's build, run in its worktree inside the "
        "worker's sandbox (with the machine's loopback, so the URL answers): "
        "`npm run dev -- --port $LOOPWRIGHT_PORT_0`. Empty: no preview. Needs "
        "`[environment] ports` of at least 1 to serve on a port of its own.")] = ""
    url: Annotated[str, doc(
        "Where the preview answers once it is up; `$LOOPWRIGHT_PORT_0`... are the "
        "session's ports.")] = "http://127.0.0.1:$LOOPWRIGHT_PORT_0/"
    ready_seconds: Annotated[float, doc(
        "How long the preview has to answer at its URL; past it the review says it never "
        "became ready, with the end of its output.", ge=0.1, le=HOUR)] = 30.0
    idle_minutes: Annotated[float, doc(
        "A preview nobody asked for in this long is stopped (`loopwright preview` starts "
        "it again); 0: kept until the session lands or is rejected.",
        ge=0, le=7 * 24 * 60)] = 30.0
    pages: Annotated[list[str], doc(
        "Paths under the URL to screenshot for the review, once for the session's change "
        "and once for the target branch, side by side. Empty: no screenshots.")] = (
        msgspec.field(default_factory=list))
    display: Annotated[Literal["none", "vnc"], doc(
        "`vnc`: a desktop app. The command runs on a virtual display (Xvfb), served "
        "through x11vnc and noVNC; the URL is then noVNC's page, and the review gets a "
        "screenshot of the display.")] = "none"
    browser: Annotated[str, doc(
        "The Chromium that takes the screenshots; empty: `chromium` found on PATH "
        "(Debian's package). Never downloaded.")] = ""
    output_tail_lines: Annotated[int, doc(
        "How many of the last lines of the preview's output a failure shows.",
        ge=1, le=10_000)] = 30

    @property
    def enabled(self) -> bool:
        return bool(self.command.strip())

    @property
    def idle_seconds(self) -> float:
        return self.idle_minutes * MINUTE

    def __post_init__(self) -> None:
        super().__post_init__()
        for page in self.pages:
            if not page.startswith("/"):
                raise ValueError(f"pages: {page!r} must start with /")
