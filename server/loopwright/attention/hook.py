"""The notification hook: the user's own program gets each interruption as JSON on stdin.

It runs like a worker's command, in spirit: its own process group, an allow-listed
environment (secrets only when named in `hook_pass_env`), stdin the JSON and nothing
else, a time limit after which the whole group is stopped. A hook that fails, hangs or
is missing is logged; it never stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path
from typing import Any

import msgspec

from .. import events as ev
from ..config import AttentionConfig
from ..state import State
from ..workspace.sandbox import ALLOWED_ENV, SECRET_NAME

log = logging.getLogger(__name__)


def hook_env(pass_env: list[str], source: dict[str, str] | None = None) -> dict[str, str]:
    """The allow-list plus what the user named; secret-looking names only when named."""
    src = dict(os.environ) if source is None else source
    env = {k: v for k, v in src.items()
           if (k in ALLOWED_ENV or k.startswith("LC_")) and not SECRET_NAME.search(k)}
    env.update({k: src[k] for k in pass_env if k in src})
    env["LOOPWRIGHT_HOOK"] = "1"
    return env


async def run_hook(cfg: AttentionConfig, payload: dict[str, Any], cwd: Path) -> bool:
    """Run the configured hook with `payload`; True when it ran and exited 0."""
    if not cfg.hook:
        return False
    data = msgspec.json.encode(payload)
    try:
        proc = await asyncio.create_subprocess_exec(
            *cfg.hook, cwd=cwd, env=hook_env(cfg.hook_pass_env),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        )
    except OSError as e:
        log.warning("notification hook %s could not start: %s", cfg.hook[0], e)
        return False
    try:
        async with asyncio.timeout(cfg.hook_timeout_seconds):
            out, _ = await proc.communicate(data)
    except TimeoutError:
        _killpg(proc.pid)
        await proc.wait()
        log.warning("notification hook %s took longer than %ss and was stopped",
                    cfg.hook[0], cfg.hook_timeout_seconds)
        return False
    except asyncio.CancelledError:
        _killpg(proc.pid)
        raise
    if proc.returncode != 0:
        tail = out.decode("utf-8", "replace").strip()[-500:]
        log.warning("notification hook %s exited %s: %s", cfg.hook[0], proc.returncode, tail)
        return False
    return True


def _killpg(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# --- what the hook receives -------------------------------------------------------------

_HINT = {
    "needs_decision": "loopwright answer {ref} TEXT",
    "needs_review": "loopwright diff {ref}; loopwright approve|request-changes|reject {ref}",
    "wasting_time": "loopwright answer {ref} kill|redirect|'keep going'",
}


def notification_payload(state: State, e: ev.NotificationRaised, root: Path) -> dict[str, Any]:
    s = state.sessions.get(e.session_id)
    hint = _HINT.get(e.kind, "loopwright inbox")
    if e.kind == "needs_decision" and e.ref == e.session_id:  # landing, budget: no answer
        hint = "loopwright inbox"
    return {
        "type": "notification", "notification_id": e.notification_id, "kind": e.kind,
        "title": e.title, "detail": e.detail, "session_id": e.session_id,
        "session": s.name if s is not None else "", "ref": e.ref, "options": list(e.options),
        "replaces": e.replaces, "repository": str(root), "act": hint.format(ref=e.ref),
    }


def batch_payload(state: State, e: ev.NotificationsReleased, root: Path) -> dict[str, Any]:
    notes = [state.attention.notes[n] for n in e.notification_ids
             if n in state.attention.notes]
    return {
        "type": "batch", "summary": e.summary, "repository": str(root),
        "notifications": [
            {"notification_id": n.notification_id, "kind": n.kind, "title": n.title,
             "detail": n.detail, "session_id": n.session_id, "ref": n.ref,
             "options": list(n.options)} for n in notes
        ],
    }


def digest_payload(e: ev.DigestPublished, root: Path) -> dict[str, Any]:
    return {"type": "digest", "lines": list(e.lines), "repository": str(root)}
