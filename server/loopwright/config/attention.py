"""The configuration sections of the human's attention: what may interrupt, the digest,
quiet hours, the notification hook, and when a session is likely wasting time. Part of
the one tree in `config/tree.py`; explained in docs/attention.md."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from ..events import AttentionKind, StallSignal
from .sections import Section, doc

_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """`"22:00-07:30"` -> (start, end) in minutes after midnight; empty -> None."""
    if not text:
        return None
    m = _HOURS.match(text.strip())
    if m is None:
        raise ValueError(f"quiet_hours must look like \"22:00-07:30\", not {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    return h1 * 60 + m1, h2 * 60 + m2


class AttentionConfig(Section):
    interrupt: Annotated[list[AttentionKind], doc(
        "Kinds of notification that interrupt (a pop-up in the editor, the hook): any of "
        "`needs_decision`, `needs_review`, `wasting_time`. The rest wait quietly in the "
        "inbox; progress always goes to the digest.")] = msgspec.field(
        default_factory=lambda: ["needs_decision", "needs_review"])
    digest_minutes: Annotated[float, doc(
        "Publish a digest of progress this often (when there was any); 0: only on "
        "demand (`loopwright digest`).", ge=0)] = 30.0
    quiet_hours: Annotated[str, doc(
        "Local hours during which interruptions are held and then arrive as one batch, "
        "as in focus mode: `\"22:00-07:30\"`; empty: none.")] = ""
    hook: Annotated[list[str], doc(
        "A program (and its arguments) that receives every interrupting notification, "
        "and each batch released after focus, as JSON on standard input, so your own "
        "channel (notify-send, a chat webhook, a phone) works away from the editor. "
        "Empty: none.")] = msgspec.field(default_factory=list)
    hook_timeout_seconds: Annotated[float, doc(
        "Time limit for one run of the hook; past it the hook is stopped and the "
        "failure logged.", gt=0)] = 10.0
    hook_digest: Annotated[bool, doc(
        "Also send each published digest to the hook.")] = False
    hook_pass_env: Annotated[list[str], doc(
        "Environment variables the hook may see besides the usual safe ones (`PATH`, "
        "`HOME`, `LANG`, ...); name your webhook's token here if it needs one.")] = (
        msgspec.field(default_factory=list))
    tick_seconds: Annotated[float, doc(
        "How often the supervisor looks for stalls, digests due and the end of quiet "
        "hours or focus.", gt=0)] = 5.0

    def __post_init__(self) -> None:
        parse_quiet_hours(self.quiet_hours)
        if "progress" in self.interrupt:
            raise ValueError("interrupt: progress never interrupts; it goes to the digest")


class StallsConfig(Section):
    no_diff_turns: Annotated[int, doc(
        "A running worker whose diff has not changed over this many turns (model "
        "replies; steps for the script backend) is likely wasting time; 0: off.",
        ge=0)] = 12
    no_diff_minutes: Annotated[float, doc(
        "... or whose diff has not changed for this many minutes of running; 0: off.",
        ge=0)] = 15.0
    failing_check_repeats: Annotated[int, doc(
        "The same command (a worker's test run, or the checks) failing this many times "
        "in a row; 0: off.", ge=0)] = 3
    repeated_call_limit: Annotated[int, doc(
        "The same tool call (action and detail, or command) made this many times since "
        "the diff last changed; 0: off.", ge=0)] = 4
    max_cost_per_line_usd: Annotated[float, doc(
        "Cost burning faster than this many dollars per changed line (from the agents' "
        "usage); 0: off.", ge=0)] = 0.5
    cost_floor_usd: Annotated[float, doc(
        "The cost rule applies only once a session has spent at least this much.",
        ge=0)] = 1.0
    heartbeat_minutes: Annotated[float, doc(
        "A running worker silent (no step, reply or command) for this long; 0: off.",
        ge=0)] = 10.0
    kill_on: Annotated[list[StallSignal], doc(
        "Signals on which the session is killed without asking: any of "
        "`no_diff_change`, `failing_check`, `repeated_call`, `cost_per_line`, "
        "`silent`. Otherwise a stall is proposed to the human as a decision: kill, "
        "redirect, or keep going.")] = msgspec.field(default_factory=list)
