"""`[web]`: the phone page (docs/anywhere.md), and where its running server says it is."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

from .sections import Section, doc

SERVED_FILE = "web.json"  # under .loopwright/: the running page's URL, no secret in it


class WebConfig(Section):
    address: Annotated[str, doc(
        "`[HOST:]PORT` the page is served on by `loopwright run` and `serve` without "
        "`--web`; empty: no page unless `--web` asks for one. The host defaults to "
        "127.0.0.1.")] = ""
    allow_remote: Annotated[bool, doc(
        "Allow an address that is not loopback (the same as `--web-remote`): anyone who "
        "reaches it with the link can answer, approve, land and kill. Prefer a reverse "
        "proxy or a tailnet in front of a loopback address.")] = False
    public_url: Annotated[str, doc(
        "The page's URL as the phone reaches it (a reverse proxy, a tailnet name), for "
        "the link, the QR code and push click links; empty: from the address.")] = ""
    tls_cert: Annotated[str, doc(
        "PEM certificate file: serve HTTPS (with `tls_key`).")] = ""
    tls_key: Annotated[str, doc("PEM private key file of `tls_cert`.")] = ""
    max_body_bytes: Annotated[int, doc(
        "Largest request body accepted; larger ones get 413 unread.", ge=256,
        le=10_000_000)] = 64_000

    def __post_init__(self) -> None:
        super().__post_init__()
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("tls_cert and tls_key go together: give both, or neither")


def served_url(dot: Path) -> str:
    """The base URL of the page a running server serves (no token), or "" if none."""
    try:
        data = json.loads((dot / SERVED_FILE).read_text())
    except (OSError, ValueError):
        return ""
    if not isinstance(data, dict) or not isinstance(url := data.get("url"), str):
        return ""
    pid = data.get("pid")
    if isinstance(pid, int) and pid > 0:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return ""  # its server was killed without a word
        except PermissionError:
            pass
    return url
