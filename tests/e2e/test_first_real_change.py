"""The first real change (issue 11), exactly as docs/first-hour.md walks it: a src-layout
project, installed editable into a venv outside the repository, its own tests; then the
documented commands, each a real `loopwright` process. The change lands on main; a
change that breaks the code does not, which proves the checks tested the worktree."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from test_first_hour import EDITABLE_BACKEND

from helpers.git import MakeRepo, git
from helpers.loop import task_file

DOCS = Path(__file__).resolve().parents[2] / "docs" / "first-hour.md"

GREET = 'def greet(name: str) -> str:\n    return "Hello, " + name\n'
PROJECT = {
    ".gitignore": ".venv/\n",
    "pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = 'editable_backend'\n"
                      "backend-path = ['.']\n\n[project]\nname = 'tinypkg'\n"
                      "version = '0.1'\n",
    "editable_backend.py": EDITABLE_BACKEND,
    "src/tinypkg/__init__.py": "from .greet import greet\n\n__all__ = ['greet']\n",
    "src/tinypkg/greet.py": GREET,
    "tests/test_greet.py": "from tinypkg import greet\n\n\ndef test_says_hello():\n"
                           "    assert greet('Ada').startswith('Hello')\n\n\n"
                           "def test_names_the_person():\n    assert 'Ada' in greet('Ada')\n",
}
FRIENDLIER = task_file("Greet with an exclamation mark", {
    "write": "src/tinypkg/greet.py",
    "content": 'def greet(name: str) -> str:\n    return "Hello, " + name + "!"\n'})
BREAKING = task_file("Say goodbye instead", {
    "write": "src/tinypkg/greet.py",
    "content": 'def greet(name: str) -> str:\n    return "Bye"\n'})


def _project_with_venv(make_repo: MakeRepo, tmp_path: Path, *, inside: bool = False
                       ) -> tuple[Path, dict[str, str]]:
    """The project as it exists before Loopwright: a venv (outside the repository, or
    its ignored `.venv`) with the project installed editable (`pip install -e .`) and
    pytest; the venv activated."""
    root = make_repo(PROJECT)
    venv = root / ".venv" if inside else tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-build-isolation", "--no-deps", "--no-index", "-e", str(root)],
                   check=True, capture_output=True, timeout=300)
    # pytest, as `pip install pytest` would give it (no index here): this process's copy
    site = subprocess.run([str(python), "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "with_pytest.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    activated = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "VIRTUAL_ENV": str(venv)}
    return root, activated


def _documented_commands() -> list[str]:
    """The walk-through's commands: the `$ ` lines of docs/first-hour.md's first block."""
    block = re.search(r"```console\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert block is not None
    return [line[2:] for line in block.group(1).splitlines() if line.startswith("$ ")]


class User:
    """A shell in the project's folder with the venv activated: runs what the docs say."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = {**os.environ, **env}
        self.typed: list[str] = []

    def types(self, line: str, *, stdin: str = "") -> subprocess.CompletedProcess[str]:
        self.typed.append(line)
        words = line.split()
        if words[0] == "loopwright":  # the installed entry point, from this checkout
            words = [sys.executable, "-m", "loopwright", *words[1:]]
        return subprocess.run(words, cwd=self.root, env=self.env, input=stdin,
                              capture_output=True, text=True, check=False, timeout=120)

    def status(self) -> dict[str, list[dict[str, object]]]:
        proc = subprocess.run([sys.executable, "-m", "loopwright", "status", "--json"],
                              cwd=self.root, env=self.env, capture_output=True, text=True,
                              check=True, timeout=60)
        parsed: dict[str, list[dict[str, object]]] = json.loads(proc.stdout)
        return parsed


def test_a_src_layout_change_lands_and_a_breaking_one_does_not(
    make_repo: MakeRepo, tmp_path: Path,
) -> None:
    root, activated = _project_with_venv(make_repo, tmp_path)
    (tmp_path / "greet-loudly.md").write_text(FRIENDLIER)
    user = User(root, activated)
    python = Path(activated["VIRTUAL_ENV"]) / "bin" / "python"

    init = user.types("loopwright init")
    assert init.returncode == 0, init.stderr
    assert (f"checks: `PYTHONPATH=src {python} -m pytest -q` (written to config.toml"
            in init.stdout)
    assert init.stderr == ""  # the editable install is no longer a trap: nothing to warn
    assert user.types("cp ../greet-loudly.md .loopwright/inbox/").returncode == 0
    run = user.types("loopwright run --once")
    assert run.returncode == 0, run.stderr
    assert user.typed == _documented_commands()  # the walk-through, command for command
    assert len(user.typed) <= 5

    landed = git(root, "show", "main:src/tinypkg/greet.py")  # committed on main
    assert '+ name + "!"' in landed
    assert (root / "src/tinypkg/greet.py").read_text().strip() == landed  # and checked out
    [session] = user.status()["sessions"]
    assert session["state"] == "landed", session

    (root / ".loopwright/inbox/say-goodbye.md").write_text(BREAKING)
    assert user.types("loopwright run --once").returncode == 0
    assert git(root, "show", "main:src/tinypkg/greet.py") == landed
    inbox = user.types("loopwright inbox").stdout
    assert "checks failed (exit code 1)" in inbox
    assert "AssertionError" in inbox or "assert" in inbox  # the session's own code failed
    assert "main checkout" not in inbox  # the real cause, not the setup


@pytest.mark.parametrize("inside", [False, True], ids=["venv-outside", "venv-in-the-repo"])
def test_checks_that_import_the_main_checkout_fail_and_say_why(
    make_repo: MakeRepo, tmp_path: Path, inside: bool,
) -> None:
    """The obvious setup without init's advice: `python -m pytest` with the project
    installed editable from main. The sandbox hides main (all of it but a `.venv` the
    checks run), so the checks cannot pass by testing it; the failure says why."""
    root, activated = _project_with_venv(make_repo, tmp_path, inside=inside)
    user = User(root, activated)
    assert user.types("loopwright init").returncode == 0
    config = root / ".loopwright" / "config.toml"
    text = config.read_text()
    config.write_text(re.sub(r'^command = ".*"$', 'command = "python -m pytest -q"', text,
                             count=1, flags=re.MULTILINE))
    (root / ".loopwright/inbox/greet-loudly.md").write_text(FRIENDLIER)
    assert user.types("loopwright run --once").returncode == 0

    assert (root / "src/tinypkg/greet.py").read_text() == GREET  # nothing landed
    inbox = user.types("loopwright inbox").stdout
    assert "checks failed (exit code 2): `python -m pytest -q`" in inbox
    assert "ERROR tests/test_greet.py" in inbox  # collection: `import tinypkg` failed
    python = Path(activated["VIRTUAL_ENV"]) / "bin" / "python"
    assert (f"note: this Python ({python}) imports tinypkg from the main checkout "
            f"({root}, an editable install), which sessions cannot see: run the "
            f"checks with `PYTHONPATH=src {python} -m pytest -q`") in inbox
