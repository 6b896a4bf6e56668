"""One function per `loopwright` command; `parser.py` holds the parser."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path

from .. import config as config_mod
from .. import events as ev
from ..core.text import for_terminal
from ..manager import views
from ..manager.lock import AlreadyRunning, holder_pid
from ..manager.loop import Manager, thread_pool
from ..project import Project
from ..state import TERMINAL
from ..store import Store
from ..triggers.webhook import WebhookError, parse_address
from ..workspace import repo as repo_mod
from ..workspace import worktrees
from .common import CliError, OpenApi, ago, clock, open_api, print_json, project_of


def shown(text: str) -> str:
    """Text from outside (a title from a GitHub issue) as the terminal must show it:
    control characters visible, never interpreted."""
    return for_terminal(text, one_line=True)


def init(args: argparse.Namespace) -> int:
    project = project_of(args)
    branch = repo_mod.current_branch(project.root)
    if branch is None:
        raise CliError("HEAD is detached: check out the branch changes should land on, "
                       "then run `loopwright init` again")
    project.dot.mkdir(exist_ok=True)
    project.inbox.mkdir(exist_ok=True)
    repo_mod.ensure_ignored(project.root, ".loopwright/")
    if project.config_path.exists():
        print(f"{project.config_path} already exists; left as it is")
    else:
        cfg = config_mod.Config()
        cfg.project.target_branch = branch
        project.config_path.write_text(config_mod.render_toml(cfg), encoding="utf-8")
        print(f"wrote {project.config_path} (changes land on {branch!r})")
    if not repo_mod.has_commits(project.root):
        print("note: this repository has no commits yet; commit something before "
              "`loopwright run`, so sessions have a base to branch from")
    print(f"drop task files in {project.inbox}, or use `loopwright dispatch`")
    return 0


def run(args: argparse.Namespace) -> int:
    api = open_api(args)
    project, config = api.project, api.config
    api.close()
    if not repo_mod.has_commits(project.root):
        raise CliError("the repository has no commits yet: commit something first, so "
                       "sessions have a base to branch from")
    pid = holder_pid(project.lock_path)
    if pid:
        raise AlreadyRunning(pid, project.lock_path)
    webhook = getattr(args, "webhook", "") or ""
    if webhook:
        _check_webhook(config, webhook)
    manager = Manager(project, config, once=args.once, webhook=webhook)
    printer = _Printer(project, manager)
    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(_run_with_printer(manager, printer))
        except WebhookError as e:
            raise CliError(str(e)) from None
    return 0


def _check_webhook(config: config_mod.Config, address: str) -> None:
    """Refuse, before anything starts, a webhook that could not do its job."""
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
    asyncio.get_running_loop().set_default_executor(thread_pool())
    task = asyncio.create_task(printer.follow())
    try:
        await manager.run()
    finally:
        task.cancel()
        printer.drain()


class _Printer:
    """Prints the log as it grows, one readable line a record. Sessions are named from
    the running manager's state, so the log is not folded a second time here."""

    def __init__(self, project: Project, manager: Manager) -> None:
        self.store = Store(project.db_path)
        self.after = self.store.last_seq()
        self.manager = manager

    def drain(self) -> None:
        for record in self.store.read_after(self.after):
            self.after = record.seq
            line = views.describe(record, self.manager.current_state)
            if line is not None:
                print(f"{clock(record.at)}  {shown(line)}", flush=True)

    async def follow(self) -> None:
        while True:
            self.drain()
            await self.store.wait(0.2)


def serve(args: argparse.Namespace) -> int:
    from ..lsp.server import serve as serve_lsp

    return serve_lsp(args.directory, verbose=args.verbose)


def dispatch(args: argparse.Namespace) -> int:
    body = sys.stdin.read() if args.body == "-" else args.body
    with OpenApi(args) as api:
        task = api.dispatch(args.title, body, labels=tuple(args.labels),
                            priority=args.priority, backend=args.backend)
        print(f"filed {task.task_id}: {task.title}")
        _hint_no_manager(api.manager_pid())
    return 0


def status(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        rows = api.sessions()
        st = api.state
        pid = api.manager_pid()
        if args.json:
            print_json({
                "manager_pid": pid,
                "tasks": [{"task_id": t.task_id, "title": t.title, "source": t.source,
                           "labels": t.labels, "verdict": t.verdict,
                           "sessions": t.sessions} for t in st.tasks.values()],
                "sessions": rows,
            })
            return 0
        print(f"manager: {'running, pid ' + str(pid) if pid else 'not running'}")
        waiting = [t for t in st.tasks.values() if not t.sessions]
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
                cost = f"  ${r.cost_usd:.2f}" if r.cost_usd else ""
                print(f"  {r.session_id}  {shown(r.name):<34} {r.state:<18}{health} "
                      f"{ago(r.elapsed_seconds):>7}{cost}  {shown(r.last_message[:60])}")
        for t in waiting:
            print(f"\n{t.task_id}  {shown(t.title)}  ({t.verdict}, no session yet)")
    return 0


def inbox(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        items = api.inbox()
        if args.json:
            print_json(items)
            return 0
        if not items:
            print("nothing needs you")
            return 0
        now = time.time()
        for i in items:
            where = f" [{i.session}]" if i.session else ""
            print(f"{i.kind:<16} {i.ref}{where}  {ago(now - i.since)} ago")
            print(f"    {shown(i.title)}")
            print(f"    {shown(i.detail)}")
            if i.options:
                print(f"    options: {shown(' | '.join(i.options))}")
            print(f"    -> loopwright {_hint(i)}")
    return 0


def _hint(item: views.InboxItem) -> str:
    return {
        "decision": f"answer {item.ref} TEXT",
        "review": f"diff {item.ref}; loopwright approve|request-changes|reject {item.ref}",
        "landing_blocked": "commit or stash in that checkout; landing retries by itself",
        "failed": f"diff {item.ref}; loopwright retry {item.ref}",
        "declined": f"overrule {item.ref}",
        "pull_request": "review and merge it on GitHub; review comments go back to the "
                        "worker",
        "conflict": f"diff {item.ref}; loopwright kill {item.ref} to let the other go first",
    }[item.kind]


def diff(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        sys.stdout.write(api.diff(args.session))
    return 0


def answer(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        d = api.answer(args.decision, " ".join(args.text))
        print(f"answered {d.decision_id}: {d.answer}")
        _hint_no_manager(api.manager_pid())
    return 0


def _session_action(args: argparse.Namespace, verb: str) -> int:
    with OpenApi(args) as api:
        s = {
            "approve": lambda: api.approve(args.session),
            "request-changes": lambda: api.request_changes(args.session, " ".join(args.note)),
            "reject": lambda: api.reject(args.session, args.why),
            "kill": lambda: api.kill(args.session),
            "retry": lambda: api.retry(args.session),
        }[verb]()
        print(f"{s.name} ({s.session_id}): {verb} recorded; now {s.state}")
        _hint_no_manager(api.manager_pid())
    return 0


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
        print(f"task {t.task_id} accepted: {t.title}")
    return 0


def log_cmd(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        after = 0
        while True:
            records = api.store.read_after(after)
            for r in records:
                after = r.seq
                if args.json:
                    sys.stdout.write(ev.encode_record(r).decode() + "\n")
                else:
                    line = views.describe(r, api.state)
                    if line is not None:
                        print(f"{r.seq:>6} {clock(r.at)}  {shown(line)}")
            api.refresh()
            sys.stdout.flush()
            if not args.follow:
                return 0
            asyncio.run(api.store.wait(1.0))


def clean(args: argparse.Namespace) -> int:
    with OpenApi(args) as api:
        removed = 0
        for s in api.state.sessions.values():
            if s.state in TERMINAL and s.worktree and not s.worktree_removed:
                worktrees.remove_worktree(api.project.root, Path(s.worktree),
                                          delete_branch=False, branch=s.branch)
                api.store.append(ev.WorktreeRemoved(session_id=s.session_id, path=s.worktree))
                print(f"removed {s.worktree} ({s.name}, {s.state}; branch {s.branch} kept)")
                removed += 1
        print(f"{removed} worktree(s) removed" if removed else "nothing to clean")
    return 0


def config_cmd(args: argparse.Namespace) -> int:
    if args.reference:
        sys.stdout.write(config_mod.reference_markdown())
        return 0
    project = project_of(args)
    sys.stdout.write(config_mod.render_toml(config_mod.load(project.config_path)))
    return 0


def demo(args: argparse.Namespace) -> int:
    if args.agents:
        from ..demo.agents import run_agents_demo

        return run_agents_demo(keep=args.keep)
    from ..demo import run_demo

    return run_demo(keep=args.keep)


def _hint_no_manager(pid: int | None) -> None:
    if not pid:
        print("(no manager is running: it takes this up when `loopwright run` starts)")

