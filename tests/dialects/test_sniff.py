"""Which API a request speaks: by path, then by body shape."""

from __future__ import annotations

from typing import Any

import pytest

from guard.dialects import APIS, default_path, normalize, resolve


def detect_api(path: str, body: Any = None) -> str:
    return resolve(normalize(path) if path else None, body).dialect.name


@pytest.mark.parametrize(("path", "api"), [
    ("/v1/chat/completions", "openai.chat"),
    ("/chat/completions", "openai.chat"),
    ("/v3/compat/chat/completions", "openai.chat"),
    ("/v3/compat/v1/chat/completions", "openai.chat"),
    ("/openai/deployments/my-gpt4/chat/completions?api-version=2024-10-21", "openai.chat"),
    ("/v1/chat/completions/", "openai.chat"),
    ("/V1/Chat/Completions", "openai.chat"),
    ("https://api.openai.com/v1/chat/completions?x=1", "openai.chat"),
    ("v1/chat/completions", "openai.chat"),
    ("/v1/responses", "openai.responses"),
    ("/v3/compat/responses", "openai.responses"),
    ("/v1/embeddings", "openai.embeddings"),
    ("/embeddings", "openai.embeddings"),
    ("/v1/completions", "openai.completions"),
    ("/v1/messages", "anthropic.messages"),
    ("/v3/compat/messages", "anthropic.messages"),
    ("/anthropic/v1/messages", "anthropic.messages"),
    ("/v3/call", "opper.call"),
    ("/v3/call/stream", "opper.call"),
    ("/api/v1/chat/completions", "openai.chat"),
    ("/v2/chat/completions", "openai.chat"),
    ("/engines/gpt-4o/chat/completions", "openai.chat"),
    ("//v1//chat/./completions", "openai.chat"),
    ("/v1/x/../chat/completions;x=1", "openai.chat"),
    ("/v1beta/models/gemini-2.5-flash:generateContent", "gemini.generate"),
    ("/v1beta/interactions", "google.interactions"),
    ("/v3/compat/openresponses", "openresponses"),
    ("/api/chat", "ollama.chat"),
])
def test_path_decides(path: str, api: str) -> None:
    # the body looks like something else: the path wins
    assert detect_api(path, {"input": {"x": 1}, "name": "t"} if api != "opper.call" else
                      {"messages": []}) == api


def test_without_a_path_the_body_decides() -> None:
    assert detect_api("", {"name": "t", "instructions": "x", "input": "y"}) == "opper.call"
    assert detect_api("", {"foo": "bar"}) == "unknown"
    assert detect_api("") == "unknown"


@pytest.mark.parametrize("path", ["/", "/v1/threads/t_1/messages", "/v1/responses/resp_1",
                                  "/health"])
def test_a_path_that_names_no_api_gets_the_generic_view(path: str) -> None:
    # a chat- or Opper-shaped body on such a path could hide text in fields they call
    # structural: every string is read instead
    assert detect_api(path, {"name": "t", "instructions": "x", "input": "y"}) == "unknown"
    assert detect_api(path, {"messages": [{"role": "user", "content": "x"}]}) == "unknown"


def user(text: str = "hi") -> dict[str, Any]:
    return {"role": "user", "content": text}


@pytest.mark.parametrize(("body", "api"), [
    # plain, ambiguous: the model decides, chat by default
    ({"model": "gpt-4o", "messages": [user()]}, "openai.chat"),
    ({"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": [user()]},
     "anthropic.messages"),
    ({"model": "anthropic/claude-sonnet-4-5", "messages": [user()]}, "anthropic.messages"),
    ({"messages": [user()]}, "openai.chat"),
    # Anthropic-only signals
    ({"model": "m", "system": "s", "messages": [user()]}, "anthropic.messages"),
    ({"model": "m", "messages": [{"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "t", "content": "r"}]}]}, "anthropic.messages"),
    ({"model": "m", "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "url", "url": "u"}}]}]}, "anthropic.messages"),
    ({"model": "m", "stop_sequences": ["x"], "messages": [user()]}, "anthropic.messages"),
    ({"model": "m", "metadata": {"user_id": "u"}, "messages": [user()]}, "anthropic.messages"),
    ({"model": "m", "tools": [{"name": "f", "input_schema": {}}], "messages": [user()]},
     "anthropic.messages"),
    # chat-only signals beat a claude model name (OpenAI-compatible gateways)
    ({"model": "claude-sonnet-4-5", "messages": [{"role": "system", "content": "s"}, user()]},
     "openai.chat"),
    ({"model": "claude-3", "messages": [user(), {"role": "assistant", "tool_calls": []}]},
     "openai.chat"),
    ({"model": "claude-3", "max_completion_tokens": 5, "messages": [user()]}, "openai.chat"),
    ({"model": "claude-3", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "u"}}]}]}, "openai.chat"),
    ({"model": "m", "tools": [{"type": "function", "function": {}}], "messages": [user()]},
     "openai.chat"),
    # input: Responses, Embeddings or Opper
    ({"model": "gpt-4.1", "input": "hi"}, "openai.responses"),
    ({"model": "gpt-4.1", "input": "hi", "instructions": "x"}, "openai.responses"),
    ({"input": [{"role": "user", "content": "hi"}]}, "openai.responses"),
    ({"input": "hi", "max_output_tokens": 5}, "openai.responses"),
    ({"model": "text-embedding-3-small", "input": "hi"}, "openai.embeddings"),
    ({"input": ["a", "b"]}, "openai.embeddings"),
    ({"input": [[1, 2], [3]]}, "openai.embeddings"),
    ({"input": "hi", "encoding_format": "float"}, "openai.embeddings"),
    ({"name": "t", "input": "hi"}, "opper.call"),
    ({"input": {"text": "hi"}}, "opper.call"),
    ({"input": "hi", "model": ["a/b", "c/d"]}, "opper.call"),
    ({"input": "x", "output_schema": {}}, "opper.call"),
    ({"name": "t", "instructions": "x"}, "opper.call"),
    # legacy completions
    ({"model": "gpt-3.5-turbo-instruct", "prompt": "Once"}, "openai.completions"),
    ({"prompt": ["a", "b"]}, "openai.completions"),
    # nothing we know
    ({"prompt": {"id": "p"}}, "unknown"),
    ({"messages": "not a list"}, "unknown"),
    ({}, "unknown"),
])
def test_body_shape(body: dict[str, Any], api: str) -> None:
    assert detect_api("", body) == api


@pytest.mark.parametrize(("api", "path"), [
    ("openai.chat", "/v1/chat/completions"),
    ("openai.responses", "/v1/responses"),
    ("openai.embeddings", "/v1/embeddings"),
    ("openai.completions", "/v1/completions"),
    ("anthropic.messages", "/v1/messages"),
    ("opper.call", "/v3/call"),
])
def test_default_path_round_trips(api: str, path: str) -> None:
    assert default_path(api) == path
    assert detect_api(default_path(api), {}) == api


def test_default_path_of_every_api_and_bad_name() -> None:
    assert {default_path(api) for api in APIS}
    assert detect_api(default_path("unknown"), {}) == "unknown"
    with pytest.raises(ValueError, match="unknown api"):
        default_path("openai.chatt")
