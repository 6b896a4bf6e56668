"""Serving the page beside the manager (`run --web`, `serve --web`), and its link.

The page binds to loopback unless told otherwise; another address needs `--web-remote`
(or `[web] allow_remote`), and the server says what that exposes. With `[web] tls_cert`
and `tls_key` it speaks HTTPS. On start it writes `.loopwright/web.json` (the base URL,
no secret) so `loopwright web url` and push links know where the page is.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import dataclass

from starlette.routing import BaseRoute

from ..config import Config
from ..config.web import SERVED_FILE, served_url
from ..project import Project
from ..serving import Address, HttpServer, ServingError, is_loopback, parse_address
from . import access, push_callbacks
from .app import create_app

log = logging.getLogger(__name__)
DEFAULT_PORT = 8765
EXPOSURE = ("anyone who can reach {address} and has the link can read this repository's "
            "sessions, diffs and questions, answer them, approve and land changes, and "
            "kill sessions")


class WebError(Exception):
    """The page cannot be served as asked; the message says why."""


def extra_routes() -> list[BaseRoute]:
    """Routes mounted under /push: the notification buttons' callbacks (push/)."""
    return push_callbacks.routes()


def resolve_address(config: Config, flag: str, *, allow_remote: bool) -> Address:
    """The address to serve on, refused when it is not loopback and nobody allowed it."""
    try:
        address = parse_address(flag or config.web.address or str(DEFAULT_PORT),
                                option="--web")
    except ServingError as e:
        raise WebError(str(e)) from None
    if not is_loopback(address.host) and not (allow_remote or config.web.allow_remote):
        raise WebError(
            f"--web {address} is not a loopback address: {EXPOSURE.format(address=address)}."
            " Pass --web-remote (or set [web] allow_remote = true) if that is what you "
            "want; better, keep 127.0.0.1 and put a reverse proxy or a tailnet in front "
            "(docs/anywhere.md)")
    return address


def base_url(config: Config, address: Address, *, tls: bool) -> str:
    if config.web.public_url:
        return config.web.public_url.rstrip("/")
    host = address.host
    if host in ("0.0.0.0", "::"):
        host = socket.gethostname()
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{address.port}"


def link(base: str, token: str) -> str:
    """The link that opens the page with its token: in the fragment, which the browser
    never sends to a server (nor to a proxy's log)."""
    return f"{base}/#token={token}"


@dataclass
class PageLink:
    url: str  # with the token
    base: str  # without
    served: bool  # a server is serving it now


def page_link(project: Project, config: Config) -> PageLink:
    """The page's link: the running server's, else the one `[web]` would serve."""
    base = served_url(project.dot)
    served = bool(base)
    if not base:
        try:
            address = resolve_address(config, "", allow_remote=True)
        except WebError:
            address = Address("127.0.0.1", DEFAULT_PORT)
        base = base_url(config, address, tls=bool(config.web.tls_cert))
    return PageLink(link(base, access.read_or_create(project.dot)), base, served)


class WebServer:
    def __init__(self, project: Project, config: Config, address: Address) -> None:
        self.project, self.config = project, config
        try:
            self._http = HttpServer(address, name="web", ssl_certfile=config.web.tls_cert,
                                    ssl_keyfile=config.web.tls_key)
        except ServingError as e:
            raise WebError(str(e)) from None
        self.address = self._http.address
        self.base_url = base_url(config, self.address, tls=self._http.tls)
        self.exposed = "" if is_loopback(address.host) else EXPOSURE.format(
            address=self.address)

    def start(self) -> None:
        access.read_or_create(self.project.dot)
        app = create_app(self.project, self.config, self.base_url,
                         extra_routes=extra_routes())
        try:
            self._http.start(app)
        except ServingError as e:
            raise WebError(str(e)) from None
        path = self.project.dot / SERVED_FILE
        path.write_text(json.dumps({"url": self.base_url, "pid": os.getpid()}) + "\n")
        if self.exposed:
            log.warning("the web page listens on %s: %s", self.address, self.exposed)
        log.info("web page at %s", self.base_url)

    def stop(self) -> None:
        self._http.stop()
        path = self.project.dot / SERVED_FILE
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError):
            pass

    def link(self) -> str:
        return link(self.base_url, access.read_or_create(self.project.dot))
