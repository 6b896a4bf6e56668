"""Likely wasting time: pure detection over the state, the tracker and a clock reading.

Each signal has its threshold in `[stalls]`. A running session is flagged once, with the
evidence and a proposal (kill, or redirect: stop and start over with the evidence as
the next attempt's note); it is cleared when it moves again. Nothing here appends,
sleeps or reads the clock: the supervisor passes `now` in, so tests drive time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .. import events as ev
from ..config import StallsConfig
from ..state import Session, SessionState, State
from .tracker import Track, Tracker

Proposal = Literal["kill", "redirect"]
PROPOSAL: dict[ev.StallSignal, Proposal] = {
    "failing_check": "redirect",
    "repeated_call": "redirect",
    "no_diff_change": "redirect",
    "silent": "kill",
    "cost_per_line": "kill",
}
STALL_OPTIONS = ("kill", "redirect", "keep going")
KEEP_GOING = "keep going"


@dataclass(frozen=True)
class Finding:
    session_id: str
    signal: ev.StallSignal
    evidence: str
    onset_at: float

    @property
    def proposal(self) -> Proposal:
        return PROPOSAL[self.signal]


def detect(state: State, tracker: Tracker, cfg: StallsConfig, now: float) -> list[Finding]:
    """Running sessions that are likely wasting time and not flagged yet."""
    found = []
    for sid, t in tracker.tracks.items():
        s = state.sessions.get(sid)
        if s is None or s.state != SessionState.RUNNING or sid in state.attention.stalls:
            continue
        finding = _first(s, t, cfg, now)
        if finding is not None:
            found.append(finding)
    return found


def _first(s: Session, t: Track, cfg: StallsConfig, now: float) -> Finding | None:
    for rule in (_failing, _repeated, _silent, _no_diff, _costly):
        if (finding := rule(s, t, cfg, now)) is not None:
            return finding
    return None


def _failing(s: Session, t: Track, cfg: StallsConfig, now: float) -> Finding | None:
    if not cfg.failing_check_repeats:
        return None
    for command, (streak, since, code) in t.failing.items():
        if streak >= cfg.failing_check_repeats:
            return Finding(s.session_id, "failing_check",
                           f"`{command}` failed {streak} times in a row (last exit {code})",
                           since)
    return None


def _repeated(s: Session, t: Track, cfg: StallsConfig, now: float) -> Finding | None:
    if not cfg.repeated_call_limit:
        return None
    for call, count in t.calls.items():
        if count >= cfg.repeated_call_limit:
            return Finding(s.session_id, "repeated_call",
                           f"`{_short(call)}` made {count} times since the diff last "
                           f"changed", t.call_first_at[call])
    return None


def _silent(s: Session, t: Track, cfg: StallsConfig, now: float) -> Finding | None:
    limit = cfg.heartbeat_minutes * 60
    if not limit or now - t.heard_at < limit:
        return None
    last = f"; last: {_short(s.last_message)}" if s.last_message else ""
    return Finding(s.session_id, "silent",
                   f"no step, reply or command for {_span(now - t.heard_at)} (heartbeat "
                   f"{_span(limit)}){last}", t.heard_at)


def _no_diff(s: Session, t: Track, cfg: StallsConfig, now: float) -> Finding | None:
    limit = cfg.no_diff_minutes * 60
    if cfg.no_diff_turns and t.worker_turns >= cfg.no_diff_turns:
        return Finding(s.session_id, "no_diff_change",
                       f"the diff has not changed in {t.worker_turns} turns (limit "
                       f"{cfg.no_diff_turns})", t.baseline_at)
    if limit and now - t.baseline_at >= limit:
        return Finding(s.session_id, "no_diff_change",
                       f"the diff has not changed for {_span(now - t.baseline_at)} of "
                       f"running (limit {_span(limit)})", t.baseline_at)
    return None


def _costly(s: Session, t: Track, cfg: StallsConfig, now: float) -> Finding | None:
    limit = cfg.max_cost_per_line_usd
    if not limit or s.cost_usd < max(cfg.cost_floor_usd, limit):
        return None
    lines = t.lines + t.committed_lines
    per_line = s.cost_usd / max(1, lines)
    if per_line <= limit:
        return None
    return Finding(s.session_id, "cost_per_line",
                   f"${s.cost_usd:.2f} spent for {lines} changed line(s): "
                   f"${per_line:.2f} a line (limit ${limit:.2f})", t.baseline_at)


def cleared(state: State, tracker: Tracker, cfg: StallsConfig) -> list[tuple[str, str]]:
    """Flagged sessions that moved again (or ended), with what moved: (session, reason)."""
    out = []
    for sid, stall in state.attention.stalls.items():
        s = state.sessions.get(sid)
        if s is None or stall.killed:
            continue
        t = tracker.tracks.get(sid)
        if s.terminal:
            out.append((sid, f"the session ended ({s.state.value})"))
        elif s.state not in (SessionState.RUNNING, SessionState.WAITING):
            out.append((sid, f"the worker moved on ({s.state.value.replace('_', ' ')})"))
        elif t is not None and t.diff_at > stall.detected_at:
            out.append((sid, "the diff changed"))
        elif t is not None and stall.signal == "silent" and t.heard_at > stall.detected_at:
            out.append((sid, "the worker was heard from again"))
        elif t is not None and stall.signal == "failing_check" and not any(
            streak >= cfg.failing_check_repeats for streak, _, _ in t.failing.values()
        ):
            out.append((sid, "the failing command passed"))
    return out


def question(name: str, finding: Finding) -> str:
    return (f"{name} looks stuck: {finding.evidence}. Proposed: {finding.proposal} "
            f"(redirect stops it and starts over with this as the note).")


def redirect_note(evidence: str) -> str:
    return (f"The previous attempt was stopped as likely wasting time: {evidence}. "
            f"Take a different approach.")


def _span(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds}s"
    return f"{seconds // 60} min"


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
