"""The `script` backend: deterministic steps from a ```loopwright-script block.

Used by tests, benchmarks and `loopwright demo`. The program is the task body's blocks
followed by the blocks of every request-changes note, so a note carries the next steps
(`script_format.program`: the `finish` that ended an earlier run does not end this one).
Each finished step is recorded (a `run` step in the same write as its result); after a
restart the steps already recorded are skipped.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

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
    program,
)


class ScriptWorker:
    name = "script"

    async def run(self, ctx: WorkerContext) -> Outcome:
        inp = ctx.input
        try:
            steps = program(inp.task.body, inp.notes)
        except ScriptError as e:
            return Failed(str(e))
        last_progress = ""
        for index, step in enumerate(steps):
            if index < inp.resume_step:
                continue
            action, detail = describe(step)
            try:
                outcome = await self._do(ctx, step)
            except (PathEscape, ScriptError) as e:
                return Failed(f"step {index + 1}: {e}")
            except OSError as e:
                return Failed(f"step {index + 1} ({action}): {e}")
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
