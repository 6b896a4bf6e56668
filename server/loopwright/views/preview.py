"""The preview as every front end shows it: its link, whether it is up, why not, and
the screenshots before and after the change (also the LSP's wire type)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

import msgspec

from .. import events as ev
from ..state import Session

D = msgspec.Meta


class ScreenshotPair(msgspec.Struct, kw_only=True, rename="camel"):
    """One page of the preview, before and after the change."""

    page: Annotated[str, D(description='the page\'s path under the URL (`"/"`), or '
                                       '`"display"` for a desktop app')]
    after: Annotated[str, D(description="absolute path of a PNG: the session's build")]
    before: Annotated[str, D(description='absolute path of a PNG: the target branch\'s '
                                         'build; `""` when it could not be taken')] = ""


class PreviewView(msgspec.Struct, kw_only=True, rename="camel"):
    """A session's running build (`[preview]`)."""

    state: Annotated[Literal["starting", "ready", "failed", "stopped"], D(
        description="`starting` until its URL answers, `ready`, `failed` (it exited or "
                    "never answered), `stopped` (landed, rejected, idle)")]
    url: Annotated[str, D(description="where it answers (noVNC's page for a desktop app)")]
    reason: Annotated[str, D(description="why it failed or stopped")] = ""
    output_tail: Annotated[str, D(description="the end of its output, when it failed")] = ""
    display: Annotated[Literal["none", "vnc"], D(description="`vnc`: a desktop app on a "
                                                            "virtual display")] = "none"
    screenshots: Annotated[list[ScreenshotPair], D(
        description="of the change under review, page by page")] = msgspec.field(
        default_factory=list)
    problems: Annotated[tuple[str, ...], D(description="screenshots that could not be "
                                                       "taken, and why")] = ()


def preview_view(s: Session) -> PreviewView | None:
    p = s.environment.preview
    if p is None:
        return None
    shots = ([ScreenshotPair(page=x.page, after=x.after, before=x.before) for x in p.shots]
             if p.shots_of == s.head_commit else [])
    return PreviewView(state=p.status, url=p.url, reason=p.reason,
                       output_tail=p.output_tail, display=p.display, screenshots=shots,
                       problems=p.problems if shots else ())


def preview_line(s: Session) -> str:
    """One line for the CLI: `preview: ready http://...` or why it is not."""
    p = s.environment.preview
    if p is None:
        return ""
    if p.status == "ready":
        return f"preview: {p.url}"
    if p.status == "starting":
        return f"preview: starting at {p.url}"
    return f"preview: {p.status} ({p.reason})"


def describe(e: ev.Event, name: Callable[[str], str]) -> str | None:
    """One log line for the environment's and the preview's events; None for others."""
    match e:
        case ev.PortsReserved(ports=ports):
            return f"{name(e.session_id)}: ports {', '.join(map(str, ports))} reserved"
        case ev.EnvironmentReleased(ports=ports):
            freed = f"; ports {', '.join(map(str, ports))} free" if ports else ""
            return f"{name(e.session_id)}: environment ended{freed}"
        case ev.TeardownRan(exit_code=0):
            return f"{name(e.session_id)}: teardown `{e.command}` ran ({e.seconds:g}s)"
        case ev.TeardownRan():
            what = "timed out" if e.timed_out else f"failed (exit {e.exit_code})"
            return f"{name(e.session_id)}: teardown `{e.command}` {what}"
        case ev.PreviewRequested():
            return f"{name(e.session_id)}: preview asked for by {e.by}"
        case ev.PreviewStarted():
            return f"{name(e.session_id)}: preview starting at {e.url}"
        case ev.PreviewReady():
            return f"{name(e.session_id)}: preview ready at {e.url} ({e.seconds:g}s)"
        case ev.PreviewFailed():
            return f"{name(e.session_id)}: preview failed: {e.reason}"
        case ev.PreviewStopped():
            return f"{name(e.session_id)}: preview stopped ({e.reason})"
        case ev.ScreenshotsTaken():
            missing = f"; {len(e.problems)} problem(s)" if e.problems else ""
            return f"{name(e.session_id)}: {len(e.shots)} screenshot(s) taken{missing}"
    return None
