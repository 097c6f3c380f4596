"""``settings.max_scan_chars``: a request whose text costs more to scan gets 413, whole.

The work is known before any policy runs (a length, and the digits a PII policy would
analyze), so a refused request is never scanned in part, and one under the bound is
scanned in full. The ways around it are tried too: the text split over many messages,
or moved to fields other than ``messages``, counts the same.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard import Guard
from guard.scanwork import ANALYZED_WORK, NON_ASCII_WORK

PII = """\
version: 1
settings: {max_scan_chars: 100000}
policies:
  - {name: pii, type: pii, entities: [EMAIL_ADDRESS, PHONE_NUMBER], action: redact}
"""
CONTENT = """\
version: 1
settings: {max_scan_chars: 100000}
policies:
  - {name: c, type: content, detect: {secrets: true}, action: redact}
"""
ROUTE = """\
version: 1
settings: {max_scan_chars: 1000}
policies:
  - {name: r, type: route, allow: ["openai/gpt-*"]}
"""


def chat(*texts: str) -> bytes:
    return json.dumps({"model": "gpt-5", "messages": [
        {"role": "user", "content": t} for t in texts]}).encode()


def anthropic(text: str) -> bytes:
    return json.dumps({"model": "claude-x", "max_tokens": 10, "system": text,
                       "messages": [{"role": "user", "content": "hi"}]}).encode()


def test_the_default_is_documented_and_large() -> None:
    guard = Guard.from_yaml("version: 1\npolicies: []\n")
    assert guard.settings.max_scan_chars == 4_000_000


async def test_digits_under_a_pii_policy_cost_more_than_letters() -> None:
    guard = Guard.from_yaml(PII)
    letters = await guard.check_request(chat("a " * 45_000), path="/v1/chat/completions")
    assert letters.status == 200
    digits = "1" * (100_000 // ANALYZED_WORK)  # 500 digits: 100,500 characters of work
    refused = await guard.check_request(chat(digits), path="/v1/chat/completions")
    assert (refused.action, refused.status) == ("deny", 413)
    error = refused.error["error"]  # type: ignore[index]
    assert error["code"] == "scan_too_large" and "max_scan_chars" in error["message"]
    assert digits not in json.dumps(refused.error)


async def test_text_split_over_many_messages_counts_whole() -> None:
    guard = Guard.from_yaml(PII)
    parts = ["call 4155550199 now " * 20] * 20  # 400 characters, 200 digits each
    decision = await guard.check_request(chat(*parts), path="/v1/chat/completions")
    assert decision.status == 413


async def test_the_refusal_is_in_the_apis_own_shape() -> None:
    guard = Guard.from_yaml(PII)
    decision = await guard.check_request(anthropic("7" * 1000), path="/v1/messages")
    assert decision.status == 413
    assert decision.error is not None and decision.error["type"] == "error"
    assert decision.error["error"]["type"] == "request_too_large"


async def test_without_a_pii_policy_a_digit_is_one_character() -> None:
    guard = Guard.from_yaml(CONTENT)
    ok = await guard.check_request(chat("7 " * 49_500), path="/v1/chat/completions")
    assert ok.status == 200
    over = await guard.check_request(chat("x " * 50_001), path="/v1/chat/completions")
    assert over.status == 413


async def test_policies_that_read_no_text_set_no_bound() -> None:
    guard = Guard.from_yaml(ROUTE)
    decision = await guard.check_request(chat("x " * 25_000), path="/v1/chat/completions")
    assert decision.status == 200


def expected_work(text: str) -> int:
    """The documented rule, written out character by character."""
    return sum(1 + NON_ASCII_WORK * (len(c.encode("utf-8", "surrogatepass")) - 1)
               + ANALYZED_WORK * (c.isdigit() or c == "@") for c in text)


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(st.text(alphabet="0123456789 abc+-()@.é€٣𝟘", max_size=400), max_size=8))
def test_work_is_the_documented_rule_and_refusal_matches_it(texts: list[str]) -> None:
    guard = Guard.from_yaml(PII.replace("100000", "3000"))
    body = chat(*texts)
    envelope = guard.envelope(body, path="/v1/chat/completions")
    work = guard.engine.scan_work(envelope)
    assert work == sum(expected_work(s.text) for s in envelope.segments)
    decision = guard.check_request_sync(body, path="/v1/chat/completions")
    assert (decision.status == 413) == (work > 3000)


async def test_text_outside_ascii_costs_more_everywhere() -> None:
    guard = Guard.from_yaml(CONTENT)
    # full-width "ignore": 15,000 characters, 12,500 of them three UTF-8 bytes
    wide = "\uff49\uff47\uff4e\uff4f\uff52\uff45 " * 2500
    decision = await guard.check_request(chat(wide), path="/v1/chat/completions")
    assert decision.status == 413


async def test_at_signs_cost_what_digits_cost_under_pii() -> None:
    guard = Guard.from_yaml(PII)
    decision = await guard.check_request(chat("a@b. " * 500), path="/v1/chat/completions")
    assert decision.status == 413


@pytest.mark.parametrize("field", ["input", "prompt"])
async def test_text_in_other_fields_counts_too(field: str) -> None:
    guard = Guard.from_yaml(PII)
    body: dict[str, Any] = {"model": "gpt-5", field: "5" * 600}
    path = "/v1/responses" if field == "input" else "/v1/completions"
    decision = await guard.check_request(json.dumps(body), path=path)
    assert decision.status == 413


OUTPUT = """\
version: 1
settings: {max_scan_chars: 100000}
policies:
  - {name: pii, type: pii, stages: [output], entities: [EMAIL_ADDRESS, PHONE_NUMBER],
     action: redact}
"""


def completion(*texts: str) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion", "choices": [
        {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
        for i, t in enumerate(texts)], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}


async def test_an_answer_past_the_bound_is_refused_whole_in_the_apis_shape() -> None:
    guard = Guard.from_yaml(OUTPUT)
    decision = await guard.check_request(chat("hi"), path="/v1/chat/completions")
    digits = "call 4155550199 now " * 30  # 300 digits a choice: the bound over four choices
    result = await guard.check_response(decision, completion(*[digits] * 4))
    assert (result.action, result.status) == ("deny", 502)
    error = result.body["error"]  # type: ignore[index]
    assert error["code"] == "answer_too_large" and "max_scan_chars" in error["message"]
    assert "4155550199" not in json.dumps(result.body)
    under = await guard.check_response(decision, completion(digits))
    assert under.status == 200 and "4155550199" not in json.dumps(under.body)


async def test_an_answer_no_output_policy_reads_is_not_counted() -> None:
    guard = Guard.from_yaml(PII.replace("action: redact}", "action: redact, stages: [input]}"))
    decision = await guard.check_request(chat("hi"), path="/v1/chat/completions")
    result = await guard.check_response(decision, completion("7" * 100_000))
    assert (result.action, result.status) == ("allow", 200)


async def test_a_text_answer_past_the_bound_is_refused_too() -> None:
    guard = Guard.from_yaml(OUTPUT)
    decision = await guard.check_request(chat("hi"), path="/v1/chat/completions")
    result = await guard.check_response(decision, "call 4155550199 now " * 60)
    assert result.status == 502 and "4155550199" not in json.dumps(result.body)
