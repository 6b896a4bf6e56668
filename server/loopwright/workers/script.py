"""The `script` backend: deterministic steps from a ```loopwright-script block.

Used by tests, benchmarks and `loopwright demo`. The program is the task body's blocks
followed by the blocks of every request-changes note, so a note carries the next steps
(`script_format.program`: the `finish` that ended an earlier run does not end this one).
A steering note (`loopwright steer`) is taken before the next step, as a step of its
own, and the steps of its block (if it has one) run next.
Each finished step is recorded (a `run` step in the same write as its result); after a
restart the steps already recorded are skipped.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from ..delegation_state import Steer
from ..workspace.paths import PathEscape, resolve_inside
from .base import Failed, Finished, Outcome, WorkerContext
from .script_format import (
    Append,
    Ask,
    Delete,
    Fail,
    Finish,
    Progress,
    Replace,
    Reply,
    Run,
    ScriptError,
    Sleep,
    Step,
    Write,
    describe,
    find_scripts,
    parse_script,
    program,
)


@dataclass(frozen=True)
class _TakeSteer:
    """Where the worker took steering note `number`: its steps follow."""

    number: int


class ScriptWorker:
    name = "script"

    async def run(self, ctx: WorkerContext) -> Outcome:
        inp = ctx.input
        try:
            steps: list[Step | _TakeSteer] = list(program(inp.task.body, inp.notes))
        except ScriptError as e:
            return Failed(str(e))
        # Notes taken before a restart go back where they were taken, so the step
        # numbers stay the same; a new one is taken before the next step.
        replay = {s.step: n for n, s in enumerate(ctx.steers(), 1)
                  if s.received and s.step is not None}
        inserted: set[int] = set()
        last_progress = ""
        index = 0
        while True:
            taking = ([n] if (n := replay.pop(index, None)) is not None
                      else _new_steers(ctx, inserted) if index >= inp.resume_step else [])
            for n in reversed(taking):
                inserted.add(n)
                try:
                    steps[index:index] = [_TakeSteer(n), *_steps_of(ctx.steers()[n - 1])]
                except ScriptError as e:
                    return Failed(f"steering note {n}: {e}")
            if index >= len(steps):
                break
            step = steps[index]
            index += 1
            if index <= inp.resume_step:
                continue
            if isinstance(step, _TakeSteer):
                await ctx.take_steer(step.number)
                continue
            action, detail = describe(step)
            try:
                outcome = await self._do(ctx, step)
            except (PathEscape, ScriptError) as e:
                return Failed(f"step {index}: {e}")
            except OSError as e:
                return Failed(f"step {index} ({action}): {e}")
            if outcome is not None:
                return outcome  # the outcome itself is recorded; no step needed
            if isinstance(step, Progress):
                action, detail, last_progress = "progress", step.message, step.message
            if not isinstance(step, Run | Reply):  # recorded with what they did
                await ctx.act(action, detail)
        summary = last_progress or f"ran {len(steps)} script step(s)"
        if inp.notes and not find_scripts(inp.notes[-1]):
            summary += " (the note carried no loopwright-script block, so nothing changed)"
        return Finished(summary)

    async def _do(self, ctx: WorkerContext, step: Step) -> Outcome | None:
        root = ctx.input.worktree
        match step:
            case Write(path=path, content=content):
                target = resolve_inside(root, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                await asyncio.to_thread(target.write_text, content, encoding="utf-8")
            case Append(path=path, content=content):
                target = resolve_inside(root, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                await asyncio.to_thread(_append, target, content)
            case Replace(path=path, old=old, new=new):
                await asyncio.to_thread(_replace, resolve_inside(root, path), path, old, new)
            case Delete(path=path):
                resolve_inside(root, path).unlink(missing_ok=True)
            case Run(command=command):
                await ctx.run_command(command, step=describe(step)[1])
            case Ask(question=q, options=options, default=default, blocking=blocking):
                await ctx.ask(q, options, default, blocking)
            case Sleep(seconds=seconds):
                await asyncio.sleep(seconds)
            case Progress():
                pass  # recorded by ctx.act("progress", ...) as the step itself
            case Reply(thread=thread, text=text):
                await ctx.reply(thread, text, step=describe(step)[1])
            case Finish(summary=summary):
                return Finished(summary)
            case Fail(reason=reason):
                return Failed(reason)
        return None


def _append(path: Path, content: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(content)


def _replace(target: Path, path: str, old: str, new: str) -> None:
    """`old` once, exactly, in `target` becomes `new`; a ScriptError says why not."""
    if not target.is_file():
        raise ScriptError(f"replace: {path}: no such file (write creates one)")
    text = target.read_text(encoding="utf-8")
    count = text.count(old)
    if count == 0:
        raise ScriptError(f"replace: {path}: the text to replace was not found; copy it "
                          "exactly, whitespace included")
    if count > 1:
        lines, start = [], 0
        while (i := text.find(old, start)) >= 0:
            lines.append(str(text.count("\n", 0, i) + 1))
            start = i + 1
        raise ScriptError(f"replace: {path}: the text to replace occurs {count} times "
                          f"(lines {', '.join(lines)}); include more of the surrounding "
                          "text to pick one")
    target.write_text(text.replace(old, new, 1), encoding="utf-8")


def _new_steers(ctx: WorkerContext, inserted: set[int]) -> list[int]:
    return [n for n, s in enumerate(ctx.steers(), 1) if not s.received and n not in inserted]


def _steps_of(steer: Steer) -> list[Step]:
    """A steering note's own steps, when it carries a ```loopwright-script block: they
    run next (a `finish` among them ends the run)."""
    return parse_script(steer.note, source="steering note") if find_scripts(steer.note) \
        else []
