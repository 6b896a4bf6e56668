"""A local fake of the GitHub REST API, for tests and offline demos.

It serves, over real HTTP on 127.0.0.1, the endpoints Loopwright uses, in the shapes
GitHub documents: issues (a pull request is an issue too, with a `pull_request` key),
issue comments and labels, pull requests, reviews and review comments. Lists carry an
`ETag` and answer `If-None-Match` with 304 (which, as on GitHub, costs no rate limit);
every response carries `x-ratelimit-*` headers, and an exhausted limit answers 403 with
`x-ratelimit-remaining: 0` until its reset. Requests need `Authorization: Bearer TOKEN`.
The test drives the other side (`add_issue`, `add_review`, `merge_pull`, ...).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

Json = dict[str, Any]
_DOCS = "https://docs.github.com/rest"


class FakeGitHub:
    def __init__(self, repo: str = "octo/project", token: str = "fake-token-0123456789",
                 rate_limit: int = 5000) -> None:
        self.repo, self.token, self.limit = repo, token, rate_limit
        self.remaining, self.reset_at = rate_limit, int(time.time()) + 3600
        self.issues: dict[int, Json] = {}  # issues and pull requests, by number
        self.pulls: dict[int, Json] = {}
        self.comments: dict[int, list[Json]] = {}
        self.reviews: dict[int, list[Json]] = {}
        self.review_comments: dict[int, list[Json]] = {}  # by pull number
        self._updated: dict[int, int] = {}  # issue number -> order of its last update
        self.log: list[tuple[str, str, int]] = []  # (method, path, status) of each request
        self._ids = iter(range(1000, 10**9))
        self._numbers = iter(range(1, 10**6))
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- serving -----------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(_Handler):
            github = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name="fake-github").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the other side of the API: what a test (a person on GitHub) does -------------

    def add_issue(self, title: str, body: str = "", labels: tuple[str, ...] = ()) -> int:
        with self._lock:
            number = next(self._numbers)
            self.issues[number] = self._issue(number, title, body, labels)
            return number

    def add_review(self, pull: int, state: str, body: str = "",
                   comments: tuple[tuple[str, int, str], ...] = (),
                   user: str = "reviewer") -> int:
        """`state`: APPROVED, CHANGES_REQUESTED or COMMENTED; comments: (path, line, body)."""
        with self._lock:
            review_id = next(self._ids)
            self.reviews.setdefault(pull, []).append({
                "id": review_id, "user": _user(user), "body": body, "state": state,
                "html_url": f"https://github.com/{self.repo}/pull/{pull}#review-{review_id}",
                "commit_id": self.pulls[pull]["head"]["sha"], "submitted_at": _now(),
            })
            for path, line, text in comments:
                self.review_comments.setdefault(pull, []).append({
                    "id": next(self._ids), "pull_request_review_id": review_id,
                    "path": path, "line": line, "body": text, "user": _user(user),
                })
            return review_id

    def merge_pull(self, number: int, merge_commit_sha: str) -> None:
        with self._lock:
            pr = self.pulls[number]
            pr.update(state="closed", merged=True, merge_commit_sha=merge_commit_sha,
                      merged_at=_now())
            self.issues[number]["state"] = "closed"

    def close_pull(self, number: int) -> None:
        with self._lock:
            self.pulls[number].update(state="closed", merged=False)
            self.issues[number]["state"] = "closed"

    def exhaust_rate_limit(self, reset_in: float) -> None:
        with self._lock:
            self.remaining, self.reset_at = 0, int(time.time() + reset_in)

    def labels_of(self, number: int) -> list[str]:
        return [label["name"] for label in self.issues[number]["labels"]]

    def comment_bodies(self, number: int) -> list[str]:
        return [c["body"] for c in self.comments.get(number, [])]

    # --- the API -----------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Json | None
               ) -> tuple[int, Any]:
        """One request, already authenticated and within the rate limit."""
        prefix = f"/repos/{self.repo}"
        if not path.startswith(prefix + "/"):
            return 404, _error("Not Found")
        route, q = path[len(prefix):], {k: v[-1] for k, v in query.items()}
        with self._lock:
            for pattern, verb, handler in _ROUTES:
                m = re.fullmatch(pattern, route)
                if m and verb == method:
                    result: tuple[int, Any] = handler(self, q, body or {}, *m.groups())
                    return result
        return 404, _error("Not Found")

    def _list_issues(self, q: dict[str, str], body: Json) -> tuple[int, Any]:
        wanted = {w for w in q.get("labels", "").split(",") if w}
        state = q.get("state", "open")
        by_update = q.get("sort") == "updated"  # the default sort is by creation
        out = [i for i in sorted(self.issues.values(),
                                 key=lambda i: self._updated[i["number"]] if by_update
                                 else i["number"], reverse=q.get("direction", "desc") == "desc")
               if (state == "all" or i["state"] == state)
               and wanted <= {label["name"] for label in i["labels"]}]
        return 200, out

    def _get_issue(self, q: dict[str, str], body: Json, n: str) -> tuple[int, Any]:
        issue = self.issues.get(int(n))
        return (200, issue) if issue else (404, _error("Not Found"))

    def _add_comment(self, q: dict[str, str], body: Json, n: str) -> tuple[int, Any]:
        if int(n) not in self.issues:
            return 404, _error("Not Found")
        if not body.get("body"):
            return 422, _error("Validation Failed")
        cid = next(self._ids)
        comment = {"id": cid, "body": body["body"], "user": _user("loopwright-bot"),
                   "html_url": f"https://github.com/{self.repo}/issues/{n}#issuecomment-{cid}",
                   "created_at": _now()}
        self.comments.setdefault(int(n), []).append(comment)
        self.issues[int(n)]["comments"] += 1
        self._touch(self.issues[int(n)])
        return 201, comment

    def _list_comments(self, q: dict[str, str], body: Json, n: str) -> tuple[int, Any]:
        return 200, self.comments.get(int(n), [])

    def _add_labels(self, q: dict[str, str], body: Json, n: str) -> tuple[int, Any]:
        issue = self.issues.get(int(n))
        if issue is None:
            return 404, _error("Not Found")
        have = {label["name"] for label in issue["labels"]}
        issue["labels"] += [_label(name) for name in body.get("labels", []) if name not in have]
        self._touch(issue)
        return 200, issue["labels"]

    def _remove_label(self, q: dict[str, str], body: Json, n: str, name: str
                      ) -> tuple[int, Any]:
        issue = self.issues.get(int(n))
        name = unquote(name)
        if issue is None or name not in {label["name"] for label in issue["labels"]}:
            return 404, _error("Label does not exist")
        issue["labels"] = [label for label in issue["labels"] if label["name"] != name]
        self._touch(issue)
        return 200, issue["labels"]

    def _open_pull(self, q: dict[str, str], body: Json) -> tuple[int, Any]:
        head, base = body.get("head", ""), body.get("base", "")
        if not head or not base or not body.get("title"):
            return 422, _error("Validation Failed")
        if any(p["head"]["ref"] == head and p["state"] == "open" for p in self.pulls.values()):
            owner = self.repo.split("/")[0]
            return 422, {**_error("Validation Failed"), "errors": [{
                "resource": "PullRequest", "code": "custom",
                "message": f"A pull request already exists for {owner}:{head}."}]}
        number = next(self._numbers)
        issue = self._issue(number, body["title"], body.get("body", ""), ())
        url = f"https://github.com/{self.repo}/pull/{number}"
        issue["pull_request"] = {"url": f"{_API}/repos/{self.repo}/pulls/{number}",
                                 "html_url": url}
        self.issues[number] = issue
        self.pulls[number] = {
            "id": next(self._ids), "number": number, "state": "open", "title": body["title"],
            "body": body.get("body", ""), "html_url": url, "draft": bool(body.get("draft")),
            "head": {"ref": head, "sha": hashlib.sha1(head.encode()).hexdigest(),
                     "label": f"{self.repo.split('/')[0]}:{head}"},
            "base": {"ref": base}, "merged": False, "merge_commit_sha": None,
            "user": _user("loopwright-bot"), "created_at": _now(),
        }
        return 201, self.pulls[number]

    def _list_pulls(self, q: dict[str, str], body: Json) -> tuple[int, Any]:
        state, head = q.get("state", "open"), q.get("head", "")
        return 200, [p for p in self.pulls.values()
                     if (state == "all" or p["state"] == state)
                     and (not head or p["head"]["label"] == head)]

    def _get_pull(self, q: dict[str, str], body: Json, n: str) -> tuple[int, Any]:
        pr = self.pulls.get(int(n))
        return (200, pr) if pr else (404, _error("Not Found"))

    def _list_reviews(self, q: dict[str, str], body: Json, n: str) -> tuple[int, Any]:
        return 200, self.reviews.get(int(n), [])

    def _review_comments(self, q: dict[str, str], body: Json, n: str, rid: str
                         ) -> tuple[int, Any]:
        return 200, [c for c in self.review_comments.get(int(n), [])
                     if c["pull_request_review_id"] == int(rid)]

    def label_issue(self, number: int, *labels: str) -> None:
        """Someone adds labels to an existing issue (it moves up when sorted by update)."""
        with self._lock:
            self._add_labels({}, {"labels": list(labels)}, str(number))

    def _touch(self, issue: Json) -> None:
        self._updated[issue["number"]] = next(self._ids)
        issue["updated_at"] = _now()

    def _issue(self, number: int, title: str, body: str, labels: tuple[str, ...]) -> Json:
        self._updated[number] = next(self._ids)
        return {"updated_at": _now(),
            "id": next(self._ids), "number": number, "title": title, "body": body,
            "state": "open", "labels": [_label(name) for name in labels],
            "user": _user("someone"), "comments": 0, "created_at": _now(),
            "html_url": f"https://github.com/{self.repo}/issues/{number}",
            "url": f"{_API}/repos/{self.repo}/issues/{number}",
        }


_API = "https://api.github.com"
_ROUTES: list[tuple[str, str, Any]] = [
    (r"/issues", "GET", FakeGitHub._list_issues),
    (r"/issues/(\d+)", "GET", FakeGitHub._get_issue),
    (r"/issues/(\d+)/comments", "POST", FakeGitHub._add_comment),
    (r"/issues/(\d+)/comments", "GET", FakeGitHub._list_comments),
    (r"/issues/(\d+)/labels", "POST", FakeGitHub._add_labels),
    (r"/issues/(\d+)/labels/([^/]+)", "DELETE", FakeGitHub._remove_label),
    (r"/pulls", "POST", FakeGitHub._open_pull),
    (r"/pulls", "GET", FakeGitHub._list_pulls),
    (r"/pulls/(\d+)", "GET", FakeGitHub._get_pull),
    (r"/pulls/(\d+)/reviews", "GET", FakeGitHub._list_reviews),
    (r"/pulls/(\d+)/reviews/(\d+)/comments", "GET", FakeGitHub._review_comments),
]


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        gh = self.github
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization", "")
        if auth not in (f"Bearer {gh.token}", f"token {gh.token}"):
            return self._send(method, split.path, 401, _error("Requires authentication"))
        if gh.remaining <= 0 and time.time() < gh.reset_at:
            return self._send(method, split.path, 403, _error(
                "API rate limit exceeded for user ID 1."))
        if gh.remaining <= 0:
            gh.remaining = gh.limit
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return self._send(method, split.path, 400, _error("Problems parsing JSON"))
        query = parse_qs(split.query)
        status, data = gh.handle(method, split.path, query, body)
        link = ""
        if isinstance(data, list):
            data, link = self._page(split.path, query, data)
        payload = json.dumps(data).encode()
        etag = '"' + hashlib.sha256(payload).hexdigest()[:32] + '"'
        if method == "GET" and status == 200 and self.headers.get("If-None-Match") == etag:
            return self._send(method, split.path, 304, None, etag=etag, counts=False)
        self._send(method, split.path, status, data, etag=etag if method == "GET" else "",
                   link=link)

    def _page(self, path: str, query: dict[str, list[str]], items: list[Any]
              ) -> tuple[list[Any], str]:
        """`per_page` (at most 100, default 30) and `page`, with a `Link` header."""
        per_page = min(100, max(1, int(query.get("per_page", ["30"])[-1])))
        page = max(1, int(query.get("page", ["1"])[-1]))
        last = max(1, -(-len(items) // per_page))
        links = []
        for rel, n in (("next", page + 1), ("last", last)):
            if page < last:
                q = {**{k: v[-1] for k, v in query.items()}, "page": str(n)}
                qs = "&".join(f"{k}={v}" for k, v in q.items())
                links.append(f'<http://{self.headers.get("Host")}{path}?{qs}>; rel="{rel}"')
        return items[(page - 1) * per_page: page * per_page], ", ".join(links)

    def _send(self, method: str, path: str, status: int, data: Any, *, etag: str = "",
              counts: bool = True, link: str = "") -> None:
        gh = self.github
        with gh._lock:
            if counts and status != 401 and gh.remaining > 0:
                gh.remaining -= 1
            gh.log.append((method, path, status))
            headers = {
                "x-ratelimit-limit": str(gh.limit),
                "x-ratelimit-remaining": str(gh.remaining),
                "x-ratelimit-reset": str(gh.reset_at),
                "x-ratelimit-used": str(gh.limit - gh.remaining),
                "x-ratelimit-resource": "core",
                "x-github-api-version-selected": "2022-11-28",
            }
        body = b"" if data is None else json.dumps(data).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if etag:
            self.send_header("ETag", etag)
        if link:
            self.send_header("Link", link)
        if body:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _error(message: str) -> Json:
    return {"message": message, "documentation_url": _DOCS, "status": "error"}


def _user(login: str) -> Json:
    return {"login": login, "id": abs(hash(login)) % 10**6, "type": "User"}


def _label(name: str) -> Json:
    return {"id": abs(hash(name)) % 10**8, "name": name, "color": "ededed",
            "description": None, "default": False}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
