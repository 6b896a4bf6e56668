"""`loopwright demo --agents`: triage, the claude worker and the reviewer at work on a
sample repository, offline, against a SCRIPTED model.

A local fake of the Anthropic Messages API replays a written conversation
(`agents_script`), so no key and no network are needed; the real SDK talks to it over
HTTP. Two issues arrive: triage declines one (it waits in the inbox, where one command
would overrule it) and accepts the other; the worker fixes it, the reviewer asks for a
better test, the worker adds it, the reviewer approves and the change lands.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator

from .. import events as ev
from ..backends import load
from ..config import render_toml
from ..project import Project
from ..state import SessionState, State
from ..testing.fake_api import FakeMessagesAPI
from . import agents_script as conversation
from . import cli, git, sample_repository, say, watch_loop

DEADLINE_SECONDS = 90.0
LABEL = "[scripted model]"
BANNER = f"""\
======================================================================
 Loopwright demo with agents -- SCRIPTED MODEL
 The replies of triage, the worker and the reviewer come from a script
 served by a local fake of the Anthropic Messages API: no key, no
 network, no real Claude. Everything else is real: the anthropic SDK
 over HTTP, the tools, git worktrees, the checks, the manager.
 Lines marked {LABEL} are what the script said.
======================================================================"""


def run_agents_demo(*, keep: bool = False) -> int:
    print(BANNER, flush=True)
    with sample_repository("loopwright-agents-demo-", keep=keep) as root:
        configure_agents(Project(root))
        with FakeMessagesAPI(*conversation.scripts()) as api, _pointed_at(api):
            say(f"the scripted Messages API listens on {api.base_url}")
            for title, body in (conversation.TYPO_ISSUE, conversation.RUST_ISSUE):
                cli(root, "dispatch", title, "--body", body)
            ok, state = asyncio.run(_loop(Project(root)))
        say("The fix landed after one round with the reviewer." if ok
            else "The demo did not finish as scripted (see above).")
        print(costs(state), flush=True)
        say("What is left for the human: the declined issue, which one command overrules")
        cli(root, "inbox")
        say("What landed on main (`git log --oneline`):")
        print(git(root, "log", "--oneline"), flush=True)
        return 0 if ok else 1


def configure_agents(project: Project) -> None:
    """The config a real project would use with agents, as `loopwright init` wrote it."""
    config = load(project.config_path)
    config.manager.default_backend = "claude"
    config.triage.agent = "claude"
    config.review.reviewer = "claude"
    config.checks.command = "make test"
    project.config_path.write_text(render_toml(config), encoding="utf-8")
    say('config: [manager] default_backend = "claude", [triage] agent = "claude", '
        '[review] reviewer = "claude"')


@contextlib.contextmanager
def _pointed_at(api: FakeMessagesAPI) -> Iterator[None]:
    """The SDK reads its endpoint and key from the environment, as in real use; here
    they point at the fake, whatever the shell had."""
    saved = {k: os.environ.get(k) for k in ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY")}
    os.environ["ANTHROPIC_BASE_URL"] = api.base_url
    os.environ["ANTHROPIC_API_KEY"] = "demo"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


async def _loop(project: Project) -> tuple[bool, State]:
    state = await watch_loop(
        project, done=_done, look=lambda _state: None,
        mark=lambda r: f"{LABEL} " if isinstance(r.event, ev.ModelReplied) else "",
    )
    return _done(state) and _landed(state), state


def _done(state: State) -> bool:
    judged = len(state.tasks) == 2 and all(t.verdict != "pending" for t in state.tasks.values())
    ended = bool(state.sessions) and all(
        s.worktree_removed or s.state == SessionState.FAILED for s in state.sessions.values())
    return judged and ended


def _landed(state: State) -> bool:
    return any(s.state == SessionState.LANDED for s in state.sessions.values())


def costs(state: State) -> str:
    """What the agents used, priced as the real API would price those tokens."""
    rows = ["  what the agents used (priced at the [prices] list price of "
            "claude-sonnet-4-6, as if the script were the real model):"]
    for s in state.sessions.values():
        rows.append(f"  {s.name:<34} {s.turns} worker turns, {s.reviewer_rounds} reviewer "
                    f"round(s), {s.tokens:,} tokens, ${s.cost_usd:.4f}")
    return "\n".join(rows)
