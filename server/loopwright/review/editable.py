"""Does the checks' Python import the main checkout instead of the session's worktree?

`pip install -e .` records where the install points in the distribution's
`direct_url.json` (`"dir_info": {"editable": true}`, `url` = file:// of the project).
When the interpreter the checks run has such an install of the main checkout, a
session's checks import main's code, not the worktree's, and pass or fail for the
wrong reason.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

_PYTHON = re.compile(r"^python[0-9.]*$")
_RUNNERS = frozenset({"pytest", "py.test"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")

# Run by the checks' interpreter: every editable distribution and where it points.
_LIST_EDITABLE = """
import json, importlib.metadata as m
found = []
for d in m.distributions():
    try:
        info = json.loads(d.read_text("direct_url.json") or "{}")
    except ValueError:
        continue
    if isinstance(info, dict) and (info.get("dir_info") or {}).get("editable"):
        found.append([d.metadata["Name"] or "", str(info.get("url", ""))])
print(json.dumps(found))
"""


# (interpreter, main checkout) -> what it has installed from there: probed once per run,
# since a failing session's checks ask again each time.
_probed: dict[tuple[str, Path], list[EditableInstall]] = {}


@dataclass(frozen=True)
class EditableInstall:
    interpreter: str
    distribution: str
    points_to: Path


def checks_interpreter(command: str, root: Path, env: Mapping[str, str]) -> str | None:
    """The Python the checks command runs (`python -m pytest`, `pytest`, a path to a
    python), or None when it runs something else (make, npm, tox...) or sets PYTHONPATH
    itself."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    while words and _ASSIGNMENT.match(words[0]):
        if words.pop(0).startswith("PYTHONPATH="):
            return None
    if not words:
        return None
    program = words[0]
    name = Path(program).name
    if not (_PYTHON.match(name) or name in _RUNNERS):
        return None
    if "/" in program:
        found: str | None = str((root / program).resolve())
    else:
        found = shutil.which(program, path=env.get("PATH", ""))
    if found is None or not Path(found).is_file():
        return None
    return found if _PYTHON.match(name) else _shebang(Path(found))


def _shebang(script: Path) -> str | None:
    try:
        first = script.read_bytes()[:512].split(b"\n", 1)[0].decode()
    except (OSError, UnicodeDecodeError):
        return None
    if not first.startswith("#!"):
        return None
    words = first[2:].split()
    if words and Path(words[0]).name == "env" and len(words) > 1:
        return shutil.which(words[1])
    return words[0] if words else None


def editable_installs_of(root: Path, interpreter: str, env: Mapping[str, str]
                         ) -> list[EditableInstall]:
    """The distributions `interpreter` has installed in editable mode from `root` (or a
    folder inside it); empty when there are none or the interpreter cannot tell."""
    try:
        proc = subprocess.run([interpreter, "-c", _LIST_EDITABLE], capture_output=True,
                              text=True, timeout=20, check=False, env=dict(env), cwd="/")
        found = json.loads(proc.stdout) if proc.returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return []
    main = root.resolve()
    installs = []
    for name, url in found:
        parsed = urlparse(url)
        if parsed.scheme != "file":
            continue
        where = Path(unquote(parsed.path)).resolve()
        if where == main or main in where.parents:
            installs.append(EditableInstall(interpreter, name, where))
    return installs


def installs_behind(command: str, root: Path, env: Mapping[str, str]
                    ) -> list[EditableInstall]:
    """The editable installs of `root` that the checks command's Python imports; probed
    once per interpreter and checkout for the life of the process."""
    python = checks_interpreter(command, root, env)
    if python is None:
        return []
    key = (python, root.resolve())
    if key not in _probed:
        _probed[key] = editable_installs_of(root, python, env)
    return _probed[key]


def failure_note(root: Path, installs: list[EditableInstall]) -> str:
    """One line for failed checks whose Python imports the main checkout, which the
    sandbox hides from a session: the cause and the fix. "" when that is not it."""
    if not installs:
        return ""
    names = ", ".join(sorted({i.distribution for i in installs}))
    src = "src" if (root / "src").is_dir() else "."
    python = installs[0].interpreter
    return (f"[loopwright] note: this Python ({python}) imports {names} from the main "
            f"checkout ({installs[0].points_to}, an editable install), which sessions "
            f"cannot see: run the checks with `PYTHONPATH={src} {python} -m pytest -q` "
            "(set [checks] command in .loopwright/config.toml), use the project's own "
            "runner, or give sessions their own environment (docs/first-hour.md)")


def advice(root: Path, installs: list[EditableInstall]) -> list[str]:
    """The warning, and what to do about it."""
    if not installs:
        return []
    names = ", ".join(sorted({i.distribution for i in installs}))
    src = "src" if (root / "src").is_dir() else "."
    return [
        f"warning: the checks' Python ({installs[0].interpreter}) has {names} installed "
        f"in editable mode from {installs[0].points_to}, the main checkout: a session's "
        "checks would import main's code, not the session worktree's.",
        f"  Fix one of: put the worktree first, e.g. [checks] command = "
        f"\"PYTHONPATH={src} python -m pytest -q\"; use the project's own runner "
        "(`make test`, `tox`, `nox`) if it installs the code it tests; or give each "
        "session its own environment.",
    ]
