"""The only pop-ups: `window/showMessageRequest` for what attention routing says
interrupts: a decision (its options as actions), a review ("Open diff"), anything else
that waits on the human ("Open"), and one message for a batch released after focus.

One request per notification is in flight at a time; a signal to ask again while one is
open does nothing. When the thing is settled elsewhere first, the
server sends `$/cancelRequest` for the prompt (clients may close it), and a click that
still arrives is checked against the current state and ignored if it no longer applies.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from ..manager.api import ActionRefused, FrontEndApi
from ..state import SessionState, State
from . import wire
from .follower import note_key
from .tasks import Tasks
from .wire import RevealKind

log = logging.getLogger(__name__)
REVEAL = "$/loopwright/reveal"
OPEN, OPEN_DIFF, OPEN_INBOX = "Open", "Open diff", "Open inbox"


class Prompts:
    def __init__(self, ls: LanguageServer, tasks: Tasks, api: FrontEndApi,
                 state: Callable[[], State]) -> None:
        self._ls, self._tasks, self._api, self._state = ls, tasks, api, state
        self._open: dict[str, str] = {}  # key -> id of the request in flight
        self._ids = itertools.count(1)

    def is_open(self, key: str) -> bool:
        return key in self._open

    def ask_note(self, notification_id: str) -> None:
        """Pop up an open notification, the way its kind asks."""
        st = self._state()
        n = st.attention.notes.get(notification_id)
        if n is None:
            return
        key = note_key(notification_id)
        if n.ref in st.decisions:
            self.ask_decision(n.ref, key)
        elif n.kind == "needs_review":
            self.ask_review(n.session_id, key)
        else:
            message = f"Loopwright · {n.title}" + (f": {n.detail}" if n.detail else "")

            async def picked(_title: str) -> None:
                self._reveal("session", n.session_id, n.session_id)

            self._ask(key, message, [OPEN], types.MessageType.Warning, picked)

    def ask_batch(self, summary: str) -> None:
        async def picked(_title: str) -> None:
            self._reveal("inbox", "", "")

        self._ask(f"batch:{next(self._ids)}", f"Loopwright · {summary}", [OPEN_INBOX],
                  types.MessageType.Info, picked)

    def ask_decision(self, decision_id: str, key: str) -> None:
        st = self._state()
        d = st.decisions.get(decision_id)
        if d is None or not d.open:
            return
        s = st.sessions.get(d.session_id)
        who = s.name if s is not None else "the manager"
        wait = ("it is blocked until you answer" if d.blocking
                else f"it works on {d.default!r} meanwhile" if d.default else "")
        message = f"Loopwright · {who} asks: {d.question}" + (f" ({wait})" if wait else "")
        open_title = OPEN if OPEN not in d.options else "Open in Loopwright"
        actions = [*d.options, open_title]

        async def picked(title: str) -> None:
            if title == open_title:
                self._reveal("decision", decision_id, d.session_id)
                return
            try:
                self._api.answer(decision_id, title)
            except ActionRefused as e:
                log.info("your choice %r for %s changed nothing: %s", title, decision_id, e)
                return
            log.info("answered %s: %s", decision_id, title)

        self._ask(key, message, actions, types.MessageType.Info, picked)

    def ask_review(self, session_id: str, key: str) -> None:
        st = self._state()
        s = st.sessions.get(session_id)
        if s is None or s.review is None or s.state != SessionState.AWAITING_APPROVAL:
            return
        r = s.review
        title = st.tasks[s.task_id].title
        why = " ".join(s.gate_reasons) or "It needs your review."
        message = (f"Loopwright · {s.name} is ready for review: {title} "
                   f"(+{r.added} -{r.removed} in {len(r.files)} file(s); {why})")

        async def picked(_title: str) -> None:
            now = self._state().sessions.get(session_id)
            if now is None or now.state != SessionState.AWAITING_APPROVAL:
                log.info("%s is no longer awaiting review; nothing to open", s.name)
                return
            self._reveal("review", session_id, session_id)

        self._ask(key, message, [OPEN_DIFF], types.MessageType.Info, picked)

    def withdraw(self, key: str) -> None:
        msg_id = self._open.get(key)
        if msg_id is not None:
            self._ls.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

    # --- plumbing ----------------------------------------------------------------

    def _ask(self, key: str, message: str, actions: list[str], kind: types.MessageType,
             picked: Callable[[str], Awaitable[None]]) -> None:
        if key in self._open:
            return
        msg_id = f"loopwright-prompt-{next(self._ids)}"
        self._open[key] = msg_id
        params = types.ShowMessageRequestParams(
            type=kind, message=message, actions=[types.MessageActionItem(a) for a in actions])
        self._tasks.start(f"prompt:{key}", self._run(key, msg_id, params, picked))

    async def _run(self, key: str, msg_id: str, params: types.ShowMessageRequestParams,
                   picked: Callable[[str], Awaitable[None]]) -> None:
        try:
            item: Any = await self._ls.protocol.send_request_async(
                types.WINDOW_SHOW_MESSAGE_REQUEST, params, msg_id=msg_id)
        except JsonRpcException as e:  # withdrawn, or the client failed to show it
            log.debug("prompt %s closed without a choice: %s", key, e)
            return
        finally:
            self._open.pop(key, None)
        if item is None:
            return  # dismissed; it stays in the Inbox
        await picked(item.title)

    def _reveal(self, kind: RevealKind, ref: str, session_id: str) -> None:
        self._ls.protocol.notify(REVEAL, wire.to_json(
            wire.RevealParams(kind=kind, ref=ref, session_id=session_id)))
