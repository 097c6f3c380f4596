"""Call estimates before the call, and usage after it, for every API's shape."""

from __future__ import annotations

from typing import Any

import pytest

from guard.envelope import parse_request
from guard.limits.cost import estimate_call, usage_tokens
from guard.pricing.prices import DEFAULT_MAX_OUTPUT, PriceTable


def estimate(body: dict[str, Any], path: str) -> Any:
    return estimate_call(parse_request(body, path=path), PriceTable())


def test_max_tokens_is_reserved_and_priced() -> None:
    e = estimate({"model": "gpt-4o-mini", "max_tokens": 100,
                  "messages": [{"role": "user", "content": "Hello world"}]},
                 "/v1/chat/completions")
    assert (e.model, e.input_tokens, e.output_tokens, e.exact_input) == (
        "openai/gpt-4o-mini", 6, 100, True)
    assert e.usd == pytest.approx((6 * 0.15 + 100 * 0.60) / 1e6)


def test_without_max_tokens_the_models_cap_is_reserved() -> None:
    e = estimate({"model": "claude-3-5-haiku-20241022", "max_tokens": None,
                  "messages": [{"role": "user", "content": "hi"}]}, "/v1/chat/completions")
    assert e.output_tokens == 8192 and not e.exact_input
    unknown = estimate({"model": "acme/x", "messages": []}, "/v1/chat/completions")
    assert unknown.output_tokens == DEFAULT_MAX_OUTPUT and unknown.usd is None


def test_embeddings_reserve_no_output() -> None:
    e = estimate({"model": "text-embedding-3-small", "input": ["a", "b"]}, "/v1/embeddings")
    assert e.output_tokens == 0 and e.input_tokens == 2


@pytest.mark.parametrize(("usage", "expected"), [
    ({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}, (10, 5)),
    ({"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}, (7, 3)),
    ({"input_tokens": 7, "output_tokens": 3, "cache_creation_input_tokens": 100,
      "cache_read_input_tokens": 50}, (157, 3)),
    ({"prompt_tokens": 8, "total_tokens": 8}, (8, 0)),
    ({"total_tokens": 12}, (12, 0)),
    ({}, None), (None, None), ({"prompt_tokens": "x", "completion_tokens": -3}, None),
    # JSON integers have no limit: past 2**53 a count is the cap (found by the fuzzing
    # harness: 10**400 tokens overflowed the float cost and the answer became a plain 500)
    ({"prompt_tokens": 10**400, "completion_tokens": 2**60}, (2**53, 2**53)),
])
def test_usage_in_every_shape(usage: dict[str, Any] | None,
                              expected: tuple[int, int] | None) -> None:
    assert usage_tokens(usage) == expected


def test_every_answer_asked_for_and_token_ids_are_reserved() -> None:
    from guard.pricing.prices import PriceTable

    prices = PriceTable()
    chat = parse_request({"model": "gpt-4o", "n": 3, "max_tokens": 100,
                          "messages": [{"role": "user", "content": "hi"}]},
                         path="/v1/chat/completions")
    assert estimate_call(chat, prices).output_tokens == 300
    best = parse_request({"model": "gpt-3.5-turbo-instruct", "prompt": [1, 2, 3, 4],
                          "best_of": 5, "n": 2, "max_tokens": 10}, path="/v1/completions")
    estimate = estimate_call(best, prices)
    assert (estimate.output_tokens, estimate.input_tokens >= 4) == (50, True)
    embed = parse_request({"model": "text-embedding-3-small", "input": [[1, 2, 3], [4, 5]]},
                          path="/v1/embeddings")
    assert estimate_call(embed, prices).input_tokens == 5
    gemini = parse_request({"contents": [{"parts": [{"text": "hi"}]}], "generationConfig": {
        "maxOutputTokens": 40, "candidateCount": 2}},
        path="/v1beta/models/gemini-2.5-flash:generateContent")
    assert estimate_call(gemini, prices).output_tokens == 80
