"""apply_edits and set_value: new bodies, exact placement, the input untouched."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from guard.envelope import Edit, Segment, apply_edits, parse_request, resolve, set_value


def body_with_tools() -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [
        {"role": "user", "content": "Mail ada@example.com and bob@example.com"},
        {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {
            "name": "mail", "arguments": '{"to": "ada@example.com", "cc": ["bob@example.com"]}'}}]},
        {"role": "tool", "content": [{"type": "text", "text": "sent"}]},
    ]}


def redact(segment: Segment, needle: str, replacement: str = "<EMAIL>") -> Edit:
    start = segment.text.index(needle)
    return Edit(segment, start, start + len(needle), replacement)


def test_edits_land_where_the_text_came_from_and_input_is_unchanged() -> None:
    body = body_with_tools()
    before = copy.deepcopy(body)
    env = parse_request(body, path="/v1/chat/completions")
    user, _name, to, cc, _ = env.segments
    new = apply_edits(body, [redact(user, "bob@example.com"), redact(user, "ada@example.com"),
                             redact(to, "ada@example.com", "<A>"), redact(cc, "bob@example.com")])
    assert body == before
    assert new["messages"][0]["content"] == "Mail <EMAIL> and <EMAIL>"
    arguments = new["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert arguments == '{"to": "<A>", "cc": ["<EMAIL>"]}'
    # untouched subtrees are shared, edited paths copied
    assert new["messages"][2] is body["messages"][2]
    assert new["messages"] is not body["messages"]
    assert new["messages"][0] is not body["messages"][0]


def test_compact_and_non_ascii_arguments_keep_their_style() -> None:
    body = {"messages": [{"role": "assistant", "tool_calls": [{"function": {
        "arguments": '{"b":"Zoë","a":"x"}'}}]}]}
    env = parse_request(body, path="/v1/chat/completions")
    new = apply_edits(body, [Edit(env.segments[1], 0, 1, "y")])
    assert new["messages"][0]["tool_calls"][0]["function"]["arguments"] == '{"b":"Zoë","a":"y"}'
    ascii_body = {"messages": [{"role": "assistant", "tool_calls": [{"function": {
        "arguments": json.dumps({"b": "Zoë", "a": "x"})}}]}]}
    env = parse_request(ascii_body, path="/v1/chat/completions")
    new = apply_edits(ascii_body, [Edit(env.segments[1], 0, 1, "y")])
    assert new["messages"][0]["tool_calls"][0]["function"]["arguments"] == (
        '{"b": "Zo\\u00eb", "a": "y"}')


def test_a_replacement_with_quotes_keeps_arguments_valid_json() -> None:
    body = body_with_tools()
    env = parse_request(body, path="/v1/chat/completions")
    new = apply_edits(body, [Edit(env.segments[2], 0, 3, 'he said "hi"\n')])
    arguments = new["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments)["to"] == 'he said "hi"\n@example.com'


def test_insertions_and_adjacent_edits() -> None:
    segment = Segment(("prompt",), None, "abcdef", "user", "prompt")
    body = {"prompt": "abcdef"}
    new = apply_edits(body, [Edit(segment, 2, 2, "<"), Edit(segment, 2, 4, "XY"),
                             Edit(segment, 4, 4, ">"), Edit(segment, 6, 6, "!")])
    assert new == {"prompt": "ab<XY>ef!"}


def test_overlaps_out_of_range_and_stale_edits_raise() -> None:
    segment = Segment(("prompt",), None, "abcdef", "user", "prompt")
    body = {"prompt": "abcdef"}
    with pytest.raises(ValueError, match="overlap"):
        apply_edits(body, [Edit(segment, 0, 3, "x"), Edit(segment, 2, 4, "y")])
    with pytest.raises(ValueError, match="outside"):
        apply_edits(body, [Edit(segment, 4, 9, "x")])
    with pytest.raises(ValueError, match="stale"):
        apply_edits({"prompt": "changed"}, [Edit(segment, 0, 1, "x")])
    with pytest.raises(ValueError, match="does not exist"):
        apply_edits({"other": 1}, [Edit(segment, 0, 1, "x")])


def test_no_edits_gives_an_equal_shallow_copy() -> None:
    body = body_with_tools()
    new = apply_edits(body, [])
    assert new == body and new is not body


def test_anthropic_tool_use_input_is_edited_in_place() -> None:
    body: dict[str, Any] = {"messages": [{"role": "assistant", "content": [
        {"type": "tool_use", "id": "t", "name": "f", "input": {"email": "ada@example.com"}}]}]}
    env = parse_request(body, path="/v1/messages")
    new = apply_edits(body, [redact(env.segments[1], "ada@example.com")])
    assert new["messages"][0]["content"][0]["input"] == {"email": "<EMAIL>"}
    assert body["messages"][0]["content"][0]["input"] == {"email": "ada@example.com"}


def test_set_value_replaces_and_adds() -> None:
    body = {"model": "fast", "messages": [{"role": "user", "content": "hi"}]}
    new = set_value(body, ("model",), "openai/gpt-4o-mini")
    assert new["model"] == "openai/gpt-4o-mini" and body["model"] == "fast"
    assert new["messages"] is body["messages"]
    added = set_value(new, ("fallback_models",), ["anthropic/claude-haiku-4-5"])
    assert added["fallback_models"] == ["anthropic/claude-haiku-4-5"]
    assert "fallback_models" not in new
    nested = set_value(body, ("metadata", "route"), "eu")
    assert nested["metadata"] == {"route": "eu"}
    listed = set_value(body, ("messages", 0, "content"), "bye")
    assert listed["messages"][0]["content"] == "bye"
    assert body["messages"][0]["content"] == "hi"
    with pytest.raises(ValueError):
        set_value(body, ("messages", 5, "content"), "x")
    with pytest.raises(ValueError):
        set_value(body, (), {})


def test_resolve() -> None:
    body = body_with_tools()
    where = ("messages", 1, "tool_calls", 0, "function", "arguments")
    assert resolve(body, where, ("cc", 0)) == "bob@example.com"
    with pytest.raises(ValueError):
        resolve(body, ("messages", "0"))
    with pytest.raises(ValueError):
        resolve(body, ("messages", True))
