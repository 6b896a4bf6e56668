"""`make bench`: every benchmark, one after the other, to the end whatever one of them
says (a missed goal or a crash is reported, never a reason to stop), then a summary of
the goals met and missed.

    .venv/bin/python bench/run_all.py [name ...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
# A bench and its arguments, one string each.
BENCHES = ["session_start", "event_log", "many_sessions", "many_sessions 1000",
           "simulated_day", "lsp_latency", "lsp_codelens", "history_growth", "idle_cpu",
           "intake_burst", "large_repo", "manager_day", "manager_context", "preview",
           "web_page", "push", "sdk_first_call", "cluster"]


def main() -> int:
    names = sys.argv[1:] or BENCHES
    fd, goals_path = tempfile.mkstemp(prefix="loopwright-bench-goals-")
    os.close(fd)
    env = {**os.environ, "LOOPWRIGHT_BENCH_GOALS": goals_path}
    failed: list[str] = []
    for name in names:
        bench, *args = name.split()
        script = HERE / f"{bench}.py"
        if not script.exists():
            print(f"== {name}: no such bench", flush=True)
            continue
        print(f"== {name}", flush=True)
        began = time.monotonic()
        code = subprocess.run([sys.executable, str(script), *args], env=env, check=False).returncode
        print(f"== {name}: {time.monotonic() - began:.0f} s"
              f"{'' if code == 0 else f', EXITED {code}'}\n", flush=True)
        if code != 0:
            failed.append(name)
    goals = [json.loads(line) for line in Path(goals_path).read_text().splitlines() if line]
    Path(goals_path).unlink()
    met = [g for g in goals if g["met"]]
    print(f"summary: {len(met)} of {len(goals)} goals met"
          f"{'; benches that did not finish: ' + ', '.join(failed) if failed else ''}")
    for g in goals:
        sign = ">=" if g["at_least"] else "<="
        print(f"  {'met   ' if g['met'] else 'MISSED'} {g['name']}: {g['value']:.3g}{g['unit']}"
              f" ({sign} {g['limit']:g}{g['unit']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
