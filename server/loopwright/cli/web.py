"""`loopwright web url | revoke`, and the page `run --web` and `serve --web` serve."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..config import Config, served_url
from ..project import Project
from ..web import access, qr
from .common import CliError, open_api

if TYPE_CHECKING:  # HTTP serving: imported when a page is served
    from ..web.server import WebServer


def start_page(project: Project, config: Config, flag: str, *, remote: bool
               ) -> WebServer | None:
    """Serve the page when `--web` or `[web] address` asks for it; None otherwise."""
    if not flag and not config.web.address:
        return None
    if not flag and (elsewhere := served_url(project.dot)):
        # `[web] address` and another process (the editor's `serve`, a `run`) has it
        print(f"web page: served already at {elsewhere}", file=sys.stderr)
        return None
    from ..web.server import WebError, WebServer, resolve_address

    try:
        server = WebServer(project, config, resolve_address(config, flag, allow_remote=remote))
        server.start()
    except WebError as e:
        raise CliError(str(e)) from None
    return server


def announce(server: WebServer) -> None:
    """What `run --web` says first: the link, and what a public address exposes."""
    if server.exposed:
        print(f"warning: {server.exposed}", file=sys.stderr)
    print(f"web page: {server.link()}\n  (`loopwright web url` shows it as a QR code; "
          "`loopwright web revoke` makes a new one)", flush=True)


def url(args: argparse.Namespace) -> int:
    api = open_api(args)
    project, config = api.project, api.config
    api.close()
    from ..web.server import page_link

    link = page_link(project, config)
    if not args.no_qr:
        sys.stdout.write(qr.terminal(link.url))
    print(link.url)
    if not link.served:
        print("(no page is served now: `loopwright run --web PORT` serves it)",
              file=sys.stderr)
    return 0


def revoke(args: argparse.Namespace) -> int:
    api = open_api(args)
    project = api.project
    api.close()
    access.rotate(project.dot)
    print("revoked: every link and open page lost access; `loopwright web url` prints "
          "the new link")
    return 0
