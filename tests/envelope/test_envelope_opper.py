"""Opper /v3/call, and bodies of unknown shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from guard.envelope import Message, Segment, parse_request


def call(body: dict[str, Any], path: str = "/v3/call") -> Any:
    return parse_request(json.dumps(body), path=path)


def test_string_input_and_instructions() -> None:
    env = call({"name": "summarise", "instructions": "Summarise the text.",
                "input": "A long text.", "model": "anthropic/claude-sonnet-4-5",
                "tags": {"project": "atlas"}})
    assert env.api == "opper.call"
    assert env.segments == (
        Segment(("name",), None, "summarise", "other", "other"),  # the task's name: text
        Segment(("instructions",), None, "Summarise the text.", "system", "instructions"),
        Segment(("input",), None, "A long text.", "input", "input"),
        Segment(("tags", "project"), None, "atlas", "other", "other"),
    )
    assert env.messages == (Message("system", "Summarise the text."),
                            Message("input", "A long text."))
    assert env.tags == {"project": "atlas"}
    assert env.provider == "anthropic"


def test_object_input_every_leaf_even_identifier_like_keys() -> None:
    env = call({"name": "classify", "input": {
        "name": "Ada Lovelace", "type": "customer", "id": "c-1", "age": 36,
        "notes": ["likes tea", {"model": "engine"}], "photo": "data:image/png;base64,iVBOR",
    }, "input_schema": {"type": "object", "description": "Customer"},
        "output_schema": {"type": "string", "description": "Label"}})
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("name",), "classify"),
        (("input", "name"), "Ada Lovelace"),
        (("input", "type"), "customer"),
        (("input", "id"), "c-1"),
        (("input", "notes", 0), "likes tea"),
        (("input", "notes", 1, "model"), "engine"),
        (("input_schema", "description"), "Customer"),  # schemas are read for descriptions
        (("output_schema", "description"), "Label"),
    ]
    assert env.messages == (Message("input", "Ada Lovelace\ncustomer\nc-1\nlikes tea\nengine"),)


def test_list_input_and_examples() -> None:
    env = call({"name": "t", "input": ["one", 2, None, ["three"]],
                "examples": [{"input": "in", "output": {"label": "out"}}]})
    assert [(s.pointer, s.role) for s in env.segments] == [
        (("name",), "other"), (("input", 0), "input"), (("input", 3, 0), "input"),
        (("examples", 0, "input"), "example"), (("examples", 0, "output", "label"), "example"),
    ]


@pytest.mark.parametrize(("model", "primary", "fallbacks"), [
    ("openai/gpt-4o", "openai/gpt-4o", ()),
    (["openai/gpt-4o", "anthropic/claude-haiku-4-5", "mistral/mistral-large"],
     "openai/gpt-4o", ("anthropic/claude-haiku-4-5", "mistral/mistral-large")),
    ({"name": "azure/gpt-4o-eu", "options": {"temperature": 0}}, "azure/gpt-4o-eu", ()),
    ([], None, ()),
])
def test_model_string_or_list(model: Any, primary: str | None, fallbacks: tuple[str, ...]) -> None:
    env = call({"name": "t", "input": "x", "model": model})
    assert env.model == primary
    assert env.fallback_models == fallbacks


def test_model_list_tail_then_fallback_models() -> None:
    env = call({"name": "t", "input": "x", "model": ["a/m1", "b/m2"],
                "fallback_models": ["c/m3", "b/m2"]})
    assert env.fallback_models == ("b/m2", "c/m3")


def test_stream_path() -> None:
    assert call({"name": "t", "input": "x"}, "/v3/call/stream").stream is True
    assert call({"name": "t", "input": "x"}).stream is False


def test_unknown_every_string_leaf() -> None:
    env = parse_request(json.dumps({"model": "x-1", "query": "find Ada",
                                    "options": {"filters": ["tea", 3], "type": "fuzzy"}}),
                        path="/v1/something/else")
    assert env.api == "unknown"
    assert env.model == "x-1" and env.operation == "generate"
    assert [(s.pointer, s.text, s.role, s.kind) for s in env.segments] == [
        (("model",), "x-1", "other", "other"),
        (("query",), "find Ada", "other", "other"),
        (("options", "filters", 0), "tea", "other", "other"),
        (("options", "type"), "fuzzy", "other", "other"),
    ]
    assert env.messages == (Message("other", "x-1\nfind Ada\ntea\nfuzzy"),)


def test_unknown_without_text_has_no_message() -> None:
    env = parse_request(b'{"n": 1}', path="/v1/whatever")
    assert env.api == "unknown"
    assert env.segments == () and env.messages == ()
