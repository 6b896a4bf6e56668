"""`loopwright preview SESSION`: the session's running build, started if need be, and
its link once it answers (the manager runs it; this waits and prints)."""

from __future__ import annotations

import argparse
import time

from ..views.preview import preview_line
from .common import CliError, OpenApi

POLL_SECONDS = 0.1
SLACK_SECONDS = 30.0  # besides ready_seconds: the manager notices, starts, waits


def preview(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        if api.manager_pid() is None:
            raise CliError("no manager is running here: the manager runs previews; start "
                           "`loopwright run` first")
        s = api.request_preview(args.session)
        asked = s.environment.preview_requested_at
        deadline = time.monotonic() + api.config.preview.ready_seconds + SLACK_SECONDS
        while time.monotonic() < deadline:
            api.refresh()
            p = s.environment.preview
            if p is not None and p.status == "ready":
                print(p.url)
                for shot in p.shots if p.shots_of == s.head_commit else ():
                    print(f"  {shot.page}: after {shot.after}"
                          + (f", before {shot.before}" if shot.before else ""))
                return 0
            if p is not None and p.status == "failed" and p.started_at >= asked:
                tail = "".join(f"\n    | {line}" for line in p.output_tail.splitlines())
                raise CliError(f"{preview_line(s)}{tail}")
            time.sleep(POLL_SECONDS)
        raise CliError(f"the manager did not bring the preview of {s.name} up in time "
                       f"({preview_line(s) or 'not started'})")
