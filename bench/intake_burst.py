"""1,000 task files dropped in the inbox at once, with `loopwright run` running and its
sessions starting (each sleeps, so worktrees are being made while the files arrive):
the time from the first file written to the 1,000th task filed (goal <= 5 s), and that
every file became exactly one task.

    .venv/bin/python bench/intake_burst.py [files]
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from _common import goal, sample_repo
from loopwright import events as ev
from loopwright.project import Project
from loopwright.store import Store
from lsp_client import set_up

FILES = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
TASK = '# Task {n}\n\n```loopwright-script\n{{"sleep": 30}}\n```\n'


def main() -> None:
    root = sample_repo(200)
    set_up(root)
    project = Project(root)
    run = subprocess.Popen([sys.executable, "-m", "loopwright", "-C", str(root), "run"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = Store(project.db_path, secrets=[])
    try:
        deadline = time.monotonic() + 60
        while not any(isinstance(r.event, ev.ManagerStarted) for r in store.read_after(0)):
            if run.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("`loopwright run` did not start")
            time.sleep(0.05)
        seen = store.last_seq()
        start = time.perf_counter()
        for n in range(FILES):
            (project.inbox / f"task-{n:04d}.md").write_text(TASK.format(n=n))
        written = time.perf_counter() - start
        origins: list[str] = []
        deadline = time.monotonic() + 120
        while len(origins) < FILES and time.monotonic() < deadline:
            for r in store.read_after(seen):
                seen = r.seq
                if isinstance(r.event, ev.TaskFiled):
                    origins.append(r.event.origin.rpartition("#")[0] or r.event.origin)
            time.sleep(0.01)
        took = time.perf_counter() - start
        time.sleep(2.0)  # anything filed twice would show up now
        origins += [r.event.origin.rpartition("#")[0] or r.event.origin
                    for r in store.read_after(seen) if isinstance(r.event, ev.TaskFiled)]
    finally:
        run.send_signal(signal.SIGTERM)
        run.wait(120)
        store.close()
    names = {f"task-{n:04d}.md" for n in range(FILES)}
    lost = names - set(origins)
    twice = len(origins) - len(set(origins))
    print(f"{FILES} inbox files (written in {written:.2f} s) -> {len(set(origins))} tasks "
          f"in {took:.2f} s ({FILES / took:.0f} files/s); lost {len(lost)}, twice {twice}")
    goal(f"{FILES} inbox files -> tasks", took, 5.0, " s")
    goal(f"{FILES} inbox files: lost or filed twice", len(lost) + twice, 0, "")


if __name__ == "__main__":
    main()
