"""The manager agent's hand on the front-end API: the same checked actions as a human's
(`FrontEndApi`), marked `by="manager"`, and each act's `ManagerActed` record appended in
the same transaction as the first event the act appends, so a restart can tell, for
every tool call, whether it was carried out: none is repeated, none lost."""

from __future__ import annotations

from .. import events as ev
from ..state import illegal
from .api import ActionRefused, FrontEndApi


class ManagerApi(FrontEndApi):
    """A `FrontEndApi` whose appends carry the act under way."""

    acting: ev.ManagerActed | None = None

    def record(self, *events: ev.Event) -> None:
        """Append `events` (the first checked like a human's action) with the act."""
        if events and (why := illegal(self.refresh(), events[0])) is not None:
            raise ActionRefused(why)
        self._append_with_act(*events)

    def _append(self, event: ev.Event) -> None:
        why = illegal(self.refresh(), event)
        if why is not None:
            raise ActionRefused(why)
        self._append_with_act(event)

    def _append_with_act(self, *events: ev.Event) -> None:
        act, self.acting = self.acting, None
        self.store.append(*events, *([act] if act is not None else []))

    def finish_act(self) -> None:
        """An act that appended nothing of its own is still recorded, once."""
        if self.acting is not None:
            self._append_with_act()
