"""Presence from the editor, end to end: a real `loopwright serve` over stdio (pytest-lsp)
hosting the manager, a fake ntfy server. While the editor says the human is active, a
question's push waits; answered from the editor's prompt, it is never sent."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import register_lsp_features

from helpers.git import MakeRepo
from helpers.loop import configure, init, task_file
from helpers.push import push_config
from loopwright import events as ev
from loopwright.lsp.convert import make_converter
from loopwright.project import Project
from loopwright.store import Store
from loopwright.testing.fake_ntfy import FakeNtfy

pytestmark = pytest.mark.slow
ASK = {"ask": "Which database?", "options": ["sqlite", "postgres"], "blocking": True}
CAPABILITIES = types.ClientCapabilities(window=types.WindowClientCapabilities(
    show_message=types.ShowMessageRequestClientCapabilities()))


def logged(project: Project, kind: type[ev._Event]) -> list[ev.Event]:
    store = Store(project.db_path)
    try:
        return [r.event for r in store.read_after(0) if isinstance(r.event, kind)]
    finally:
        store.close()


async def until(what: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := what()):
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)
    return value


async def test_an_active_editor_holds_the_push_and_an_answer_there_drops_it(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    project = init(make_repo({"README.md": "# x\n", "Makefile": "test:\n\t@true\n"}))
    prompts: list[str] = []
    with FakeNtfy() as ntfy:
        configure(project, push_config(ntfy.url, hold_seconds=20.0))

        def factory() -> LanguageClient:
            client = LanguageClient(converter_factory=make_converter)
            register_lsp_features(client)

            @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
            def prompt(_ls: LanguageClient, params: types.ShowMessageRequestParams
                       ) -> types.MessageActionItem | None:
                prompts.append(params.message)
                return types.MessageActionItem(title="sqlite")  # the human, in the editor

            return client

        config = ClientServerConfig(
            server_command=[sys.executable, "-m", "loopwright", "serve"],
            client_factory=factory, server_env=dict(os.environ))
        client = await config.start()
        assert isinstance(client, LanguageClient)
        uri = project.root.as_uri()
        await client.initialize_session(types.InitializeParams(
            capabilities=CAPABILITIES, root_uri=uri,
            workspace_folders=[types.WorkspaceFolder(uri, "repo")]))
        try:
            send = client.protocol.send_request_async
            assert await send("loopwright/presence", {"active": True}) == {"recorded": True}
            assert await send("loopwright/presence", {"active": True}) == {"recorded": False}
            await send("loopwright/dispatch", {"title": "Pick a database",
                                               "body": task_file("x", ASK)})
            [dropped] = await until(lambda: logged(project, ev.PushDropped))
            assert dropped.reason == "answered by human: sqlite"  # type: ignore[union-attr]
            [held] = logged(project, ev.PushHeld)
            assert held.seconds == 20.0  # type: ignore[union-attr]
            assert any("Which database?" in p for p in prompts)
            assert ntfy.attempts == []  # the phone never heard of it
            [present] = logged(project, ev.PresenceReported)
            assert present.by == "editor"  # type: ignore[union-attr]
            client.protocol.notify("loopwright/presence", {"active": False})  # no id
            left = await until(lambda: logged(project, ev.PresenceReported)[1:])
            assert [e.active for e in left] == [False]  # type: ignore[union-attr]
        finally:
            await client.shutdown_session()
            await client.stop()
