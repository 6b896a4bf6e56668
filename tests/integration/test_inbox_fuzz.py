"""Bounded fuzzing of the inbox: whatever a file holds or is called, it becomes a task or
a refusal that names it, and it leaves the inbox for the archive. None is lost.

A seeded generator makes 1,000 files for the real intake (real files, real SQLite);
hypothesis throws bytes at the parser. Both stay well under twenty seconds.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loopwright import events as ev
from loopwright.config import Config
from loopwright.core.text import file_name
from loopwright.manager.intake import Intake
from loopwright.project import Project
from loopwright.runtime import Runtime
from loopwright.state import fold
from loopwright.store import Store
from loopwright.triggers.inbox_file import IntakeError, parse_task_file

FILES = 1_000
SEED = 20261201

# Pieces a hostile or careless writer puts in a task file.
_FRONT = [
    "labels: [bug, ui]", "priority: 2", "priority: -7", "backend: script", "title: Named",
    "labels: bug, ui ,", "priority: " + "9" * 5000, "priority: " + "9" * 40,
    "priority: 1.5", "priority: true", "labels: [1, 2]", "title: ''", "lables: [x]",
    'title: "lone \\ud800 half"', 'title: "bell \\a and esc \\e"', "labels: " + "[" * 1500,
    "labels: " + "[" * 1200 + "]" * 1200, "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nlabels: *b",
    "? [complex, key]\n: value", "title: !!binary aGVsbG8=", "priority: 0x1F",
    "title: 2024-01-01", "labels: {a: 1}", "- just\n- a list", "just text", ":", "[",
    "backend: " + "x" * 3000, "title: " + "é" * 2000,
]
_BODY = [
    "# A title", "## Second level ##", "#NoSpace", "    # indented code", "```\n# not a title",
    "```", "~~~~", "Setext\n===", "text with \x1b[2J escapes \x07", "\u202ereversed",
    "\x00nul byte", "tab\tand\rcarriage\r\n", "```loopwright-script\n{\"sleep\": 1e308}\n```",
    "#" * 7 + " too deep", "# " + "long " * 2000, "", "\ufeff# BOM inside",
]
_RAW = [b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\r\n", b"\n---\n", b"\x80"]


def _content(rng: random.Random) -> bytes:
    parts: list[bytes] = []
    if rng.random() < 0.6:
        lines = rng.sample(_FRONT, rng.randint(0, 3))
        closed = rng.random() < 0.9
        parts.append(("---\n" + "\n".join(lines) + ("\n---\n" if closed else "\n")).encode())
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.15:
            parts.append(rng.choice(_RAW))
        else:
            parts.append((rng.choice(_BODY) + "\n").encode())
    if rng.random() < 0.05:
        parts.append(rng.randbytes(rng.randint(1, 200)))
    return b"".join(parts)


def _name(rng: random.Random, n: int) -> bytes:
    ext = rng.choice([b".md", b".MD", b".markdown", b".txt"])
    kind = rng.random()
    if kind < 0.1:  # not UTF-8
        stem = b"caf\xe9-" + str(n).encode()
    elif kind < 0.2:  # as long as a file name may be
        stem = (str(n) + "-").encode() + b"x" * rng.randint(200, 255 - 10 - len(ext))
    elif kind < 0.3:  # long in characters of two bytes
        stem = (str(n) + "-" + "é" * rng.randint(100, 118)).encode()
    elif kind < 0.4:  # odd but legal characters
        stem = (f"{n} \x1b[31m red \u202e" + rng.choice(["'", '"', "#x", "~x", "\t"])).encode()
    else:
        stem = f"task-{n}".encode()
    return stem + ext


def _run_intake(project: Project) -> list[ev.Event]:
    async def main() -> None:
        store = Store(project.db_path, secrets=[])
        rt = Runtime(project, Config(), store, fold(store.read_after(0)))
        owned: list[asyncio.Task[None]] = []

        def spawn(_name: str, coro: Coroutine[Any, Any, None]) -> None:
            owned.append(asyncio.create_task(coro))

        intake = Intake(rt, spawn)
        intake.start(watch=False)
        while not intake.idle():  # noqa: ASYNC110 - intake has no event to wait on
            await asyncio.sleep(0.01)
        for task in owned:
            task.cancel()
        await asyncio.gather(*owned, return_exceptions=True)
        store.close()

    asyncio.run(main())
    store = Store(project.db_path, secrets=[])
    try:
        return [r.event for r in store.read_after(0)]
    finally:
        store.close()


def test_a_thousand_generated_inbox_files_each_become_a_task_or_a_refusal(
    tmp_path: Path,
) -> None:
    rng = random.Random(int(os.environ.get("LOOPWRIGHT_FUZZ_SEED", SEED)))
    project = Project(tmp_path)
    project.inbox.mkdir(parents=True)
    names: list[str] = []
    for n in range(FILES):
        name = os.fsdecode(_name(rng, n))  # undecodable bytes become surrogates
        path = project.inbox / name
        if rng.random() < 0.02:
            path.symlink_to(name)  # a symlink loop
        else:
            path.write_bytes(_content(rng))
        names.append(file_name(name))

    events = _run_intake(project)

    filed = [e for e in events if isinstance(e, ev.TaskFiled)]
    refused = [e for e in events if isinstance(e, ev.IntakeRefused)]
    origins = sorted([t.origin.rsplit("#", 1)[0] for t in filed] + [r.origin for r in refused])
    assert origins == sorted(names)  # each file once: none lost, none filed twice
    assert filed and refused  # the generator makes both kinds
    for r in refused:
        assert r.error.startswith(f"{r.origin}: ") and "please report this" not in r.error
        assert r.kept_at and Path(r.kept_at).parent == project.archive / "refused"
    for t in filed:
        assert t.title.strip() and abs(t.priority) <= 1_000_000
    assert list(project.inbox.iterdir()) == []
    kept = [*(project.archive / "refused").iterdir(),
            *(p for p in project.archive.iterdir() if p.name != "refused")]
    assert len(kept) == FILES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_the_parser_answers_a_task_or_an_intake_error_for_any_bytes(data: bytes) -> None:
    for prefix in (b"", b"---\n", b"# T\n---\n"):
        try:
            task = parse_task_file(prefix + data, "fuzz.md", max_bytes=1_000)
        except IntakeError as e:
            assert str(e).startswith("fuzz.md: ")
        else:
            assert task.title.strip()
            task.title.encode()  # storable: no lone surrogates
