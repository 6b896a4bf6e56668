"""`render_report(history, now) -> str`: one self-contained HTML page of the loop.

A timeline of every session (running, waiting on the human, checking, reviewing,
awaiting approval), the metrics as tiles and charts, and the inbox. Inline CSS and SVG
only: no scripts, no fonts or styles from elsewhere, so it opens offline, attaches to a
mail, and an editor can show it in a webview as it is. `loopwright report --html FILE`
writes it; the language server may serve the same string.
"""

from __future__ import annotations

import time
from html import escape

from ..state import SessionState as St
from ..state import State
from ..views import delegation as tree
from ..views import overview as views
from .history import History
from .metrics import Metrics, Overall, compute
from .svg import LOOKS, columns, hbars, legend, timeline

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#111;
background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.sub{color:#555;margin-bottom:16px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:20px}.tile span{color:#555;font-size:12px}
.tile.bad b{color:#b91c1c}.tile.good b{color:#15803d}
.panel{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:12px;
overflow-x:auto}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .label{font-size:11px}
svg .tick{fill:#666;font-size:10px}svg .grid{stroke:#eee}svg .focus{fill:#e5e7eb;
fill-opacity:.6}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:8px 0;font-size:12px;color:#333}
.key i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;
vertical-align:-2px}
.charts{display:flex;flex-wrap:wrap;gap:18px}figure{margin:0}
figcaption{font-weight:600;margin-bottom:4px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{font-size:12px;color:#555;font-weight:600}td.n{text-align:right;
font-variant-numeric:tabular-nums}
.kind{font-size:11px;border-radius:4px;padding:1px 6px;background:#eef}
.empty{color:#555;font-style:italic}
"""


def render_report(history: History, now: float, title: str = "Loopwright") -> str:
    """The whole page, as a string. `history` is the log folded (`History.of(records)`)."""
    m = compute(history, now)
    since = history.first_at if history.first_at is not None else now
    parts = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{escape(title)} · report</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<div class="sub">{_when(since)} to {_when(now)} · {m.overall.sessions} '
        f"session(s), {m.overall.landed} landed, {m.overall.no_change} with no change</div>",
        _tiles(m.overall),
        _manager_tiles(m),
        "<h2>Sessions over time</h2>",
        legend(),
        f'<div class="panel">{timeline(history, now)}</div>',
        "<h2>Where the time went</h2>",
        f'<div class="panel charts">{_charts(history, m)}</div>',
        "<h2>Inbox: what waits on you</h2>",
        _inbox(history, now),
        "<h2>Per session</h2>",
        _sessions(m),
        _split_tasks(history.state),
        "</body></html>",
    ]
    return "\n".join(parts)


def _manager_tiles(m: Metrics) -> str:
    """The manager agent's part, when it ever ran."""
    mm = m.manager
    if mm is None:
        return ""
    cost = "-" if mm.cost_per_landed_usd is None else f"${mm.cost_per_landed_usd:,.4f}"
    tiles = [(f"{mm.questions_answered} / {mm.questions_escalated}",
              "workers' questions the manager answered / escalated"),
             (f"{mm.acts_alone}", "decisions the manager took alone"),
             (f"{mm.overrules}", "of them overruled"),
             (f"{mm.tokens:,} · ${mm.cost_usd:,.2f}", "manager tokens · cost"),
             (cost, "manager cost per landed change")]
    return ("<h2>The manager agent</h2><div class=\"tiles\">" + "".join(
        f'<div class="tile"><b>{escape(v)}</b><span>{label}</span></div>'
        for v, label in tiles) + "</div>")


def _tiles(o: Overall) -> str:
    def tile(value: str, label: str, tone: str = "") -> str:
        return f'<div class="tile {tone}"><b>{escape(value)}</b><span>{label}</span></div>'

    ipl = o.interruptions_per_landed
    tiles = [
        tile(str(o.landed), "changes landed"),
        tile(_ratio(ipl), "interruptions per landed change",
             "" if ipl is None else ("good" if ipl <= 1.0 else "bad")),
        tile(_ratio(o.decisions_per_landed), "decisions per landed change"),
        tile(_ratio(o.reviews_per_landed), "reviews per landed change"),
        tile(_ratio(o.review_lines_per_landed), "lines to review per landed change"),
        tile(views.duration(o.blocked_on_human_s), "blocked on you (questions + reviews)"),
        tile(views.duration(o.assumption_s), "worked on an assumption"),
        tile(views.duration(o.silent_idle_s), "silent idle",
             "good" if o.silent_idle_s < 1 else "bad"),
        tile(views.duration(o.lead_time_median_s), "median lead time (filed → landed)"),
        tile(views.duration(o.agent_s), "agent time (running)"),
        tile(f"{o.peak_parallel}", "peak parallel sessions"),
        tile(f"{o.stalls_caught}", "stalls caught"),
        tile(views.duration(o.stall_total_s), "time stalls cost"),
        tile(f"{o.tokens:,} · ${o.cost_usd:,.2f}", "tokens · cost"),
        *(tile(f"{a.tokens:,} · ${a.cost_usd:,.2f}", f"{a.agent} tokens · cost")
          for a in o.by_agent if a.agent != "manager"),  # the manager has its own part
    ]
    return '<div class="tiles">' + "".join(tiles) + "</div>"


def _charts(h: History, m: Metrics, top: int = 20) -> str:
    colour = {s: c for s, (_, c) in LOOKS.items()}
    split = sorted(
        ((r.name, [(r.agent_s, colour[St.RUNNING], "running"),
                   (r.blocked_on_decisions_s, colour[St.WAITING], "waiting on you"),
                   (r.awaiting_review_s, colour[St.AWAITING_APPROVAL], "awaiting approval")])
         for r in m.sessions), key=lambda row: -sum(v for v, _, _ in row[1]))[:top]
    leads = sorted(((r.name, [(r.lead_time_s or 0.0, "#64748b", "lead time")])
                    for r in m.sessions if r.lead_time_s is not None),
                   key=lambda row: -row[1][0][0])[:top]
    more = f" (the {top} longest)" if len(m.sessions) > top else ""
    return "\n".join(x for x in (
        hbars(f"Where each session's time went{more}: running · waiting on you · "
              "awaiting approval", split),
        hbars(f"Lead time, filed to landed{more}", leads),
        columns("Interruptions over the period", _interruptions_by_period(h, m.now)),
    ) if x) or '<p class="empty">Nothing ran yet.</p>'


def _interruptions_by_period(h: History, now: float, buckets: int = 24
                             ) -> list[tuple[str, float]]:
    start = h.first_at if h.first_at is not None else now
    width = max((now - start) / buckets, 1.0)
    counts = [0.0] * buckets
    times = [n.at for n in h.notes.values() if n.interrupt and not n.replaces]
    times += [at for at, _ in h.releases]
    for t in times:
        counts[min(buckets - 1, int((t - start) / width))] += 1
    fmt = "%H:%M:%S" if width < 60 else "%H:%M"
    return [(time.strftime(fmt, time.localtime(start + i * width)), c)
            for i, c in enumerate(counts)]


def _inbox(h: History, now: float) -> str:
    items = views.inbox(h.state)
    if not items:
        return '<p class="empty">Nothing waits on you.</p>'
    rows = "".join(
        f'<tr><td><span class="kind">{escape(i.kind)}</span></td><td>{escape(i.session_name)}'
        f"</td><td>{escape(i.title)}<br><small>{escape(i.detail)}</small></td>"
        f"<td><code>{escape(i.ref)}</code></td><td class=\"n\">{views.duration(now - i.since)}</td>"
        "</tr>" for i in items)
    return ("<table><tr><th>kind</th><th>session</th><th>what</th><th>ref</th>"
            f"<th>waiting</th></tr>{rows}</table>")


def _sessions(m: Metrics) -> str:
    if not m.sessions:
        return '<p class="empty">No sessions yet.</p>'
    head = ("<tr><th>session</th><th>state</th><th>lead time</th><th>running</th>"
            "<th>waiting on you</th><th>awaiting approval</th><th>on an assumption</th>"
            "<th>interruptions</th><th>decisions</th><th>review lines</th><th>stalls</th>"
            "<th>cost</th></tr>")
    rows = "".join(
        f"<tr><td>{escape(r.name)}</td><td>{escape(r.state)}</td>"
        f'<td class="n">{views.duration(r.lead_time_s)}</td>'
        f'<td class="n">{views.duration(r.agent_s)}</td>'
        f'<td class="n">{views.duration(r.blocked_on_decisions_s)}</td>'
        f'<td class="n">{views.duration(r.awaiting_review_s)}</td>'
        f'<td class="n">{views.duration(r.assumption_s)}</td><td class="n">{r.interruptions}</td>'
        f'<td class="n">{r.decisions}</td><td class="n">{r.review_lines}</td>'
        f'<td class="n">{r.stalls}</td><td class="n">${r.cost_usd:.2f}</td></tr>'
        for r in m.sessions)
    return f"<table>{head}{rows}</table>"


def _split_tasks(st: State) -> str:
    """The split tasks as a tree: each sub-task under its task, with how it stands and
    what it waits on. Nothing when no task was split."""
    rows = []
    root_of_split = False
    for depth, t in tree.tree_order(st):
        if depth == 0:
            root_of_split = bool(t.children)
        if not root_of_split:
            continue
        status = tree.open_reason(st, t.task_id) or tree.child_status(st, t.task_id)
        after = f" · after {', '.join(t.depends_on)}" if t.depends_on else ""
        rows.append(f'<tr><td style="padding-left:{8 + 20 * depth}px"><code>'
                    f"{escape(t.task_id)}</code> {escape(t.title)}</td>"
                    f"<td>{escape(status + after)}</td></tr>")
    if not rows:
        return ""
    return ("<h2>Split tasks</h2><table><tr><th>task and its sub-tasks</th>"
            f"<th>where it stands</th></tr>{''.join(rows)}</table>")


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
