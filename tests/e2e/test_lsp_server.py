"""The language server end to end: a real `loopwright serve` over stdio (pytest-lsp),
a real git repository, the real SQLite log and the real manager with the script worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import register_lsp_features

from helpers.git import MakeRepo, git
from loopwright.lsp.convert import make_converter
from loopwright.manager.lock import holder_pid
from loopwright.project import Project
from loopwright.store import Store

pytestmark = pytest.mark.slow

INVALID_PARAMS, METHOD_NOT_FOUND, REQUEST_FAILED = -32602, -32601, -32803
NOTES = "".join(f"line {n}\n" for n in range(1, 31))


def script(*steps: dict[str, Any]) -> str:
    return "```loopwright-script\n" + "\n".join(json.dumps(s) for s in steps) + "\n```\n"


def set_up(root: Path, *, auto_land: bool = False) -> Project:
    """`loopwright init` in `root`, with the gate set so every change needs approval."""
    proc = subprocess.run([sys.executable, "-m", "loopwright", "-C", str(root), "init"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    project = Project(root)
    text = project.config_path.read_text(encoding="utf-8")
    assert "\nauto_land = true\n" in text
    flag = "true" if auto_land else "false"
    project.config_path.write_text(text.replace("\nauto_land = true\n",
                                                f"\nauto_land = {flag}\n"), encoding="utf-8")
    return project


Prompt = Callable[[types.ShowMessageRequestParams], Any]


class Editor:
    """A pytest-lsp client playing the editor: it records what the server sends."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.changes: list[dict[str, Any]] = []
        self.prompts: list[types.ShowMessageRequestParams] = []
        self.reveals: list[dict[str, Any]] = []
        self.threads: list[dict[str, Any]] = []  # `$/loopwright/thread` params
        self.ready: list[dict[str, Any]] = []
        self.initialized: types.InitializeResult | None = None
        self.lens_refreshes = 0
        self.on_prompt: Prompt = lambda _params: None
        self._news = asyncio.Event()

    def heard(self) -> None:
        self._news.set()

    async def until(self, what: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while not (value := what()):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; changes seen: {self.changes[-3:]}")
            self._news.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._news.wait(), min(left, 0.2))
        return value

    async def request(self, method: str, params: Any = None) -> Any:
        return await self.client.protocol.send_request_async(method, params)

    async def command(self, name: str, *arguments: Any) -> Any:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments)))

    async def resolve(self, lens: types.CodeLens) -> types.Command:
        resolved = await self.client.code_lens_resolve_async(lens)
        assert resolved.command is not None
        return resolved.command

    async def lenses(self, uri: str) -> list[types.CodeLens]:
        result = await self.client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri)))
        return list(result or [])

    def session_row(self, name_or_id: str) -> dict[str, Any] | None:
        for change in reversed(self.changes):
            for row in change["sessions"]:
                if name_or_id in (row["sessionId"], row["name"]):
                    return row
        return None

    def inbox(self) -> list[dict[str, Any]]:
        """The inbox as a client keeps it from the deltas (each names what changed)."""
        items: dict[str, dict[str, Any]] = {}
        for change in self.changes:
            assert "inbox" not in change  # never the whole inbox again
            for key in change.get("inboxRemoved", []):  # omitted when empty
                items.pop(key, None)
            items.update((f"{i['kind']}\n{i['ref']}\n{i['title']}", i)
                         for i in change.get("inboxChanged", []))
        return sorted(items.values(), key=lambda i: i["since"])

    def logs(self) -> str:
        return "\n".join(m.message for m in self.client.log_messages)


CAPABILITIES = types.ClientCapabilities(
    window=types.WindowClientCapabilities(
        work_done_progress=True,
        show_message=types.ShowMessageRequestClientCapabilities(
            message_action_item=types.ClientShowMessageActionItemOptions(
                additional_properties_support=True))),
    workspace=types.WorkspaceClientCapabilities(
        code_lens=types.CodeLensWorkspaceClientCapabilities(refresh_support=True),
        execute_command=types.ExecuteCommandClientCapabilities()),
    text_document=types.TextDocumentClientCapabilities(
        code_lens=types.CodeLensClientCapabilities()),
)


def _client_factory(editor: list[Editor]) -> Callable[[], LanguageClient]:
    def make() -> LanguageClient:
        client = LanguageClient(converter_factory=make_converter)
        register_lsp_features(client)
        ed = Editor(client)
        editor.append(ed)

        @client.feature("$/loopwright/changed")
        def changed(_ls: LanguageClient, params: dict[str, Any]) -> None:
            ed.changes.append(params)
            ed.heard()

        @client.feature("$/loopwright/thread")
        def thread(_ls: LanguageClient, params: dict[str, Any]) -> None:
            ed.threads.append(params)
        @client.feature("$/loopwright/ready")
        def ready(_ls: LanguageClient, params: dict[str, Any]) -> None:
            ed.ready.append(params)
            ed.heard()

        @client.feature("$/loopwright/reveal")
        def reveal(_ls: LanguageClient, params: dict[str, Any]) -> None:
            ed.reveals.append(params)
            ed.heard()

        @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
        def refresh(_ls: LanguageClient, _params: None) -> None:
            ed.lens_refreshes += 1
            ed.heard()

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        async def prompt(_ls: LanguageClient, params: types.ShowMessageRequestParams
                         ) -> types.MessageActionItem | None:
            ed.prompts.append(params)
            ed.heard()
            title = ed.on_prompt(params)
            if asyncio.iscoroutine(title):
                title = await title
            return None if title is None else types.MessageActionItem(title=title)

        return client

    return make


@asynccontextmanager
async def editor_on(root: Path, *, on_prompt: Prompt | None = None
                    ) -> AsyncIterator[Editor]:
    """Start `loopwright serve`, initialize it on `root`, and shut it down after."""
    made: list[Editor] = []
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "loopwright", "serve"],
        client_factory=_client_factory(made), server_env=dict(os.environ))
    client = await config.start()
    assert isinstance(client, LanguageClient)
    if on_prompt is not None:
        made[0].on_prompt = on_prompt
    uri = root.as_uri()
    made[0].initialized = await client.initialize_session(types.InitializeParams(
        capabilities=CAPABILITIES, root_uri=uri,
        workspace_folders=[types.WorkspaceFolder(uri, root.name)]))
    try:
        yield made[0]
    finally:
        await client.shutdown_session()
        await client.stop()


def server_pid(ed: Editor) -> int:
    assert ed.client._server is not None
    return ed.client._server.pid


# --- the issue's flow ---------------------------------------------------------------


async def test_a_dispatched_task_is_answered_reviewed_and_lands_from_the_editor(
        make_repo: MakeRepo) -> None:
    root = make_repo({"notes.txt": NOTES})
    set_up(root)
    changed = NOTES.replace("line 10\n", "line ten\n").replace("line 25\n", "line 25!\n")
    body = "Edit the notes.\n\n" + script(
        {"write": "notes.txt", "content": changed},
        {"ask": "Keep the old wording?", "options": ["keep", "drop"], "default": "keep",
         "blocking": True},
        {"finish": "notes edited"},
    )
    async with editor_on(root, on_prompt=lambda p: "drop" if "asks" in p.message
                         else "Open diff") as ed:
        await ed.until(lambda: ed.ready)
        assert ed.ready == [{"root": str(root), "ok": True, "problem": "", "hosted": True}]
        state = await ed.request("loopwright/state", {})
        assert state["hostedManager"] is True
        assert state["managerPid"] == server_pid(ed)
        assert (state["sessions"], state["inbox"], state["root"]) == ([], [], str(root))

        filed = await ed.request("loopwright/dispatch", {"title": "Edit notes", "body": body})
        assert filed["taskId"].startswith("t-")

        # The blocking question pops up once, with its options and Open.
        await ed.until(lambda: ed.prompts)
        question = ed.prompts[0]
        assert "Keep the old wording?" in question.message
        assert [a.title for a in question.actions or []] == ["keep", "drop", "Open"]

        # Answered "drop" by the prompt: the worker goes on, the change waits for review.
        row = await ed.until(lambda: (r := ed.session_row("edit-notes"))
                             and r["state"] == "awaiting_approval" and r)
        sid = row["sessionId"]
        assert row["hasReview"] and row["needsYou"]
        last = ed.changes[-1]
        assert [i["kind"] for i in ed.inbox()] == ["review"]
        assert all(d["since"] == before["seq"]  # every delta follows on from the last
                   for before, d in zip(ed.changes, ed.changes[1:], strict=False))
        assert last["needYou"] == 1
        await ed.until(lambda: ed.reveals)
        assert ed.reveals == [{"kind": "review", "ref": sid, "sessionId": sid}]
        assert "Open diff" in [a.title for a in ed.prompts[1].actions or []]
        assert len(ed.prompts) == 2  # one per decision, one per review: nothing stacked

        review = await ed.request("loopwright/review", {"session": sid})
        assert [f["path"] for f in review["files"]] == ["notes.txt"]
        assert [(h["newStart"], h["verdict"]) for h in review["hunks"]] == [
            (7, None), (22, None)]
        assert any("Auto-land is off" in r for r in review["gateReasons"])
        head_uri = review["files"][0]["headUri"]
        assert head_uri == f"loopwright-review:/{sid}/head/notes.txt"
        base = await ed.request("loopwright/reviewDocument",
                                {"uri": review["files"][0]["baseUri"]})
        head = await ed.request("loopwright/reviewDocument", {"uri": head_uri})
        assert (base["text"], head["text"]) == (NOTES, changed)

        # One lens per hunk, sent without its command; resolved as the editor shows it.
        lenses = await ed.lenses(head_uri)
        assert [(lens.range.start.line, lens.command) for lens in lenses] == [
            (6, None), (21, None)]
        shown = [await ed.resolve(lens) for lens in lenses]
        assert [c.title for c in shown] == ["Accept · Reject · Comment"] * 2
        assert shown[0].command == "loopwright.judgeHunk"
        picked = (shown[0].arguments or [{}])[0]  # the client's pick: Accept
        refreshes = ed.lens_refreshes
        result = await ed.command("loopwright.hunk", {"session": picked["session"],
                                                      "hunk": picked["hunk"],
                                                      "verdict": "accept"})
        assert result["verdict"] == "accept"
        await ed.until(lambda: ed.lens_refreshes > refreshes)
        titles = [(await ed.resolve(lens)).title for lens in await ed.lenses(head_uri)]
        assert titles == ["Accepted ✓", "Accept · Reject · Comment"]
        # The same lenses as flat lists (what the VS Code extension asks).
        flat = await ed.request("loopwright/hunkLenses", {"session": sid,
                                                          "path": "notes.txt"})
        assert (flat["lines"], flat["hunks"]) == (
            [6, 21], [h["hunkId"] for h in review["hunks"]])
        assert [flat["titles"][flat["judged"].get(h, "")] for h in flat["hunks"]] == titles

        hunk2 = review["hunks"][1]["hunkId"]
        await ed.request("loopwright/hunk", {"session": sid, "hunk": hunk2,
                                             "verdict": "comment", "comment": "nice"})
        review = await ed.request("loopwright/review", {"session": sid})
        assert [h["verdict"] for h in review["hunks"]] == ["accept", "comment"]
        assert review["hunks"][1]["comments"] == ["nice"]

        await ed.command("loopwright.approve", {"session": sid})
        await ed.until(lambda: (r := ed.session_row(sid)) and r["state"] == "landed", 60)

        assert git(root, "show", "main:notes.txt") == changed.rstrip("\n")
        assert f"Loopwright-Session: {sid}" in git(root, "log", "-1", "--format=%B", "main")
        # Each stretch of activity (working, then landing) had the one progress of the
        # sessions at work begin and end; the end may come just after the notification
        # that said "landed".
        def progresses() -> list[list[Any]]:
            return [r for token, r in ed.client.progress_reports.items()
                    if str(token).startswith("loopwright/sessions/")]

        await ed.until(lambda: len(progresses()) == 2
                       and all(r[-1].kind == "end" for r in progresses()))
        assert all(r[0].kind == "begin" and r[0].title == "Loopwright" for r in progresses())
        assert all("1 session working · edit-notes: " in r[0].message for r in progresses())
        # No code lenses once the change has landed.
        assert await ed.lenses(head_uri) == []
        flat = await ed.request("loopwright/hunkLenses", {"session": sid,
                                                          "path": "notes.txt"})
        assert (flat["lines"], flat["hunks"], flat["judged"]) == ([], [], {})
    # shutdown stopped the hosted manager and released the lock
    assert holder_pid(Project(root).lock_path) is None
    store = Store(Project(root).db_path)
    assert type(store.read_after(0)[-1].event).__name__ == "ManagerStopped"
    store.close()


# --- bad input --------------------------------------------------------------------


async def expect_error(call: Any, code: int, *words: str) -> str:
    with pytest.raises(JsonRpcException) as caught:
        await call
    error = caught.value
    assert error.code == code, error.message
    for word in words:
        assert word in error.message, error.message
    return error.message


async def test_bad_input_gets_a_clear_error_and_the_server_stays_up(
        make_repo: MakeRepo) -> None:
    root = make_repo()
    set_up(root)
    async with editor_on(root) as ed:
        await expect_error(ed.request("loopwright/approve", {}), INVALID_PARAMS,
                           "missing required field `session`")
        await expect_error(ed.request("loopwright/approve", {"session": 7}), INVALID_PARAMS,
                           "`session`", "expected `str`")
        await expect_error(ed.request("loopwright/approve", ["s-1"]), INVALID_PARAMS,
                           "params must be a JSON object")
        await expect_error(ed.request("loopwright/hunk", {"session": "s", "hunk": "h",
                                                          "verdict": "maybe"}),
                           INVALID_PARAMS, "`verdict`")
        await expect_error(ed.request("loopwright/kill", {"session": "s-nope"}),
                           INVALID_PARAMS, "no session matches 's-nope'")
        await expect_error(ed.request("loopwright/answer", {"decision": "d-x", "answer": "a"}),
                           INVALID_PARAMS, "no decision matches")
        await expect_error(ed.request("loopwright/dispatch", {"title": "  "}),
                           INVALID_PARAMS, "loopwright/dispatch: a task needs a title")
        await expect_error(ed.request("loopwright/dispatch", {"title": "T", "backend": "claud"}),
                           INVALID_PARAMS, "unknown worker backend 'claud'; did you mean")
        await expect_error(ed.request("loopwright/cancel", {"task": "t-nope"}),
                           INVALID_PARAMS, "no task matches 't-nope'")
        await expect_error(ed.request("loopwright/nope", {}), METHOD_NOT_FOUND,
                           "loopwright/nope")
        await expect_error(ed.command("loopwright.nope", {}), INVALID_PARAMS,
                           "'loopwright.nope' is not defined")
        await expect_error(ed.command("loopwright.approve", {"session": "a"}, {"b": 1}),
                           INVALID_PARAMS, "takes one argument")
        await expect_error(ed.command("loopwright.approve", {}), INVALID_PARAMS,
                           "loopwright.approve", "`session`")
        doc = (root / "README.md").as_uri()
        await expect_error(ed.request("loopwright/reviewDocument", {"uri": doc}),
                           INVALID_PARAMS, "is not a review document")
        assert await ed.lenses(doc) == []
        await expect_error(ed.lenses("loopwright-review:/s-1/sideways/a.txt"), INVALID_PARAMS,
                           "malformed review URI")
        await expect_error(ed.lenses("loopwright-review:/s-missing/head/a.txt"),
                           INVALID_PARAMS, "no session s-missing")

        # A real session in the wrong state, and a hunk id from no review.
        body = script({"ask": "Go on?", "options": ["yes", "no"], "blocking": True},
                      {"finish": "ok"})
        await ed.request("loopwright/dispatch", {"title": "Wait for me", "body": body})
        row = await ed.until(lambda: (r := ed.session_row("wait-for-me"))
                             and r["state"] == "waiting" and r)
        await expect_error(ed.request("loopwright/approve", {"session": row["name"]}),
                           REQUEST_FAILED, "is waiting; change approved does not apply")
        await expect_error(ed.request("loopwright/hunk", {
            "session": row["sessionId"], "hunk": "0123456789", "verdict": "accept"}),
            REQUEST_FAILED, "not awaiting approval")
        await expect_error(ed.request("loopwright/cancel", {"task": row["taskId"]}),
                           REQUEST_FAILED, "was accepted and has a session")
        await expect_error(ed.request("loopwright/review", {"session": row["sessionId"]}),
                           INVALID_PARAMS, "has no review yet")

        # Still up, still answering.
        state = await ed.request("loopwright/state")
        assert [s["state"] for s in state["sessions"]] == ["waiting"]
        assert [i["kind"] for i in state["inbox"]] == ["decision"]


async def test_a_stale_hunk_id_is_refused_naming_the_review(make_repo: MakeRepo) -> None:
    root = make_repo()
    set_up(root)
    async with editor_on(root) as ed:
        await ed.request("loopwright/dispatch", {"title": "Add a", "body": script(
            {"write": "a.txt", "content": "a\n"}, {"finish": "added"})})
        row = await ed.until(lambda: (r := ed.session_row("add-a"))
                             and r["state"] == "awaiting_approval" and r)
        await expect_error(ed.request("loopwright/hunk", {
            "session": row["sessionId"], "hunk": "ffffffffff", "verdict": "reject"}),
            INVALID_PARAMS, "no hunk ffffffffff in the current review of add-a")
        review = await ed.request("loopwright/review", {"session": "add-a"})
        hunk = review["hunks"][0]["hunkId"]
        await expect_error(ed.request("loopwright/hunk", {
            "session": "add-a", "hunk": hunk, "verdict": "comment"}),
            INVALID_PARAMS, "needs its text")
        done = await ed.request("loopwright/hunk", {"session": "add-a", "hunk": hunk,
                                                    "verdict": "reject"})
        assert done == {"sessionId": row["sessionId"], "hunk": hunk, "verdict": "reject"}


# --- prompts ------------------------------------------------------------------------


async def test_a_decision_answered_elsewhere_ignores_the_late_click(
        make_repo: MakeRepo) -> None:
    root = make_repo()
    set_up(root)
    release = asyncio.Event()
    withdrawn = asyncio.Event()

    async def slow_user(params: types.ShowMessageRequestParams) -> str | None:
        if "asks" not in params.message:
            return None
        try:
            await release.wait()
        except asyncio.CancelledError:  # the server withdrew the prompt: click anyway
            withdrawn.set()
            await release.wait()
        return "no"

    async with editor_on(root, on_prompt=slow_user) as ed:
        await ed.request("loopwright/dispatch", {"title": "Ask me", "body": script(
            {"ask": "Proceed?", "options": ["yes", "no"], "blocking": True},
            {"finish": "went on"})})
        await ed.until(lambda: ed.prompts)
        state = await ed.request("loopwright/state")
        decision = state["inbox"][0]["ref"]
        proc = subprocess.run([sys.executable, "-m", "loopwright", "-C", str(root), "answer",
                               decision, "yes"], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        await asyncio.wait_for(withdrawn.wait(), 10)  # $/cancelRequest reached the client
        release.set()
        await ed.until(lambda: "changed nothing" in ed.logs())
        state = await ed.request("loopwright/state")
        assert state["inbox"] == [] or state["inbox"][0]["kind"] == "review"
        store = Store(Project(root).db_path)
        answers = [r.event for r in store.read_after(0)
                   if type(r.event).__name__ == "DecisionAnswered"]
        store.close()
        assert [(a.answer, a.by) for a in answers] == [("yes", "human")]  # type: ignore[union-attr]
        assert len(ed.prompts) == 1 or "asks" not in ed.prompts[1].message


async def test_an_unset_repository_is_offered_set_up_and_then_works(
        make_repo: MakeRepo) -> None:
    root = make_repo()
    async with editor_on(root, on_prompt=lambda _p: None) as ed:  # the user dismisses it
        await ed.until(lambda: ed.prompts)
        assert "Loopwright is not set up" in ed.prompts[0].message
        assert [a.title for a in ed.prompts[0].actions or []] == ["Set up Loopwright"]
        await expect_error(ed.request("loopwright/state"), REQUEST_FAILED,
                           "Loopwright is not set up", "Set up Loopwright")
    assert not (root / ".loopwright").exists()

    def accept(p: types.ShowMessageRequestParams) -> str | None:
        return "Set up Loopwright" if "not set up" in p.message else None

    async with editor_on(root, on_prompt=accept) as ed:
        await ed.until(lambda: ed.prompts)
        # Asked at once after Set up: it waits for the loop instead of failing.
        state = await ed.request("loopwright/state")
        assert state["hostedManager"] is True
        assert [(r["ok"], "not set up" in r["problem"]) for r in ed.ready] == [
            (False, True), (True, False)]
        state = await ed.request("loopwright/state")
        assert state["hostedManager"] is True
        assert state["sessions"] == []
    assert (root / ".loopwright" / "config.toml").exists()


async def test_a_folder_that_is_not_a_repository_is_explained(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    async with editor_on(folder) as ed:
        await expect_error(ed.request("loopwright/state"), REQUEST_FAILED,
                           "is not inside a git repository")
        assert any("git repository" in m.message for m in ed.client.messages)


# --- attaching to a running manager -------------------------------------------------


async def test_attaches_to_a_manager_already_running_instead_of_hosting_one(
        make_repo: MakeRepo) -> None:
    root = make_repo()
    project = set_up(root)
    runner = subprocess.Popen([sys.executable, "-m", "loopwright", "-C", str(root), "run"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while holder_pid(project.lock_path) != runner.pid:
            assert runner.poll() is None, runner.stderr.read() if runner.stderr else ""
            assert time.monotonic() < deadline, "the manager did not take the lock"
            await asyncio.sleep(0.05)
        async with editor_on(root) as ed:
            await ed.until(lambda: "attached to the Loopwright manager" in ed.logs())
            state = await ed.request("loopwright/state")
            assert state["hostedManager"] is False
            assert state["managerPid"] == runner.pid
            # The terminal's manager does the work; the editor sees it happen.
            await ed.request("loopwright/dispatch", {"title": "Add b", "body": script(
                {"write": "b.txt", "content": "b\n"}, {"finish": "added"})})
            await ed.until(lambda: (r := ed.session_row("add-b"))
                           and r["state"] == "awaiting_approval")
            assert ed.changes[-1]["hostedManager"] is False
        assert runner.poll() is None, "closing the editor must not stop the loop"
        assert holder_pid(project.lock_path) == runner.pid
        store = Store(project.db_path)
        started = [r.event for r in store.read_after(0)
                   if type(r.event).__name__ == "ManagerStarted"]
        store.close()
        assert [e.pid for e in started] == [runner.pid]  # type: ignore[union-attr]
    finally:
        runner.terminate()
        runner.wait(20)


async def test_a_terminated_server_stops_its_manager_cleanly_and_exits(
        make_repo: MakeRepo) -> None:
    root = make_repo()
    project = set_up(root)
    made: list[Editor] = []
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "loopwright", "serve"],
        client_factory=_client_factory(made), server_env=dict(os.environ))
    client = await config.start()
    assert isinstance(client, LanguageClient)
    await client.initialize_session(types.InitializeParams(
        capabilities=CAPABILITIES, root_uri=root.as_uri()))
    ed = made[0]
    await ed.until(lambda: "hosting the Loopwright manager" in ed.logs())
    assert client._server is not None
    client._server.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(client._server.wait(), 20) == 0
    await client.stop()
    assert holder_pid(project.lock_path) is None
    store = Store(project.db_path)
    last = store.read_after(0)[-1].event
    store.close()
    assert type(last).__name__ == "ManagerStopped"
