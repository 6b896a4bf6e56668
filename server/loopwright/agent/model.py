"""Calling the model: one streamed request, retried on the failures `retry` allows."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anthropic
import httpx2
from anthropic.types.beta import BetaMessage

from ..config import AgentConfig
from . import sdk_warm_up
from .retry import Failure, RetryPolicy, classify

log = logging.getLogger(__name__)

OnRetry = Callable[[int, Failure, float], Awaitable[None]]


class ModelUnavailable(Exception):
    """The model API failed and retrying did not help (or could not)."""

    def __init__(self, failure: Failure, attempts: int) -> None:
        tries = f"after {attempts} attempts" if attempts > 1 else "at once"
        super().__init__(f"the model API failed {tries}: {failure}")
        self.failure, self.attempts = failure, attempts


def make_client(config: AgentConfig) -> anthropic.AsyncAnthropic:
    """The real SDK client. The key and the endpoint come from the environment
    (`ANTHROPIC_API_KEY`, optional `ANTHROPIC_BASE_URL`), as the SDK reads them."""
    timeout = httpx2.Timeout(config.request_timeout_seconds,
                             connect=min(10.0, config.request_timeout_seconds))
    return anthropic.AsyncAnthropic(max_retries=0, timeout=timeout)


def policy_of(config: AgentConfig) -> RetryPolicy:
    return RetryPolicy(max_retries=config.max_retries,
                       base_seconds=min(1.0, config.retry_max_seconds),
                       max_seconds=config.retry_max_seconds)


async def call_model(
    client: anthropic.AsyncAnthropic, params: dict[str, Any], policy: RetryPolicy,
    on_retry: OnRetry | None = None,
) -> tuple[BetaMessage, float]:
    """The final message of one streamed request, and the seconds it took (retries
    included). Raises `ModelUnavailable` when the failures outlast the policy.
    The process's first call waits for the SDK's warm-up (in a thread) rather than doing
    its schema building here, on the event loop."""
    await sdk_warm_up.warmed()
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            async with client.beta.messages.stream(**params) as stream:
                message = await stream.get_final_message()
            return message, time.monotonic() - started
        except asyncio.CancelledError:
            raise
        except Exception as error:
            failure = classify(error)
            if failure is None:
                raise
            if not failure.retry or attempt >= policy.max_retries:
                raise ModelUnavailable(failure, attempt + 1) from error
            attempt += 1
            wait = policy.wait(attempt, failure)
            log.info("model call failed (%s); retry %d in %.2fs", failure, attempt, wait)
            if on_retry is not None:
                await on_retry(attempt, failure, wait)
            await asyncio.sleep(wait)
