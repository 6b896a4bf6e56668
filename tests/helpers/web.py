"""The phone page served for a test (a real uvicorn server on loopback), and plain
HTTP requests to it."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from loopwright.config import load
from loopwright.project import Project
from loopwright.serving import Address
from loopwright.web import access
from loopwright.web.server import WebServer


@contextmanager
def served(project: Project) -> Iterator[WebServer]:
    server = WebServer(project, load(project.config_path), Address("127.0.0.1", 0))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def token(project: Project) -> str:
    return access.read_or_create(project.dot)


def request(server: WebServer, method: str, path: str, *, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection(server.address.host, server.address.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        raw = response.read()
        got = {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()
    if got.get("content-type", "").startswith("application/json"):
        return response.status, got, json.loads(raw)
    return response.status, got, raw.decode(errors="replace")


def authed(project: Project) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(project)}"}


def act(server: WebServer, project: Project, verb: str, ref: str, text: str = ""
        ) -> tuple[int, Any]:
    body = json.dumps({"ref": ref, "text": text}).encode()
    status, _, data = request(server, "POST", f"/api/act/{verb}", body=body,
                              headers={**authed(project), "Content-Type": "application/json"})
    return status, data
