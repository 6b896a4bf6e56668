"""What a Claude Code run spent, from its stream-json messages, as the worker's replies.
The messages are shaped as the bundled CLI (2.1) sends them: an assistant message's
usage is its response's start (output_tokens 1), once per content block."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loopwright import events as ev
from loopwright.config.workers import DEFAULT_PRICES, ModelPrice
from loopwright.workers.claude_code_usage import Tally, shortened

SONNET = "claude-sonnet-4-6"
PRICES = {SONNET: DEFAULT_PRICES[SONNET]}
FIRST = {"input_tokens": 1000, "output_tokens": 1, "cache_creation_input_tokens": 200,
         "cache_read_input_tokens": 300}
LAST = {"input_tokens": 1100, "output_tokens": 1, "cache_creation_input_tokens": 10,
        "cache_read_input_tokens": 500}


def model_usage(i: int, o: int, w: int, r: int, cost: float) -> dict[str, Any]:
    return {"inputTokens": i, "outputTokens": o, "cacheCreationInputTokens": w,
            "cacheReadInputTokens": r, "webSearchRequests": 0, "costUSD": cost,
            "contextWindow": 200000, "maxOutputTokens": 32000}


def tally(prices: dict[str, ModelPrice] = PRICES) -> Tally:
    return Tally(prices, session_id="s-1", task_id="t-1", model=SONNET, started=0.0)


def tokens(replies: list[ev.ModelReplied]) -> tuple[int, int, int, int]:
    return (sum(r.input_tokens for r in replies), sum(r.output_tokens for r in replies),
            sum(r.cache_write_tokens for r in replies),
            sum(r.cache_read_tokens for r in replies))


def two_calls(t: Tally, model: str = SONNET) -> list[ev.ModelReplied]:
    """A text block and a tool call in one response, then a last response."""
    replies = t.seen("msg_1", model, FIRST, None, 1.0)
    replies += t.seen("msg_1", model, FIRST, None, 1.1)
    assert replies == []  # the first response is still streaming
    replies += t.seen("msg_2", model, LAST, None, 2.0)
    return replies


def test_a_response_counts_once_when_the_next_arrives_and_the_result_makes_it_exact() -> None:
    t = tally()
    live = two_calls(t)
    [first] = live  # the first call counts while the run goes on: input and cache exact
    assert (first.input_tokens, first.cache_write_tokens, first.cache_read_tokens) == (
        1000, 200, 300)
    assert first.agent == "worker" and first.session_id == "s-1" and first.model == SONNET
    end = t.ended({SONNET: model_usage(2100, 70, 210, 800, 99.0)}, None,
                  "result_success", 3.0)
    replies = live + end
    assert len(replies) == 2  # one reply per model call: the session's turns
    assert tokens(replies) == (2100, 70, 210, 800)  # the result's totals, exactly
    assert sum(r.cost_usd for r in replies) == pytest.approx(
        PRICES[SONNET].dollars(2100, 70, 210, 800), abs=1e-5)  # not Claude Code's $99
    assert end[0].stop_reason == "result_success"
    assert sum(r.seconds for r in replies) == pytest.approx(3.0)


def test_a_model_without_a_price_costs_what_claude_code_reported() -> None:
    t = tally(prices={})
    replies = two_calls(t) + t.ended({SONNET: model_usage(2100, 70, 210, 800, 0.0083775)},
                                     None, "result_success", 3.0)
    assert tokens(replies) == (2100, 70, 210, 800)
    assert sum(r.cost_usd for r in replies) == pytest.approx(0.0083775, abs=1e-6)


def test_a_dated_snapshot_is_the_model_the_result_names_and_priced_as_it() -> None:
    t = tally()
    replies = two_calls(t, model=f"{SONNET}-20260101")
    replies += t.ended({SONNET: model_usage(2100, 70, 210, 800, 0.01)}, None,
                       "result_success", 3.0)
    assert tokens(replies) == (2100, 70, 210, 800)  # not counted twice under two names
    assert sum(r.cost_usd for r in replies) == pytest.approx(
        PRICES[SONNET].dollars(2100, 70, 210, 800), abs=1e-5)


def test_a_side_model_seen_only_in_the_result_is_a_reply_of_its_own() -> None:
    t = tally(prices={})
    replies = two_calls(t) + t.ended(
        {SONNET: model_usage(2100, 70, 210, 800, 0.008),
         "claude-haiku-4-5": model_usage(40, 10, 0, 0, 0.0001)}, None, "result_success", 3.0)
    assert {r.model for r in replies} == {SONNET, "claude-haiku-4-5"}
    assert tokens(replies) == (2140, 80, 210, 800)
    assert sum(r.cost_usd for r in replies) == pytest.approx(0.0081, abs=1e-6)


def test_a_run_cut_short_keeps_what_it_showed() -> None:
    t = tally()
    replies = two_calls(t) + t.cut_short(5.0)
    assert tokens(replies) == (2100, 2, 210, 800)
    assert replies[-1].stop_reason == "cut_short"
    assert t.cut_short(6.0) == []  # nothing twice


def test_a_result_with_only_its_usage_tops_up_the_run_s_model() -> None:
    t = tally()
    replies = two_calls(t) + t.ended(None, {
        "input_tokens": 2100, "output_tokens": 70, "cache_creation_input_tokens": 210,
        "cache_read_input_tokens": 800}, "result_success", 3.0)
    assert tokens(replies) == (2100, 70, 210, 800) and len(replies) == 2


def test_a_run_that_spent_nothing_records_nothing() -> None:
    t = tally()
    assert t.seen(None, SONNET, None, None, 1.0) == []
    assert t.ended({}, None, "result_success", 2.0) == []


def test_time_blocked_on_the_human_is_no_reply_s() -> None:
    t = tally()
    replies = t.seen("msg_1", SONNET, FIRST, None, 1.0)
    t.waited(60.0)  # a permission Decision answered a minute later
    replies += t.seen("msg_2", SONNET, LAST, None, 63.0)
    replies += t.ended(None, None, "result_success", 64.0)
    assert [r.seconds for r in replies] == [3.0, 1.0]  # 63 - 60 since the start, then 64 - 63


def test_responses_of_parallel_subagents_interleaved_count_once_each() -> None:
    t = tally()
    replies = []
    for message_id in ("msg_a", "msg_b", "msg_a", "msg_b", "msg_c"):  # block by block
        replies += t.seen(message_id, SONNET, FIRST, None, 1.0)
    replies += t.cut_short(2.0)
    assert len(replies) == 3 and tokens(replies)[0] == 3 * FIRST["input_tokens"]


def test_a_provider_s_model_id_in_the_result_is_matched_by_its_canonical_model() -> None:
    t = tally()
    replies = two_calls(t)
    entry = {**model_usage(2100, 70, 210, 800, 0.01), "canonicalModel": SONNET}
    replies += t.ended({f"us.anthropic.{SONNET}-v1:0": entry}, None, "result_success", 3.0)
    assert tokens(replies) == (2100, 70, 210, 800) and len(replies) == 2


def test_a_reply_records_what_the_response_said_shortened() -> None:
    t = tally()
    t.seen("msg_1", SONNET, FIRST, None, 1.0, [shortened({"type": "text", "text": "On it."})])
    write = {"type": "tool_use", "id": "tu_1", "name": "Write", "input": {
        "file_path": "big.txt", "content": "x" * 10_000, "edits": [{"old": "a"}]}}
    [reply] = t.seen("msg_2", SONNET, LAST, None, 2.0)  # closes msg_1 with nothing new
    assert json.loads(reply.content) == [{"type": "text", "text": "On it."}]
    [last] = t.cut_short(3.0)
    assert last.content == ""  # msg_2 said nothing the test gave it
    assert shortened(write) == {"type": "tool_use", "name": "Write", "input": {
        "file_path": "big.txt", "content": "x" * 200}}
    assert shortened({"type": "thinking", "thinking": "hm"}) is None
