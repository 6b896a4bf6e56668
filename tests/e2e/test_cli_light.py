"""Reading commands start fast: `loopwright status` loads neither the manager nor git nor
an agent SDK, and a second call on a long log reads the fold's snapshot, not the log."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from helpers.lives import landing
from helpers.loop import init
from loopwright import events as ev
from loopwright import store_snapshot
from loopwright.state import fold
from loopwright.store import Store

HEAVY = ["loopwright.manager.loop", "loopwright.workspace.repo", "loopwright.lsp",
         "git", "anthropic", "pygls", "watchdog", "yaml"]
PROBE = """
import json, sys
from loopwright.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded_by(root: Path, *args: str) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, "-C", str(root), *args],
                          capture_output=True, text=True, check=False)
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    return probe["code"], set(probe["modules"])


def test_status_and_inbox_load_only_what_they_show(repo: Path) -> None:
    init(repo)
    for command in (["status"], ["status", "--json"], ["inbox"]):
        code, modules = loaded_by(repo, *command)
        assert code == 0
        assert not {m for m in modules for heavy in HEAVY
                    if m == heavy or m.startswith(heavy + ".")}, command


def test_an_error_is_still_one_line_when_its_module_loads_late(repo: Path) -> None:
    init(repo)
    done = subprocess.run([sys.executable, "-m", "loopwright", "-C", str(repo), "diff",
                           "nope"], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("loopwright: ") and "Traceback" not in done.stderr


def test_status_after_a_long_log_starts_from_the_snapshot(repo: Path) -> None:
    project = init(repo)
    store = Store(project.db_path, secrets=[])
    for n in range(store_snapshot.EVERY + 10):
        store.append(ev.TaskFiled(task_id=f"t-{n}", title=f"task {n}", body="",
                                  source="cli"))
    assert store.read_snapshot(store_snapshot.fold_version()) is None
    first = subprocess.run([sys.executable, "-m", "loopwright", "-C", str(repo), "status",
                            "--json"], capture_output=True, text=True, check=True)
    saved = store.read_snapshot(store_snapshot.fold_version())
    assert saved is not None and saved[0] == store.last_seq()  # the long tail was saved
    store.append(ev.TaskFiled(task_id="t-last", title="the last one", body="", source="cli"))
    second = subprocess.run([sys.executable, "-m", "loopwright", "-C", str(repo), "status",
                             "--json"], capture_output=True, text=True, check=True)
    tasks = [t["task_id"] for t in json.loads(second.stdout)["tasks"]]
    assert len(tasks) == len(json.loads(first.stdout)["tasks"]) + 1
    assert tasks[-1] == "t-last"


def test_the_manager_loads_the_model_sdk_only_once_it_has_started() -> None:
    done = subprocess.run([sys.executable, "-c", "import json, sys, loopwright.manager.loop;"
                           " print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, check=True)
    modules = set(json.loads(done.stdout))
    assert "loopwright.manager.loop" in modules
    assert not {m for m in modules if m == "anthropic" or m.startswith("anthropic.")}


def landed_life(n: int) -> list[ev.Event]:
    tid, sid = f"t-{n}", f"s-{n}"
    return [ev.TaskFiled(task_id=tid, title=f"task {n}", body="", source="cli"),
            ev.TaskAccepted(task_id=tid),
            ev.SessionQueued(session_id=sid, task_id=tid, name=f"task-{n}", branch=f"b{n}",
                             backend="script"),
            ev.SessionStarted(session_id=sid, worktree="", base_commit="a" * 40,
                              target_branch="main"),
            *landing(sid)]


def status_of(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "loopwright", "-C", str(repo), "status",
                           *args], capture_output=True, text=True, check=True)


def test_status_shows_what_is_current_and_all_shows_the_history(repo: Path) -> None:
    project = init(repo)
    now = time.time()
    old = Store(project.db_path, secrets=[], clock=lambda: now - 3 * 86400)
    old.append(*landed_life(1), *landed_life(2))  # landed three days ago
    old.close()
    store = Store(project.db_path, secrets=[])
    store.append(*landed_life(3)[:4])  # at work now
    for saved in (False, True):  # folded as it is, then from a snapshot's two parts
        if saved:
            store_snapshot.save(store, fold(store.read_after(0)))
        current = json.loads(status_of(repo, "--json").stdout)
        assert [s["session_id"] for s in current["sessions"]] == ["s-3"], saved
        assert [t["task_id"] for t in current["tasks"]] == ["t-3"], saved
        every = json.loads(status_of(repo, "--all", "--json").stdout)
        assert [s["session_id"] for s in every["sessions"]] == ["s-1", "s-2", "s-3"]
        text = status_of(repo).stdout
        assert "task-3" in text and "task-1" not in text
        assert "2 session(s) ended more than a day ago" in text
        assert "task-1" in status_of(repo, "--all").stdout
    store.close()
