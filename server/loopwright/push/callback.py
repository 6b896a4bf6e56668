"""What a pressed action button may still do: pure, from the state (and, for a review,
the records since its notification was raised, to tell who acted first).

A signed callback is void once its item is answered anywhere: the decision has an answer,
or the session is no longer awaiting approval of the same change (a new round of review
is a new commit, so an old Approve cannot approve it). A late press is told who answered
first and what they said.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import events as ev
from ..state import SessionState, State
from .sign import Act

_WHERE = {"web": "on the page", "push": "from a notification", "human":
          "in the editor or the CLI", "editor": "in the editor", "lsp": "in the editor",
          "cli": "in the CLI", "loopwright": "by Loopwright", "manager": "by the manager"}


def where(by: str) -> str:
    return _WHERE.get(by, f"by {by}")


def refusal(state: State, act: Act, since: Iterable[ev.Record] = ()) -> str | None:
    """Why `act` no longer applies, in words for the person who pressed it; None while
    it does. `since`: the records after `act.seq`, read only for a review's late press."""
    if act.kind in ("needs_decision", "wasting_time"):
        d = state.decisions.get(act.ref)
        if d is None:
            return "That question is not known here."
        if not d.open:
            return f"Already answered {where(d.answered_by)}: {d.answer!r}."
        if act.answer not in d.options:
            return "That answer is not one of the question's options."
        return None
    if act.kind == "needs_review":
        s = state.sessions.get(act.ref)
        if s is None:
            return "That session is not known here."
        if (s.state == SessionState.AWAITING_APPROVAL and s.review is not None
                and s.review.head_commit == act.round):
            return None
        first = first_verdict(since, s.session_id)
        if first:
            return f"Already {first}; {s.name} is {s.state.value.replace('_', ' ')}."
        return f"That review is over: {s.name} is {s.state.value.replace('_', ' ')}."
    return "That button does nothing any more."


def first_verdict(records: Iterable[ev.Record], session_id: str) -> str:
    """`approved in the editor or the CLI`: the first human verdict on a session."""
    for r in records:
        e = r.event
        if getattr(e, "session_id", None) != session_id:
            continue
        match e:
            case ev.ChangeApproved(by=by):
                return f"approved {where(by)}"
            case ev.ChangesRequested(by=by, note=note):
                return f"sent back {where(by)} ({note!r})"
            case ev.ChangeRejected(by=by):
                return f"rejected {where(by)}"
            case ev.SessionKilled(by=by):
                return f"killed {where(by)}"
    return ""


def done(state: State, act: Act) -> str:
    """What the person is told when their press went through."""
    if act.kind == "needs_review":
        s = state.sessions.get(act.ref)
        return f"Approved: {s.name if s else act.ref} lands once its checks pass."
    return f"Answered: {act.answer!r}."
