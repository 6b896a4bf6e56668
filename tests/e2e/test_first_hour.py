"""The first hour on a real repository (issue 11): what a new user following the README
tripped on, each as they met it: the real CLI in subprocesses, real git."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers.git import MakeRepo
from helpers.loop import cli, configure, init, task_file
from loopwright import events as ev
from loopwright.attention.hook import _HINT
from loopwright.cli.commands import hint
from loopwright.cli.parser import _parser
from loopwright.project import Project
from loopwright.store import Store
from loopwright.views.overview import InboxItem

FAILING = {"README.md": "# sample\n",
           "Makefile": "test:\n\t@echo collecting; echo 'expected 3, got 2'; exit 2\n"}


def _printed_line(proc: subprocess.Popen[str], text: str, timeout: float = 20) -> str:
    """Read the follower's stdout until a line with `text` arrives."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if text in line:
            return line
        if not line and proc.poll() is not None:
            break
    said = proc.stderr.read() if proc.stderr else ""
    raise AssertionError(f"no line with {text!r}; stderr: {said}")


def test_log_follow_waits_for_hours_and_ends_on_ctrl_c(repo: Path) -> None:
    project = init(repo)
    cli(repo, "dispatch", "Before following")
    follower = subprocess.Popen(
        [sys.executable, "-m", "loopwright", "-C", str(repo), "log", "--follow"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _printed_line(follower, "Before following")
        time.sleep(3.5)  # several empty waits: each used to need a new event loop
        assert follower.poll() is None, follower.stderr.read() if follower.stderr else ""
        filed = cli(repo, "dispatch", "Filed while following")  # another process
        assert filed.returncode == 0
        _printed_line(follower, "Filed while following")
        assert project.db_path.exists()
    finally:
        follower.send_signal(signal.SIGINT)
        _, err = follower.communicate(timeout=20)
    assert follower.returncode == 0
    assert "Traceback" not in err and err == ""


def test_failing_checks_say_why_where_the_user_looks(make_repo: MakeRepo) -> None:
    root = make_repo(FAILING)
    project = init(root)
    configure(project, "[gate]\nauto_land = true\n")
    title = "Make the greeting friendlier everywhere on the site"
    cli(root, "dispatch", title, "--body", task_file("x", {"write": "g.txt",
                                                           "content": "hi\n"}))
    assert cli(root, "run", "--once").returncode == 0
    [session] = json.loads(cli(root, "status", "--json").stdout)["sessions"]
    # cut after a whole word: not "make-the-greeting-friendlier-eve"
    assert session["name"] == "make-the-greeting-friendlier"
    assert session["branch"].endswith("-make-the-greeting")
    name = session["name"]
    reason = "| expected 3, got 2"
    inbox = cli(root, "inbox").stdout
    assert "checks failed (exit code 2): `make test`, last lines:" in inbox
    assert reason in inbox
    assert reason in cli(root, "status").stdout
    diff = cli(root, "diff", name)
    assert "+hi" in diff.stdout and reason not in diff.stdout  # the patch stays a patch
    assert reason in diff.stderr
    log = cli(root, "log").stdout
    assert re.search(r"checks FAILED .*\n.*\| collecting\n.*\| expected 3, got 2", log)

    approved = cli(root, "approve", name)
    assert approved.returncode == 0
    assert approved.stderr.startswith(f"warning: the checks of {name} failed")
    assert reason in approved.stderr
    assert "approve recorded; now landing" in approved.stdout
    again = cli(root, "approve", name)
    assert again.returncode == 1
    assert again.stderr == (f"loopwright: {name} is already landing: approving it again "
                            "changes nothing\n")
    sent_back = cli(root, "request-changes", name, "shorter")
    assert "is already landing (approved): to stop it, `loopwright reject" in sent_back.stderr


def test_unknown_names_are_refused_when_written(repo: Path) -> None:
    project = init(repo)
    proc = cli(repo, "dispatch", "Typo", "--backend", "claud")
    assert proc.returncode == 1
    assert proc.stderr == ("loopwright: unknown worker backend 'claud'; did you mean "
                           "`claude`? known: claude, claude-code, codex, script\n")
    assert "no tasks yet" in cli(repo, "status").stdout  # nothing was filed
    text = project.config_path.read_text().replace("max_parallel = 4", "max_paralel = 2")
    project.config_path.write_text(text)
    proc = cli(repo, "status")
    assert proc.returncode == 2
    assert ("manager: Object contains unknown field `max_paralel`; did you mean "
            "`max_parallel`?") in proc.stderr


def test_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    proc = cli(tmp_path / "nonexistent", "status")
    assert proc.returncode == 2
    assert proc.stderr == f"loopwright: -C {tmp_path / 'nonexistent'}: no such directory\n"


def test_every_hint_names_a_real_command() -> None:
    commands = set(next(a for a in _parser()._actions if a.dest == "command").choices)
    hints = [hint(InboxItem(kind=kind, ref="s-1", title="", detail="", since=0.0))
             for kind in ("decision", "review", "landing_blocked", "failed", "declined",
                          "pull_request", "conflict")]
    named = {m for h in [*hints, *_HINT.values()]
             for m in re.findall(r"loopwright ([a-z-]+)", h)}
    assert named and named <= commands, named - commands
    assert not any(h.startswith(("commit", "review")) and "loopwright" in h.split()[0]
                   for h in hints)


def test_the_managers_own_questions_have_a_name_in_the_log(repo: Path) -> None:
    project = init(repo)
    cli(repo, "dispatch", "Vague")
    store = Store(project.db_path)  # what triage records when it asks about a task
    [filed] = store.read_after(0)
    assert isinstance(filed.event, ev.TaskFiled)
    store.append(ev.DecisionAsked(decision_id="d-1", question="Which page?",
                                  task_id=filed.event.task_id))
    store.close()
    log = cli(repo, "log").stdout
    assert "manager: asks d-1: Which page?" in log
    assert not re.search(r"\d\d:\d\d:\d\d  :", log)


def test_config_shows_the_test_command_it_detected(make_repo: MakeRepo) -> None:
    root = make_repo({"app.py": "def add(a, b):\n    return a + b\n",
                      "test_app.py": "from app import add\n\ndef test_add():\n"
                                     "    assert add(1, 2) == 3\n"})
    proc = cli(root, "init")
    assert "checks: `python -m pytest -q` (detected;" in proc.stdout
    shown = cli(root, "config").stdout
    assert ('command = "python -m pytest -q"  # detected from the repository\'s files'
            in shown)


def test_init_proposes_copying_ignored_files_a_worktree_lacks(make_repo: MakeRepo) -> None:
    root = make_repo({".gitignore": ".env\n_version.py\n*.pyc\nbuild/\n",
                      "README.md": "# sample\n"})
    (root / ".env").write_text("DATABASE_URL=sqlite://\n")
    (root / "_version.py").write_text("__version__ = '1.0'\n")
    (root / "cached.pyc").write_bytes(b"\0")
    (root / "build").mkdir()
    (root / "build" / "out.o").write_text("")
    proc = cli(root, "init")
    assert "2 git-ignored file(s) here would be missing in a session's worktree" in proc.stdout
    text = (root / ".loopwright" / "config.toml").read_text()
    assert '# [environment]\n# copy = [".env", "_version.py"]\n' in text
    assert cli(root, "status").returncode == 0  # the proposal is only a comment


# The smallest PEP 660 backend (stdlib only, so the install needs no index): an editable
# wheel whose .pth puts src/ on sys.path. pip itself records the install in
# direct_url.json, as it does for setuptools or hatchling.
EDITABLE_BACKEND = """
import base64, hashlib, pathlib, zipfile

DIST = "tinypkg-0.1.dist-info"


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    files = {
        "tinypkg.pth": str(pathlib.Path(__file__).parent.resolve() / "src") + "\\n",
        DIST + "/METADATA": "Metadata-Version: 2.1\\nName: tinypkg\\nVersion: 0.1\\n",
        DIST + "/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\n"
                         "Tag: py3-none-any\\n",
    }
    record = [f"{DIST}/RECORD,,"]
    for path, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        b64 = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{path},sha256={b64},{len(text.encode())}")
    name = "tinypkg-0.1-py3-none-any.whl"
    with zipfile.ZipFile(pathlib.Path(wheel_directory) / name, "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)
        wheel.writestr(DIST + "/RECORD", "\\n".join(record) + "\\n")
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise NotImplementedError("editable installs only")


def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError("editable installs only")
"""


def test_an_editable_install_of_the_main_checkout_is_warned_about(
    make_repo: MakeRepo, tmp_path: Path,
) -> None:
    root = make_repo({
        "pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = 'editable_backend'\n"
                          "backend-path = ['.']\n\n[project]\nname = 'tinypkg'\n"
                          "version = '0.1'\n",
        "editable_backend.py": EDITABLE_BACKEND,
        "src/tinypkg/__init__.py": "VALUE = 1\n",
        "tests/test_tiny.py": "import tinypkg\n\ndef test_v():\n"
                              "    assert tinypkg.VALUE == 1\n",
    })
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-build-isolation", "--no-deps", "--no-index", "-e", str(root)],
                   check=True, capture_output=True, timeout=300)
    activated = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin"}  # as `source venv/bin/activate`
    proc = _cli_with(root, activated, "init")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # on a src layout, init sets checks that test the worktree
    configure(Project(root), '[checks]\ncommand = "python -m pytest -q"\n')
    warning = _cli_with(root, activated, "config").stderr
    assert (f"warning: the checks' Python ({python}) has tinypkg installed in editable "
            f"mode from {root}, the main checkout") in warning
    assert '[checks] command = "PYTHONPATH=src python -m pytest -q"' in warning
    assert _cli_with(root, {}, "config").stderr == ""  # another Python: nothing to say
    configure(Project(root), '[checks]\ncommand = "PYTHONPATH=src python -m pytest -q"\n')
    assert _cli_with(root, activated, "config").stderr == ""  # the advice, taken, is enough


def _cli_with(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "loopwright", "-C", str(root), *args],
                          capture_output=True, text=True, check=False, timeout=60,
                          env={**os.environ, **env})
