"""The worker's tool-use loop: prompt, reply, tools, again, until `finish`.

Every message is recorded before it is acted on, so the conversation survives a
restart: the loop rebuilds it from the log, runs the tools of a reply whose results
were never recorded, and goes on. Between turns it keeps the budgets (asking the human
when one is crossed) and the context budget (compaction).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

import anthropic
from anthropic.types.beta import BetaMessage

from .. import events as ev
from ..config import Config
from ..workers.base import Failed, Finished, Outcome, WorkerContext
from . import compaction, prompts, transcript
from .budget import over_budget
from .model import ModelUnavailable, call_model, policy_of
from .pricing import cost, usage_of
from .project_notes import describe_task
from .retry import Failure
from .tools.schemas import WORKER_TOOLS
from .tools.toolbox import Toolbox, ToolResult
from .transcript import Conversation, Message

log = logging.getLogger(__name__)

NUDGE = ("You replied without calling a tool. If the task is done and the checks pass, "
         "call finish with a summary; otherwise go on with the tools.")
CUT_OFF = ("Your reply was cut off at the max_tokens limit. Go on in smaller steps "
           "(smaller edits, one file at a time).")
FINISHED_BEFORE = "Your change went to review; see the note below."
STEERED_BEFORE = "Not finished yet: a note came in as you finished; see below."
STEER_HEAD = "A note from the {by} while you work (follow it from here on):"
STEER_KEY = "loopwright_steer"  # marks a steering note's block until it is recorded
PromptKind = Literal["task", "tool_results", "note", "nudge", "summary"]


class WorkerLoop:
    def __init__(self, ctx: WorkerContext, client: anthropic.AsyncAnthropic,
                 config: Config, project: str) -> None:
        self.ctx, self.client, self.config = ctx, client, config
        self.agent = config.agent
        inp = ctx.input
        self.system = prompts.system_blocks("worker", project, describe_task(inp.task))
        self.tools = Toolbox(ctx, self.agent.tool_output_chars)
        self.policy = policy_of(self.agent)
        self.price = config.prices.get(self.agent.model)
        self.conv = Conversation()
        self.grants = 1
        self.failures = 0
        self.session_id = inp.session.session_id
        self.steered: set[int] = set()  # steering notes already in the conversation


    async def run(self) -> Outcome:
        self.conv = transcript.rebuild(self.ctx.transcript())
        self.steered = {n for n, s in enumerate(self.ctx.steers(), 1) if s.received}
        if not self.conv.messages:
            await self._prompt(_first_message(self.ctx) + self._new_steers(), "task")
        while True:
            if not self.conv.awaiting_reply:
                outcome = await self._answer_last_reply()
                if outcome is not None:
                    return outcome
            outcome = await self._keep_budget()
            if outcome is not None:
                return outcome
            if compaction.should_summarize(self.agent, self._context(),
                                           self.conv.messages[-1]["content"]):
                outcome = await self._summarize()
            else:
                outcome = await self._turn()
            if outcome is not None:
                return outcome

    def _context(self) -> int:
        """Tokens the conversation holds before its last message: as the API counted
        them after the last reply, or estimated when the conversation just started."""
        if self.conv.last_context:
            return self.conv.last_context
        return compaction.estimate_tokens([self.system, WORKER_TOOLS,
                                           self.conv.messages[:-1]])

    # --- the user side ----------------------------------------------------------------

    async def _answer_last_reply(self) -> Outcome | None:
        """Run the tools of the last reply (or nudge), add what the human said since,
        and record it all as the next user message. An outcome ends the loop."""
        reply = self.conv.messages[-1]
        calls = self.conv.pending_calls()
        started, waited = time.monotonic(), self.tools.waited
        results: list[ToolResult] = [await self.tools.run(call) for call in calls]
        seconds = time.monotonic() - started - (self.tools.waited - waited)
        finished = next((r.finished for r in results if r.finished is not None), None)
        notes = self._new_notes()
        steers = self._new_steers()
        if finished is not None and not notes and not steers:
            return Finished(finished)
        finished_text = FINISHED_BEFORE if notes else STEERED_BEFORE
        content: list[dict[str, Any]] = [
            _result_block(r, finished_text if r.finished is not None else None)
            for r in results
        ]
        content += self._new_answers() + steers
        kind: PromptKind = "tool_results"
        if not calls:
            refusal = _stopped_for(reply)
            if refusal is not None and not notes and not steers:
                return refusal
            text = _text_of(reply)
            if not notes and not steers and self._nudged_before() and text:
                return Finished(text)
            if not notes and not steers:
                content.append({"type": "text", "text": self._nudge(reply)})
                kind = "nudge"
        if notes:
            content += notes
            kind = "note"
        await self._prompt(content, kind, seconds=max(0.0, seconds))
        return None

    def _new_notes(self) -> list[dict[str, Any]]:
        notes = self.ctx.input.notes
        return [{"type": "text", "text": f"Request-changes note {n}:\n\n{note}"}
                for n, note in enumerate(notes, 1) if n > self.conv.notes_seen]

    def _new_steers(self) -> list[dict[str, Any]]:
        """Steering notes not yet in the conversation, as text blocks; `_prompt` marks
        them received in the same write as the message that carries them."""
        blocks = []
        for n, steer in enumerate(self.ctx.steers(), 1):
            if n not in self.steered:
                blocks.append({"type": "text", "text": f"{STEER_HEAD.format(by=steer.by)}"
                               f"\n\n{steer.note}", STEER_KEY: n})
        return blocks

    def _new_answers(self) -> list[dict[str, Any]]:
        answers = self.ctx.answers()
        return [{"type": "text", "text": transcript.answer_text(q, answers[q])}
                for q in self.conv.open_questions if q in answers]

    def _nudged_before(self) -> bool:
        if len(self.conv.messages) < 2:
            return False
        previous = self.conv.messages[-2]["content"]
        return any(b.get("text") == NUDGE for b in previous if isinstance(b, dict))

    def _nudge(self, reply: Message) -> str:
        stop = reply.get("stop_reason")
        return CUT_OFF if stop == "max_tokens" else NUDGE

    async def _prompt(self, content: list[dict[str, Any]], kind: PromptKind, *,
                      restart: bool = False, seconds: float = 0.0,
                      reply: ev.ModelReplied | None = None) -> None:
        notes_seen = len(self.ctx.input.notes) if kind == "note" else self.conv.notes_seen
        steers = [b.pop(STEER_KEY) for b in content if STEER_KEY in b]
        prompt = ev.ModelPrompted(
            session_id=self.session_id, content=transcript.encode(content), kind=kind,
            restart=restart, seconds=round(seconds, 3), notes_seen=notes_seen,
        )
        received = [ev.SteerReceived(session_id=self.session_id, steer=n) for n in steers]
        self.steered.update(steers)
        if reply is None:
            await self.ctx.record_turn(prompt, *received)
        else:  # the summary and the restart it leads to go in one transaction
            await self.ctx.record_turn(reply, prompt)
            self.conv.add_reply(reply)
        self.conv.add_prompt(prompt)

    # --- the model side ---------------------------------------------------------------

    async def _turn(self) -> Outcome | None:
        message = await self._call(self._params(self.conv.messages))
        if isinstance(message, Failed):
            return message
        reply = self._replied(*message)
        await self.ctx.record_turn(reply)
        self.conv.add_reply(reply)
        return None

    async def _summarize(self) -> Outcome | None:
        """Client-side compaction: ask for a summary, start over from it."""
        await self.ctx.progress("compacting the conversation (it neared the context budget)")
        messages = [*self.conv.messages[:-1], {
            "role": "user",
            "content": compaction.summary_request(self.conv.messages[-1]["content"]),
        }]
        params = self._params(messages)
        params["tool_choice"] = {"type": "none"}
        message = await self._call(params)
        if isinstance(message, Failed):
            return message
        reply = self._replied(*message)
        summary = _text_of({"content": [b.to_dict() for b in message[0].content]})
        await self._prompt(compaction.restart_content(summary or "(no summary given)"),
                           "summary", restart=True, reply=reply)
        return None

    def _params(self, messages: list[Message]) -> dict[str, Any]:
        agent = self.agent
        params: dict[str, Any] = {
            "model": agent.model, "max_tokens": agent.max_tokens, "system": self.system,
            "tools": WORKER_TOOLS, "messages": _with_cache_mark(messages),
            "metadata": {"user_id": self.session_id},
        }
        if agent.thinking == "enabled":
            params["thinking"] = {"type": "enabled",
                                  "budget_tokens": agent.thinking_budget_tokens}
        elif agent.thinking == "adaptive":
            params["thinking"] = {"type": "adaptive"}
        betas, management = compaction.context_management(agent)
        if betas:
            params["betas"] = betas
        if management is not None:
            params["context_management"] = management
        return params

    async def _call(self, params: dict[str, Any]) -> tuple[BetaMessage, float] | Failed:
        """The reply, or Failed when the human stops the session after the retries."""
        while True:
            try:
                return await call_model(self.client, params, self.policy, self._retrying)
            except ModelUnavailable as e:
                if not e.failure.retry:
                    return Failed(f"{e}. Fix the cause, then retry the session.")
                self.failures += 1
                question = (f"{self.ctx.input.session.name}: {e}. Try again? "
                            f"(failure {self.failures})")
                answer = await self.ctx.ask(question, ("retry", "stop"), "retry",
                                            blocking=True)
                if answer != "retry":
                    return Failed(f"stopped by the human after the model API failed: {e}")

    async def _retrying(self, attempt: int, failure: Failure, wait: float) -> None:
        await self.ctx.progress(f"model API {failure.kind}; retry {attempt} of "
                                f"{self.policy.max_retries} in {wait:.1f}s")

    def _replied(self, message: BetaMessage, seconds: float) -> ev.ModelReplied:
        usage = usage_of(message.usage)
        return ev.ModelReplied(
            agent="worker", model=message.model or self.agent.model,
            session_id=self.session_id, task_id=self.ctx.input.task.task_id,
            content=transcript.encode([b.to_dict() for b in message.content]),
            stop_reason=message.stop_reason or "", input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens, cache_write_tokens=usage.cache_write_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cost_usd=round(cost(usage, self.price), 6), seconds=round(seconds, 3),
        )

    async def _keep_budget(self) -> Outcome | None:
        while (reason := over_budget(self.conv.spent, self.config.budget, self.grants)):
            if not await self.ctx.over_budget(reason, self.grants):
                return Failed(f"stopped over budget: {reason}")
            self.grants += 1
        return None


def _first_message(ctx: WorkerContext) -> list[dict[str, Any]]:
    session = ctx.input.session
    text = ("Work on the task described in the system prompt. Start by looking at the "
            "code it concerns.")
    if session.instruction:
        text += f"\n\nA note for this attempt:\n\n{session.instruction}"
    return [{"type": "text", "text": text}]


def _result_block(result: ToolResult, replace_text: str | None) -> dict[str, Any]:
    block = result.block()
    if replace_text is not None:
        block["content"] = replace_text
    return block


def _text_of(message: Message) -> str:
    return "\n".join(b.get("text", "") for b in message.get("content", [])
                     if isinstance(b, dict) and b.get("type") == "text").strip()


def _stopped_for(reply: Message) -> Failed | None:
    if reply.get("stop_reason") == "refusal":
        return Failed(f"the model refused to go on: {_text_of(reply) or 'no reason given'}")
    return None


def _with_cache_mark(messages: list[Message]) -> list[Message]:
    """The messages to send: the last block of the last message marked for the prompt
    cache, so each turn reads the conversation so far from the cache. Nothing but the
    API's own fields is sent."""
    out = [{"role": m["role"], "content": m["content"]} for m in messages]
    if out and isinstance(out[-1]["content"], list) and out[-1]["content"]:
        last = out[-1]
        blocks = list(last["content"])
        blocks[-1] = {**blocks[-1], "cache_control": prompts.CACHED}
        out[-1] = {"role": last["role"], "content": blocks}
    return out
