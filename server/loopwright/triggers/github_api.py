"""A small client for the GitHub REST API: the calls Loopwright makes, and nothing else.

Plain HTTPS through the standard library, in a thread so the loop never blocks. Lists
are fetched conditionally: the `ETag` of the last answer goes back as `If-None-Match`,
and a 304 (which GitHub does not count against the rate limit) means "unchanged".
Rate limits are respected as GitHub's documentation asks: after a 403 or 429, wait
`retry-after` seconds when given, else until `x-ratelimit-reset` when
`x-ratelimit-remaining` is 0, else at least a minute; and when the remaining count reaches
0, make no request before the reset.

The token comes from `GITHUB_TOKEN` (or `GH_TOKEN`), else `gh auth token`. It lives only in
this client's request headers: never in an event, an error message or a log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

log = logging.getLogger(__name__)
Json = dict[str, Any]
API_VERSION = "2022-11-28"
SECONDARY_WAIT_SECONDS = 60.0
TIMEOUT_SECONDS = 30.0
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"GitHub answered {status}: {message}" if status else message)
        self.status = status


class RateLimited(GitHubError):
    def __init__(self, until: float, message: str) -> None:
        wait = max(0, int(until - time.time()))
        super().__init__(0, f"GitHub rate limit: waiting {wait}s ({message})")
        self.until = until


def find_token(environ: dict[str, str] | None = None) -> str:
    """`GITHUB_TOKEN`, `GH_TOKEN`, or what `gh auth token` prints; GitHubError if none."""
    env = os.environ if environ is None else environ
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        if env.get(name, "").strip():
            return env[name].strip()
    gh = shutil.which("gh")
    if gh:
        proc = subprocess.run([gh, "auth", "token"], capture_output=True, text=True,
                              check=False, timeout=30)
        if proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.strip()
    raise GitHubError(0, "no GitHub token: set GITHUB_TOKEN, or log in with `gh auth login`")


@dataclass
class _Response:
    status: int
    data: Any
    headers: dict[str, str]


@dataclass
class GitHubClient:
    api_url: str
    repo: str
    token: str = field(repr=False)
    rate_remaining: int | None = None
    rate_reset: float = 0.0
    paused_until: float = 0.0
    requests: int = 0  # requests sent (304s included)
    not_modified: int = 0  # of those, answered 304
    _etags: dict[str, tuple[str, Any]] = field(default_factory=dict, repr=False)

    # --- issues --------------------------------------------------------------------

    async def labeled_issues(self, label: str) -> list[Json] | None:
        """Open issues (not pull requests) with `label`, or None when nothing changed."""
        # Most recently updated first: an old issue that just got the label moves to the
        # first page, so the first page's ETag is enough to know whether anything changed.
        query = {"labels": label, "state": "open", "sort": "updated", "direction": "desc"}
        items = await self._list(f"/issues?{urlencode(query)}")
        if items is None:
            return None
        return [i for i in items if "pull_request" not in i]

    async def comment(self, number: int, body: str) -> Json:
        result: Json = await self._call("POST", f"/issues/{number}/comments", {"body": body})
        return result

    async def add_labels(self, number: int, labels: list[str]) -> None:
        await self._call("POST", f"/issues/{number}/labels", {"labels": labels})

    async def remove_label(self, number: int, label: str) -> None:
        try:
            await self._call("DELETE", f"/issues/{number}/labels/{quote(label, safe='')}")
        except GitHubError as e:
            if e.status != 404:  # already gone: fine
                raise

    # --- pull requests -------------------------------------------------------------

    async def open_pull(self, *, title: str, head: str, base: str, body: str) -> Json:
        """Open a PR from `head`; an open PR for that branch already is the answer."""
        try:
            result: Json = await self._call(
                "POST", "/pulls", {"title": title, "head": head, "base": base, "body": body})
            return result
        except GitHubError as e:
            if e.status != 422 or "already exists" not in str(e):
                raise
        existing = await self.find_pull(head)
        if existing is None:
            raise GitHubError(422, f"a pull request for {head} exists but cannot be found")
        return existing

    async def find_pull(self, head: str) -> Json | None:
        owner = self.repo.split("/")[0]
        query = urlencode({"head": f"{owner}:{head}", "state": "open"})
        pulls: list[Json] = await self._call("GET", f"/pulls?{query}")
        return pulls[0] if pulls else None

    async def pull(self, number: int) -> Json:
        result: Json = await self._call("GET", f"/pulls/{number}")
        return result

    async def reviews(self, number: int) -> list[Json] | None:
        """The PR's reviews, oldest first, or None when unchanged since the last look."""
        return await self._list(f"/pulls/{number}/reviews")

    async def review_comments(self, number: int, review_id: int) -> list[Json]:
        result: list[Json] = await self._call(
            "GET", f"/pulls/{number}/reviews/{review_id}/comments")
        return result

    # --- plumbing ------------------------------------------------------------------

    async def _list(self, path: str) -> list[Json] | None:
        """Every page of a list; None when its first page is unchanged (304)."""
        url = self._url(path, per_page=True)
        first = await self._send("GET", url, None, conditional=True)
        if first.status == 304:
            return None
        items: list[Json] = list(first.data)
        link = first.headers.get("link", "")
        while (m := _NEXT.search(link)) is not None:
            page = await self._send("GET", m.group(1), None, conditional=False)
            items += page.data
            link = page.headers.get("link", "")
        return items

    async def _call(self, method: str, path: str, body: Json | None = None) -> Any:
        return (await self._send(method, self._url(path), body, conditional=False)).data

    def _url(self, path: str, per_page: bool = False) -> str:
        url = f"{self.api_url.rstrip('/')}/repos/{self.repo}{path}"
        if per_page:
            url += ("&" if "?" in url else "?") + "per_page=100"
        return url

    async def _send(self, method: str, url: str, body: Json | None, *, conditional: bool
                    ) -> _Response:
        wait = self.paused_until - time.time()
        if wait > 0:
            raise RateLimited(self.paused_until, "paused until the limit resets")
        cached = self._etags.get(url) if conditional else None
        response = await asyncio.to_thread(self._blocking, method, url, body,
                                           cached[0] if cached else "")
        self.requests += 1
        self._note_rate(response)
        if response.status == 304 and cached is not None:
            self.not_modified += 1
            return _Response(304, cached[1], response.headers)
        if response.status in (403, 429):
            self._maybe_rate_limited(response)
        if response.status >= 400:
            message = response.data.get("message", "") if isinstance(response.data, dict) else ""
            errors = response.data.get("errors", []) if isinstance(response.data, dict) else []
            details = "; ".join(str(e.get("message", e)) for e in errors
                                if isinstance(e, dict))
            raise GitHubError(response.status, f"{message} {details}".strip() or "error")
        if conditional and (etag := response.headers.get("etag")):
            self._etags[url] = (etag, response.data)
        return response

    def _blocking(self, method: str, url: str, body: Json | None, etag: str) -> _Response:
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "loopwright",
        }
        if etag:
            headers["If-None-Match"] = etag
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as r:
                return _Response(r.status, _json(r.read()), _lower(r.headers.items()))
        except urllib.error.HTTPError as e:
            return _Response(e.code, _json(e.read()), _lower(e.headers.items()))
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise GitHubError(0, f"cannot reach {self.api_url}: {reason}") from None

    def _note_rate(self, response: _Response) -> None:
        h = response.headers
        if "x-ratelimit-remaining" in h:
            self.rate_remaining = int(h["x-ratelimit-remaining"])
            self.rate_reset = float(h.get("x-ratelimit-reset", "0"))
            if self.rate_remaining == 0:
                self.paused_until = max(self.paused_until, self.rate_reset)

    def _maybe_rate_limited(self, response: _Response) -> None:
        h, now = response.headers, time.time()
        message = response.data.get("message", "") if isinstance(response.data, dict) else ""
        if "retry-after" in h:
            until = now + float(h["retry-after"])
        elif h.get("x-ratelimit-remaining") == "0":
            until = float(h.get("x-ratelimit-reset", now + SECONDARY_WAIT_SECONDS))
        elif "rate limit" in message.lower():
            until = now + SECONDARY_WAIT_SECONDS
        else:
            return  # a 403 for permissions: not a rate limit, not retried
        self.paused_until = max(self.paused_until, until)
        raise RateLimited(until, message or f"HTTP {response.status}")


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return {"message": raw[:200].decode("utf-8", "replace")}


def _lower(items: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in items}
