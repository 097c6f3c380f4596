"""parse_request: errors, derived fields, robustness, tokens, the CEL view."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest

from guard.dialects import dialect
from guard.envelope import estimate_tokens, parse_request, qualify_model, to_cel
from guard.envelope.walk import MAX_DEPTH
from guard.errors import RequestError


@pytest.mark.parametrize(("body", "message"), [
    (b"", "request body is not valid JSON: Expecting value at line 1 column 1"),
    ('{"a": 1,\n "b": }', "request body is not valid JSON: Expecting value at line 2 column 7"),
    (b"\xff\xfe\xfa", "request body is not valid JSON"),
    ('{"a": NaN}', "request body is not valid JSON: NaN is not valid JSON"),
    ('{"a": -Infinity}', "request body is not valid JSON"),
    ("[1, 2]", "request body must be a JSON object, got list"),
    ('"text"', "request body must be a JSON object, got string"),
    ("3", "request body must be a JSON object, got number"),
    ("null", "request body must be a JSON object, got null"),
    ("[" * 100_000 + "]" * 100_000, "request body is nested too deeply"),
])
def test_bad_bodies(body: str | bytes, message: str) -> None:
    with pytest.raises(RequestError) as info:
        parse_request(body)
    assert str(info.value).startswith(message)


def test_too_deep_is_refused_not_partially_scanned() -> None:
    deep: Any = "leaf"
    for _ in range(MAX_DEPTH + 5):
        deep = {"k": deep}
    with pytest.raises(RequestError, match="nested deeper"):
        parse_request(json.dumps({"name": "t", "input": deep}), path="/v3/call")
    fine: Any = "leaf"
    for _ in range(MAX_DEPTH - 5):
        fine = [fine]
    env = parse_request(json.dumps({"name": "t", "input": fine}), path="/v3/call")
    assert env.segments[-1].text == "leaf"


def test_bytes_str_and_mapping_bodies_agree() -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "héllo"}]}
    raw = json.dumps(body, ensure_ascii=False)
    a = parse_request(raw.encode(), path="/v1/chat/completions")
    b = parse_request(raw, path="/v1/chat/completions")
    c = parse_request(body, path="/v1/chat/completions")
    d = parse_request(MappingProxyType(body), path="/v1/chat/completions")
    assert a.segments == b.segments == c.segments == d.segments
    assert c.body is body


@pytest.mark.parametrize("body", [
    {"messages": "a string"},
    {"messages": [1, None, "text", ["x"], {"role": 5, "content": 3}]},
    {"messages": [{"role": "user", "content": [1, None, "bare", {"type": 3}, [{"t": "y"}]]}]},
    {"messages": [{"role": "assistant", "tool_calls": None}]},
    {"messages": [{"role": "assistant", "tool_calls": [None, 1, {"function": "x"},
                                                         {"function": {"arguments": 5}}]}]},
    {"messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": "[[["}}]}]},
    {"model": 5, "stream": "yes", "max_tokens": "10", "tags": [], "metadata": "m"},
    {"model": [None, 3], "fallback_models": "x"},
    {"system": {"weird": "thing"}, "messages": [{"role": "user", "content": {"a": "b"}}]},
])
def test_junk_never_crashes(body: dict[str, Any]) -> None:
    for path in ("", "/v1/chat/completions", "/v1/messages", "/v1/responses", "/v3/call",
                 "/v1/embeddings", "/v1/completions", "/x"):
        env = parse_request(json.dumps(body), path=path)
        assert isinstance(env.text, str)


def test_junk_fields_give_none() -> None:
    env = parse_request({"model": 5, "stream": "yes", "max_tokens": True, "tags": [1]})
    assert (env.model, env.provider, env.stream, env.max_tokens, env.tags) == (
        None, None, False, None, {})


def test_max_tokens_takes_the_largest_cap() -> None:
    env = parse_request({"messages": [], "max_tokens": 10, "max_completion_tokens": 20})
    assert env.max_tokens == 20
    assert parse_request({"messages": [], "max_tokens": -1}).max_tokens is None


@pytest.mark.parametrize(("model", "api", "provider", "qualified"), [
    ("openai/gpt-4o", "openai.chat", "openai", "openai/gpt-4o"),
    ("gpt-4o", "openai.chat", "openai", "openai/gpt-4o"),
    ("o3-mini", "openai.chat", "openai", "openai/o3-mini"),
    ("chatgpt-4o-latest", "openai.chat", "openai", "openai/chatgpt-4o-latest"),
    ("text-embedding-3-large", "openai.embeddings", "openai", "openai/text-embedding-3-large"),
    ("claude-3-5-haiku-latest", "openai.chat", "anthropic", "anthropic/claude-3-5-haiku-latest"),
    ("gemini-2.5-pro", "openai.chat", "google", "google/gemini-2.5-pro"),
    ("mistral-large-latest", "openai.chat", "mistral", "mistral/mistral-large-latest"),
    ("codestral-latest", "openai.chat", "mistral", "mistral/codestral-latest"),
    ("llama-3.3-70b", "openai.chat", None, "llama-3.3-70b"),
    ("my-finetune", "anthropic.messages", "anthropic", "anthropic/my-finetune"),
    ("GPT-4o", "openai.chat", "openai", "openai/GPT-4o"),
])
def test_provider_inference(model: str, api: str, provider: str | None, qualified: str) -> None:
    assert qualify_model(model, dialect(api).provider) == (qualified, provider)


def test_headers_are_lower_cased_and_method_upper() -> None:
    env = parse_request({}, method="post", headers={"X-Team": "eu", "Authorization": "Bearer k"})
    assert env.headers == {"x-team": "eu", "authorization": "Bearer k"}
    assert env.method == "POST"


def test_token_estimate() -> None:
    env = parse_request({"messages": [{"role": "user", "content": "x" * 10},
                                      {"role": "assistant", "content": "y" * 7}]})
    assert env.tokens == 5 + 4 * 2  # ceil(17 chars / 4) + 4 per message
    assert estimate_tokens(env) == env.tokens
    assert estimate_tokens(["abcd", "e"]) == 2 + 8
    assert estimate_tokens("abcde") == 2 + 4
    embeddings = parse_request({"input": ["abcd", "abcd"]}, path="/v1/embeddings")
    assert embeddings.tokens == 2  # no message framing for embeddings


def test_to_cel_is_plain_json() -> None:
    body = {"model": "gpt-4o", "stream": True, "max_tokens": 9, "metadata": {"k": "v"},
            "messages": [{"role": "user", "content": "hi"}]}
    cel = to_cel(parse_request(body, path="/v1/chat/completions?x=1", headers={"X-A": "b"}))
    assert cel == {
        "api": "openai.chat", "path": "/v1/chat/completions", "method": "POST",
        "headers": {"x-a": "b"}, "model": "gpt-4o", "provider": "openai", "stream": True,
        "max_tokens": 9, "messages": [{"role": "user", "text": "hi"}], "text": "v\nhi",
        "tags": {}, "metadata": {"k": "v"}, "body": body, "tokens": 5, "operation": "generate",
        "api_key": None, "mcp": {"method": None, "tool": None, "id": None, "arguments": {}},
    }
    assert json.loads(json.dumps(cel)) == cel


def test_long_base64_strings_are_not_text() -> None:
    blob = "QUJD" * 400
    env = parse_request({"name": "t", "input": {"image": blob, "caption": "a cat"}},
                        path="/v3/call")
    assert [s.text for s in env.segments] == ["t", "a cat"]
    prose = "word " * 400
    assert parse_request({"name": "t", "input": prose}, path="/v3/call").segments[1].text == prose


@pytest.mark.parametrize(("body", "headers", "nul_free"), [
    (b'{"messages": [{"role": "user", "content": "hi"}]}', None, True),
    ('{"messages": [{"role": "user", "content": "hi"}]}', None, True),
    (b'{"messages": [{"role": "user", "content": "a\\u0000b"}]}', None, False),
    (b'{"note": "a\\\\u0000"}', None, False),  # an escaped backslash: no NUL, only the walk
    (b'{"messages": []}', {"x-user": "a\x00"}, False),
    ({"messages": []}, None, False),  # a parsed body is not searched: the walk decides
    ('{"messages": []}'.encode("utf-16"), None, False),
])
def test_nul_free_is_known_from_json_text_only(body: Any, headers: dict[str, str] | None,
                                               nul_free: bool) -> None:
    assert parse_request(body, path="/v1/chat/completions", headers=headers).nul_free is nul_free
