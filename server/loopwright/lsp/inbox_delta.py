"""The inbox as the client was last told, kept in step from the ids a batch of records
touched: a delta names the items that appeared, changed or left, and finding them costs
what the batch touched, not what the history holds. Pure: no I/O, no LSP.
"""

from __future__ import annotations

from collections.abc import Collection

from ..state import State
from ..views import overview as views

OTHERS = "*"  # the refused files', the world's and the manager's items: few, always redone


class InboxIndex:
    def __init__(self) -> None:
        self.items: dict[str, views.InboxItem] = {}  # by key, as the client knows them
        self._owned: dict[str, set[str]] = {}  # owner ("d:", "s:", "t:" + id) -> keys
        # session or task id -> its open decisions' ids (what a touch of it may change)
        self._decisions: dict[str, set[str]] = {}

    def reset(self, state: State) -> None:
        """Everything afresh (at start: the client then asks for the whole state)."""
        self.items, self._owned, self._decisions = {}, {}, {}
        self.update(state, sessions=state.sessions, tasks=state.tasks,
                    decisions=state.decisions)

    def update(self, state: State, *, sessions: Collection[str], tasks: Collection[str],
               decisions: Collection[str]) -> tuple[list[views.InboxItem], list[str]]:
        """The items that appeared or changed, and the keys of those that left, after a
        batch that touched these sessions, tasks and decisions (iterables of ids)."""
        for did in decisions:
            if (d := state.decisions.get(did)) is None:
                continue
            for owner in (d.session_id, d.task_id):
                if not owner:
                    continue
                if d.open:
                    self._decisions.setdefault(owner, set()).add(did)
                elif (held := self._decisions.get(owner)) is not None:
                    # answered for good: its item leaves with this batch (it is in it)
                    # and never comes back, so its session's next batch need not look
                    held.discard(did)
                    if not held:
                        del self._decisions[owner]
        owners = {f"d:{did}" for did in decisions}
        for sid in sessions:
            owners.add(f"s:{sid}")
            owners |= {f"d:{did}" for did in self._decisions.get(sid, ())}
        for tid in tasks:
            owners.add(f"t:{tid}")
            owners |= {f"d:{did}" for did in self._decisions.get(tid, ())}
        owners.add(OTHERS)
        changed: list[views.InboxItem] = []
        removed: list[str] = []
        for owner in sorted(owners):
            now = {views.inbox_key(i): i for i in _items_of(state, owner)}
            for key in self._owned.get(owner, set()) - now.keys():
                del self.items[key]
                removed.append(key)
            for key, item in now.items():
                if self.items.get(key) != item:
                    self.items[key] = item
                    changed.append(item)
            if now:
                self._owned[owner] = set(now)
            else:
                self._owned.pop(owner, None)
        changed.sort(key=lambda i: i.since)
        return changed, removed


def _items_of(state: State, owner: str) -> list[views.InboxItem]:
    if owner == OTHERS:
        return views.other_items(state)
    kind, _, ref = owner.partition(":")
    make = {"d": views.decision_item, "s": views.session_item, "t": views.task_item}[kind]
    item = make(state, ref)
    return [] if item is None else [item]
