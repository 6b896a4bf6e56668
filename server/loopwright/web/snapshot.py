"""What the page shows, built from the one projection every front end shares (views/):
the inbox with what each item needs to be answered there, the sessions, the digest.
Nothing here reads a secret: the state holds none (the log is redacted on append)."""

from __future__ import annotations

import time
from typing import Any

import msgspec

from ..attention.digest import compose
from ..manager.api import FrontEndApi
from ..state import State
from ..views import overview as views

DIGEST_WINDOW = 2000  # at most this many recent records make the page's digest
THREAD_WINDOW, THREAD_ENTRIES = 5000, 60  # the manager's thread: recent records, entries


def snapshot(api: FrontEndApi) -> dict[str, Any]:
    st = api.refresh()
    items = [_item(st, i) for i in views.inbox(st)]
    since = max(st.attention.digest_seq, st.last_seq - DIGEST_WINDOW)
    return {
        "seq": st.last_seq,
        "now": time.time(),
        "project": api.project.root.name,
        "managerRunning": api.manager_pid() is not None,
        "inbox": items,
        "sessions": msgspec.to_builtins(views.sessions(st, time.time(), current=True)),
        "digest": list(compose(api.store.read_after(since), st)),
        "manager": manager_thread(api),
    }


def manager_thread(api: FrontEndApi) -> dict[str, Any] | None:
    """The manager agent's thread (issue 12), where this version has one and it is on."""
    # `manager_thread` on main (`thread` there is a review's comment thread); issue 12's
    # branch had it as `thread`, with an `after` argument in both.
    thread = getattr(api, "manager_thread", None)
    if thread is None or getattr(api.config.manager, "agent", "off") in ("", "off"):
        return None
    after = max(0, api.state.last_seq - THREAD_WINDOW)
    data: dict[str, Any] = msgspec.to_builtins(thread(after=after, limit=THREAD_ENTRIES))
    return data


def _item(st: State, item: views.InboxItem) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(item)
    if item.kind == "decision":
        d = st.decisions[item.ref]
        out["blocking"], out["default"] = d.blocking, d.default
        if item.ref in st.attention.stall_decisions:
            out["stall"] = True
    elif item.kind == "review":
        out["review"] = review(st, item.session_id)
    return out


def review(st: State, session_id: str) -> dict[str, Any]:
    s = st.sessions[session_id]
    task = st.tasks[s.task_id]
    r = s.review
    checks = s.checks
    return {
        "task": {"id": task.task_id, "title": task.title, "body": task.body},
        "checks": None if checks is None else {
            "command": checks.command, "passed": checks.passed, "exitCode": checks.exit_code,
            "timedOut": checks.timed_out, "outputTail": checks.output_tail[-2000:]},
        "reviewer": None if r is None or not r.reviewer else {
            "name": r.reviewer, "verdict": r.reviewer_verdict, "summary": r.reviewer_summary,
            "comments": [{"path": c.path, "line": c.line, "body": c.body}
                         for c in r.comments]},
        "files": list(r.files) if r else [],
        "head": r.head_commit if r else "",  # a new round of review: a new diff
        "added": r.added if r else 0,
        "removed": r.removed if r else 0,
        "gateReasons": list(s.gate_reasons),
        "summary": s.summary,
    }


def files_of(diff: str) -> list[dict[str, str]]:
    """A unified diff cut into one part per file, for the page to show file by file."""
    parts: list[dict[str, str]] = []
    for chunk in diff.split("\ndiff --git ")[0:]:
        if not chunk.strip():
            continue
        text = chunk if chunk.startswith("diff --git ") else "diff --git " + chunk
        head = text.split("\n", 1)[0]
        path = head.rsplit(" b/", 1)[-1] if " b/" in head else head
        parts.append({"path": path, "diff": text.rstrip("\n")})
    return parts
