"""The attention commands: `stats`, `report`, `digest` and `focus`. `parser.py` holds
the parser; like every command these read the log and append only human events."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..attention.routing import in_quiet_hours
from ..insight import history_snapshot
from ..insight.metrics import Metrics, compute
from ..insight.report import render_report
from ..views.overview import duration as dur
from .common import OpenApi, clock, open_api, print_json


def stats(args: argparse.Namespace) -> int:
    with OpenApi(args, history=False) as api:  # the history checkpoint holds what it needs
        now = time.time()
        m = compute(history_snapshot.load(api.store), now)
    if args.json:
        print_json(m)
        return 0
    _print_stats(m)
    return 0


def _print_stats(m: Metrics) -> None:
    o = m.overall
    if not m.sessions:
        print("no sessions yet")
        return
    print(f"{'session':<30} {'state':<18} {'lead':>7} {'running':>8} {'waiting':>8} "
          f"{'review':>8} {'assumed':>8} {'int':>4} {'dec':>4} {'lines':>6} {'stall':>5} "
          f"{'cost':>7}")
    for r in m.sessions:
        lead = dur(r.lead_time_s) if r.lead_time_s is not None else "-"
        print(f"{r.name[:30]:<30} {r.state:<18} {lead:>7} {dur(r.agent_s):>8} "
              f"{dur(r.blocked_on_decisions_s):>8} {dur(r.awaiting_review_s):>8} "
              f"{dur(r.assumption_s):>8} {r.interruptions:>4} {r.decisions:>4} "
              f"{r.review_lines:>6} {r.stalls:>5} {'$' + format(r.cost_usd, '.2f'):>7}")

    def ratio(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    lead = dur(o.lead_time_median_s) if o.lead_time_median_s is not None else "-"
    print(f"""
over {dur(o.span_s)}: {o.sessions} session(s), {o.landed} landed, {o.no_change} with no \
change, peak {o.peak_parallel} in parallel
  interruptions        {o.interruptions} ({ratio(o.interruptions_per_landed)} per landed \
change)
  decisions            {o.decisions} ({ratio(o.decisions_per_landed)} per landed change)
  reviews              {o.reviews} ({ratio(o.reviews_per_landed)} per landed change, \
{ratio(o.review_lines_per_landed)} lines to read per landed change)
  blocked on you       {dur(o.blocked_on_human_s)} (questions {dur(o.blocked_on_decisions_s)}, \
reviews {dur(o.awaiting_review_s)})
  on an assumption     {dur(o.assumption_s)}
  silent idle          {o.silent_idle_s:.1f}s
  lead time            median {lead}
  agent time           {dur(o.agent_s)}; {o.tokens:,} tokens, ${o.cost_usd:.2f}
  stalls caught        {o.stalls_caught}: {dur(o.stall_lost_before_flag_s)} before the flag, \
{dur(o.stall_total_s)} in all""")
    if o.by_agent:
        print("  tokens by agent      " + "; ".join(
            f"{a.agent} {a.tokens:,} (${a.cost_usd:.2f})" for a in o.by_agent))
    if o.split_tasks or o.steers:
        print(f"  delegation           {o.split_tasks} task(s) split into {o.sub_tasks} "
              f"sub-task(s); {o.steers} steering note(s)")
    if (mm := m.manager) is not None:
        per = ("-" if mm.cost_per_landed_usd is None
               else f"${mm.cost_per_landed_usd:.4f} per landed change")
        print(f"  manager agent        {mm.turns} turn(s), {mm.acts_alone} decision(s) "
              f"alone, {mm.overrules} overruled; workers' questions: "
              f"{mm.questions_answered} answered, {mm.questions_escalated} escalated; "
              f"{mm.tokens:,} tokens, ${mm.cost_usd:.2f} ({per})")


def report(args: argparse.Namespace) -> int:
    with OpenApi(args, history=False) as api:
        page = render_report(history_snapshot.load(api.store), time.time(),
                             title=f"Loopwright · {api.project.root.name}")
    path = Path(args.html)
    path.write_text(page, encoding="utf-8")
    print(f"wrote {path} ({len(page) // 1024} KiB)")
    return 0


def digest(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        lines = api.digest(mark_read=not args.peek)
    if args.json:
        print_json({"lines": lines})
    elif not lines:
        print("nothing new since the last digest")
    else:
        print("\n".join(lines))
    return 0


def focus(args: argparse.Namespace) -> int:
    api = open_api(args)
    try:
        if args.mode in ("on", "off"):
            api.focus(args.mode == "on", args.minutes or 0.0)
        st = api.refresh()
        att, quiet_hours = st.attention, api.config.attention.quiet_hours
        if att.focus:
            end = f" until {clock(att.focus_until)}" if att.focus_until else ""
            print(f"focus is on{end}: interruptions are held and arrive as one batch "
                  f"when it ends ({len(att.held())} held so far)")
        else:
            print("focus is off: decisions and reviews interrupt as configured")
        if quiet_hours:
            now = "now" if in_quiet_hours(quiet_hours, time.time()) else "not now"
            print(f"quiet hours: {quiet_hours} ({now})")
    finally:
        api.close()
    return 0
