"""The fold of a session's environment and preview (issue 15), beside `state.py`, which
calls it: reserved ports, teardown, the preview's life and its screenshots."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec

from . import events as ev

PreviewStatus = Literal["starting", "ready", "failed", "stopped"]


class Preview(msgspec.Struct, kw_only=True):
    status: PreviewStatus = "starting"
    url: str = ""
    head_commit: str = ""  # the change it serves
    display: Literal["none", "vnc"] = "none"
    reason: str = ""
    output_tail: str = ""
    started_at: float = 0.0
    ready_seconds: float = 0.0
    shots: tuple[ev.Screenshot, ...] = ()
    shots_of: str = ""  # the head commit the screenshots show
    problems: tuple[str, ...] = ()


class SessionEnvironment(msgspec.Struct, kw_only=True):
    ports: tuple[int, ...] = ()
    copied_in: bool = False  # `[environment] copy` applied in its worktree here
    released: bool = False  # teardown done, ports free
    teardown_ran: list[str] = msgspec.field(default_factory=list)  # never run again
    preview: Preview | None = None
    preview_requested_at: float = 0.0  # the last human ask (the idle clock restarts)


EVENTS = (ev.PortsReserved, ev.EnvironmentReleased, ev.TeardownRan, ev.PreviewRequested,
          ev.PreviewStarted, ev.PreviewReady, ev.PreviewFailed, ev.PreviewStopped,
          ev.ScreenshotsTaken, ev.FilesCopiedIn)


def record(env: SessionEnvironment, e: ev.Event, at: float) -> None:
    match e:
        case ev.PortsReserved(ports=ports) if not env.ports:
            env.ports = ports
        case ev.FilesCopiedIn():
            env.copied_in = True
        case ev.EnvironmentReleased():
            env.released = True
        case ev.TeardownRan(command=command):
            env.teardown_ran.append(command)
        case ev.PreviewRequested():
            env.preview_requested_at = at
        case ev.PreviewStarted(url=url, display=display):
            old = env.preview
            env.preview = Preview(url=url, display=display, started_at=at,
                                  head_commit=e.head_commit)
            if old is not None and old.shots_of == e.head_commit:  # same change: kept
                env.preview.shots, env.preview.shots_of = old.shots, old.shots_of
                env.preview.problems = old.problems
        case ev.PreviewReady(seconds=seconds) if env.preview is not None:
            env.preview.status, env.preview.ready_seconds = "ready", seconds
        case ev.PreviewFailed(reason=reason, output_tail=tail) if env.preview is not None:
            env.preview.status, env.preview.reason = "failed", reason
            env.preview.output_tail = tail
        case ev.PreviewStopped(reason=reason) if env.preview is not None:
            if env.preview.status != "failed":
                env.preview.status, env.preview.reason = "stopped", reason
        case ev.ScreenshotsTaken() if env.preview is not None:
            env.preview.shots, env.preview.shots_of = e.shots, e.head_commit
            env.preview.problems = e.problems
        case _:
            pass


def ports_in_use(envs: Iterable[SessionEnvironment]) -> set[int]:
    """Every port a session holds: reserved and not yet released."""
    return {p for env in envs if not env.released for p in env.ports}
