"""`loopwright`: the parser and `main`. The commands are in commands.py and
attention.py, what they share in common.py."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import backends
from ..config import ConfigError
from ..project import NotARepository

log = logging.getLogger("loopwright")

SESSION = "session id or name (any unique prefix)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.directory is not None and not args.directory.is_dir():
        what = "not a directory" if args.directory.exists() else "no such directory"
        print(f"loopwright: -C {args.directory}: {what}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr,
    )
    try:
        result: int | None = args.func(args)
        return result or 0
    except Exception as e:
        if not isinstance(e, _refusals()):
            raise
        print(f"loopwright: {e}", file=sys.stderr)
        return 2 if isinstance(e, ConfigError | NotARepository) else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `loopwright log | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


# The errors a user is told in one line, by module: each command imports only what it
# uses (`loopwright status` never loads the manager or git), so an error whose module was
# never imported cannot have been raised.
_REFUSALS = {
    "loopwright.cli.common": "CliError", "loopwright.manager.api": "ActionRefused",
    "loopwright.config": "ConfigError", "loopwright.project": "NotARepository",
    "loopwright.manager.lock": "AlreadyRunning", "loopwright.store": "StoreError",
    "loopwright.workspace.repo": "WorkspaceError",
}


def _refusals() -> tuple[type[Exception], ...]:
    return tuple(getattr(sys.modules[m], name) for m, name in _REFUSALS.items()
                 if m in sys.modules)


Command = Callable[[argparse.Namespace], "int | None"]


def _lazy(module: str, name: str) -> Command:
    """`cli.<module>.<name>`, imported when the command runs."""
    def command(args: argparse.Namespace) -> int | None:
        func: Command = getattr(importlib.import_module(f"{__package__}.{module}"), name)
        return func(args)
    command.__name__ = name
    return command


class _Commands:
    """`c.status` and the like: a command of `cli.<module>`, loaded when it runs."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Command:
        return _lazy(self._module, name)


c, a, setup = _Commands("commands"), _Commands("attention"), _Commands("setup")
dl, m, w = _Commands("delegation"), _Commands("manager"), _Commands("web")
preview_cmd = _Commands("preview")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="loopwright",
        description="Run coding agents as a loop: issues in, reviewable changes out.",
    )
    p.add_argument("-C", dest="directory", type=Path, default=None,
                   help="run as if started in this directory (default: the current one)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug output to stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def cmd(name: str, func: Callable[[argparse.Namespace], int | None], help: str,
            more: str = "") -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=f"{help}{more}")
        sp.set_defaults(func=func)
        return sp

    cmd("init", setup.init, "set up Loopwright in this repository (.loopwright/, git-ignored)",
        "; says which test command the checks will run, warns when the checks' Python has "
        "this checkout installed in editable mode, and proposes (as a comment in "
        "config.toml) git-ignored files a fresh worktree would miss")
    sp = cmd("serve", c.serve, "the language server for editors: LSP over stdin/stdout; "
             "hosts the manager, or attaches to a running one")
    _web_options(sp)
    sp = cmd("run", c.run, "run the manager loop until Ctrl-C",
             "; it reads .loopwright/config.toml again when the file changes: what can "
             "apply at once does, the inbox names edits that wait for a restart, and an "
             "edit that does not load is refused there while the last good config stays")
    sp.add_argument("--once", action="store_true",
                    help="stop when nothing can move without the human")
    sp.add_argument("--webhook", metavar="[HOST:]PORT", default="",
                    help="also receive GitHub webhook deliveries here (host default "
                    "127.0.0.1; secret in LOOPWRIGHT_WEBHOOK_SECRET; docs/triggers.md)")
    _web_options(sp)
    sp = cmd("dispatch", c.dispatch, "file a task from the shell")
    sp.add_argument("title", help="the task's title")
    sp.add_argument("--body", default="", help="the task body; '-' reads standard input")
    sp.add_argument("--label", action="append", default=[], dest="labels",
                    help="a label (repeatable)")
    sp.add_argument("--priority", type=int, default=0, help="higher runs first (default 0)")
    sp.add_argument("--backend", default="", help=f"worker backend: "
                    f"{', '.join(sorted(backends.WORKERS))} (default from config)")
    for name, func, text in (("status", c.status, "tasks and sessions with their state"),
                             ("inbox", c.inbox, "only what needs you, oldest first")):
        sp = cmd(name, func, text)
        sp.add_argument("--json", action="store_true", help="machine-readable output")
        if name == "status":
            sp.add_argument("--all", action="store_true", help="every session the log "
                            "ever had (by default: live ones, those that ended within a "
                            "day, and failures not retried)")
    sp = cmd("diff", c.diff, "a session's diff against its base",
             " (when its checks failed, their last lines go to stderr)")
    sp.add_argument("session", help=SESSION)
    sp = cmd("answer", c.answer, "answer a decision")
    sp.add_argument("decision", help="decision id (any unique prefix)")
    sp.add_argument("text", nargs="+", help="the answer; one of the options when it has any")
    sp = cmd("approve", c.approve, "approve a change; it lands once the checks pass",
             " on the merged result (if its checks failed, a warning says so and the "
             "approval is still recorded)")
    sp.add_argument("session", help=SESSION)
    sp = cmd("request-changes", c.request_changes, "send a change back with a note")
    sp.add_argument("session", help=SESSION)
    sp.add_argument("note", nargs="+", help="what to change; it becomes the worker's next "
                    "instruction")
    sp = cmd("reject", c.reject, "reject a change; its worktree and branch are removed",
             "; the log keeps the branch's last commit (`loopwright log` shows it), and "
             "`git branch <branch> <commit>` brings the branch back")
    sp.add_argument("session", help=SESSION)
    sp.add_argument("--why", default="", help="the reason, kept in the log")
    sp = cmd("kill", c.kill, "stop a session; its worktree is kept for inspection")
    sp.add_argument("session", help=SESSION)
    sp = cmd("retry", c.retry, "start a new attempt at a failed, killed or rejected session")
    sp.add_argument("session", help=SESSION)
    sp = cmd("overrule", _overrule, "accept a task that triage declined, or undo a "
             "decision the manager agent took alone (its act id, `m12.1`)")
    sp.add_argument("task", help="task id (any unique prefix), or a manager act id")
    sp.add_argument("--answer", default="", help="with an act that answered a worker's "
                    "question: the right answer (it goes to the worker)")
    sp.add_argument("--why", default="", help="the reason, kept in the log")
    sp = cmd("tell", m.tell, "a message to the manager agent (docs/manager.md)")
    sp.add_argument("text", nargs="+", help="what to tell it")
    sp = cmd("manager", m.manager, "the manager agent's thread: what it was told, what "
             "it decided and why, what it asked you")
    sp.add_argument("--follow", "-f", action="store_true",
                    help="keep printing new entries until Ctrl-C")
    sp.add_argument("--json", action="store_true", help="one thread entry (JSON) a line")
    sp = cmd("preview", preview_cmd.preview, "the running build of a session's change: "
             "started if need be, its link printed once it answers",
             " ([preview] in config.toml; a running manager starts it; docs/preview.md)")
    sp.add_argument("session", help=SESSION)
    sp = cmd("cancel", c.cancel, "call off a task no session works on: one triage has not "
             "settled yet, or a declined one (it leaves the inbox)",
             "; or a sub-task of a split not at work: what depended on it goes ahead "
             "without it")
    sp.add_argument("task", help="task id (any unique prefix)")
    sp.add_argument("--why", default="", help="the reason, kept in the log")
    sp = cmd("dismiss", c.dismiss, "take a refused inbox file out of the inbox (fix it and "
             "drop it again instead, and it leaves by itself)")
    sp.add_argument("file", help="the refused file's name, as `loopwright inbox` shows it")
    sp = cmd("split", dl.split, "split a task into sub-tasks that start once what they "
             "depend on has landed", "; the task itself is not run, and is done when "
             "every sub-task is. FILE is TOML, one [[task]] table per sub-task: title, "
             "and optionally key, body, depends_on (keys), labels, priority, backend "
             "(docs/manager.md)")
    sp.add_argument("task", help="task id (any unique prefix)")
    sp.add_argument("--into", required=True, metavar="FILE",
                    help="the sub-tasks, as TOML; '-' reads standard input")
    sp.add_argument("--why", default="", help="the reason, kept in the log")
    sp = cmd("steer", dl.steer, "send a note to a session's worker; it receives it at "
             "its next turn", " (a queued, running or waiting session; an agent CLI, "
             "claude-code or codex, at its next start)")
    sp.add_argument("session", help=SESSION)
    sp.add_argument("note", nargs="+", help="the note; a ```loopwright-script block in it "
                    "gives the script worker its next steps")
    sp = cmd("priority", dl.priority, "set a task's priority: higher starts first when "
             "the slots are full", " (a split task's sub-tasks get it too)")
    sp.add_argument("task", help="task id (any unique prefix)")
    sp.add_argument("priority", type=int, help="the new priority (default of a task: 0)")
    sp.add_argument("--why", default="", help="the reason, kept in the log")
    sp = cmd("log", c.log_cmd, "the event log, human-readable")
    sp.add_argument("--follow", "-f", action="store_true",
                    help="keep printing new events until Ctrl-C")
    sp.add_argument("--json", action="store_true", help="one JSON record a line")
    sp = cmd("stats", a.stats, "what the loop cost you and got done, per session and overall "
             "(from the log)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp = cmd("report", a.report, "write a self-contained HTML page: timeline, metrics, inbox")
    sp.add_argument("--html", required=True, metavar="FILE", help="where to write the page")
    sp = cmd("digest", a.digest, "progress since the last digest (then marked read)")
    sp.add_argument("--peek", action="store_true", help="show it without marking it read")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp = cmd("focus", a.focus, "hold interruptions until focus ends; they arrive as one batch")
    sp.add_argument("mode", nargs="?", choices=("on", "off", "status"), default="status",
                    help="turn focus on or off, or show it (default)")
    sp.add_argument("--minutes", type=float, default=0.0,
                    help="with `on`: end focus by itself after this many minutes")
    sp = cmd("clean", c.clean, "remove worktrees kept from failed or killed sessions")
    sp = cmd("config", _config, "print the effective configuration",
             ", the detected test command included (and the editable-install warning of "
             "`init`, on stderr)")
    sp.add_argument("--reference", action="store_true",
                    help="print the configuration reference (Markdown) instead")
    sp.add_argument("--cli-reference", action="store_true",
                    help="print the command-line reference (Markdown) instead")
    sp = cmd("web", _web_help, "the phone page: its link and QR code, or revoke access",
             " (docs/anywhere.md)")
    web_sub = sp.add_subparsers(dest="web_command", metavar="ACTION")
    wp = web_sub.add_parser("url", help="print the page's link with its token, and a QR "
                            "code of it for the phone", description="print the page's "
                            "link with its token, and a QR code of it for the phone")
    wp.add_argument("--no-qr", action="store_true", help="only the link")
    wp.set_defaults(func=w.url)
    wp = web_sub.add_parser("revoke", help="make a new token: every link and open page "
                            "loses access at once", description="make a new token: every "
                            "link and open page loses access at once")
    wp.set_defaults(func=w.revoke)
    sp = cmd("demo", c.demo, "the whole loop on a sample repository, offline")
    sp.add_argument("--keep", action="store_true", help="keep the sample repository")
    sp.add_argument("--agents", action="store_true",
                    help="triage, the claude worker and the reviewer, on a scripted model")
    sp.add_argument("--manager", action="store_true",
                    help="the manager agent splitting an issue and answering a worker's "
                    "question from the notes, on a scripted model")
    return p


def reference_markdown() -> str:
    """docs/cli.md: every command's help, generated from the parser itself."""
    parser = _parser()
    out = ["# Command-line reference", "",
           "Generated from `loopwright --help` by `make docs`; every command also has "
           "`--help`. Errors go to standard error with a non-zero exit status: 1 for a "
           "refused action or an unknown id, 2 for a broken configuration or a folder "
           "that is not a git repository (or not there at all). An unknown name (a backend, a "
           "config key) is refused when it is written, with the closest known one.", "",
           "```", parser.format_help().rstrip(), "```", ""]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sp in sub.choices.items():
        out += [f"## `loopwright {name}`", "", sp.description or "", "",
                "```", sp.format_help().rstrip(), "```", ""]
    return "\n".join(out)


def _overrule(args: argparse.Namespace) -> int | None:
    from .manager import is_act

    return m.overrule_act(args) if is_act(args.task) else c.overrule(args)
def _web_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--web", metavar="[HOST:]PORT", default="",
                    help="also serve the phone page here (host default 127.0.0.1; "
                    "`loopwright web url` prints its link; docs/anywhere.md)")
    sp.add_argument("--web-remote", action="store_true",
                    help="allow --web on an address that is not loopback: whoever reaches "
                    "it with the link can answer, approve, land and kill")


def _web_help(args: argparse.Namespace) -> int:
    print("usage: loopwright web {url,revoke}  (loopwright web --help)", file=sys.stderr)
    return 2


def _config(args: argparse.Namespace) -> int:
    if args.cli_reference:
        sys.stdout.write(reference_markdown())
        return 0
    return setup.config_cmd(args) or 0
