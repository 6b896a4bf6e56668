"""`loopwright split`, `steer` and `priority`, and the task tree `status` shows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.split_plan import PlanError, parse_plan
from ..core.text import for_terminal
from ..state import State
from ..views import delegation as tree
from .common import CliError, OpenApi


def _shown(text: str) -> str:
    return for_terminal(text, one_line=True)


def split(args: argparse.Namespace) -> int:
    if args.into == "-":
        text, source = sys.stdin.read(), "standard input"
    else:
        path = Path(args.into)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CliError(f"--into {args.into}: {e}") from None
        source = str(path)
    try:
        specs = parse_plan(text, source=source)
    except PlanError as e:
        raise CliError(str(e)) from None
    with OpenApi(args) as api:
        t = api.split(args.task, specs, reason=args.why)
        st = api.state
        print(f"{t.task_id}: split into {len(t.children)} sub-task(s)")
        for child in t.children:
            c = st.tasks[child]
            after = f"  (after {', '.join(c.depends_on)})" if c.depends_on else ""
            print(f"  {child}  {_shown(c.title)}{after}")
    return 0


def steer(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        s = api.steer(args.session, " ".join(args.note))
        print(f"steered {s.name} ({s.session_id}): note {len(s.steers)} goes to its "
              "worker at its next turn")
    return 0


def priority(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        was = api.task(args.task).priority
        t = api.prioritise(args.task, args.priority, reason=args.why)
        more = f", and its {len(t.children)} sub-task(s)" if t.children else ""
        print(f"{t.task_id}: priority {t.priority} (was {was}){more}")
    return 0


def tree_lines(st: State) -> list[str]:
    """The split tasks with their sub-tasks indented under them, each with how it stands
    and what it waits on."""
    lines: list[str] = []
    root_of_split = False
    for depth, t in tree.tree_order(st):
        if depth == 0:
            root_of_split = bool(t.children)
        if not root_of_split:
            continue
        if t.children and tree.task_done(st, t.task_id):
            dropped = sum(1 for c in t.children if st.tasks[c].verdict == "cancelled")
            status = (f"done: {len(t.children) - dropped} of {len(t.children)} sub-tasks "
                      "landed" + (f", {dropped} dropped" if dropped else ""))
        elif t.children:
            status = tree.open_reason(st, t.task_id)
        else:
            status = tree.child_status(st, t.task_id)
        if t.depends_on:
            status += f"; after {', '.join(t.depends_on)}"
        lines.append(f"{'  ' * depth}{t.task_id}  {_shown(t.title)}  ({status})")
    return lines


def tree_json(st: State, task_id: str) -> dict[str, object]:
    """The tree fields of a task in `status --json`."""
    t = st.tasks[task_id]
    return {"priority": t.priority, "parent": t.parent, "children": t.children,
            "depends_on": t.depends_on, "waiting_on": tree.waiting_on(st, task_id),
            "done": tree.task_done(st, task_id), "open_reason": tree.open_reason(st, task_id)}


def in_tree(st: State, task_id: str) -> bool:
    t = st.tasks[task_id]
    return bool(t.parent or t.children)
