"""`loopwright demo --manager`: the manager agent running the loop on a sample
repository, offline, its replies from a SCRIPTED model (testing/scripted_manager.py)
served by the local fake Messages API.

One large issue arrives with a plan: the manager splits it into three sub-tasks, one
depending on another; they start and land in that order and the issue closes. One
sub-task's worker asks a question whose answer is in `.loopwright/notes.md`: the
manager answers it, and the human is never interrupted. Its thread is printed at the
end, as `loopwright manager` shows it.
"""

from __future__ import annotations

import asyncio
import json

from .. import events as ev
from ..backends import load
from ..config import render_toml
from ..project import Project
from ..state import SessionState, State
from ..testing.fake_api import FakeMessagesAPI
from ..testing.scripted_manager import manager_script
from . import cli, git, sample_repository, say, watch_loop
from .agents import _pointed_at

LABEL = "[scripted manager]"
BANNER = f"""\
======================================================================
 Loopwright demo of the manager agent -- SCRIPTED MODEL
 The manager's replies come from deterministic rules served by a local
 fake of the Anthropic Messages API: no key, no network,
 no real Claude. Everything else is real: the SDK over HTTP, its checked
 acts, git worktrees, the checks, the loop. Lines marked {LABEL} are the
 scripted model's.
======================================================================"""
QUESTION = "Should greetings end with an exclamation mark?"
NOTES = f"# Notes\n\n- {QUESTION} → yes\n"


def _steps(*steps: dict[str, object]) -> str:
    lines = "\n".join(json.dumps(s) for s in steps)
    return f"```loopwright-script\n{lines}\n```\n"


def issue() -> tuple[str, str]:
    def part(key: str, title: str, deps: list[str], *steps: dict[str, object]
             ) -> dict[str, object]:
        return {"key": key, "title": title, "depends_on": deps,
                "body": f"{title}.\n\n{_steps(*steps, {'finish': title})}"}

    plan = [
        part("farewell", "Add a farewell", [],
             {"write": "farewell.py",
              "content": 'def farewell(name: str) -> str:\n    return f"Bye, {name}!"\n'}),
        part("docs", "Document the farewell", ["farewell"],
             {"ask": QUESTION, "options": ["yes", "no"], "blocking": True},
             {"write": "docs/farewell.md", "content": "# farewell\n\n`farewell(name)`.\n"}),
        part("changelog", "Start a changelog", [],
             {"write": "CHANGES.md", "content": "# Changes\n\n- farewell\n"}),
    ]
    body = ("Say goodbye as well as hello: the function, its docs, a changelog.\n\n"
            f"```loopwright-split\n{json.dumps(plan)}\n```\n")
    return "Farewells", body


def run_manager_demo(*, keep: bool = False) -> int:
    print(BANNER, flush=True)
    with sample_repository("loopwright-manager-demo-", keep=keep) as root:
        project = Project(root)
        config = load(project.config_path)
        config.manager.agent = "claude"
        config.manager.batch_seconds = 0.2
        config.checks.command = "make test"
        project.config_path.write_text(render_toml(config), encoding="utf-8")
        project.notes_path.write_text(NOTES, encoding="utf-8")
        say('config: [manager] agent = "claude"; .loopwright/notes.md says: '
            f"{QUESTION} → yes")
        with FakeMessagesAPI(manager_script()) as api, _pointed_at(api):
            cli(root, "tell", "Keep each change small; ask me before touching greeter.py")
            title, body = issue()
            cli(root, "dispatch", title, "--body", body)
            state = asyncio.run(watch_loop(
                project, done=_done, look=lambda _state: None,
                mark=lambda r: f"{LABEL} " if _is_manager(r) else ""))
        ok = _done(state)
        say("The manager split the issue, answered the worker from the notes, and the "
            "sub-tasks landed in order; nobody asked the human." if ok
            else "The demo did not finish as scripted (see above).")
        say("The manager's thread (`loopwright manager`):")
        cli(root, "manager")
        say("What landed on main (`git log --oneline`):")
        print(git(root, "log", "--oneline"), flush=True)
        return 0 if ok else 1


def _is_manager(r: ev.Record) -> bool:
    return isinstance(r.event, ev.ModelReplied) and r.event.agent == "manager"


def _done(state: State) -> bool:
    split = [t for t in state.tasks.values() if t.children]
    ended = bool(state.sessions) and all(
        s.state == SessionState.FAILED or (s.terminal and s.worktree_removed)
        for s in state.sessions.values())
    return bool(split) and all(t.sub_tasks_landed for t in split) and ended
