"""The fake Messages API, driven by the real anthropic SDK over real HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from loopwright.testing.fake_api import (
    FakeMessagesAPI,
    Fault,
    Script,
    Turn,
    load_scripts,
    text_block,
    thinking_block,
)

USER_HI = [{"role": "user", "content": "hi"}]


def client(api: FakeMessagesAPI, *, retries: int = 0, timeout: float = 5.0) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=api.base_url, api_key="test-key", max_retries=retries, timeout=timeout
    )


def ask(c: anthropic.Anthropic, messages: list[dict[str, Any]] | None = None, **kw: Any) -> Any:
    return c.messages.create(
        model="claude-test", max_tokens=256, messages=messages or USER_HI, **kw
    )


def stream_final(
    c: anthropic.Anthropic, messages: list[dict[str, Any]] | None = None, **kw: Any
) -> Any:
    with c.messages.stream(
        model="claude-test", max_tokens=256, messages=messages or USER_HI, **kw
    ) as stream:
        return stream.get_final_message()


# -- replies ----------------------------------------------------------------------------


def test_plain_reply_comes_back_as_a_message() -> None:
    with FakeMessagesAPI(Script(["Hello there!"])) as api:
        message = ask(client(api))
    assert [b.type for b in message.content] == ["text"]
    assert message.content[0].text == "Hello there!"
    assert message.stop_reason == "end_turn"
    assert message.model == "claude-test"
    assert message.id.startswith("msg_")
    assert api.errors == []


def test_streamed_reply_arrives_in_pieces_and_as_a_final_message() -> None:
    text = "A reply long enough to be cut into several text deltas."
    with FakeMessagesAPI(Script([text]), chunk_chars=8) as api:
        c = client(api)
        with c.messages.stream(model="claude-test", max_tokens=256, messages=USER_HI) as stream:
            pieces = list(stream.text_stream)
            final = stream.get_final_message()
    assert len(pieces) > 3
    assert "".join(pieces) == text
    assert final.content[0].text == text
    assert final.stop_reason == "end_turn"
    assert api.last_request().body["stream"] is True


def test_raw_event_sequence_follows_the_api() -> None:
    turn = Turn([text_block("Looking."), {"type": "tool_use", "name": "ls", "input": {"p": "."}}])
    with FakeMessagesAPI(Script([turn])) as api:
        events = list(ask(client(api), stream=True))
    kinds = [e.type for e in events]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    assert kinds.count("content_block_start") == 2 == kinds.count("content_block_stop")
    deltas = {e.delta.type for e in events if e.type == "content_block_delta"}
    assert deltas == {"text_delta", "input_json_delta"}
    assert events[0].message.content == [] and events[0].message.stop_reason is None
    assert events[-2].delta.stop_reason == "tool_use"


def test_tool_use_round_trip_replies_to_the_tool_result() -> None:
    def echo_result(request: dict[str, Any]) -> Turn:
        result = request["messages"][-1]["content"][0]
        assert result["type"] == "tool_result"
        return Turn.text(f"The file says: {result['content']}")

    script = Script(
        [Turn.tool_use("read_file", {"path": "notes.md"}, text="Reading."), echo_result]
    )
    with FakeMessagesAPI(script) as api:
        c = client(api)
        first = stream_final(c)
        call = first.content[-1]
        assert first.stop_reason == "tool_use"
        assert (call.type, call.name, call.input) == ("tool_use", "read_file", {"path": "notes.md"})
        assert call.id.startswith("toolu_")
        history = [
            *USER_HI,
            {"role": "assistant", "content": [b.model_dump() for b in first.content]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "buy milk"}],
            },
        ]
        second = ask(c, history)
    assert second.content[0].text == "The file says: buy milk"
    assert api.last_request().messages[-1]["content"][0]["tool_use_id"] == call.id
    assert api.unfinished() == {}


def test_usage_and_cache_fields_reach_the_sdk() -> None:
    usage = {
        "input_tokens": 1200,
        "output_tokens": 34,
        "cache_creation_input_tokens": 1000,
        "cache_read_input_tokens": 50,
    }
    script = Script([Turn.text("cached", **usage), Turn.text("cached", **usage)])
    with FakeMessagesAPI(script) as api:
        c = client(api)
        for message in (ask(c), stream_final(c)):
            assert message.usage.input_tokens == 1200
            assert message.usage.output_tokens == 34
            assert message.usage.cache_creation_input_tokens == 1000
            assert message.usage.cache_read_input_tokens == 50


def test_count_tokens_agrees_with_the_default_input_usage() -> None:
    system = "You are a careful worker."
    with FakeMessagesAPI(Script(["ok"])) as api:
        c = client(api)
        counted = c.messages.count_tokens(model="claude-test", system=system, messages=USER_HI)
        message = ask(c, system=system)
    assert counted.input_tokens > 0
    assert counted.input_tokens == message.usage.input_tokens
    assert api.remaining() == 0  # counting used no turn


def test_thinking_and_max_tokens_turns() -> None:
    thought = Turn([thinking_block("Let me think it through."), text_block("Answer")])
    cut = Turn.text("This answer was cut", stop_reason="max_tokens")
    with FakeMessagesAPI(Script([thought, cut])) as api:
        c = client(api)
        first = stream_final(c)
        second = ask(c)
    assert [b.type for b in first.content] == ["thinking", "text"]
    assert first.content[0].thinking == "Let me think it through."
    assert first.content[0].signature
    assert second.stop_reason == "max_tokens"


async def test_async_client_streams_and_creates() -> None:
    async with FakeMessagesAPI(Script(["one", "two"])) as api:
        c = anthropic.AsyncAnthropic(base_url=api.base_url, api_key="test-key", max_retries=0)
        async with c.messages.stream(model="m", max_tokens=10, messages=USER_HI) as stream:
            first = await stream.get_final_message()
        second = await c.messages.create(model="m", max_tokens=10, messages=USER_HI)
        await c.close()
    assert (first.content[0].text, second.content[0].text) == ("one", "two")


# -- routing ----------------------------------------------------------------------------


async def test_two_agents_at_once_are_routed_to_their_own_scripts() -> None:
    worker = Script(
        [f"worker turn {i}" for i in range(3)], name="worker", system_contains="You are the worker"
    )
    reviewer = Script([f"review turn {i}" for i in range(3)], name="reviewer", user_id="session-2")
    async with FakeMessagesAPI(worker, reviewer, Script(["stray"])) as api:
        c = anthropic.AsyncAnthropic(base_url=api.base_url, api_key="test-key", max_retries=0)

        async def converse(**kw: Any) -> list[str]:
            replies = []
            for _ in range(3):
                message = await c.messages.create(model="m", max_tokens=10, messages=USER_HI, **kw)
                replies.append(message.content[0].text)
            return replies

        worker_replies, reviewer_replies = await asyncio.gather(
            converse(system="You are the worker. Fix the bug."),
            converse(system="You review diffs.", metadata={"user_id": "session-2"}),
        )
        stray = await c.messages.create(model="m", max_tokens=10, messages=USER_HI)
        await c.close()
    assert worker_replies == ["worker turn 0", "worker turn 1", "worker turn 2"]
    assert reviewer_replies == ["review turn 0", "review turn 1", "review turn 2"]
    assert stray.content[0].text == "stray"
    assert len(api.requests_for("worker")) == 3 == len(api.requests_for("reviewer"))
    assert api.last_request("reviewer").body["metadata"] == {"user_id": "session-2"}


def test_a_request_no_script_claims_fails_loudly() -> None:
    api = FakeMessagesAPI(Script(["x"], name="worker", user_id="w"))
    with api, pytest.raises(anthropic.InternalServerError, match="no script matches"):
        ask(client(api, retries=2))
    assert len(api.requests) == 1  # x-should-retry: false stops the SDK retrying
    assert api.errors


def test_an_exhausted_script_fails_loudly_without_retries() -> None:
    with FakeMessagesAPI(Script(["only one"])) as api:
        c = client(api, retries=2)
        ask(c)
        with pytest.raises(anthropic.InternalServerError, match="exhausted") as caught:
            ask(c, [{"role": "user", "content": "and another thing"}])
    assert caught.value.status_code == 500
    assert "and another thing" in str(caught.value)
    assert len(api.requests) == 2
    assert any("exhausted" in e for e in api.errors)


def test_a_responder_that_raises_is_reported() -> None:
    def broken(request: dict[str, Any]) -> str:
        raise KeyError("tool_result")

    api = FakeMessagesAPI(Script([broken]))
    with api, pytest.raises(anthropic.InternalServerError, match="responder"):
        ask(client(api, retries=1))
    assert len(api.requests) == 1


# -- faults -----------------------------------------------------------------------------


def test_rate_limit_is_retried_after_retry_after() -> None:
    with FakeMessagesAPI(Script(["after the wait"])) as api:
        api.inject(Fault.rate_limited(retry_after=0.2))
        started = time.monotonic()
        message = ask(client(api, retries=2))
        waited = time.monotonic() - started
    assert message.content[0].text == "after the wait"
    assert [r.header("x-stainless-retry-count") for r in api.requests] == ["0", "1"]
    assert 0.2 <= waited < 2


def test_overloaded_until_retries_run_out_raises_overloaded_error() -> None:
    with FakeMessagesAPI(Script(["never reached"])) as api:
        api.inject(Fault.overloaded(retry_after=0.01), times=3)
        with pytest.raises(anthropic.OverloadedError) as caught:
            ask(client(api, retries=2))
    error = caught.value
    assert isinstance(error, anthropic.InternalServerError)
    assert (error.status_code, error.type) == (529, "overloaded_error")
    assert error.request_id and error.request_id.startswith("req_")
    assert len(api.requests) == 3
    assert api.remaining() == 1  # faults use up no turns
    assert api.errors == []  # injected faults are not errors


def test_faults_queue_per_conversation() -> None:
    a = Script(["a reply"], name="a", user_id="a")
    b = Script(["b reply"], name="b", user_id="b")
    with FakeMessagesAPI(a, b) as api:
        api.inject(Fault.server_error(), conversation="b")
        c = client(api)
        assert ask(c, metadata={"user_id": "a"}).content[0].text == "a reply"
        with pytest.raises(anthropic.InternalServerError):
            ask(c, metadata={"user_id": "b"})
        assert ask(c, metadata={"user_id": "b"}).content[0].text == "b reply"


def test_inline_fault_in_a_script_takes_a_step() -> None:
    script = Script([Fault.rate_limited(retry_after=0.01), "then fine"])
    with FakeMessagesAPI(script) as api:
        assert ask(client(api, retries=1)).content[0].text == "then fine"
    assert len(api.requests) == 2


def test_stalled_stream_times_out_in_the_client() -> None:
    with FakeMessagesAPI(Script(["unused"])) as api:
        api.inject(Fault.stalled())
        started = time.monotonic()
        # the stream body is read outside the SDK's retry loop: the raw httpx2 timeout
        with pytest.raises(httpx2.TimeoutException):
            stream_final(client(api, retries=2, timeout=0.3))
        assert time.monotonic() - started < 2
        assert len(api.requests) == 1


def test_stalled_non_streaming_request_is_retried_by_the_sdk() -> None:
    with FakeMessagesAPI(Script(["second attempt"])) as api:
        api.inject(Fault.stalled())
        message = ask(client(api, retries=1, timeout=0.3))
    assert message.content[0].text == "second attempt"
    assert len(api.requests) == 2


def test_stalled_stream_does_not_wedge_shutdown() -> None:
    api = FakeMessagesAPI(Script(["unused"])).start()
    api.inject(Fault.stalled())
    outcome: list[BaseException] = []

    def patient_client() -> None:
        try:
            stream_final(client(api, timeout=60))
        except BaseException as err:  # noqa: BLE001 - the test inspects whatever ended it
            outcome.append(err)

    thread = threading.Thread(target=patient_client)
    thread.start()
    while not api.requests:
        time.sleep(0.01)
    started = time.monotonic()
    api.stop()
    assert time.monotonic() - started < 1
    thread.join(5)
    assert not thread.is_alive()
    assert outcome and isinstance(outcome[0], httpx2.TransportError)


def test_malformed_event_breaks_the_stream() -> None:
    with FakeMessagesAPI(Script(["unused"])) as api:
        api.inject(Fault.malformed_event())
        with pytest.raises(json.JSONDecodeError):
            stream_final(client(api))


def test_connection_dropped_mid_stream() -> None:
    with FakeMessagesAPI(Script(["unused"])) as api:
        api.inject(Fault.dropped_connection())
        with pytest.raises(httpx2.RemoteProtocolError):
            stream_final(client(api, retries=2))
        assert len(api.requests) == 1


def test_error_event_mid_stream_raises_status_error() -> None:
    with FakeMessagesAPI(Script(["unused"])) as api:
        api.inject(Fault.stream_error())
        with pytest.raises(anthropic.APIStatusError) as caught:
            stream_final(client(api))
    assert caught.value.type == "overloaded_error"


# -- checks and records -----------------------------------------------------------------


def test_requests_are_recorded_with_bearer_auth() -> None:
    with FakeMessagesAPI(Script(["ok"])) as api:
        ask(
            client(api),
            system="Be brief.",
            tools=[{"name": "ls", "input_schema": {"type": "object"}}],
        )
    request = api.last_request()
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.header("Authorization") == "Bearer test-key"
    assert request.header("anthropic-version")
    assert request.system == "Be brief."
    assert request.body["tools"][0]["name"] == "ls"
    assert request.messages == USER_HI
    assert request.conversation == "default"


def test_sdk_configured_from_the_environment_reaches_the_fake(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeMessagesAPI(Script(["from env"])) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key")
        monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
        message = ask(anthropic.Anthropic(max_retries=0))
    assert message.content[0].text == "from env"
    assert api.last_request().header("authorization") == "Bearer env-key"


def test_messages_the_real_api_would_refuse_get_400() -> None:
    dangling_tool_use = [
        *USER_HI,
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "ls", "input": {}}],
        },
        {"role": "user", "content": "forgot the tool result"},
    ]
    with FakeMessagesAPI(Script(["unused"])) as api:
        c = client(api)
        with pytest.raises(anthropic.BadRequestError, match="without `tool_result`"):
            ask(c, dangling_tool_use)
        with pytest.raises(anthropic.BadRequestError, match="alternate"):
            ask(c, [*USER_HI, *USER_HI])
        with pytest.raises(anthropic.BadRequestError, match="last message"):
            ask(c, [*USER_HI, {"role": "assistant", "content": "prefill"}])
    assert api.remaining() == 1
    assert len(api.errors) == 3


def post(api: FakeMessagesAPI, headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        api.base_url + "/v1/messages", json.dumps(body).encode(), headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def test_missing_auth_version_or_fields_are_refused_like_the_api() -> None:
    body = {"model": "m", "max_tokens": 5, "messages": USER_HI}
    auth = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    with FakeMessagesAPI(Script(["ok"])) as api:
        assert post(api, {"anthropic-version": "2023-06-01"}, body)[0] == 401
        status, error = post(api, {"x-api-key": "k"}, body)
        assert status == 400
        assert error["type"] == "error"
        assert error["error"]["type"] == "invalid_request_error"
        assert "anthropic-version" in error["error"]["message"]
        assert post(api, auth, {"model": "m", "messages": USER_HI})[0] == 400
        status, message = post(api, auth, body)
    assert status == 200 and message["content"][0]["text"] == "ok"


# -- script files and the CLI -----------------------------------------------------------

SCRIPT_FILE = {
    "conversations": [
        {
            "name": "reviewer",
            "system_contains": "You review",
            "turns": [
                {"fault": "overloaded", "retry_after": 0.01},
                {
                    "content": [{"type": "text", "text": "Looks good."}],
                    "usage": {"cache_read_input_tokens": 7},
                },
            ],
        },
        {
            "name": "worker",
            "turns": [
                {"content": [{"type": "tool_use", "name": "run", "input": {"cmd": "pytest"}}]},
                "All tests pass.",
            ],
        },
    ]
}


def test_script_file_format_drives_a_conversation() -> None:
    with FakeMessagesAPI(*load_scripts(SCRIPT_FILE)) as api:
        c = client(api, retries=1)
        review = ask(c, system="You review diffs.")
        call = ask(c).content[0]
    assert review.content[0].text == "Looks good."
    assert review.usage.cache_read_input_tokens == 7
    assert (call.name, call.input) == ("run", {"cmd": "pytest"})
    assert api.unfinished() == {"worker": 1}


def test_bad_script_files_are_rejected_with_a_reason() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        load_scripts([{"fault": "gremlins"}])
    with pytest.raises(ValueError, match="conversations\\[0\\]"):
        load_scripts({"conversations": [{"turns": [{"content": [{"type": "image"}]}]}]})


@pytest.mark.slow
def test_cli_serves_a_script_file(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(["Hello from the CLI."]))
    process = subprocess.Popen(
        [sys.executable, "-m", "loopwright.testing.fake_api", "--port", "0",
         "--script", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        c = anthropic.Anthropic(base_url=base_url, api_key="test-key", max_retries=0)
        message = ask(c)
        assert message.content[0].text == "Hello from the CLI."
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "POST /v1/messages" in stderr
