"""What the manager agent's tool calls do: reads of the loop and the target branch, and
acts through the checked API (`ManagerApi`), each recorded once by (turn, call id).

An act outside `[manager] decides` is refused and becomes a question to the human with
the manager's recommendation; when the human says yes, the steward carries it out on
their word. Nothing here trusts what a worker wrote: its text is quoted as data.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

from .. import events as ev
from ..agent.manager.tools import DECIDES, READS
from ..core.ids import new_id
from ..core.split_plan import SubTaskSpec
from ..manager_state import call_key
from ..review.triage import ASK_OPTIONS
from ..state import State
from .api import ActionRefused
from .manager_api import ManagerApi
from .manager_reads import read

PROPOSAL_OPTIONS = ("yes", "no")
NOTES_HEADING = "## Learned by the manager"


class ManagerHands:
    def __init__(self, api: ManagerApi) -> None:
        self.api = api

    async def carry_out(self, turn: int, call: dict[str, Any]) -> tuple[str, bool]:
        api = self.api
        st = api.refresh()
        done = st.manager.calls.get(call_key(turn, call["id"]))
        if done is not None:  # carried out before a restart: say what it said then
            before = st.manager.acts[done]
            return before.result, before.outcome == "refused"
        tool, args = str(call.get("name")), call.get("input") or {}
        if tool in READS:
            try:
                return await asyncio.to_thread(read, api, tool, args), False
            except (ActionRefused, ValueError, OSError) as e:
                return f"cannot read: {e}", True
        n = 1 + sum(1 for a in st.manager.acts.values() if a.turn == turn)
        act = ev.ManagerActed(act_id=f"m{turn}.{n}", turn=turn, call_id=call["id"],
                              tool=tool, input=json.dumps(args, ensure_ascii=False),
                              outcome="done", result="")
        return self._act(st, act, args)

    def _act(self, st: State, act: ev.ManagerActed, args: dict[str, Any]
             ) -> tuple[str, bool]:
        need = DECIDES.get(act.tool)
        if need is not None and need not in st.manager.decides:
            return self._propose(act, args, f"`{need}` is not in [manager] decides")
        try:
            return self._do(st, act, args), False
        except ActionRefused as e:
            refused = _with(act, outcome="refused", result=str(e))
            self.api.acting = refused
            self.api.finish_act()
            return str(e), True
        finally:
            self.api.acting = None

    def _do(self, st: State, act: ev.ManagerActed, args: dict[str, Any]) -> str:
        api, tool = self.api, act.tool
        match tool:
            case "triage":
                return self._triage(act, args)
            case "answer":
                d = api.decision(str(args.get("decision", "")))
                if not d.session_id:
                    raise ActionRefused(f"{d.decision_id} is not a worker's question")
                if d.decision_id in st.attention.stall_decisions:
                    raise ActionRefused(f"{d.decision_id} is a stall's proposal: steer the "
                                        "session instead")
                answer = str(args.get("answer", ""))
                why = str(args.get("because", "")).strip()
                result = f"answered {d.decision_id} ({d.question}): {answer}" + (
                    f" — because {why}" if why else "")
                api.acting = _with(act, result=result, decision_id=d.decision_id,
                                   session_id=d.session_id, task_id=d.task_id)
                api.answer(d.decision_id, answer, by="manager")
                return result
            case "escalate":
                return self._escalate(act, args)
            case "remember":
                note = " ".join(str(args.get("note", "")).split())
                if not note:
                    raise ActionRefused("say what to remember")
                api.acting = _with(act, result=f"remembered: {note}")
                write_note(api.project.notes_path, note)
                api.record(ev.ManagerNoted(act_id=act.act_id, text=note))
                return f"remembered: {note}"
            case "steer":
                s = api.session(str(args.get("session", "")))
                note = str(args.get("note", ""))
                result = f"steered {s.name}: {note}"
                api.acting = _with(act, result=result, session_id=s.session_id,
                                   task_id=s.task_id)
                api.steer(s.session_id, note, by="manager")
                self._clear_stall(s.session_id)
                return result
            case "split":
                return self._split(act, args)
            case "priority":
                t = api.task(str(args.get("task", "")))
                priority = int(args.get("priority", 0))
                result = f"priority of {t.task_id} set to {priority}"
                api.acting = _with(act, result=result, task_id=t.task_id)
                api.prioritise(t.task_id, priority, by="manager",
                           reason=str(args.get("reason", "")))
                return result
            case "retry":
                s = api.session(str(args.get("session", "")))
                result = f"retried {s.name}"
                api.acting = _with(act, result=result, session_id=s.session_id,
                                   task_id=s.task_id)
                api.retry(s.session_id, by="manager")
                return result
            case "kill":
                return self._propose(act, args, "only the human (or [stalls] kill_on) "
                                                "kills a session")[0]
        raise ActionRefused(f"no tool {tool!r}")

    def _triage(self, act: ev.ManagerActed, args: dict[str, Any]) -> str:
        api = self.api
        t = api.task(str(args.get("task", "")))
        reason = str(args.get("reason", "")).strip()
        verdict = args.get("verdict")
        if verdict == "accept":
            result = f"accepted {t.task_id}" + (f": {reason}" if reason else "")
            api.acting = _with(act, result=result, task_id=t.task_id)
            api.record(ev.TaskAccepted(task_id=t.task_id, reason=reason))
            return result
        if verdict == "decline":
            if not reason:
                raise ActionRefused("a decline needs its reason: the human may overrule it")
            result = f"declined {t.task_id}: {reason}"
            api.acting = _with(act, result=result, task_id=t.task_id)
            api.record(ev.TaskDeclined(task_id=t.task_id, reason=reason))
            return result
        if verdict == "ask":
            if t.verdict != "pending":
                raise ActionRefused(f"task {t.task_id} was already {t.verdict}")
            question = str(args.get("question") or f"Should {t.title!r} be worked on?")
            did = new_id("d")
            result = f"asked the human about {t.task_id}: {question}"
            api.acting = _with(act, outcome="escalated", result=result, task_id=t.task_id,
                               decision_id=did)
            api.record(ev.DecisionAsked(decision_id=did, question=question,
                                        options=ASK_OPTIONS, default="", blocking=True,
                                        task_id=t.task_id),
                       ev.ManagerEscalated(act_id=act.act_id, decision_id=did,
                                           recommendation=reason, why="triage"))
            return result
        raise ActionRefused("verdict is accept, decline or ask")

    def _escalate(self, act: ev.ManagerActed, args: dict[str, Any]) -> str:
        api, st = self.api, self.api.refresh()
        rec = str(args.get("recommendation", "")).strip()
        if args.get("decision"):
            d = api.decision(str(args["decision"]))
            if not d.open:
                raise ActionRefused(f"{d.decision_id} was already answered: {d.answer!r}")
            if d.decision_id in st.manager.escalated:
                raise ActionRefused(f"{d.decision_id} was already put to the human")
            result = f"asked the human {d.decision_id}: {d.question} (recommends: {rec})"
            api.acting = _with(act, outcome="escalated", result=result,
                               decision_id=d.decision_id, session_id=d.session_id,
                               task_id=d.task_id)
            api.record(ev.ManagerEscalated(act_id=act.act_id, decision_id=d.decision_id,
                                           recommendation=rec))
            return result
        question = str(args.get("question", "")).strip()
        if not question:
            raise ActionRefused("escalate needs a question, or the decision of a worker's")
        task_id = self._task_of(args)
        options = tuple(str(o) for o in args.get("options") or ())
        default = str(args.get("default", "") or (options[0] if options else ""))
        did = new_id("d")
        result = f"asked the human: {question} (recommends: {rec})"
        api.acting = _with(act, outcome="escalated", result=result, decision_id=did,
                           task_id=task_id)
        api.record(ev.DecisionAsked(decision_id=did, question=question, options=options,
                                    default=default, task_id=task_id),
                   ev.ManagerEscalated(act_id=act.act_id, decision_id=did,
                                       recommendation=rec))
        return result

    def _split(self, act: ev.ManagerActed, args: dict[str, Any]) -> str:
        api = self.api
        t = api.task(str(args.get("task", "")))
        specs = [SubTaskSpec(key=str(c.get("key") or c.get("title")),
                             title=str(c.get("title", "")), body=str(c.get("body", "")),
                             depends_on=tuple(str(k) for k in c.get("depends_on") or ()))
                 for c in args.get("subtasks") or ()]
        result = (f"split {t.task_id} into {len(specs)} sub-task(s): "
                  + "; ".join(s.title for s in specs))
        api.acting = _with(act, result=result, task_id=t.task_id)
        api.split(t.task_id, specs, by="manager", reason=str(args.get("reason", "")))
        return result

    def _propose(self, act: ev.ManagerActed, args: dict[str, Any], why: str
                 ) -> tuple[str, bool]:
        """A refused act, put to the human as a yes/no question with the manager's
        recommendation; a yes carries it out on the human's word (the steward)."""
        api = self.api
        try:
            task_id = self._task_of(args)
        except ActionRefused as e:
            task_id, why = "", f"{why}; {e}"
        what = describe_act(act.tool, args)
        did = new_id("d")
        result = f"refused: {why}; asked the human whether to {what} ({did})"
        api.acting = _with(act, outcome="refused", result=result, decision_id=did,
                           task_id=task_id)
        rec = str(args.get("reason") or args.get("because") or f"{what}")
        api._append_with_act(
            ev.DecisionAsked(decision_id=did, question=f"The manager would {what}. Do it?",
                             options=PROPOSAL_OPTIONS, default="no", task_id=task_id),
            ev.ManagerEscalated(act_id=act.act_id, decision_id=did, recommendation=rec,
                                why=why))
        return result, True

    def _task_of(self, args: dict[str, Any]) -> str:
        if args.get("task"):
            return self.api.task(str(args["task"])).task_id
        if args.get("session"):
            return self.api.session(str(args["session"])).task_id
        return ""

    def _clear_stall(self, session_id: str) -> None:
        """A steered stall: its proposal is answered `keep going`, by the manager."""
        st = self.api.refresh()
        for did, sid in st.attention.stall_decisions.items():
            d = st.decisions.get(did)
            if sid == session_id and d is not None and d.open:
                with contextlib.suppress(ActionRefused):
                    self.api.answer(did, "keep going", by="manager")


def describe_act(tool: str, args: dict[str, Any]) -> str:
    target = args.get("session") or args.get("task") or ""
    detail = (args.get("note") or args.get("reason") or args.get("answer")
              or args.get("priority") or "")
    text = f"{tool} {target}".strip()
    return f"{text}: {detail}" if detail != "" else text


def write_note(path: Path, note: str) -> None:
    """Add `note` to the notes under the manager's heading, once."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    line = f"- {note}"
    if line in text.splitlines():
        return
    if NOTES_HEADING not in text:
        text = text.rstrip() + ("\n\n" if text.strip() else "") + NOTES_HEADING + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n" + line + "\n", encoding="utf-8")


def _with(act: ev.ManagerActed, **changes: Any) -> ev.ManagerActed:
    import msgspec

    return msgspec.structs.replace(act, **changes)
