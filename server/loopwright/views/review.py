"""One line per review-thread record, for the Activity view, `loopwright log` and the
digest."""

from __future__ import annotations

from collections.abc import Callable

from .. import events as ev


def one_line(text: str, limit: int = 80) -> str:
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= limit and "\n" not in text.strip() else first[:limit - 1] + "…"


def describe(e: ev.Event, name: Callable[[str], str]) -> str | None:
    match e:
        case ev.ThreadOpened():
            return (f"{name(e.session_id)}: {e.by} opened thread {e.thread_id} on "
                    f"{e.path}:{e.line}: {one_line(e.body)}")
        case ev.ThreadReplied():
            return (f"{name(e.session_id)}: {e.by} replied in {e.thread_id}: "
                    f"{one_line(e.body)}")
        case ev.ThreadResolved():
            what = "resolved" if e.resolved else "reopened"
            return f"{name(e.session_id)}: {e.by} {what} thread {e.thread_id}"
        case ev.FileViewed():
            what = "viewed" if e.viewed else "not viewed"
            return f"{name(e.session_id)}: {e.path} marked {what}"
    return None
