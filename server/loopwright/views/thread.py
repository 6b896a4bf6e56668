"""The manager's thread: what the human told it, its turns, what it said, what it did
alone (each with the command that overrules it), what it refused and escalated, what
it remembered. A pure view of the log, the same for the CLI (`loopwright manager`),
the editor (`loopwright/manager`, `$/loopwright/thread`) and the web page; camelCase on
the wire (iface: docs/manager.md, docs/protocol.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import msgspec

from .. import events as ev
from ..state import State

D = msgspec.Meta
OVERRULABLE = frozenset({"triage", "answer", "steer", "split", "priority", "retry"})


class ThreadEntry(msgspec.Struct, kw_only=True, rename="camel"):
    """One entry of the manager's thread."""

    seq: Annotated[int, D(description="the log record it comes from")]
    at: Annotated[float, D(description="when (Unix time)")]
    kind: Annotated[str, D(description="`told` `turn` `said` `acted` `refused` "
                                       "`escalated` `noted` `overruled` `answered`")]
    text: Annotated[str, D(description="what it says, readable")]
    by: Annotated[str, D(description="`human` or `manager`")] = "manager"
    turn: Annotated[int, D(description="the manager turn it belongs to (0: none)")] = 0
    act_id: Annotated[str, D(description="the act (`m12.1`), or the act overruled")] = ""
    tool: Annotated[str, D(description="the act's tool")] = ""
    decision_id: Annotated[str, D(description="the decision it is about")] = ""
    session_id: Annotated[str, D(description="the session it is about")] = ""
    task_id: Annotated[str, D(description="the task it is about")] = ""
    options: Annotated[tuple[str, ...], D(description="`escalated`: answers offered")] = ()
    recommendation: Annotated[str, D(description="`escalated`: what the manager "
                                                 "recommends")] = ""
    default: Annotated[str, D(description="`escalated`: in force until answered")] = ""
    overrule: Annotated[str, D(description="`acted`: the command that overrules it")] = ""
    overruled: Annotated[bool, D(description="`acted`: a human overruled it")] = False


class ManagerThread(msgspec.Struct, kw_only=True, rename="camel"):
    """`loopwright/manager`: the manager agent and its thread."""

    seq: Annotated[int, D(description="the last log record folded")]
    agent: Annotated[str, D(description="`[manager] agent`: `off`, `claude`")]
    running: Annotated[bool, D(description="a manager agent is live")]
    thinking: Annotated[bool, D(description="a turn is under way")]
    turns: Annotated[int, D(description="turns taken so far")]
    pending_wakes: Annotated[int, D(description="wakes no turn has handled yet")]
    decides: Annotated[list[str], D(description="what it may decide alone")]
    tokens: Annotated[int, D(description="every token it spent")]
    cost_usd: Annotated[float, D(description="what it cost")]
    entries: Annotated[list[ThreadEntry], D(description="oldest first")]


def overrule_command(act_id: str, tool: str) -> str:
    if tool not in OVERRULABLE:
        return ""
    more = ' --answer "..."' if tool == "answer" else ""
    return f"loopwright overrule {act_id}{more}"


def entries_of(records: Iterable[ev.Record], state: State) -> list[ThreadEntry]:
    out, turn = [], None
    for r in records:
        if isinstance(r.event, ev.ManagerTurnStarted):
            turn = r.event.turn
        if (entry := entry_of(r, state, turn)) is not None:
            out.append(entry)
    return out


def entry_of(record: ev.Record, state: State, turn: int | None = None) -> ThreadEntry | None:
    """The thread entry of one record, or None when it is not part of the thread;
    `turn`: the manager turn it falls in (default: the latest)."""
    e, seq, at = record.event, record.seq, record.at
    match e:
        case ev.ManagerTold():
            return ThreadEntry(seq=seq, at=at, kind="told", text=e.text, by=e.by)
        case ev.ManagerTurnStarted():
            return ThreadEntry(seq=seq, at=at, kind="turn", turn=e.turn,
                               text="woke: " + ", ".join(wake_text(w) for w in e.wakes))
        case ev.ModelReplied(agent="manager") if e.content:
            said = " ".join(b.get("text", "") for b in json.loads(e.content)
                            if b.get("type") == "text").strip()
            if said:
                return ThreadEntry(seq=seq, at=at, kind="said", text=said,
                                   turn=state.manager.turn if turn is None else turn)
            return None
        case ev.ManagerActed(outcome="read"):
            return None  # looking is not news
        case ev.ManagerActed():
            return _act_entry(record, e, state)
        case ev.ManagerEscalated():
            return _escalation_entry(record, e, state)
        case ev.ManagerNoted():
            return ThreadEntry(seq=seq, at=at, kind="noted", act_id=e.act_id,
                               tool="remember", text=f"remembered: {e.text}")
        case ev.ManagerOverruled():
            how = f": the answer is {e.answer!r}" if e.answer else ""
            why = f" ({e.why})" if e.why else ""
            return ThreadEntry(seq=seq, at=at, kind="overruled", by=e.by, act_id=e.act_id,
                               text=f"{e.by} overruled {e.act_id}{how}{why}")
        case ev.DecisionAnswered() if e.decision_id in state.manager.escalated:
            return ThreadEntry(seq=seq, at=at, kind="answered", by=e.by,
                               decision_id=e.decision_id,
                               act_id=state.manager.escalated[e.decision_id],
                               text=f"{e.by} answered {e.decision_id}: {e.answer}")
    return None


def wake_text(w: ev.ManagerWake) -> str:
    what = w.reason.replace("_", " ")
    return f"{what} {w.ref}".strip()


def _act_entry(record: ev.Record, e: ev.ManagerActed, state: State) -> ThreadEntry | None:
    if e.outcome == "escalated":
        return None  # its ManagerEscalated says it, with the recommendation
    act = state.manager.acts.get(e.act_id)
    kind = "acted" if e.outcome == "done" else "refused"
    text = (f"{e.tool}: {e.result}" if kind == "acted"
            else f"{e.tool} refused: {e.result}")
    return ThreadEntry(
        seq=record.seq, at=record.at, kind=kind, turn=e.turn, act_id=e.act_id, tool=e.tool,
        text=text, decision_id=e.decision_id, session_id=e.session_id, task_id=e.task_id,
        overrule=overrule_command(e.act_id, e.tool) if kind == "acted" else "",
        overruled=bool(act is not None and act.overruled))


def _escalation_entry(record: ev.Record, e: ev.ManagerEscalated,
                      state: State) -> ThreadEntry:
    d = state.decisions.get(e.decision_id)
    question = d.question if d is not None else e.decision_id
    text = f"asks you: {question}"
    if e.recommendation:
        text += f" (recommends: {e.recommendation})"
    act = state.manager.acts.get(e.act_id)
    return ThreadEntry(
        seq=record.seq, at=record.at, kind="escalated", act_id=e.act_id,
        turn=act.turn if act is not None else state.manager.turn, tool="escalate",
        text=text, decision_id=e.decision_id,
        session_id=d.session_id if d is not None else "",
        task_id=d.task_id if d is not None else "",
        options=d.options if d is not None else (), recommendation=e.recommendation,
        default=d.default if d is not None else "")


def describe(e: ev.Event, name: Callable[[str], str]) -> str | None:
    """The line of a manager-agent record in `loopwright log`, the activity and the
    digest; None for those that are not the manager's."""
    match e:
        case ev.ManagerAgentReady():
            return (f"manager agent {e.agent} ({e.model}) ready; decides alone: "
                    f"{', '.join(e.decides) or 'nothing'}")
        case ev.ManagerTold():
            return f"{e.by} told the manager: {e.text}"
        case ev.ManagerTurnStarted():
            return f"manager turn {e.turn}: " + ", ".join(wake_text(w) for w in e.wakes)
        case ev.ManagerPrompted():
            return None
        case ev.ManagerActed(outcome="done"):
            how = overrule_command(e.act_id, e.tool)
            return (f"manager {e.tool} ({e.act_id}): {e.result}"
                    + (f" — overrule: {how}" if how else ""))
        case ev.ManagerActed(outcome="refused"):
            return f"manager {e.tool} ({e.act_id}) refused: {e.result}"
        case ev.ManagerActed():
            return None
        case ev.ManagerEscalated():
            rec = f" (recommends: {e.recommendation})" if e.recommendation else ""
            return f"manager escalated {e.decision_id} to you{rec}"
        case ev.ManagerNoted():
            return f"manager remembered: {e.text}"
        case ev.ManagerOverruled():
            return f"{e.by} overruled manager act {e.act_id}"
        case ev.ManagerTurnFinished():
            return (f"manager turn {e.turn} done: {e.acts} act(s), {e.tokens} tokens, "
                    f"${e.cost_usd:.4f}" + (f" ({e.stop})" if e.stop != "end_turn" else ""))
    return None


def to_json(value: Any) -> Any:
    return msgspec.to_builtins(value)
