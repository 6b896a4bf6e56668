"""The built-in `claude` worker of a session on a real Ray cluster: its loop (the model
calls, with the key) here, its tools on a node. The file it writes is written there, its
command runs there, and its change comes back and lands; the key never leaves."""

from __future__ import annotations

import pytest

from helpers.agent import API_KEY, agent_toml, tool_results
from helpers.git import MakeRepo
from helpers.loop import Running, configure, init
from loopwright import events as ev
from loopwright.state import SessionState
from loopwright.testing.fake_api import FakeMessagesAPI, Script, Turn

from .conftest import Nodes

# Run on the node: the first process up from the command that has the node's folder in
# its environment is the session's actor; what of the key does it hold?
WHOSE_ENV = """\
import os, sys
key = sys.argv[1].encode()
pid = os.getppid()
while pid > 1:
    env = open(f"/proc/{pid}/environ", "rb").read().split(b"\\0")
    found = dict(e.split(b"=", 1) for e in env if b"=" in e)
    if b"LOOPWRIGHT_NODE_DIR" in found:
        print("actor in", found[b"LOOPWRIGHT_NODE_DIR"].decode())
        print("key name:", any(b"ANTHROPIC" in n for n in found))
        print("key value:", any(key in v for v in found.values()))
        break
    pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
print("tree in", os.getcwd())
"""
REPO = {"README.md": "# sample\n", "Makefile": "test:\n\t@test -f hello.txt\n",
        "whose_env.py": WHOSE_ENV}


@pytest.mark.timeout(300)
async def test_a_claude_session_on_a_node_runs_its_tools_there_and_keeps_the_key_here(
        make_repo: MakeRepo, two_nodes: Nodes, fake_api: FakeMessagesAPI) -> None:
    root = make_repo(REPO)
    project = init(root)
    configure(project, '[manager]\ndefault_backend = "claude"\n' + agent_toml(rest=(
        f'[compute]\nengine = "ray"\naddress = "{two_nodes.address}"\n'
        'remote = ["sessions"]\nresources = { num_cpus = 1 }\n')))
    fake_api.add_script(Script([
        Turn.tool_use("read_file", {"path": "README.md"}),
        Turn.tool_use("write_file", {"path": "hello.txt", "content": "hello\n"}),
        Turn.tool_use("run_command", {"command": f"python3 whose_env.py {API_KEY}"}),
        Turn.tool_use("edit_file", {"path": "hello.txt", "old": "nope", "new": "x"}),
        Turn.tool_use("finish", {"summary": "Said hello."}),
    ], name="worker", system_contains="You are the worker"))
    (project.inbox / "hello.md").write_text("# Say hello\n\nWrite hello.txt.\n")
    async with Running(project) as run:
        st = await run.until(lambda st: bool(st.sessions) and all(
            s.state == SessionState.LANDED for s in st.sessions.values()), timeout=240)
        [ran] = run.events(ev.CommandRan)
        acted = run.events(ev.WorkerActed)
    [s] = st.sessions.values()
    assert (root / "hello.txt").read_text() == "hello\n"
    assert "(node " in s.node
    # the command ran in the session's tree on a node, under the actor, which has no key
    out = ran.output_tail  # type: ignore[union-attr]
    folders = [str(f) for f in two_nodes.folders.values()]
    actor_in = next(line for line in out.splitlines() if line.startswith("actor in "))
    assert actor_in.removeprefix("actor in ") in folders, out
    tree_in = next(line for line in out.splitlines() if line.startswith("tree in "))
    assert any(tree_in.removeprefix("tree in ").startswith(f) for f in folders), out
    assert "key name: False" in out and "key value: False" in out, out
    # the model was asked from here, with the key; it read what the node's tools said
    requests = fake_api.requests_for("worker")
    assert len(requests) == 5 and all(
        r.header("authorization") == f"Bearer {API_KEY}" for r in requests)
    assert "# sample" in tool_results(requests[1])[0]["content"]
    edit = tool_results(requests[4])[0]
    assert edit.get("is_error") and "not found" in edit["content"], edit
    assert [getattr(e, "action", "") for e in acted][:2] == ["read_file", "write_file"]
    assert fake_api.errors == []


@pytest.mark.timeout(600)
async def test_a_claude_session_whose_node_is_lost_goes_on_from_its_checkpoint(
        make_repo: MakeRepo, two_nodes: Nodes, fake_api: FakeMessagesAPI) -> None:
    root = make_repo(REPO)
    project = init(root)
    configure(project, '[manager]\ndefault_backend = "claude"\n' + agent_toml(rest=(
        f'[compute]\nengine = "ray"\naddress = "{two_nodes.address}"\n'
        'remote = ["sessions"]\nresources = { num_cpus = 1 }\n')))
    fake_api.add_script(Script([
        Turn.tool_use("write_file", {"path": "hello.txt", "content": "hello\n"}),
        Turn.tool_use("run_command", {"command": "sleep 8"}),
        Turn.tool_use("write_file", {"path": "second.txt", "content": "2\n"}),
        Turn.tool_use("finish", {"summary": "Both files."}),
    ], name="worker", system_contains="You are the worker"))
    (project.inbox / "hello.md").write_text("# Say hello\n\nWrite hello.txt.\n")
    async with Running(project) as run:
        st = await run.until(lambda st: any(
            s.checkpoint_steps >= 1 and s.node for s in st.sessions.values()), timeout=180)
        [s] = st.sessions.values()
        node_id = next(nid for nid in two_nodes.workers if nid[:8] in s.node)
        two_nodes.remove(node_id)  # while its `sleep 8` runs there
        st = await run.until(lambda st: all(
            s.state == SessionState.LANDED for s in st.sessions.values()), timeout=400)
        acted = run.events(ev.WorkerActed)
        resumed = run.events(ev.SessionResumed)
    [s] = st.sessions.values()
    assert node_id[:8] not in s.node
    assert any("its node was lost" in e.reason for e in resumed), resumed  # type: ignore[union-attr]
    # the file written before the checkpoint is there, and was written once; the
    # conversation went on where it was: the model was asked each turn once
    assert (root / "hello.txt").read_text() == "hello\n" and (root / "second.txt").exists()
    assert [getattr(e, "detail", "") for e in acted].count("hello.txt") == 1, acted
    assert len(fake_api.requests_for("worker")) == 4 and fake_api.errors == []
