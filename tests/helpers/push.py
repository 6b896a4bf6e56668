"""Helpers for the push tests: the page served for real (its callback route is what the
ntfy app calls), and the [push] config pointing at a fake ntfy server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from helpers.web import served
from loopwright.project import Project


def push_config(ntfy_url: str, page_url: str = "", **more: object) -> str:
    """`page_url` "": the links go to the page the test serves (`.loopwright/web.json`)."""
    lines = [f'url = "{ntfy_url}"', 'topic = "lw-test"',
             *([f'page_url = "{page_url}"'] if page_url else []),
             *(f"{k} = {v!r}".replace("'", '"') for k, v in more.items())]
    return "[push]\n" + "\n".join(lines) + "\n"


@contextmanager
def phone_page(project: Project) -> Iterator[str]:
    """The phone page, serving on loopback in its own thread; yields its base URL."""
    with served(project) as server:
        yield server.base_url
