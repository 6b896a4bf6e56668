"""The `[push]` section: interrupting notifications sent to an ntfy server, with action
buttons that answer through the page. Part of the one tree in `config/tree.py`;
explained in docs/anywhere.md."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from ..events import AttentionKind
from .sections import HOUR, Section, doc

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what ntfy accepts as a topic name


class PushConfig(Section):
    url: Annotated[str, doc(
        "The ntfy server to publish to (`https://ntfy.sh`, or your own); empty: push "
        "is off.")] = ""
    topic: Annotated[str, doc(
        "The ntfy topic your phone subscribes to. On a public server the topic is the "
        "password: pick one nobody guesses, or use a token.")] = ""
    token_env: Annotated[str, doc(
        "The environment variable holding the ntfy access token (sent as "
        "`Authorization: Bearer`); the token itself is never written to the config or "
        "the log. Unset or empty variable: publish without one.")] = "NTFY_TOKEN"
    page_url: Annotated[str, doc(
        "The address your phone reaches the page at (`https://box.tailnet.ts.net:8765`, "
        "a reverse proxy): the notification's click link and its action buttons' "
        "callbacks go there. Empty: the page's own address when `run --web` serves it; "
        "with no page, notifications carry no link and no buttons.")] = ""
    hold_seconds: Annotated[float, doc(
        "When the editor reports you active in the last minute, a push waits this long "
        "and is not sent if you answered meanwhile; otherwise it goes at once.",
        ge=0, le=HOUR)] = 30.0
    decision_priority: Annotated[int, doc(
        "ntfy priority (1 min, 3 default, 5 max) of a question.", ge=1, le=5)] = 4
    review_priority: Annotated[int, doc(
        "ntfy priority of a change that needs review.", ge=1, le=5)] = 3
    stall_priority: Annotated[int, doc(
        "ntfy priority of a session that looks stuck.", ge=1, le=5)] = 3
    break_through: Annotated[list[AttentionKind], doc(
        "Kinds pushed even during focus or quiet hours (which otherwise hold pushes as "
        "they hold pop-ups, until they end): any of `needs_decision`, `needs_review`, "
        "`wasting_time`.")] = msgspec.field(default_factory=list)
    retry_seconds: Annotated[float, doc(
        "Wait before the first retry of a failed delivery; each next wait doubles, up "
        "to `max_retry_seconds`. Retries stop once the item is answered.",
        ge=0.01, le=HOUR)] = 2.0
    max_retry_seconds: Annotated[float, doc(
        "The longest wait between retries.", ge=0.01, le=HOUR)] = 60.0
    outage_seconds: Annotated[float, doc(
        "A channel failing this long without one delivery shows in the inbox and the "
        "status bar, until a delivery gets through.", ge=0, le=24 * HOUR)] = 120.0
    timeout_seconds: Annotated[float, doc(
        "Time limit of one request to the ntfy server.", ge=0.1, le=HOUR)] = 10.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, not {self.url!r}")
        if self.page_url and not self.page_url.startswith(("http://", "https://")):
            raise ValueError("page_url must start with http:// or https://, not "
                             f"{self.page_url!r}")
        if self.url and not _TOPIC.match(self.topic):
            raise ValueError("topic: letters, digits, `-` and `_`, 1 to 64 of them, "
                             f"not {self.topic!r}")
        if self.token_env and not _ENV_NAME.match(self.token_env):
            raise ValueError(f"token_env must be a variable name, not {self.token_env!r}")
        if "progress" in self.break_through:
            raise ValueError("break_through: progress never interrupts; it goes to the "
                             "digest")

    @property
    def on(self) -> bool:
        return bool(self.url)

    def priority(self, kind: str) -> int:
        return {"needs_decision": self.decision_priority,
                "needs_review": self.review_priority}.get(kind, self.stall_priority)
