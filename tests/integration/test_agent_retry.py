"""Model calls survive 429, 5xx, 529 and broken streams, and fail clearly past the limit."""

from __future__ import annotations

from typing import Any

import pytest

from loopwright.agent.model import ModelUnavailable, call_model, make_client
from loopwright.agent.retry import Failure, RetryPolicy
from loopwright.config import AgentConfig
from loopwright.testing.fake_api import FakeMessagesAPI, Fault, Script

PARAMS: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 64,
                          "messages": [{"role": "user", "content": "hi"}]}
FAST = RetryPolicy(max_retries=3, base_seconds=0.01, max_seconds=5.0)


async def call(api: FakeMessagesAPI, policy: RetryPolicy = FAST, timeout: float = 5.0,
               ) -> tuple[str, list[tuple[int, str, float]]]:
    retries: list[tuple[int, str, float]] = []

    async def on_retry(attempt: int, failure: Failure, wait: float) -> None:
        retries.append((attempt, failure.kind, wait))

    client = make_client(AgentConfig(request_timeout_seconds=timeout))
    try:
        message, _ = await call_model(client, PARAMS, policy, on_retry)
    finally:
        await client.close()
    block = message.content[0]
    assert block.type == "text"
    return block.text, retries


async def test_a_rate_limit_waits_exactly_what_the_server_asks(
    fake_api: FakeMessagesAPI,
) -> None:
    fake_api.add_script(Script(["Hello."]))
    fake_api.inject(Fault.rate_limited(retry_after=0.02), times=2)
    text, retries = await call(fake_api)
    assert text == "Hello."
    assert retries == [(1, "rate_limited", 0.02), (2, "rate_limited", 0.02)]
    assert len(fake_api.requests) == 3


async def test_a_retry_after_longer_than_the_cap_waits_the_cap(
    fake_api: FakeMessagesAPI,
) -> None:
    fake_api.add_script(Script(["Hello."]))
    fake_api.inject(Fault.rate_limited(retry_after=3600))
    _, retries = await call(fake_api, RetryPolicy(max_retries=1, max_seconds=0.05))
    assert retries == [(1, "rate_limited", 0.05)]


@pytest.mark.parametrize(("fault", "kind"), [
    (Fault.overloaded(), "overloaded"),
    (Fault.server_error(), "server_error"),
    (Fault.stalled(), "stalled"),
    (Fault.malformed_event(), "broken_stream"),
    (Fault.dropped_connection(), "broken_stream"),
    (Fault.stream_error("overloaded_error", "Overloaded"), "overloaded_error"),
], ids=["529", "500", "stalled-stream", "malformed-event", "dropped-connection",
        "error-event"])
async def test_server_failures_and_broken_streams_are_retried_with_backoff(
    fake_api: FakeMessagesAPI, fault: Fault, kind: str,
) -> None:
    fake_api.add_script(Script(["Recovered."]))
    fake_api.inject(fault, times=2)
    text, retries = await call(fake_api, timeout=0.5)
    assert text == "Recovered."
    assert [(n, k) for n, k, _ in retries] == [(1, kind), (2, kind)]
    first, second = retries[0][2], retries[1][2]
    assert 0.0075 <= first <= 0.01 and 0.015 <= second <= 0.02  # doubling, less jitter


async def test_past_the_limit_the_failure_is_clear(fake_api: FakeMessagesAPI) -> None:
    fake_api.add_script(Script(["never"]))
    fake_api.inject(Fault.overloaded(retry_after=0.01), times=10)
    with pytest.raises(ModelUnavailable) as caught:
        await call(fake_api, RetryPolicy(max_retries=2, max_seconds=1.0))
    assert str(caught.value) == (
        "the model API failed after 3 attempts: overloaded: 529 overloaded_error: Overloaded")
    assert len(fake_api.requests) == 3


async def test_a_refused_request_is_not_retried(fake_api: FakeMessagesAPI) -> None:
    fake_api.add_script(Script(["never"]))
    fake_api.inject(Fault.status_error(400, "invalid_request_error", "max_tokens: too big"))
    with pytest.raises(ModelUnavailable, match="failed at once: refused: 400 "
                       "invalid_request_error: max_tokens: too big"):
        await call(fake_api)
    assert len(fake_api.requests) == 1


def test_backoff_doubles_and_stops_at_the_cap() -> None:
    policy = RetryPolicy(max_retries=10, base_seconds=1.0, max_seconds=8.0)
    failure = Failure("overloaded", True, "x")

    class NoJitter:
        def random(self) -> float:
            return 0.0

    waits = [policy.wait(n, failure, NoJitter()) for n in range(1, 7)]  # type: ignore[arg-type]
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
