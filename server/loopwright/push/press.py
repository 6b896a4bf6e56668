"""A pressed action button, end to end: verify its signature, see that it still applies,
act through the front-end API as `push`, and say what happened.

The page's route (web/push_callbacks.py) hands the request body here. The answer is an
HTTP status and a sentence: 200 it went through, 403 not ours (forged or altered), 409
too late (answered anywhere first: who, and what) or refused by the API's own checks.
"""

from __future__ import annotations

from typing import Protocol

from ..state import Decision, Session, State
from ..store import Store
from . import callback
from .sign import MAX_TOKEN, BadCallback, Signer

BY = "push"
LATE_RECORDS = 20_000  # the records read after the button's own to tell who answered


class Acts(Protocol):
    """What a press needs of the front-end API (manager.api.FrontEndApi)."""

    store: Store

    def refresh(self) -> State: ...

    def answer(self, ref: str, text: str, by: str = ...) -> Decision: ...

    def approve(self, ref: str, by: str = ...) -> Session: ...


def press(api: Acts, signer: Signer, body: bytes,
          refused: type[Exception]) -> tuple[int, str]:
    """`refused`: the API's refusal (manager.api.ActionRefused), answered 409."""
    if len(body) > MAX_TOKEN:
        return 413, "Refused: that is not a callback."
    try:
        act = signer.verify(body.decode("ascii", "replace").strip())
    except BadCallback as e:
        return 403, f"Refused: {e}."
    state = api.refresh()
    why = callback.refusal(state, act)
    if why is not None and act.kind == "needs_review" and act.seq:
        # a late Approve: who acted first is in the records since it was raised
        why = callback.refusal(state, act, api.store.read_after(act.seq, limit=LATE_RECORDS))
    if why is not None:
        return 409, why
    try:
        if act.kind == "needs_review":
            api.approve(act.ref, by=BY)
        else:
            api.answer(act.ref, act.answer, by=BY)
    except refused as e:  # raced an answer given elsewhere a moment ago
        return 409, f"{e}."
    return 200, callback.done(api.refresh(), act)
