"""Ollama's native API: chat, generate, embed; answers; NDJSON framing; errors."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from guard import Guard
from guard.dialects import dialect, endpoint, normalize
from guard.dialects.events import NDJSON
from guard.envelope import Envelope, parse_response
from tests.dialects.support import EMAIL, REDACT, assert_edits_land_in_place, read
from tests.dialects.support import parse as parse_on


def parse(body: dict[str, Any], path: str = "/api/chat") -> Envelope:
    return parse_on(body, path)


@pytest.mark.parametrize(("path", "api", "operation"), [
    ("/api/chat", "ollama.chat", "generate"),
    ("/api/generate", "ollama.generate", "generate"),
    ("/api/embed", "ollama.embed", "embed"),
    ("/api/embeddings", "ollama.embed", "embed"),
    ("/ollama/api/chat", "ollama.chat", "generate"),
])
def test_paths(path: str, api: str, operation: str) -> None:
    found = endpoint(normalize(path))
    assert found is not None
    assert (found.dialect.name, found.operation, found.model) == (api, operation, None)
    assert found.dialect is dialect(api)  # one dialect per API, whatever path reached it


def test_openai_paths_under_api_are_not_ollama() -> None:
    found = endpoint(normalize("/api/v1/chat/completions"))
    assert found is not None and found.dialect.name == "openai.chat"


def test_chat_every_text_and_nothing_else() -> None:
    env = parse({
        "model": "llama3.2", "keep_alive": "5m", "think": "high", "format": "json",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "what is in this?", "images": ["iVBORw0KGgo="]},
            {"role": "assistant", "content": "", "thinking": "let me look",
             "tool_calls": [{"id": "call_1", "function": {
                 "index": 0, "name": "get_weather",
                 "arguments": {"city": "Paris", "type": "metric"}}}]},
            {"role": "tool", "content": "sunny", "tool_name": "get_weather"},
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather",
                                                    "description": "weather by city"}}],
        "options": {"num_predict": 100, "temperature": 0.8, "stop": ["\n\n"], "seed": 42},
    })
    assert env.api == "ollama.chat"
    assert read(env) == [
        (("messages", 0, "content"), "be brief", "system", "message"),
        (("messages", 1, "content"), "what is in this?", "user", "message"),
        (("messages", 2, "thinking"), "let me look", "assistant", "other"),
        (("messages", 2, "tool_calls", 0, "function", "name"), "get_weather", "assistant",
         "tool_arguments"),
        # arguments are a JSON object, read once, every leaf (a "type" key too)
        (("messages", 2, "tool_calls", 0, "function", "arguments", "city"), "Paris",
         "assistant", "tool_arguments"),
        (("messages", 2, "tool_calls", 0, "function", "arguments", "type"), "metric",
         "assistant", "tool_arguments"),
        (("messages", 3, "content"), "sunny", "tool", "tool_result"),
        (("messages", 3, "tool_name"), "get_weather", "tool", "other"),
        (("tools", 0, "function", "name"), "get_weather", "other", "other"),
        (("tools", 0, "function", "description"), "weather by city", "other", "other"),
        (("options", "stop", 0), "\n\n", "other", "other"),
    ]
    assert [m.role for m in env.messages] == ["system", "user", "assistant", "tool"]
    assert (env.model, env.max_tokens, env.stream) == ("llama3.2", 100, True)
    assert env.provider is None  # a Llama is served by many: no guess


def test_a_json_schema_format_is_read_for_its_descriptions() -> None:
    env = parse({"model": "m", "messages": [],
                 "format": {"type": "object", "properties": {
                     "name": {"type": "string", "description": "who asked"}}}})
    assert [s.text for s in env.segments] == ["who asked"]


def test_generate_and_embed() -> None:
    env = parse({"model": "llama3.2", "prompt": "why is the sky blue?", "suffix": "the end",
                 "system": "you are a poet", "template": "{{ .Prompt }}",
                 "context": [1, 2, 3], "images": ["iVBORw0KGgo="], "raw": False,
                 "options": {"num_predict": 7}}, "/api/generate")
    assert env.api == "ollama.generate"
    assert read(env) == [
        (("prompt",), "why is the sky blue?", "user", "message"),
        (("suffix",), "the end", "user", "message"),
        (("system",), "you are a poet", "system", "system"),
        (("template",), "{{ .Prompt }}", "other", "other"),
    ]
    assert env.max_tokens == 7 and env.stream is True
    embed = parse({"model": "all-minilm", "input": ["one", "two"], "truncate": True,
                   "dimensions": 64}, "/api/embed")
    assert read(embed) == [(("input", 0), "one", "input", "message"),
                           (("input", 1), "two", "input", "message")]
    assert embed.operation == "embed" and embed.stream is False  # vectors: never streamed
    legacy = parse({"model": "all-minilm", "prompt": "three"}, "/api/embeddings")
    assert legacy.api == "ollama.embed" and [s.text for s in legacy.segments] == ["three"]


@pytest.mark.parametrize(("stream", "streamed"), [(None, True), (True, True), (False, False)])
def test_ollama_streams_unless_told_not_to(stream: bool | None, streamed: bool) -> None:
    body: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    if stream is not None:
        body["stream"] = stream
    assert parse(body).stream is streamed
    assert parse({**body, "prompt": "hi"}, "/api/generate").stream is streamed


def test_edits_land_where_the_text_came_from() -> None:
    body = {"model": "llama3.2", "stream": False, "messages": [
        {"role": "user", "content": f"mail {EMAIL}"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"function": {"name": "send", "arguments": {"to": EMAIL, "n": 2}}}]}]}
    out = REDACT.check_request_sync(copy.deepcopy(body), path="/api/chat").body
    assert out is not None
    assert out["messages"][0]["content"] == "mail <EMAIL_ADDRESS>"
    assert out["messages"][1]["tool_calls"][0]["function"] == {
        "name": "send", "arguments": {"to": "<EMAIL_ADDRESS>", "n": 2}}
    generate = REDACT.check_request_sync({"model": "m", "prompt": f"to {EMAIL}",
                                          "system": EMAIL}, path="/api/generate").body
    assert generate == {"model": "m", "prompt": "to <EMAIL_ADDRESS>",
                        "system": "<EMAIL_ADDRESS>"}


# --- answers -----------------------------------------------------------------------------

CHAT_ANSWER: dict[str, Any] = {"model": "llama3.2", "created_at": "2025-01-01T00:00:00Z",
               "message": {"role": "assistant", "content": "Hi Ada", "thinking": "greet",
                           "tool_calls": [{"function": {"name": "send",
                                                        "arguments": {"to": "Ada"}}}]},
               "done": True, "done_reason": "stop", "total_duration": 4883583458,
               "load_duration": 1334875, "prompt_eval_count": 26,
               "prompt_eval_duration": 342546000, "eval_count": 282,
               "eval_duration": 4535599000}


def test_read_answer_of_chat() -> None:
    env = parse_response(CHAT_ANSWER, 200, "ollama.chat")
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("message", "content"), "Hi Ada"), (("message", "thinking"), "greet"),
        (("message", "tool_calls", 0, "function", "name"), "send"),
        (("message", "tool_calls", 0, "function", "arguments", "to"), "Ada")]
    assert env.finish_reason == "stop"
    assert env.usage == {"prompt_eval_count": 26, "eval_count": 282}


def test_read_answer_of_generate_and_embed() -> None:
    env = parse_response({"model": "m", "response": "blue", "thinking": "hmm", "done": True,
                          "done_reason": "length", "context": [1, 2], "prompt_eval_count": 3,
                          "eval_count": 4}, 200, "ollama.generate")
    assert [s.text for s in env.segments] == ["blue", "hmm"]
    assert (env.finish_reason, env.usage) == ("length", {"prompt_eval_count": 3,
                                                         "eval_count": 4})
    embed = parse_response({"model": "all-minilm", "embeddings": [[0.1, 0.2]],
                            "prompt_eval_count": 2}, 200, "ollama.embed")
    assert embed.segments == () and embed.usage == {"prompt_eval_count": 2}


def test_answer_edits_in_arguments_and_text() -> None:
    decision = REDACT.check_request_sync({"model": "m", "stream": False, "messages": [
        {"role": "user", "content": "hi"}]}, path="/api/chat")
    body = copy.deepcopy(CHAT_ANSWER)
    body["message"]["content"] = f"Hi {EMAIL}"
    body["message"]["tool_calls"][0]["function"]["arguments"]["to"] = EMAIL
    out: Any = REDACT.check_response_sync(decision, json.dumps(body)).body
    assert out["message"]["content"] == "Hi <EMAIL_ADDRESS>"
    assert out["message"]["tool_calls"][0]["function"]["arguments"] == {
        "to": "<EMAIL_ADDRESS>"}
    assert out["eval_count"] == 282


# --- framing and errors ------------------------------------------------------------------

def test_ndjson_framing() -> None:
    ollama = dialect("ollama.chat")
    framing = ollama.framing("application/x-ndjson")
    assert isinstance(framing, NDJSON)
    lines = [{"message": {"role": "assistant", "content": "He"}, "done": False},
             {"message": {"role": "assistant", "content": "llo"}, "done": False},
             {"message": {"role": "assistant", "content": ""}, "done": True,
              "prompt_eval_count": 1, "eval_count": 2}]
    raw = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    events = []
    for cut in range(0, len(raw), 7):  # events cut anywhere still arrive whole
        events += list(framing.feed(raw[cut:cut + 7]))
    assert [e.json() for e in events] == lines
    assert framing.end() == []
    assert framing.encode({"a": "é"}) == '{"a":"é"}\n'.encode()


def test_error_body_is_a_bare_message() -> None:
    for api in ("ollama.chat", "ollama.generate", "ollama.embed"):
        assert dialect(api).error_body(403, "refused", "pol") == {"error": "refused"}
    denied = Guard.from_yaml("""version: 1
policies:
  - {name: models, type: route, allow: ["openai/*"]}
""").check_request_sync({"model": "llama3.2", "messages": []}, path="/api/chat")
    assert denied.action == "deny" and denied.error == {"error": denied.violations[0].message}
    raw = dialect("ollama.chat").error_event({"error": "refused"}, NDJSON())
    assert raw == b'{"error":"refused"}\n'


def test_apply_edits_land_where_each_text_came_from() -> None:
    assert_edits_land_in_place({
        "model": "m", "options": {"stop": ["s"], "num_predict": 3}, "messages": [
            {"role": "system", "content": "a"},
            {"role": "assistant", "content": "b", "thinking": "c", "tool_calls": [
                {"function": {"name": "f", "arguments": {"x": "d", "y": ["e"]}}}]},
            {"role": "tool", "content": "g", "tool_name": "f"}]}, "/api/chat")
    assert_edits_land_in_place({"model": "m", "prompt": "p", "suffix": "q", "system": "r",
                                "template": "t"}, "/api/generate")
