"""OpenAI shapes: Chat Completions, Responses, Embeddings, legacy Completions."""

from __future__ import annotations

import json
from typing import Any

from guard.envelope import Message, Segment, parse_request, resolve


def seg(pointer: tuple[str | int, ...], text: str, role: str, kind: str,
        inner: tuple[str | int, ...] | None = None) -> Segment:
    return Segment(pointer, inner, text, role, kind)


def chat(body: dict[str, Any]) -> Any:
    return parse_request(json.dumps(body), path="/v1/chat/completions")


def test_chat_string_content() -> None:
    env = chat({
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "developer", "content": "Answer in English."},
            {"role": "user", "content": "Hi, I am Ada.", "name": "ada"},
            {"role": "assistant", "content": "Hello Ada."},
        ],
    })
    assert env.api == "openai.chat"
    assert env.segments == (
        seg(("messages", 0, "content"), "You are terse.", "system", "system"),
        seg(("messages", 1, "content"), "Answer in English.", "developer", "system"),
        seg(("messages", 2, "content"), "Hi, I am Ada.", "user", "message"),
        seg(("messages", 2, "name"), "ada", "user", "other"),  # a name is shown to the model
        seg(("messages", 3, "content"), "Hello Ada.", "assistant", "message"),
    )
    assert env.messages == (
        Message("system", "You are terse."),
        Message("developer", "Answer in English."),
        Message("user", "Hi, I am Ada.\nada"),
        Message("assistant", "Hello Ada."),
    )
    assert env.text == "You are terse.\nAnswer in English.\nHi, I am Ada.\nada\nHello Ada."


def test_chat_content_parts_skip_binary_and_enums() -> None:
    env = chat({
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=",
                                                "detail": "low"}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
            {"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZF", "format": "wav"}},
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=",
                                      "filename": "contract-ada.pdf"}},
            {"type": "text", "text": "And this one?"},
        ]}],
    })
    assert [s.text for s in env.segments] == [
        "What is in this picture?",
        "https://example.com/cat.png",
        "contract-ada.pdf",
        "And this one?",
    ]
    assert env.segments[0] == seg(("messages", 0, "content", 0, "text"),
                                  "What is in this picture?", "user", "content_part")
    assert env.messages == (Message("user", "\n".join(s.text for s in env.segments)),)


def test_chat_unknown_part_type_is_still_scanned() -> None:
    env = chat({"messages": [{"role": "user", "content": [
        {"type": "shiny_new_part", "caption": "secret plans", "id": "p1", "extra": {"note": "x"}},
    ]}]})
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("messages", 0, "content", 0, "caption"), "secret plans"),
        (("messages", 0, "content", 0, "extra", "note"), "x"),
    ]


def test_chat_tool_calls_arguments_are_read_inside_the_json_string() -> None:
    arguments = json.dumps({"to": "ada@example.com", "cc": ["bob@example.com"], "count": 2})
    env = chat({"model": "gpt-4o", "messages": [
        {"role": "user", "content": "Mail Ada"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "send_mail", "arguments": arguments}},
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sent to ada@example.com"},
        {"role": "tool", "tool_call_id": "call_2",
         "content": [{"type": "text", "text": "part result"}]},
    ]})
    where = ("messages", 1, "tool_calls", 0, "function", "arguments")
    assert env.segments[1:] == (
        seg(("messages", 1, "tool_calls", 0, "function", "name"), "send_mail", "assistant",
            "tool_arguments"),
        seg(where, "ada@example.com", "assistant", "tool_arguments", ("to",)),
        seg(where, "bob@example.com", "assistant", "tool_arguments", ("cc", 0)),
        seg(("messages", 2, "content"), "sent to ada@example.com", "tool", "tool_result"),
        seg(("messages", 3, "content", 0, "text"), "part result", "tool", "tool_result"),
    )
    assert env.messages[1] == Message("assistant",
                                      "send_mail\nada@example.com\nbob@example.com")


def test_chat_invalid_arguments_are_one_segment() -> None:
    env = chat({"messages": [{"role": "assistant", "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{not json"}},
    ]}]})
    assert env.segments == (
        seg(("messages", 0, "tool_calls", 0, "function", "name"), "f", "assistant",
            "tool_arguments"),
        seg(("messages", 0, "tool_calls", 0, "function", "arguments"), "{not json",
            "assistant", "tool_arguments"),
    )


def test_chat_arguments_holding_a_json_string() -> None:
    env = chat({"messages": [{"role": "assistant", "tool_calls": [
        {"function": {"name": "f", "arguments": '"just text"'}},
    ]}]})
    assert env.segments[1].inner == ()
    assert env.segments[1].text == "just text"


def test_chat_legacy_function_call_and_refusal() -> None:
    env = chat({"messages": [
        {"role": "assistant", "content": None,
         "function_call": {"name": "lookup", "arguments": '{"q": "weather"}'}},
        {"role": "function", "name": "lookup", "content": "sunny"},
        {"role": "assistant", "refusal": "I can't help with that."},
    ]})
    assert [(s.text, s.role, s.kind) for s in env.segments] == [
        ("lookup", "assistant", "tool_arguments"),
        ("weather", "assistant", "tool_arguments"),
        ("lookup", "function", "other"),
        ("sunny", "function", "tool_result"),
        ("I can't help with that.", "assistant", "other"),
    ]


def test_chat_fields_model_stream_max_tokens_metadata() -> None:
    env = chat({
        "model": "openai/gpt-4o", "stream": True, "max_completion_tokens": 300,
        "user": "u-1", "metadata": {"team": "eu"}, "fallback_models": ["anthropic/claude-x"],
        "messages": [],
        "tools": [{"type": "function", "function": {"name": "f", "description": "Do it"}}],
    })
    assert (env.model, env.provider, env.qualified_model) == ("openai/gpt-4o", "openai",
                                                            "openai/gpt-4o")
    assert env.stream is True
    assert env.max_tokens == 300
    assert env.metadata == {"team": "eu"}
    assert env.tags == {}
    assert env.fallback_models == ("anthropic/claude-x",)
    # the end user, metadata and tool definitions are text: the model or the gateway reads them
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("user",), "u-1"), (("metadata", "team"), "eu"),
        (("tools", 0, "function", "name"), "f"), (("tools", 0, "function", "description"),
                                                  "Do it")]


def test_chat_unknown_top_level_field_is_scanned() -> None:
    env = chat({"messages": [], "prediction": {"type": "content", "content": "draft text"}})
    assert env.segments == (seg(("prediction", "content"), "draft text", "other", "other"),)


def test_chat_pointers_resolve_to_the_text() -> None:
    body = {"messages": [{"role": "assistant", "tool_calls": [
        {"function": {"arguments": '{"a": {"b": ["x", "y"]}}'}}]}]}
    env = chat(body)
    for s in env.segments:
        assert resolve(body, s.pointer, s.inner) == s.text


def responses(body: dict[str, Any]) -> Any:
    return parse_request(json.dumps(body), path="/v1/responses")


def test_responses_string_input_and_instructions() -> None:
    env = responses({"model": "gpt-4.1", "instructions": "Be brief.", "input": "Hello there",
                     "max_output_tokens": 50})
    assert env.api == "openai.responses"
    assert env.segments == (
        seg(("instructions",), "Be brief.", "system", "instructions"),
        seg(("input",), "Hello there", "user", "message"),
    )
    assert env.messages == (Message("system", "Be brief."), Message("user", "Hello there"))
    assert env.max_tokens == 50


def test_responses_items() -> None:
    env = responses({"model": "o4-mini", "input": [
        {"role": "user", "content": [
            {"type": "input_text", "text": "Weather in Paris?"},
            {"type": "input_image", "image_url": "data:image/jpeg;base64,/9j/4AAQ"},
        ]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "weather",
         "arguments": '{"city": "Paris"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "18C and sunny"},
        {"type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": "It is 18C.", "annotations": []}]},
        {"type": "reasoning", "id": "rs_1", "encrypted_content": "gAAAA",
         "summary": [{"type": "summary_text", "text": "Looked it up."}]},
        {"type": "item_reference", "id": "msg_0"},
    ]})
    assert [(s.pointer, s.inner, s.text, s.role, s.kind) for s in env.segments] == [
        (("input", 0, "content", 0, "text"), None, "Weather in Paris?", "user", "content_part"),
        (("input", 1, "name"), None, "weather", "assistant", "other"),
        (("input", 1, "arguments"), ("city",), "Paris", "assistant", "tool_arguments"),
        (("input", 2, "output"), None, "18C and sunny", "tool", "tool_result"),
        (("input", 3, "content", 0, "text"), None, "It is 18C.", "assistant", "content_part"),
        (("input", 4, "summary", 0, "text"), None, "Looked it up.", "assistant", "other"),
    ]
    assert [m.role for m in env.messages] == ["user", "assistant", "tool", "assistant",
                                              "assistant", "unknown"]


def test_responses_prompt_variables_are_text() -> None:
    env = responses({"prompt": {"id": "pmpt_1", "version": "2",
                                "variables": {"name": "Ada Lovelace"}}, "input": "hi"})
    assert env.segments[0] == seg(("prompt", "variables", "name"), "Ada Lovelace",
                                  "other", "other")


def test_embeddings_string_list_and_tokens() -> None:
    one = parse_request(json.dumps({"model": "text-embedding-3-small", "input": "hello"}),
                        path="/v1/embeddings")
    assert one.api == "openai.embeddings"
    assert one.segments == (seg(("input",), "hello", "input", "input"),)
    assert one.provider == "openai"
    many = parse_request(json.dumps({"input": ["a", "b"]}), path="/v1/embeddings")
    assert [s.pointer for s in many.segments] == [("input", 0), ("input", 1)]
    assert many.messages == (Message("input", "a"), Message("input", "b"))
    tokens = parse_request(json.dumps({"input": [[1, 2], [3]]}), path="/v1/embeddings")
    assert tokens.segments == ()
    flat = parse_request(json.dumps({"input": [1, 2, 3]}), path="/v1/embeddings")
    assert flat.segments == ()


def test_completions_prompt_and_suffix() -> None:
    env = parse_request(json.dumps({"model": "gpt-3.5-turbo-instruct", "prompt": ["Say", "this"],
                                    "suffix": "end", "max_tokens": 7}), path="/v1/completions")
    assert env.api == "openai.completions"
    assert [(s.pointer, s.text, s.role, s.kind) for s in env.segments] == [
        (("prompt", 0), "Say", "user", "prompt"),
        (("prompt", 1), "this", "user", "prompt"),
        (("suffix",), "end", "user", "prompt"),
    ]
    assert env.max_tokens == 7
    single = parse_request(json.dumps({"prompt": "Once"}), path="/v1/completions")
    assert single.segments == (seg(("prompt",), "Once", "user", "prompt"),)
