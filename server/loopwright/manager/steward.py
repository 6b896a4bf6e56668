"""The steward: hosts the manager agent beside the loop. It gathers what wakes the
agent, batches wakes that arrive while it thinks, runs one turn at a time, and hands
its tool calls to `ManagerHands` (checked acts, each recorded once).

The loop (decide, the gate) stays the harness: the agent only acts through the checked
API, marked `by="manager"`. Its conversation lives in the log; a restart rebuilds it
and finishes an interrupted turn, repeating no act and losing none. A round with
nothing new since the last turn costs no model call.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from typing import Any

import anthropic

from .. import events as ev
from ..agent import prompts, sdk_warm_up
from ..agent.manager.conversation import ManagerConversation, estimate, rebuild
from ..agent.manager.turn import model_of, run_turn
from ..agent.model import ModelUnavailable, make_client
from ..agent.project_notes import project_notes
from ..runtime import Runtime
from ..state import State
from ..store import Store
from .api import ActionRefused
from .manager_api import ManagerApi
from .manager_hands import ManagerHands
from .manager_wake_text import summary_text, wake_facts, wake_text
from .wakes import wake_of

log = logging.getLogger(__name__)
COMPACT_AT = 0.8
THREAD_EVENTS = (ev.ManagerAgentReady, ev.ManagerTurnStarted, ev.ManagerPrompted,
                 ev.ManagerActed, ev.ManagerEscalated, ev.ManagerNoted,
                 ev.ManagerTurnFinished, ev.NotificationRaised, ev.NotificationWithdrawn,
                 ev.DigestPublished, ev.DiffMeasured)


class Steward:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pending: list[ev.ManagerWake] = []
        self._woken = asyncio.Event()
        self._news = False  # a record since the last turn that is not the manager's own
        self.busy = False
        self._caught_up = False  # it has read what arrived before it started
        # For bench/manager_*.py: a batch opened by a wake while idle, and the time from
        # that wake's append to its turn's start beyond the batching window (seconds).
        self._opened_at: float | None = None
        self.latencies: list[float] = []
        store = Store(rt.project.db_path, clock=rt.store.clock)
        store.checkpoint_elsewhere()  # its acts commit on the loop: never a WAL checkpoint
        self.api = ManagerApi(rt.project, rt.config, store, State())
        self.hands = ManagerHands(self.api)
        self._conversation: ManagerConversation | None = None
        self._client: anthropic.AsyncAnthropic | None = None

    @property
    def on(self) -> bool:
        return self.rt.config.manager.agent != "off"

    def triages(self) -> bool:
        """Whether the agent triages new tasks (the triage slot then stands aside)."""
        return self.on and "triage" in self.rt.config.manager.decides

    def idle(self) -> bool:
        return (self._caught_up or not self.on) and not self.busy and not self.pending

    def observe(self, record: ev.Record) -> None:
        """Each record, after the fold applied it (the manager's loop calls this)."""
        if not self.on:
            return
        st = self.rt.state
        if record.seq <= st.manager.until_seq:
            return
        if not isinstance(record.event, THREAD_EVENTS) and not (
                isinstance(record.event, ev.ModelReplied)
                and record.event.agent == "manager"):
            self._news = True
        wake = wake_of(record, st)
        if wake is not None:
            if not self.pending and not self.busy:
                self._opened_at = record.at
            self.pending.append(wake)
            self._woken.set()
        if (isinstance(record.event, ev.DecisionAnswered) and record.event.by != "manager"
                and record.event.answer == "yes"):
            self._carry_out_approved(record.event.decision_id, record.event.by)

    async def run(self) -> None:
        rt = self.rt
        cfg = rt.config.manager
        st = rt.state
        agent = "" if cfg.agent == "off" else cfg.agent
        if (st.manager.agent, st.manager.decides) != (agent, tuple(cfg.decides)):
            rt.append(ev.ManagerAgentReady(agent=agent, model=model_of(rt.config),
                                           decides=tuple(cfg.decides)))
        if not self.on:
            return
        # Off the loop's thread: the SDK's client loads its TLS context (~0.5 s), which
        # held every record's handling back that long on a 2-core machine.
        self._client = await asyncio.to_thread(make_client, rt.config.agent)
        await sdk_warm_up.warmed()  # its schemas too are frozen, not walked by each full GC
        _freeze_the_heap()
        try:
            for r in rt.store.read_after(st.manager.until_seq):
                self.observe(r)
            self._caught_up = True
            if st.manager.open_turn:
                await self._turn(resume=True)
            await self._serve()
        finally:
            await self._client.close()
            self.api.close()

    async def _serve(self) -> None:
        while True:
            round_s = self.rt.config.manager.round_minutes * 60
            try:
                async with asyncio.timeout(round_s or None):
                    await self._woken.wait()
            except TimeoutError:
                if not self._news:
                    continue  # a round with nothing new costs nothing
                self.pending.append(ev.ManagerWake(reason="round"))
            # the window opens at the first wake's append, not when this task next runs
            opened = self._opened_at if self._opened_at is not None else self.rt.clock()
            window = self.rt.config.manager.batch_seconds
            await asyncio.sleep(max(0.0, opened + window - self.rt.clock()))
            if self.pending:
                await self._turn()
            else:
                self._woken.clear()

    async def _turn(self, *, resume: bool = False) -> None:
        rt = self.rt
        self.busy = True
        try:
            wakes, self.pending = self.pending, []
            self._woken.clear()
            self._news = False
            conversation = self._conversation_now()
            turn = rt.state.manager.turn
            if not resume:
                turn += 1
                text = wake_text(wakes, rt.state) + "\n\nThe same as data:\n" + json.dumps(
                    wake_facts(wakes, rt.state), ensure_ascii=False)
                prompt = self._wake_prompt(turn, text, conversation)
                rt.append(ev.ManagerTurnStarted(turn=turn, wakes=tuple(wakes),
                                                until_seq=rt.state.last_seq), prompt)
                if self._opened_at is not None:
                    self.latencies.append(rt.clock() - self._opened_at
                                          - rt.config.manager.batch_seconds)
                    self._opened_at = None
                conversation.add_prompt(prompt)
            await self._run_turn(turn, conversation, wakes)
        finally:
            self.busy = False

    async def _run_turn(self, turn: int, conversation: ManagerConversation,
                        wakes: list[ev.ManagerWake]) -> None:
        rt = self.rt
        spent_before = (rt.state.manager.tokens, rt.state.manager.cost_usd)
        acts_before = len(rt.state.manager.acts)
        stop = "end_turn"
        assert self._client is not None
        try:
            system = await asyncio.to_thread(self._system)  # it reads the notes' files
            result = await run_turn(turn=turn, config=rt.config, client=self._client,
                                    system=system, conversation=conversation,
                                    hands=self.hands, record=self._record)
            stop = result.stop
        except ModelUnavailable as e:
            stop = f"model_failed: {e}"
            self._conversation = None  # rebuilt from the log next turn
            self._fallback(wakes, str(e))
        self.api.refresh()
        await rt.append_applied(ev.ManagerTurnFinished(
            turn=turn, acts=len(self.api.state.manager.acts) - acts_before,
            tokens=self.api.state.manager.tokens - spent_before[0],
            cost_usd=round(self.api.state.manager.cost_usd - spent_before[1], 6),
            stop=stop))

    async def _record(self, event: ev.Event) -> None:
        self.rt.append(event)

    def _conversation_now(self) -> ManagerConversation:
        if self._conversation is None:
            start = max(0, self.rt.state.manager.conversation_from - 1)
            self._conversation = rebuild(r for r in self.rt.store.read_after(start)
                                         if isinstance(r.event, ev.ManagerPrompted
                                                       | ev.ModelReplied))
        return self._conversation

    def _wake_prompt(self, turn: int, text: str,
                     conversation: ManagerConversation) -> ev.ManagerPrompted:
        budget = self.rt.config.manager.context_budget_tokens
        if conversation.size() + estimate(text) < budget * COMPACT_AT:
            return ev.ManagerPrompted(turn=turn, content=_text(text), kind="wake")
        summary = summary_text(self.rt.store, self.rt.state)
        return ev.ManagerPrompted(turn=turn, content=_text(f"{summary}\n\n{text}"),
                                  kind="summary", restart=True)

    def _system(self) -> list[dict[str, Any]]:
        cfg = self.rt.config
        notes = project_notes(self.rt.project.root, cfg.project.goals,
                              self.rt.project.notes_path)
        decides = ", ".join(cfg.manager.decides) or "nothing"
        return prompts.system_blocks(
            "manager", f"You may decide alone: {decides}.\n\n{notes}")

    def _fallback(self, wakes: list[ev.ManagerWake], why: str) -> None:
        """The model failed: what the turn was for goes to the human, as if there were
        no manager (a worker's question escalated, a new task asked about)."""
        st = self.api.refresh()
        for w in wakes:
            d = st.decisions.get(w.ref)
            try:
                if (w.reason == "worker_question" and d is not None and d.open
                        and d.decision_id not in st.manager.escalated):
                    self.api.record(ev.ManagerEscalated(
                        act_id=f"m{st.manager.turn}.0", decision_id=d.decision_id,
                        why=f"the manager could not answer: {why}"))
                t = st.tasks.get(w.ref)
                if w.reason == "task_filed" and t is not None and t.verdict == "pending":
                    self.api.record(ev.TaskAccepted(
                        task_id=t.task_id, reason=f"accepted without triage: {why}"))
            except ActionRefused:
                continue

    def _carry_out_approved(self, decision_id: str, by: str) -> None:
        """The human said yes to an act the manager may not do alone: done, by them."""
        st = self.rt.state
        act_id = st.manager.escalated.get(decision_id)
        act = st.manager.acts.get(act_id or "")
        if act is None or act.outcome != "refused":
            return
        try:
            args = json.loads(self._act_input(act_id or ""))
            target = str(args.get("session") or args.get("task") or "")
            api = self.api
            match act.tool:
                case "kill":
                    api.kill(target, str(args.get("reason", "")), by=by)
                case "retry":
                    api.retry(target, by=by)
                case "steer":
                    api.steer(target, str(args.get("note", "")), by=by)
                case "priority":
                    api.prioritise(target, int(args.get("priority", 0)), by=by)
                case "triage" if args.get("verdict") == "decline":
                    api.record(ev.TaskDeclined(task_id=target,
                                               reason=str(args.get("reason", ""))))
                case "triage" if args.get("verdict") == "accept":
                    api.record(ev.TaskAccepted(task_id=target))
        except (ActionRefused, ValueError) as e:
            log.info("could not carry out approved act %s: %s", act_id, e)

    def _act_input(self, act_id: str) -> str:
        for r in reversed(self.rt.store.read_after(0)):
            if isinstance(r.event, ev.ManagerActed) and r.event.act_id == act_id:
                return r.event.input
        return "{}"


def _freeze_the_heap() -> None:
    """Move every object alive now (the SDK's, pydantic's and the modules': ~175k) out
    of the collector's reach for good. A full collection otherwise walks them all on the
    loop's thread: 100-450 ms on a loaded 2-core machine, a stall every wake in flight
    then waits out. Not a collection itself (that would be the same stall, now); what
    is frozen is still freed when its last reference goes, only cycles among it are not."""
    gc.freeze()


def _text(text: str) -> str:
    return json.dumps([{"type": "text", "text": text}], separators=(",", ":"),
                      ensure_ascii=False)
