"""The manager's lock: one manager per repository, and a probe never turns one away."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from loopwright.manager.lock import AlreadyRunning, ManagerLock, holder_pid


def test_a_manager_starts_while_a_front_end_keeps_asking_who_runs(tmp_path: Path) -> None:
    # The editor asks for the manager's pid on every change it shows; each ask holds a
    # shared lock for a moment. A manager starting in that moment must still start.
    path = tmp_path / "manager.lock"
    path.touch()
    asking = True
    probes = 0

    def ask() -> None:
        nonlocal probes
        while asking:
            holder_pid(path)
            probes += 1

    probing = threading.Thread(target=ask)
    probing.start()
    try:
        for _ in range(300):
            with ManagerLock(path):
                pass
    finally:
        asking = False
        probing.join()
    assert probes > 300


def test_a_second_manager_is_still_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    path = tmp_path / "manager.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path;"
         "from loopwright.manager.lock import ManagerLock;"
         "l = ManagerLock(Path(sys.argv[1])); l.acquire(); print('held', flush=True);"
         "time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(AlreadyRunning) as refused:
            ManagerLock(path).acquire()
        assert refused.value.pid == holder.pid
        assert holder_pid(path) == holder.pid
    finally:
        holder.kill()
        holder.wait()
    with ManagerLock(path):
        assert holder_pid(path) is not None
