"""Which model API failures are worth another try, and how long to wait: policy as data.

The SDK's own retries are off (`max_retries=0`): once a stream has started it neither
wraps nor retries errors (a stall is a raw `httpx2.ReadTimeout`, a cut connection a
`RemoteProtocolError`, a bad event a `JSONDecodeError`), so one policy here covers a
refused request and a reply that broke halfway alike.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import anthropic
import httpx2

# Error types the API sends (as a status or as an `error` event mid-stream) that pass.
RETRYABLE_TYPES = frozenset({"overloaded_error", "api_error", "rate_limit_error",
                             "timeout_error"})
RETRYABLE_STATUS = frozenset({408, 409, 429})  # and every status from 500 up


@dataclass(frozen=True)
class Failure:
    """One failed attempt, as the human will read it."""

    kind: str  # rate_limited | overloaded | server_error | stalled | broken_stream | ...
    retry: bool
    detail: str
    retry_after: float | None = None  # what the server asked for, in seconds

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 6
    base_seconds: float = 1.0
    max_seconds: float = 60.0

    def wait(self, attempt: int, failure: Failure, rng: random.Random | None = None) -> float:
        """Seconds before retry number `attempt` (from 1): the server's `retry-after`
        when it gave one, else exponential backoff less up to 25% jitter; never more
        than `max_seconds`."""
        if failure.retry_after is not None and failure.retry_after > 0:
            return min(failure.retry_after, self.max_seconds)
        backoff = min(self.max_seconds, self.base_seconds * 2.0 ** (attempt - 1))
        jitter = rng.random() if rng is not None else random.random()
        return backoff * (1 - 0.25 * jitter)


def classify(error: BaseException) -> Failure | None:
    """What went wrong with a model call; None when `error` is not about the API."""
    if isinstance(error, anthropic.APIStatusError):
        return _status_failure(error)
    if isinstance(error, anthropic.APITimeoutError | httpx2.TimeoutException):
        return Failure("stalled", True, "no answer within the request timeout")
    if isinstance(error, anthropic.APIConnectionError | httpx2.TransportError):
        return Failure("broken_stream", True, f"the connection failed: {error}")
    if isinstance(error, json.JSONDecodeError):
        return Failure("broken_stream", True, f"a streamed event was not valid JSON: {error}")
    if isinstance(error, TypeError) and "authentication method" in str(error):
        return Failure("no_credentials", False,
                       "no API key: set ANTHROPIC_API_KEY (see docs/agents.md)")
    return None


def _status_failure(error: anthropic.APIStatusError) -> Failure:
    status, kind = error.status_code, error.type or ""
    message = error.api_message or str(error)
    retry_after = _retry_after(error.response.headers)
    if status == 200:  # an `error` event in the middle of a stream
        return Failure(kind or "stream_error", kind in RETRYABLE_TYPES,
                       f"the reply broke off: {message}", retry_after)
    retry = status in RETRYABLE_STATUS or status >= 500
    name = {429: "rate_limited", 529: "overloaded"}.get(status, "server_error"
                                                         if status >= 500 else "refused")
    return Failure(name, retry, f"{status} {kind or 'error'}: {message}", retry_after)


def _retry_after(headers: httpx2.Headers) -> float | None:
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / scale
        except ValueError:
            return None  # an HTTP date: fall back to backoff
    return None
