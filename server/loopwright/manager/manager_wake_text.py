"""What the manager agent is told at the start of a turn: each wake in a few lines,
from the state (a worker's words fenced as data), and, when its conversation starts
over, the summary the loop writes from the log: what the human told it, what it asked
and decided lately, what is open."""

from __future__ import annotations

from .. import events as ev
from ..state import State
from ..store import Store
from .manager_reads import data

RECENT_ACTS = 12
MAX_TOLD = 60


def wake_text(wakes: list[ev.ManagerWake], st: State) -> str:
    lines = ["What woke you:"]
    for w in wakes:
        lines.append(_one(w, st))
    open_q = [d for d in st.decisions.values() if d.open and d.session_id
              and d.decision_id not in st.manager.escalated]
    if open_q:
        lines.append(f"Workers' questions waiting on you: "
                     f"{', '.join(d.decision_id for d in open_q)}")
    return "\n".join(lines)


def wake_facts(wakes: list[ev.ManagerWake], st: State) -> list[dict[str, object]]:
    """The same wakes as data (one object each), for a model that reads JSON better."""
    out: list[dict[str, object]] = []
    for w in wakes:
        fact: dict[str, object] = {"reason": w.reason, "ref": w.ref}
        if (d := st.decisions.get(w.ref)) is not None:
            fact.update(decision=d.decision_id, question=d.question, options=list(d.options),
                        default=d.default, session=d.session_id, task=d.task_id,
                        answer=d.answer, steered=st.manager.steered.get(d.session_id, 0))
        if (t := st.tasks.get(w.ref)) is not None:
            fact.update(task=t.task_id, title=t.title, labels=list(t.labels),
                        body=t.body[:4000])
        if w.reason == "told":
            fact["text"] = st.manager.told_texts.get(w.ref, "")
        if (s := st.sessions.get(w.ref)) is not None:
            fact.update(session=s.session_id, name=s.name, state=str(s.state),
                        steered=st.manager.steered.get(s.session_id, 0))
        out.append(fact)
    return out


def _one(w: ev.ManagerWake, st: State) -> str:
    match w.reason:
        case "task_filed":
            t = st.tasks.get(w.ref)
            if t is None:
                return f"- a task was filed: {w.ref}"
            return (f"- task {t.task_id} filed from {t.source} (verdict {t.verdict}): "
                    f"{t.title}\n" + data("its body", t.body[:2000]))
        case "worker_question" | "stall":
            d = st.decisions.get(w.ref)
            if d is None:
                return f"- {w.reason.replace('_', ' ')}: {w.ref}"
            s = st.sessions.get(d.session_id)
            name = s.name if s is not None else d.session_id
            kind = "a stall's proposal" if w.reason == "stall" else "a worker's question"
            steered = st.manager.steered.get(d.session_id, 0)
            more = (f" It was steered {steered} time(s) before: propose a kill to the "
                    "human with your recommendation." if w.reason == "stall" and steered
                    else " First stall: steer it with a note." if w.reason == "stall"
                    else "")
            return (f"- {kind} {d.decision_id} from session {name} (task {d.task_id}), "
                    f"{'blocking' if d.blocking else 'going on with the default'}: "
                    f"options {list(d.options)}, default {d.default!r}.{more}\n"
                    + data("the question", d.question))
        case "told":
            return "- the human tells you: " + st.manager.told_texts.get(w.ref, "")
        case "answered":
            d = st.decisions.get(w.ref)
            if d is None:
                return f"- the human answered {w.ref}"
            return (f"- the human answered your question {d.decision_id} "
                    f"({d.question!r}): {d.answer!r}. Remember what it teaches, if "
                    "anything.")
        case "round":
            return "- your round: look over the loop (tool `state`)"
    s = st.sessions.get(w.ref)
    return f"- {w.reason.replace('_', ' ')}: {s.name if s is not None else w.ref}"


def summary_text(store: Store, st: State) -> str:
    told: list[str] = []
    acts: list[str] = []
    for r in store.read_after(0):
        e = r.event
        if isinstance(e, ev.ManagerTold):
            told.append(f"- {e.text}")
        elif isinstance(e, ev.ManagerActed) and e.outcome != "read":
            acts.append(f"- {e.act_id} {e.tool} ({e.outcome}): {e.result[:200]}")
    if len(told) > MAX_TOLD:
        told = [*told[:MAX_TOLD // 2], "- ...", *told[-MAX_TOLD // 2:]]
    open_q = [f"- {d.decision_id}: {d.question}" for d in st.decisions.values()
              if d.open and d.decision_id in st.manager.escalated]
    return "\n".join([
        "Your conversation started over to fit its budget. From the log:",
        "What the human told you:", *(told or ["- nothing yet"]),
        "Your latest acts:", *(acts[-RECENT_ACTS:] or ["- none yet"]),
        "Questions of yours the human has not answered:", *(open_q or ["- none"]),
        "The project's notes are in your system prompt, re-read every turn.",
    ])
