"""What the loop cost the human, and what it got done: derived from the event log alone.

Per session and overall. Definitions (docs/attention.md says the same for users):
- blocked on decisions: time in `waiting` (a blocking question open);
- awaiting review: time in `awaiting_approval`; blocked on the human is both;
- on an assumption: time a non-blocking question was open while the session ran;
- silent idle: time waiting on the human with no notification open for the session;
- interruptions: notifications that popped up where none was showing (a replacement
  updates the one showing), plus each batch released after focus or quiet hours;
- decisions: questions put to the human (a stall's proposal that cleared by itself is
  not one); reviews: changes the gate put before the human; review burden: their
  changed lines; each also per landed change;
- landed: changes that landed; a session whose worker changed nothing ends as
  `no_change` and is counted apart, never as landed;
- lead time: task filed to change landed; agent time: time in `running`;
- peak parallel: most sessions at once in running, waiting, checking, reviewing or
  landing;
- stalls: caught, the time from onset to the flag (lost before anyone knew) and from
  onset to resolution (what the stall cost in all);
- by agent: every model reply's tokens and cost by the agent that asked (worker,
  reviewer, triage, manager), whichever backend answered (the Codex reviewer's too).
"""

from __future__ import annotations

import statistics

import msgspec

from ..state import ACTIVE, Decision, SessionState
from .history import History, Raised, Review, overlap, union
from .manager_metrics import ManagerMetrics, manager_metrics

S = SessionState


class SessionMetrics(msgspec.Struct, kw_only=True):
    session_id: str
    name: str
    task_id: str
    state: str
    attempt: int
    lead_time_s: float | None
    agent_s: float
    blocked_on_decisions_s: float
    awaiting_review_s: float
    assumption_s: float
    silent_idle_s: float
    interruptions: int
    decisions: int
    reviews: int
    review_lines: int
    stalls: int
    tokens: int
    cost_usd: float


class AgentSpend(msgspec.Struct, kw_only=True):
    agent: str
    replies: int
    tokens: int
    cost_usd: float


AGENTS = ("worker", "reviewer", "triage", "manager")  # the order they are shown in


class Overall(msgspec.Struct, kw_only=True):
    span_s: float
    sessions: int
    landed: int
    interruptions: int
    interruptions_per_landed: float | None
    decisions: int
    decisions_per_landed: float | None
    reviews: int
    reviews_per_landed: float | None
    review_lines_per_landed: float | None
    blocked_on_human_s: float
    blocked_on_decisions_s: float
    awaiting_review_s: float
    assumption_s: float
    silent_idle_s: float
    lead_time_mean_s: float | None
    lead_time_median_s: float | None
    agent_s: float
    tokens: int
    cost_usd: float
    peak_parallel: int
    stalls_caught: int
    stall_lost_before_flag_s: float
    stall_total_s: float
    no_change: int = 0  # sessions that ended with nothing to land
    split_tasks: int = 0  # tasks split into sub-tasks (delegation)
    sub_tasks: int = 0
    steers: int = 0  # steering notes sent to workers
    by_agent: list[AgentSpend] = msgspec.field(default_factory=list)


class Metrics(msgspec.Struct, kw_only=True):
    now: float
    overall: Overall
    sessions: list[SessionMetrics]
    manager: ManagerMetrics | None = None  # the manager agent, when it ever ran


class _BySession:
    """What the per-session figures read, grouped by session once (not a scan of every
    decision and notification per session: that was quadratic in the history)."""

    def __init__(self, h: History) -> None:
        st = h.state
        self.decisions: dict[str, list[Decision]] = {}
        for d in st.decisions.values():
            self.decisions.setdefault(d.session_id, []).append(d)
        self.notes: dict[str, list[Raised]] = {}
        for n in h.notes.values():
            self.notes.setdefault(n.key, []).append(n)
        self.reviews: dict[str, list[Review]] = {}
        for r in h.reviews:
            self.reviews.setdefault(r.session_id, []).append(r)
        self.stalls: dict[str, int] = {}
        for x in h.stalls:
            self.stalls[x.session_id] = self.stalls.get(x.session_id, 0) + 1


def compute(h: History, now: float) -> Metrics:
    by = _BySession(h)
    rows = [_session(h, by, sid, now) for sid in h.state.sessions]
    landed = sum(1 for r in rows if r.lead_time_s is not None)
    leads = [r.lead_time_s for r in rows if r.lead_time_s is not None]
    interruptions = _interruptions(h, None)
    decisions = _decisions(h, None)
    review_lines = sum(r.lines for r in h.reviews)
    spans = [(s.onset_at, s.detected_at, s.resolved_at or now) for s in h.stalls]

    def per(n: float) -> float | None:
        return round(n / landed, 2) if landed else None

    waits = sum(r.blocked_on_decisions_s for r in rows)
    reviews_wait = sum(r.awaiting_review_s for r in rows)
    return Metrics(now=now, sessions=rows, manager=manager_metrics(h.state), overall=Overall(
        span_s=_r(now - (h.first_at if h.first_at is not None else now)),
        sessions=len(rows), landed=landed,
        no_change=sum(1 for r in rows if r.state == S.NO_CHANGE),
        interruptions=interruptions, interruptions_per_landed=per(interruptions),
        decisions=decisions, decisions_per_landed=per(decisions),
        reviews=len(h.reviews), reviews_per_landed=per(len(h.reviews)),
        review_lines_per_landed=per(review_lines),
        blocked_on_human_s=_r(waits + reviews_wait), blocked_on_decisions_s=_r(waits),
        awaiting_review_s=_r(reviews_wait),
        assumption_s=_r(sum(r.assumption_s for r in rows)),
        silent_idle_s=_r(sum(r.silent_idle_s for r in rows)),
        lead_time_mean_s=_r(statistics.fmean(leads)) if leads else None,
        lead_time_median_s=_r(statistics.median(leads)) if leads else None,
        agent_s=_r(sum(r.agent_s for r in rows)), tokens=sum(r.tokens for r in rows),
        cost_usd=round(sum(r.cost_usd for r in rows), 4), peak_parallel=_peak(h, now),
        stalls_caught=len(h.stalls),
        stall_lost_before_flag_s=_r(sum(d - o for o, d, _ in spans)),
        stall_total_s=_r(sum(e - o for o, _, e in spans)),
        split_tasks=sum(1 for t in h.state.tasks.values() if t.children),
        sub_tasks=sum(1 for t in h.state.tasks.values() if t.parent),
        steers=sum(len(s.steers) for s in h.state.sessions.values()),
        by_agent=_by_agent(h),
    ))


def _by_agent(h: History) -> list[AgentSpend]:
    order = {a: n for n, a in enumerate(AGENTS)}
    return [AgentSpend(agent=a, replies=x.replies, tokens=x.tokens,
                       cost_usd=round(x.cost_usd, 4))
            for a, x in sorted(h.agents.items(), key=lambda i: order.get(i[0], len(order)))]


def _session(h: History, by: _BySession, sid: str, now: float) -> SessionMetrics:
    st = h.state
    s = st.sessions[sid]
    task = st.tasks.get(s.task_id)
    running = h.intervals(sid, S.RUNNING, now=now)
    waiting = h.intervals(sid, S.WAITING, now=now)
    awaiting = h.intervals(sid, S.AWAITING_APPROVAL, now=now)
    landed = h.landed_at.get(sid)
    end = s.ended_at if s.ended_at is not None else now
    decisions = by.decisions.get(sid, [])
    notes = by.notes.get(sid, [])
    assumed = [(d.asked_at, d.answered_at if d.answered_at is not None else end)
               for d in decisions
               if not d.blocking and d.decision_id not in st.attention.stall_decisions]
    covered = union([(n.at, n.ended if n.ended is not None else now) for n in notes])
    reviews = by.reviews.get(sid, [])
    return SessionMetrics(
        session_id=sid, name=s.name, task_id=s.task_id, state=s.state.value,
        attempt=s.attempt,
        lead_time_s=_r(landed - task.filed_at) if landed and task else None,
        agent_s=_r(_length(running)), blocked_on_decisions_s=_r(_length(waiting)),
        awaiting_review_s=_r(_length(awaiting)), assumption_s=_r(overlap(union(assumed), running)),
        silent_idle_s=_r(_length(waiting + awaiting) - overlap(waiting + awaiting, covered)),
        interruptions=sum(1 for x in notes if x.interrupt and not x.replaces),
        decisions=sum(1 for d in decisions if d.answered_by != "loopwright"),
        reviews=len(reviews), review_lines=sum(r.lines for r in reviews),
        stalls=by.stalls.get(sid, 0), tokens=s.tokens,
        cost_usd=round(s.cost_usd, 4),
    )


def _interruptions(h: History, sid: str | None) -> int:
    n = sum(1 for x in h.notes.values()
            if x.interrupt and not x.replaces and (sid is None or x.key == sid))
    if sid is None:
        n += len(h.releases)
    return n


def _decisions(h: History, sid: str | None) -> int:
    # the human's: the loop's own answers and the manager agent's are not theirs
    return sum(1 for d in h.state.decisions.values()
               if (sid is None or d.session_id == sid)
               and d.answered_by not in ("loopwright", "manager"))


def _peak(h: History, now: float) -> int:
    edges: list[tuple[float, int]] = []
    for segs in h.segments.values():
        for seg in segs:
            if seg.state in ACTIVE:
                edges += [(seg.start, 1), (seg.end if seg.end is not None else now, -1)]
    peak = live = 0
    for _, step in sorted(edges, key=lambda x: (x[0], x[1])):  # ends before starts
        live += step
        peak = max(peak, live)
    return peak


def _length(intervals: list[tuple[float, float]]) -> float:
    return sum(max(0.0, e - s) for s, e in union(intervals))


def _r(x: float) -> float:
    return round(x, 2)
