"""Anthropic Messages."""

from __future__ import annotations

import json
from typing import Any

from guard.envelope import Message, Segment, parse_request, resolve


def messages(body: dict[str, Any], path: str = "/v1/messages") -> Any:
    return parse_request(json.dumps(body), path=path)


def test_system_string_and_string_content() -> None:
    env = messages({"model": "claude-sonnet-4-5", "max_tokens": 1024, "system": "Be kind.",
                    "messages": [{"role": "user", "content": "Hi"}],
                    "metadata": {"user_id": "u-7"}})
    assert env.api == "anthropic.messages"
    assert env.segments == (
        Segment(("system",), None, "Be kind.", "system", "system"),
        Segment(("messages", 0, "content"), None, "Hi", "user", "message"),
        Segment(("metadata", "user_id"), None, "u-7", "other", "other"),  # an end user: text
    )
    assert env.messages == (Message("system", "Be kind."), Message("user", "Hi"))
    assert (env.provider, env.qualified_model) == ("anthropic", "anthropic/claude-sonnet-4-5")
    assert env.max_tokens == 1024
    assert env.metadata == {"user_id": "u-7"}


def test_system_blocks() -> None:
    env = messages({"system": [
        {"type": "text", "text": "Rule one.", "cache_control": {"type": "ephemeral", "ttl": "5m"}},
        {"type": "text", "text": "Rule two."},
    ], "messages": []})
    assert [(s.pointer, s.text, s.kind) for s in env.segments] == [
        (("system", 0, "text"), "Rule one.", "system"),
        (("system", 1, "text"), "Rule two.", "system"),
    ]
    assert env.messages == (Message("system", "Rule one.\nRule two."),)


def test_blocks_text_tool_use_tool_result_image_document_thinking() -> None:
    body = {"model": "claude-opus-4-1", "max_tokens": 500, "messages": [
        {"role": "user", "content": [
            {"type": "text", "text": "Look at this"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": "iVBORw0KGgoAAAANSUhEUg"}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
            {"type": "document", "title": "Notes",
             "source": {"type": "text", "media_type": "text/plain", "data": "plain notes"}},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                            "data": "JVBERi0xLjQ"}},
        ]},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "They want a lookup.", "signature": "EqQBCgIYAh"},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
            {"type": "tool_use", "id": "toolu_1", "name": "lookup",
             "input": {"name": "Ada Lovelace", "ids": [1, "x-2"], "opts": {"type": "deep"}}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "found ada@example.com"},
            {"type": "tool_result", "tool_use_id": "toolu_2", "is_error": True,
             "content": [{"type": "text", "text": "timeout"}]},
        ]},
    ]}
    env = messages(body)
    got = [(s.pointer, s.text, s.role, s.kind) for s in env.segments]
    assert got == [
        (("messages", 0, "content", 0, "text"), "Look at this", "user", "content_part"),
        (("messages", 0, "content", 2, "source", "url"), "https://example.com/a.png", "user",
         "content_part"),
        (("messages", 0, "content", 3, "title"), "Notes", "user", "content_part"),
        (("messages", 0, "content", 3, "source", "data"), "plain notes", "user", "content_part"),
        (("messages", 1, "content", 0, "thinking"), "They want a lookup.", "assistant", "other"),
        (("messages", 1, "content", 2, "name"), "lookup", "assistant", "tool_arguments"),
        (("messages", 1, "content", 2, "input", "name"), "Ada Lovelace", "assistant",
         "tool_arguments"),
        (("messages", 1, "content", 2, "input", "ids", 1), "x-2", "assistant", "tool_arguments"),
        (("messages", 1, "content", 2, "input", "opts", "type"), "deep", "assistant",
         "tool_arguments"),
        (("messages", 2, "content", 0, "content"), "found ada@example.com", "tool",
         "tool_result"),
        (("messages", 2, "content", 1, "content", 0, "text"), "timeout", "tool", "tool_result"),
    ]
    assert all(s.inner is None for s in env.segments)
    for s in env.segments:
        assert resolve(body, s.pointer) == s.text
    assert [m.role for m in env.messages] == ["user", "assistant", "user"]


def test_unknown_block_is_walked() -> None:
    env = messages({"messages": [{"role": "user", "content": [
        {"type": "future_block", "payload": {"words": "hello"}}]}]})
    assert env.segments[0].pointer == ("messages", 0, "content", 0, "payload", "words")


def test_compat_prefixes() -> None:
    body = {"messages": [{"role": "user", "content": "x"}]}
    for path in ("/v1/messages", "/messages", "/v3/compat/v1/messages", "/v3/compat/messages/"):
        assert messages(body, path).api == "anthropic.messages", path
