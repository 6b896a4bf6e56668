"""One function per `loopwright` command; `parser.py` holds the parser."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from .. import config as config_mod
from .. import events as ev
from ..core.text import for_terminal
from ..manager.api import ActionRefused, FrontEndApi
from ..manager.lock import AlreadyRunning, holder_pid
from ..project import NotARepository, Project
from ..state import SESSION_TRANSITIONS, Session, SessionState, State
from ..store import Store
from ..views import overview as views
from . import delegation as tree
from . import show
from .common import (
    CliError,
    OpenApi,
    clock,
    print_json,
    project_of,
    set_up_project,
)

if TYPE_CHECKING:  # `run` loads the manager; the other commands never need it
    from ..manager.loop import Manager


def shown(text: str) -> str:
    """Text from outside (a title from a GitHub issue) as the terminal must show it:
    control characters visible, never interpreted."""
    return for_terminal(text, one_line=True)


def run(args: argparse.Namespace) -> int:
    from .. import backends
    from ..manager.loop import Manager
    from ..workspace import repo as repo_mod
    from . import web

    project = set_up_project(args)  # the manager reads the state itself
    config = backends.load(project.config_path)  # (every backend name known)
    if not repo_mod.has_commits(project.root):
        raise CliError("the repository has no commits yet: commit something first, so "
                       "sessions have a base to branch from")
    pid = holder_pid(project.lock_path)
    if pid:
        raise AlreadyRunning(pid, project.lock_path)
    webhook = getattr(args, "webhook", "") or ""
    webhook_errors: tuple[type[Exception], ...] = ()  # HTTP serving: only for a webhook
    if webhook:
        from ..triggers.webhook import WebhookError

        _check_webhook(config, webhook)
        webhook_errors = (WebhookError,)
    page = web.start_page(project, config, args.web, remote=args.web_remote)
    manager = Manager(project, config, once=args.once, webhook=webhook)
    printer = _Printer(project, manager)
    if page is not None:
        web.announce(page)
    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(_run_with_printer(manager, printer))
        except webhook_errors as e:
            raise CliError(str(e)) from None
        finally:
            if page is not None:
                page.stop()
    return 0


def _check_webhook(config: config_mod.Config, address: str) -> None:
    """Refuse, before anything starts, a webhook that could not do its job."""
    from ..triggers.webhook import WebhookError, parse_address

    try:
        parse_address(address)
    except WebhookError as e:
        raise CliError(str(e)) from None
    if not config.github.repo:
        raise CliError("--webhook receives GitHub events for [github] repo, which is not "
                       "set in .loopwright/config.toml")
    if not os.environ.get(config.webhook.secret_env):
        raise CliError(f"--webhook needs the webhook's secret in {config.webhook.secret_env} "
                       "(unsigned deliveries are always refused)")


async def _run_with_printer(manager: Manager, printer: _Printer) -> None:
    from ..manager.loop import thread_pool

    asyncio.get_running_loop().set_default_executor(thread_pool())
    task = asyncio.create_task(printer.follow())
    try:
        await manager.run()
    finally:
        printer.stop()  # it ends by itself: a cancel is one more thing that can be lost
        await task
        printer.drain()


class _Printer:
    """Prints the log as it grows, one readable line a record. Sessions are named from
    the running manager's state, so the log is not folded a second time here."""

    def __init__(self, project: Project, manager: Manager) -> None:
        self.store = Store(project.db_path)
        self.after = self.store.last_seq()
        self.manager = manager
        self._stopping = False

    def stop(self) -> None:
        self._stopping = True
        self.store.wake()

    def drain(self) -> None:
        for record in self.store.read_after(self.after):
            self.after = record.seq
            for line in show.log_lines(record, self.manager.current_state):
                print(f"{clock(record.at)}  {shown(line)}", flush=True)

    async def follow(self) -> None:
        while not self._stopping:
            self.drain()
            await self.store.wait(1.0)  # woken by every commit: the timeout is a backstop


def serve(args: argparse.Namespace) -> int:
    from ..lsp.boot import serve as serve_lsp

    page = None
    try:  # `--web`, or `[web] address` of the repository here (the editor's folder)
        project = project_of(args)
        if not project.dot.exists():
            raise CliError(f"Loopwright is not set up in {project.root}")
        config = config_mod.load(project.config_path)
        if args.web or config.web.address:  # the page's modules load only if it is served
            from . import web

            page = web.start_page(project, config, args.web, remote=args.web_remote)
    except (CliError, config_mod.ConfigError, NotARepository) as e:
        if args.web:  # the editor still gets its language server
            print(f"loopwright: the web page is off: {e}", file=sys.stderr)
    try:
        return serve_lsp(args.directory, verbose=args.verbose)
    finally:
        if page is not None:
            page.stop()


def dispatch(args: argparse.Namespace) -> int:
    body = sys.stdin.read() if args.body == "-" else args.body
    with OpenApi(args) as api:
        task = api.dispatch(args.title, body, labels=tuple(args.labels),
                            priority=args.priority, backend=args.backend)
        print(f"filed {task.task_id}: {shown(task.title)}")
        _hint_no_manager(api.manager_pid())
    return 0


def status(args: argparse.Namespace) -> int:
    everything = bool(getattr(args, "all", False))
    with OpenApi(args, history=everything) as api:
        rows = api.sessions(current=not everything)
        st = api.state
        now = time.time()
        shown_tasks = [st.tasks[tid] for tid in views.tasks(st, now, current=not everything)]
        pid = api.manager_pid()
        if args.json:
            print_json({
                "manager_pid": pid,
                "tasks": [{"task_id": t.task_id, "title": t.title, "source": t.source,
                           "labels": t.labels, "verdict": t.verdict,
                           "triage_retrying": t.triage_retrying,
                           "sessions": t.sessions, **tree.tree_json(st, t.task_id)}
                          for t in shown_tasks],
                "sessions": [msgspec.structs.asdict(r) for r in rows],  # snake_case
            })
            return 0
        print(f"manager: {'running, pid ' + str(pid) if pid else 'not running'}")
        waiting = [t for t in shown_tasks
                   if not t.sessions and not tree.in_tree(st, t.task_id)]
        if not rows and not waiting:
            print("no tasks yet: drop a file in .loopwright/inbox/ or `loopwright dispatch`")
            return 0
        by_group: dict[str, list[views.SessionRow]] = {}
        for row in rows:
            by_group.setdefault(row.group, []).append(row)
        for group, members in by_group.items():
            print(f"\n{shown(group)}")
            for r in members:
                health = "" if r.health == "ok" else f" [{r.health}]"
                if r.steers_pending:
                    health += f" [{r.steers_pending} steering note(s) not taken yet]"
                cost = f"  ${r.cost_usd:.2f}" if r.cost_usd else ""
                node = f"  on {shown(r.node)}" if r.node else ""
                print(f"  {r.session_id}  {shown(r.name):<34} {r.state:<18}{health} "
                      f"{views.duration(r.elapsed_seconds):>7}{cost}{node}  "
                      f"{shown(r.last_message[:60])}")
                for line in show.failed_checks(st.sessions[r.session_id], "      "):
                    print(line)
        for t in waiting:
            why = (t.verdict_reason if t.verdict == "cancelled"
                   else t.triage_retrying or "no session yet")
            print(f"\n{t.task_id}  {shown(t.title)}  ({t.verdict}, {shown(why)})")
        if (lines := tree.tree_lines(st)):
            print("\nsplit into sub-tasks")
            for line in lines:
                print(f"  {line}")
        if not everything and (hidden := _ended_earlier(st, len(rows))):
            print(f"\n{hidden} session(s) ended more than a day ago: `loopwright status "
                  "--all` shows them")
    return 0


def _ended_earlier(st: State, shown: int) -> int:
    """Sessions `status` left out: those parked in the history part and those of the
    live part that ended too long ago."""
    parked = len(st.parked.sessions) if st.parked is not None else 0
    return parked + len(st.sessions) - shown


def inbox(args: argparse.Namespace) -> int:
    with OpenApi(args, history=False) as api:
        items = api.inbox()
        if args.json:
            print_json([msgspec.structs.asdict(i) for i in items])  # snake_case
            return 0
        if not items:
            print("nothing needs you")
            return 0
        now = time.time()
        for i in items:
            where = f" [{i.session_name}]" if i.session_name else ""
            print(f"{i.kind:<16} {i.ref}{where}  {views.duration(now - i.since)} ago")
            print(f"    {shown(i.title)}")
            print(f"    {shown(i.detail)}")
            s = api.state.sessions.get(i.ref)
            if s is not None and i.kind in ("review", "failed"):
                for line in show.failed_checks(s):
                    print(line)
            if s is not None and i.kind == "review":
                for line in show.preview_lines(s):
                    print(line)
            if i.options:
                print(f"    options: {shown(' | '.join(i.options))}")
            print(f"    -> {hint(i)}")
    return 0


def hint(item: views.InboxItem) -> str:
    """What to do about an inbox item; every `loopwright X` named is a real command."""
    ref = item.ref
    return {
        "decision": f"loopwright answer {ref} TEXT",
        "review": f"loopwright diff {ref}; loopwright approve|request-changes|reject {ref}",
        "landing_blocked": "commit or stash in that checkout (git); landing retries by "
                           "itself",
        "failed": f"loopwright diff {ref}; loopwright retry {ref}",
        "declined": f"loopwright overrule {ref} to work on it, or loopwright cancel {ref} "
                    "to leave it",
        "pull_request": "review and merge it on GitHub; review comments go back to the "
                        "worker",
        "conflict": f"loopwright diff {ref}; loopwright kill {ref} to let the other go "
                    "first",
        "refused": f"fix it and drop it in the inbox again, or loopwright dismiss {ref}",
        "config": "edit .loopwright/config.toml (read again when saved); restart "
                  "`loopwright run` for the keys that wait for it",
        "channel": "check [push] url, topic and token (`loopwright log` shows each "
                   "failure); it clears by itself once a push gets through",
    }[item.kind]


def diff(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        text = api.diff(args.session)
        # on stderr: the patch on stdout stays one a pipe can apply
        for line in show.failed_checks(api.session(args.session), ""):
            print(line, file=sys.stderr)
        sys.stdout.write(text)
    return 0


def answer(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        d = api.answer(args.decision, " ".join(args.text))
        print(f"answered {d.decision_id}: {d.answer}")
        _hint_no_manager(api.manager_pid())
    return 0


def _session_action(args: argparse.Namespace, verb: str) -> int:
    with OpenApi(args) as api:
        if verb == "approve":
            _warn_failed_checks(api.session(args.session))
        try:
            s = _ACT[verb](api, args)
        except ActionRefused:
            target = api.session(args.session)
            table = SESSION_TRANSITIONS.get(_EVENT_OF[verb])
            if table is None or target.state in table:
                raise
            raise CliError(show.plain_refusal(verb, target)) from None
        print(f"{s.name} ({s.session_id}): {verb} recorded; now {s.state}")
        if verb == "reject" and s.head_commit:
            print(f"its branch {s.branch} is deleted with its worktree; "
                  f"`git branch {s.branch} {s.head_commit}` brings it back")
        _hint_no_manager(api.manager_pid())
    return 0


def _warn_failed_checks(s: Session) -> None:
    """Approving a change whose checks failed is allowed (they may be flaky, or fail for
    a reason outside the change), but said out loud: landing runs them again."""
    c = s.checks
    if s.state != SessionState.AWAITING_APPROVAL or c is None or c.passed or not c.command:
        return
    print(f"warning: the checks of {s.name} failed; approving it anyway; landing "
          "runs them again on the merged result and stops if they still fail", file=sys.stderr)
    for line in show.failed_checks(s):
        print(line, file=sys.stderr)


_ACT: dict[str, Callable[[FrontEndApi, argparse.Namespace], Session]] = {
    "approve": lambda api, a: api.approve(a.session),
    "request-changes": lambda api, a: api.request_changes(a.session, " ".join(a.note)),
    "reject": lambda api, a: api.reject(a.session, a.why),
    "kill": lambda api, a: api.kill(a.session),
    "retry": lambda api, a: api.retry(a.session),
}
_EVENT_OF: dict[str, type[ev._Event]] = {
    "approve": ev.ChangeApproved, "request-changes": ev.ChangesRequested,
    "reject": ev.ChangeRejected, "kill": ev.SessionKilled, "retry": ev.SessionRetried,
}


def approve(args: argparse.Namespace) -> int:
    return _session_action(args, "approve")


def request_changes(args: argparse.Namespace) -> int:
    return _session_action(args, "request-changes")


def reject(args: argparse.Namespace) -> int:
    return _session_action(args, "reject")


def kill(args: argparse.Namespace) -> int:
    return _session_action(args, "kill")


def retry(args: argparse.Namespace) -> int:
    return _session_action(args, "retry")


def overrule(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        t = api.overrule(args.task)
        print(f"task {t.task_id} accepted: {shown(t.title)}")
    return 0


def cancel(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        t = api.cancel(args.task, args.why)
        print(f"task {t.task_id} cancelled: {t.title}")
    return 0


def dismiss(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        api.dismiss(args.file)
        print(f"dismissed: inbox file {shown(args.file)} is out of the inbox "
              "(the kept copy stays where it was)")
    return 0


def log_cmd(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        after = _print_log(api, 0, args.json)
        if args.follow:
            # one event loop for the whole follow: the store's wake-up is bound to it
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(_follow_log(api, after, args.json))
    return 0


async def _follow_log(api: FrontEndApi, after: int, as_json: bool) -> None:
    while True:
        await api.store.wait(1.0)
        after = _print_log(api, after, as_json)


def _print_log(api: FrontEndApi, after: int, as_json: bool) -> int:
    """Print the records after `after`; the last one printed."""
    records = api.store.read_after(after)
    state = api.refresh()  # first, so records of a new session show its name
    for r in records:
        after = r.seq
        if as_json:
            sys.stdout.write(ev.encode_record(r).decode() + "\n")
        else:
            for line in show.log_lines(r, state):
                print(f"{r.seq:>6} {clock(r.at)}  {shown(line)}")
    sys.stdout.flush()
    return after


def clean(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        removed = api.clean()
        for s in removed:
            print(f"removed {s.worktree} ({s.name}, {s.state}; branch {s.branch} kept)")
        print(f"{len(removed)} worktree(s) removed" if removed else "nothing to clean")
    return 0


def demo(args: argparse.Namespace) -> int:
    if args.manager:
        from ..demo.manager_demo import run_manager_demo

        return run_manager_demo(keep=args.keep)
    if args.agents:
        from ..demo.agents import run_agents_demo

        return run_agents_demo(keep=args.keep)
    from ..demo import run_demo

    return run_demo(keep=args.keep)


def _hint_no_manager(pid: int | None) -> None:
    if not pid:
        print("(no manager is running: it takes this up when `loopwright run` starts)")

