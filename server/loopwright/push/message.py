"""What a push says: the notification as ntfy's JSON publish body (docs.ntfy.sh/publish).

Pure. A title, the detail, a priority by kind, a click link to the item on the page, and
up to three action buttons (ntfy's limit): a decision's options, Approve for a review, a
stall's kill / redirect / keep going, each an `http` action that POSTs its signed
callback to the page. A question answered in free text, or one with more options than
fit, gets a button that opens the page instead.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..attention_state import Notification
from ..config import PushConfig
from ..state import SessionState, State
from .sign import Act, Signer

MAX_ACTIONS = 3  # ntfy shows at most three buttons
CALLBACK_PATH = "/push/act"
_TAGS = {"needs_decision": "question", "needs_review": "eyes", "wasting_time": "warning"}


def item_url(page_url: str, ref: str) -> str:
    """The page's address of one item (a decision, a session's review)."""
    return f"{page_url.rstrip('/')}/#/item/{quote(ref, safe='')}"


def callback_url(page_url: str) -> str:
    return page_url.rstrip("/") + CALLBACK_PATH


def publish_body(state: State, note: Notification, cfg: PushConfig, page_url: str,
                 signer: Signer) -> dict[str, Any]:
    body: dict[str, Any] = {
        "topic": cfg.topic, "title": note.title, "message": _message(state, note),
        "priority": cfg.priority(note.kind), "tags": [_TAGS.get(note.kind, "bell")],
    }
    if page_url:
        body["click"] = item_url(page_url, note.ref)
        actions = _actions(state, note, page_url, signer)
        if actions:
            body["actions"] = actions
    return body


def acts(state: State, note: Notification) -> list[Act]:
    """The answers a notification's buttons carry, before signing."""
    def act(answer: str, round_: str = "") -> Act:
        return Act(notification_id=note.notification_id, kind=note.kind, ref=note.ref,
                   answer=answer, round=round_, seq=note.cause_seq)

    if note.kind in ("needs_decision", "wasting_time"):
        d = state.decisions.get(note.ref)
        if d is None or not d.open:
            return []  # a landing that waits, a budget: nothing to answer from a phone
        return [act(option) for option in d.options]
    if note.kind == "needs_review":
        s = state.sessions.get(note.ref)
        if s is None or s.state != SessionState.AWAITING_APPROVAL or s.review is None:
            return []
        return [act("approve", s.review.head_commit)]
    return []


def _actions(state: State, note: Notification, page_url: str,
             signer: Signer) -> list[dict[str, Any]]:
    answers = acts(state, note)
    open_page = {"action": "view", "label": "Open", "url": item_url(page_url, note.ref)}
    if note.kind == "needs_review":
        open_page["label"] = "Open diff"
    elif len(answers) > MAX_ACTIONS:
        answers, open_page["label"] = answers[:MAX_ACTIONS - 1], "More…"
    elif answers:
        return [_button(a, page_url, signer) for a in answers]
    elif note.kind == "needs_decision" and note.ref in state.decisions:
        open_page["label"] = "Answer"  # free text: typed on the page
    return [*(_button(a, page_url, signer) for a in answers), open_page]


def _button(act: Act, page_url: str, signer: Signer) -> dict[str, Any]:
    label = "Approve" if act.answer == "approve" and act.kind == "needs_review" else act.answer
    return {"action": "http", "label": _short(label, 40), "url": callback_url(page_url),
            "method": "POST", "headers": {"Content-Type": "text/plain"},
            "body": signer.sign(act), "clear": True}


def _message(state: State, note: Notification) -> str:
    lines = [note.detail] if note.detail else []
    d = state.decisions.get(note.ref)
    if d is not None and d.options:
        lines.append("Options: " + " · ".join(d.options))
    return "\n".join(lines) or note.title


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
