"""The event log: typed, ordered, shared between processes, never holding secrets."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from loopwright import events as ev
from loopwright.store import REDACTED, Store, StoreError, secrets_from_environment


def filed(n: int) -> ev.TaskFiled:
    return ev.TaskFiled(task_id=f"t-{n}", title=f"task {n}", body="", source="cli")


def test_events_come_back_typed_and_in_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db", secrets=[])
    store.append(filed(1), filed(2))
    store.append(ev.TaskAccepted(task_id="t-1"))
    records = store.read_after(0)
    assert [r.seq for r in records] == [1, 2, 3]
    assert records[0].event == filed(1)
    assert isinstance(records[2].event, ev.TaskAccepted)
    assert [r.seq for r in store.read_after(2)] == [3]


def test_the_log_survives_reopening(tmp_path: Path) -> None:
    Store(tmp_path / "state.db", secrets=[]).append(filed(1))
    again = Store(tmp_path / "state.db", secrets=[])
    assert again.read_after(0)[0].event == filed(1)
    assert again.last_seq() == 1


def test_secrets_never_enter_the_log(tmp_path: Path) -> None:
    secret = "sk-ant-very-secret-value"
    store = Store(tmp_path / "state.db", secrets=[secret])
    [record] = store.append(ev.CommandRan(session_id="s", command="env", exit_code=0,
                                          output_tail=f"KEY={secret}\n", seconds=0.1))
    assert secret not in (tmp_path / "state.db").read_bytes().decode("latin-1")
    stored = store.read_after(0)[0].event
    assert isinstance(stored, ev.CommandRan)
    assert stored.output_tail == f"KEY={REDACTED}\n"
    assert record.event == stored


def test_secret_values_are_found_by_variable_name() -> None:
    env = {"ANTHROPIC_API_KEY": "sk-ant-123456789", "GITHUB_TOKEN": "ghp_abcdefgh",
           "HOME": "/root", "SHORT_KEY": "abc"}
    assert set(secrets_from_environment(env)) == {"sk-ant-123456789", "ghp_abcdefgh"}


def test_a_corrupt_log_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open the event log"):
        Store(path, secrets=[])


async def test_an_append_from_another_process_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(path, secrets=[])
    store.append(filed(1))
    seen: list[ev.Record] = []

    async def follow() -> None:
        async for record in store.follow(after=1):
            seen.append(record)
            return

    waiter = asyncio.create_task(follow())
    await asyncio.sleep(0.05)
    code = (
        "import sys; from pathlib import Path; from loopwright.store import Store;"
        "from loopwright import events as ev;"
        "Store(Path(sys.argv[1]), secrets=[]).append(ev.TaskAccepted(task_id='t-1'))"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    await asyncio.wait_for(waiter, 5)
    assert isinstance(seen[0].event, ev.TaskAccepted)
    assert seen[0].seq == 2
