"""What the commands print beyond the shared views: the end of failing checks' output,
log lines, and refusals said in words."""

from __future__ import annotations

import re

from .. import events as ev
from ..state import Session, SessionState, State
from ..views import overview as views
from ..views.preview import preview_line

_BANNER = re.compile(r"^[=_-]{3,} (.*) [=_-]{3,}$")
TAIL_LINES = 5  # enough for pytest's summary and the assertion, few enough to scan


def checks_tail(output: str, lines: int = TAIL_LINES) -> list[str]:
    """The last non-blank lines of a checks run's output, banners (`=== x ===`) plain."""
    kept = [_BANNER.sub(r"\1", line.rstrip()) for line in output.splitlines()]
    return [line for line in kept if line.strip()][-lines:]


def failed_checks(s: Session, indent: str = "    ") -> list[str]:
    """Why the session's checks failed, in its own words: their last lines."""
    c = s.checks
    if c is None or c.passed or not c.command:
        return []
    what = "timed out" if c.timed_out else f"exit code {c.exit_code}"
    head = f"{indent}checks failed ({what}): `{c.command}`"
    tail = checks_tail(c.output_tail)
    return [head + (", last lines:" if tail else ""), *(f"{indent}  | {t}" for t in tail)]


def preview_lines(s: Session, indent: str = "    ") -> list[str]:
    """The preview's link or why it is not up (with its output's end), and the
    screenshots of the change, before and after."""
    line = preview_line(s)
    if not line:
        return []
    out = [f"{indent}{line}"]
    p = s.environment.preview
    if p is not None and p.status == "failed":
        out += [f"{indent}| {t}" for t in checks_tail(p.output_tail)]
    if p is not None and p.shots_of == s.head_commit:
        for shot in p.shots:
            before = f" | before {shot.before}" if shot.before else ""
            out.append(f"{indent}screenshot {shot.page}: after {shot.after}{before}")
        out += [f"{indent}screenshot problem: {x}" for x in p.problems]
    return out


def log_lines(record: ev.Record, state: State | None) -> list[str]:
    """A record's log line, and for failed checks the end of their output."""
    line = views.describe(record, state)
    if line is None:
        return []
    e = record.event
    if isinstance(e, ev.ChecksFinished) and e.command and not e.passed:
        return [line, *(f"    | {t}" for t in checks_tail(e.output_tail))]
    return [line]


S = SessionState
_APPROVABLE_LATER = {S.QUEUED, S.RUNNING, S.WAITING, S.CHECKING, S.REVIEWING}
_WORDS = {"request-changes": "send back", "kill": "stop"}


def plain_refusal(verb: str, s: Session) -> str:
    """Why `verb` does nothing to a session in its current state, in words."""
    name, state, verb = s.name, s.state, _WORDS.get(verb, verb)
    if state in (S.FAILED, S.REJECTED, S.KILLED, S.NO_CHANGE):
        ended = "ended with no change" if state == S.NO_CHANGE else f"already {state.value}"
        return (f"{name} {ended}: nothing to {verb}; `loopwright retry {name}` "
                "starts a new attempt")
    if state == S.LANDED:
        commit = f" as {s.landed_commit[:10]}" if s.landed_commit else ""
        return f"{name} already landed{commit}: nothing to {verb}"
    if verb == "approve" and state == S.LANDING:
        return f"{name} is already landing: approving it again changes nothing"
    if state == S.LANDING:
        return (f"{name} is already landing (approved): to stop it, "
                f"`loopwright reject {name}` or `loopwright kill {name}`")
    if state in _APPROVABLE_LATER:
        return (f"{name} is still {state.value.replace('_', ' ')}: there is no change to "
                f"{verb} yet; it shows in `loopwright inbox` when it is ready")
    return f"{name} is {state.value.replace('_', ' ')}: {verb} changes nothing now"
