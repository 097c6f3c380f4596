"""Reading answers: text segments with pointers, usage and finish reason, for every API."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from guard.envelope import Edit, apply_edits, parse_response, resolve


def texts(body: Any) -> list[str]:
    return [s.text for s in parse_response(body).segments]


def test_openai_chat_content_refusal_and_tool_arguments() -> None:
    body = {"choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "content": "Calling.", "tool_calls": [{"id": "c1", "type":
        "function", "function": {"name": "send", "arguments": '{"to": "a@b.example"}'}}]}}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7}}
    response = parse_response(body)
    assert texts(body) == ["Calling.", "send", "a@b.example"]  # a tool's name is text too
    assert response.finish_reason == "tool_calls"
    assert response.view()["usage"] == {"prompt_tokens": 5, "completion_tokens": 7}
    arguments = response.segments[2]
    assert arguments.pointer == ("choices", 0, "message", "tool_calls", 0, "function",
                                 "arguments")
    assert arguments.inner == ("to",)


def test_legacy_completions_text() -> None:
    assert texts({"choices": [{"text": "hello", "finish_reason": "stop"}]}) == ["hello"]


def test_responses_output_items() -> None:
    body = {"status": "completed", "output": [
        {"type": "reasoning", "summary": []},
        {"type": "message", "content": [{"type": "output_text", "text": "Hi there",
                                         "annotations": []}]},
        {"type": "function_call", "name": "f", "call_id": "x", "arguments": '{"q": "x y"}'}]}
    assert texts(body) == ["Hi there", "f", "x y"]
    assert parse_response(body).finish_reason == "completed"


def test_anthropic_text_and_tool_use() -> None:
    body = {"type": "message", "stop_reason": "end_turn", "content": [
        {"type": "text", "text": "Sure."},
        {"type": "tool_use", "id": "t", "name": "lookup", "input": {"name": "Ada"}}],
        "usage": {"input_tokens": 3, "output_tokens": 4}}
    assert texts(body) == ["Sure.", "lookup", "Ada"]
    assert parse_response(body).finish_reason == "end_turn"


def test_opper_message_and_json_payload() -> None:
    body = {"span_id": "s", "message": "done", "json_payload": {"total": "120 EUR", "n": 3}}
    assert texts(body) == ["done", "120 EUR"]


def test_unknown_bodies_are_read_whole_and_non_json_has_no_segments() -> None:
    assert texts({"data": [{"embedding": [0.1]}]}) == []
    assert texts({"result": {"note": "text of a future API"}}) == ["text of a future API"]
    assert texts("plain text") == []
    assert parse_response(None).view() == {"text": "", "usage": {}, "finish_reason": None,
                                           "status": 200}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=15,
)
ANSWER = st.fixed_dictionaries({"choices": st.lists(st.fixed_dictionaries({
    "message": st.fixed_dictionaries({"content": st.text(max_size=20) | JSON,
                                      "tool_calls": st.lists(st.fixed_dictionaries({
                                          "function": st.fixed_dictionaries({
                                              "arguments": JSON.map(json.dumps) | st.text()})}),
                                          max_size=2)})}), max_size=2)}) | st.dictionaries(
    st.sampled_from(["content", "output", "message", "json_payload", "choices"]), JSON)


@given(ANSWER)
def test_parsing_never_crashes_and_pointers_resolve(body: dict[str, Any]) -> None:
    for segment in parse_response(body).segments:
        assert resolve(body, segment.pointer, segment.inner) == segment.text


@given(ANSWER)
def test_replacing_every_segment_keeps_the_structure(body: dict[str, Any]) -> None:
    segments = parse_response(body).segments
    edited = apply_edits(body, [Edit(s, 0, len(s.text), "X") for s in segments])
    assert [s.text for s in parse_response(edited).segments] == ["X"] * len(segments)
