"""Inline SVG for the report: the sessions' timeline and a few small charts. Pure
functions from numbers to markup; no scripts, no external resources."""

from __future__ import annotations

import time
from html import escape

from ..state import SessionState
from ..views.overview import duration
from .history import History

S = SessionState
# What the timeline shows for each state: (label, colour).
LOOKS: dict[SessionState, tuple[str, str]] = {
    S.QUEUED: ("queued", "#d9dde3"),
    S.RUNNING: ("running", "#3b82f6"),
    S.WAITING: ("waiting on you", "#ef4444"),
    S.CHECKING: ("checking", "#8b5cf6"),
    S.REVIEWING: ("reviewing", "#14b8a6"),
    S.AWAITING_APPROVAL: ("awaiting approval", "#f59e0b"),
    S.LANDING: ("landing", "#22c55e"),
}
END_MARK = {S.LANDED: ("✓", "#15803d"), S.FAILED: ("✗", "#b91c1c"),
            S.KILLED: ("■", "#6b7280"), S.REJECTED: ("✗", "#6b7280"),
            S.NO_CHANGE: ("∅", "#6b7280")}
ROW, LABEL_W, WIDTH = 18, 190, 1100


def timeline(h: History, now: float) -> str:
    start = h.first_at if h.first_at is not None else now
    span = max(now - start, 1.0)
    plot = WIDTH - LABEL_W - 20
    sessions = list(h.state.sessions.values())
    height = 40 + ROW * max(1, len(sessions))

    def x(t: float) -> float:
        return LABEL_W + (t - start) / span * plot

    out = [f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
           f'height="{height}" role="img" aria-label="sessions over time">']
    out += _axis(start, span, x, height)
    for on, off in h.focus:
        end = off if off is not None else now
        out.append(f'<rect x="{x(on):.1f}" y="16" width="{max(x(end) - x(on), 1):.1f}" '
                   f'height="{height - 16}" class="focus"><title>focus: interruptions held'
                   f'</title></rect><text x="{x(on) + 3:.1f}" y="{height - 4}" '
                   f'class="tick">focus</text>')
    for i, s in enumerate(sessions):
        y = 24 + i * ROW
        out.append(f'<text x="{LABEL_W - 8}" y="{y + 12}" class="label" '
                   f'text-anchor="end">{escape(_clip(s.name, 28))}</text>')
        for seg in h.segments.get(s.session_id, []):
            end = seg.end if seg.end is not None else now
            label, colour = LOOKS.get(seg.state, (seg.state.value, "#999"))
            w = max(x(end) - x(seg.start), 1.0)
            out.append(f'<rect x="{x(seg.start):.1f}" y="{y + 2}" width="{w:.1f}" '
                       f'height="{ROW - 5}" fill="{colour}" rx="2"><title>{escape(s.name)}: '
                       f'{label} {duration(end - seg.start)}</title></rect>')
        for n in h.notes.values():
            if n.key == s.session_id and (n.interrupt or n.held):
                mark = n.released_at if n.held and n.released_at else n.at
                out.append(f'<path d="M{x(mark) - 4:.1f} {y + 1} h8 l-4 7 z" fill="#111" '
                           f'stroke="#fff" stroke-width="0.8"><title>interruption: '
                           f'{escape(n.kind)}</title></path>')
        for st in h.stalls:
            if st.session_id == s.session_id:
                sx = x(st.detected_at)
                out.append(f'<path d="M{sx:.1f} {y + 1} l5 7 l-5 7 l-5 -7 z" fill="#b91c1c" '
                           f'stroke="#fff" stroke-width="1"><title>stall: {escape(st.signal)}'
                           f'</title></path>')
        if s.terminal and s.ended_at is not None and s.state in END_MARK:
            glyph, colour = END_MARK[s.state]
            out.append(f'<text x="{x(s.ended_at) + 3:.1f}" y="{y + 12}" fill="{colour}" '
                       f'class="end">{glyph}<title>{s.state.value}</title></text>')
    out.append("</svg>")
    return "\n".join(out)


def _axis(start: float, span: float, x: object, height: int) -> list[str]:
    assert callable(x)
    step = _nice_step(span / 8)
    out = []
    t = start - start % step + step
    while t < start + span:
        xx = x(t)
        out.append(f'<line x1="{xx:.1f}" y1="16" x2="{xx:.1f}" y2="{height}" class="grid"/>')
        out.append(f'<text x="{xx:.1f}" y="12" class="tick" text-anchor="middle">'
                   f'{_clock(t, step)}</text>')
        t += step
    return out


def legend() -> str:
    items = [f'<span class="key"><i style="background:{c}"></i>{escape(label)}</span>'
             for label, c in LOOKS.values()]
    items += ['<span class="key">▼ interruption</span>',
              '<span class="key"><b style="color:#b91c1c">◆</b> stall flagged</span>',
              '<span class="key"><i style="background:#e5e7eb"></i>focus</span>',
              '<span class="key">✓ landed · ✗ failed · ■ killed</span>']
    return '<div class="legend">' + "".join(items) + "</div>"


def hbars(title: str, rows: list[tuple[str, list[tuple[float, str, str]]]],
          unit: str = "s") -> str:
    """Stacked horizontal bars: per row, (value, colour, label) parts."""
    if not rows:
        return ""
    top = max(sum(v for v, _, _ in parts) for _, parts in rows) or 1.0
    bar_w, row = 520, 16
    height = 24 + row * len(rows)
    out = [f'<figure><figcaption>{escape(title)}</figcaption><svg viewBox="0 0 '
           f'{LABEL_W + bar_w + 80} {height}" width="{LABEL_W + bar_w + 80}" '
           f'height="{height}">']
    for i, (label, parts) in enumerate(rows):
        y = 8 + i * row
        out.append(f'<text x="{LABEL_W - 8}" y="{y + 11}" class="label" '
                   f'text-anchor="end">{escape(_clip(label, 28))}</text>')
        at = float(LABEL_W)
        for value, colour, what in parts:
            w = value / top * bar_w
            if w > 0:
                out.append(f'<rect x="{at:.1f}" y="{y}" width="{w:.1f}" height="{row - 4}" '
                           f'fill="{colour}"><title>{escape(what)}: {_fmt(value, unit)}'
                           f'</title></rect>')
            at += w
        total = sum(v for v, _, _ in parts)
        out.append(f'<text x="{at + 6:.1f}" y="{y + 11}" class="tick">'
                   f'{_fmt(total, unit)}</text>')
    out.append("</svg></figure>")
    return "\n".join(out)


def columns(title: str, values: list[tuple[str, float]], colour: str = "#111") -> str:
    """A small column chart (e.g. interruptions per period)."""
    if not values:
        return ""
    top = max(v for _, v in values) or 1.0
    col, h = 22, 120
    width = 40 + col * len(values)
    out = [f'<figure><figcaption>{escape(title)}</figcaption><svg viewBox="0 0 {width} '
           f'{h + 30}" width="{width}" height="{h + 30}">']
    for i, (label, v) in enumerate(values):
        bh = v / top * h
        xx = 30 + i * col
        out.append(f'<rect x="{xx}" y="{h - bh + 10:.1f}" width="{col - 4}" '
                   f'height="{bh:.1f}" fill="{colour}"><title>{escape(label)}: {v:g}'
                   f'</title></rect>')
        if i % max(1, len(values) // 6) == 0:
            out.append(f'<text x="{xx}" y="{h + 24}" class="tick">{escape(label)}</text>')
    out.append(f'<text x="0" y="18" class="tick">{top:g}</text></svg></figure>')
    return "\n".join(out)


def _nice_step(raw: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600,
                 43200, 86400):
        if step >= raw:
            return float(step)
    return 86400.0 * (raw // 86400 + 1)


def _clock(t: float, step: float) -> str:
    return time.strftime("%H:%M:%S" if step < 60 else "%H:%M", time.localtime(t))


def _fmt(value: float, unit: str) -> str:
    return duration(value) if unit == "s" else f"{value:g} {unit}".strip()


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
