"""OpenAI's single-purpose endpoints: embeddings, moderations, images, speech, conversations."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from guard.asgi.streams import StreamGuard
from guard.dialects import dialect, endpoint, normalize
from guard.dialects.events import SSE
from guard.envelope import parse_response
from tests.dialects.support import EMAIL, REDACT, assert_edits_land_in_place, parse, read


@pytest.mark.parametrize(("path", "api", "operation", "model"), [
    ("/v1/embeddings", "openai.embeddings", "embed", None),
    ("/openai/deployments/my-emb/embeddings?api-version=2024-10-21", "openai.embeddings",
     "embed", "my-emb"),
    ("/v3/compat/embeddings", "openai.embeddings", "embed", None),
    ("/v1/moderations", "openai.moderations", "moderate", None),
    ("/v1/images/generations", "openai.images", "image", None),
    ("/v1/images/edits", "openai.images", "image", None),
    ("/v1/images/variations", "openai.images", "image", None),
    ("/v1/audio/speech", "openai.speech", "speech", None),
    ("/v1/conversations", "openai.conversations", "other", None),
    ("/v1/conversations/conv_1", "openai.conversations", "other", None),
    ("/v1/conversations/conv_1/items", "openai.conversations", "other", None),
])
def test_paths(path: str, api: str, operation: str, model: str | None) -> None:
    found = endpoint(normalize(path))
    assert found is not None
    assert (found.dialect.name, found.operation, found.model, found.stream) == (
        api, operation, model, False)


def test_embeddings_each_input_is_a_message_and_token_lists_are_not_text() -> None:
    env = parse({"model": "text-embedding-3-small", "input": ["first", "second", [1, 2, 3]],
                 "encoding_format": "base64", "dimensions": 256, "user": "user-7"},
                "/v1/embeddings")
    assert read(env) == [(("input", 0), "first", "input", "input"),
                         (("input", 1), "second", "input", "input"),
                         (("user",), "user-7", "other", "other")]
    assert [m.text for m in env.messages] == ["first", "second"]
    assert (env.model, env.provider, env.max_tokens, env.stream) == (
        "text-embedding-3-small", "openai", 0, False)
    assert parse({"model": "m", "input": [[1, 2], [3]]}, "/v1/embeddings").segments == ()
    assert parse({"model": "m", "input": [5, 6]}, "/v1/embeddings").segments == ()
    single = parse({"model": "m", "input": "just one", "fallback_models": ["m2"]},
                   "/v1/embeddings")
    assert read(single) == [(("input",), "just one", "input", "input")]
    assert single.fallback_models == ("m2",)


def test_moderations_text_and_image_parts() -> None:
    env = parse({"model": "omni-moderation-latest", "input": [
        {"type": "text", "text": "is this ok?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
        "/v1/moderations")
    assert read(env) == [(("input", 0, "text"), "is this ok?", "input", "input")]
    assert [(m.role, m.text) for m in env.messages] == [("input", "is this ok?")]
    assert env.operation == "moderate" and env.model == "omni-moderation-latest"
    strings = parse({"input": ["a", "b"]}, "/v1/moderations")
    assert [m.text for m in strings.messages] == ["a", "b"]


def test_images_prompt_settings_and_json_edits() -> None:
    env = parse({"model": "gpt-image-1", "prompt": "a cat", "background": "transparent",
                 "moderation": "low", "n": 1, "output_format": "png", "quality": "high",
                 "size": "1024x1024", "style": "vivid", "response_format": "b64_json",
                 "user": "u-1"}, "/v1/images/generations")
    assert read(env) == [(("prompt",), "a cat", "user", "prompt"),
                         (("user",), "u-1", "other", "other")]
    assert env.max_tokens is None and env.model == "gpt-image-1"
    edit = parse({"model": "gpt-image-1.5", "prompt": "make it blue",
                  "images": [{"image_url": "data:image/png;base64,iVBORw0KGgo="},
                             {"file_id": "file-1"}], "mask": {"file_id": "file-2"}},
                 "/v1/images/edits")
    assert [s.text for s in edit.segments] == ["make it blue"]


def test_speech_input_and_instructions() -> None:
    env = parse({"model": "gpt-4o-mini-tts", "input": "Hello there", "voice": "alloy",
                 "instructions": "cheerful", "response_format": "mp3", "speed": 1.25,
                 "stream_format": "sse"}, "/v1/audio/speech")
    assert read(env) == [(("input",), "Hello there", "user", "message"),
                         (("instructions",), "cheerful", "other", "other")]
    assert env.operation == "speech" and env.max_tokens is None
    custom_voice = parse({"model": "m", "input": "x", "voice": {"id": "voice_123"}},
                         "/v1/audio/speech")
    assert [s.text for s in custom_voice.segments] == ["x"]


def test_conversations_items_and_metadata() -> None:
    env = parse({"items": [
        {"type": "message", "role": "user", "content": "hello"},
        {"type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": "hi!"}]},
        {"type": "function_call", "call_id": "c1", "name": "lookup",
         "arguments": "{\"who\": \"Ada\"}"},
        {"type": "function_call_output", "call_id": "c1", "output": "found"}],
        "metadata": {"topic": "demo"}}, "/v1/conversations")
    assert read(env) == [
        (("items", 0, "content"), "hello", "user", "message"),
        (("items", 1, "content", 0, "text"), "hi!", "assistant", "content_part"),
        (("items", 2, "name"), "lookup", "assistant", "other"),
        (("items", 2, "arguments"), "Ada", "assistant", "tool_arguments"),
        (("items", 3, "output"), "found", "tool", "tool_result"),
        (("metadata", "topic"), "demo", "other", "other"),
    ]
    assert env.segments[3].inner == ("who",)
    assert [m.role for m in env.messages] == ["user", "assistant", "assistant", "tool"]
    assert env.operation == "other" and env.max_tokens == 0 and env.model is None
    update = parse({"metadata": {"topic": "x"}}, "/v1/conversations/conv_1")
    assert [s.text for s in update.segments] == ["x"]


def test_request_edits() -> None:
    cases: list[tuple[str, dict[str, Any], tuple[Any, ...]]] = [
        ("/v1/embeddings", {"model": "m", "input": ["a", f"b {EMAIL}"]}, ("input", 1)),
        ("/v1/moderations", {"input": [{"type": "text", "text": EMAIL}]},
         ("input", 0, "text")),
        ("/v1/images/generations", {"model": "m", "prompt": f"{EMAIL} as a cat"},
         ("prompt",)),
        ("/v1/audio/speech", {"model": "m", "input": f"read {EMAIL}", "voice": "alloy"},
         ("input",)),
        ("/v1/conversations/conv_1/items",
         {"items": [{"type": "function_call", "call_id": "c", "name": "f",
                     "arguments": json.dumps({"to": EMAIL})}]}, ("items", 0, "arguments")),
    ]
    for path, body, pointer in cases:
        out = REDACT.check_request_sync(body, path=path).body
        assert out is not None
        value: Any = out
        for key in pointer:
            value = value[key]
        assert EMAIL not in value and "<EMAIL_ADDRESS>" in value, path
    args = REDACT.check_request_sync(cases[-1][1], path=cases[-1][0]).body
    assert args is not None
    assert json.loads(args["items"][0]["arguments"]) == {"to": "<EMAIL_ADDRESS>"}


# --- answers -----------------------------------------------------------------------------

def test_answers_of_vectors_and_scores_carry_no_text() -> None:
    embeddings = parse_response({"object": "list", "model": "text-embedding-3-small",
                                 "data": [{"object": "embedding", "index": 0,
                                           "embedding": [0.1, 0.2]}],
                                 "usage": {"prompt_tokens": 2, "total_tokens": 2}},
                                200, "openai.embeddings")
    assert embeddings.segments == () and embeddings.usage["prompt_tokens"] == 2
    base64_vectors = parse_response({"object": "list", "data": [
        {"object": "embedding", "index": 0, "embedding": "AACAPwAAAEA="}]}, 200,
        "openai.embeddings")
    assert base64_vectors.segments == ()
    moderation = parse_response({
        "id": "modr-1", "model": "omni-moderation-latest",
        "results": [{"flagged": True,
                     "categories": {"violence": True, "self-harm/intent": False},
                     "category_scores": {"violence": 0.91},
                     "category_applied_input_types": {"violence": ["text", "image"]}}]},
        200, "openai.moderations")
    assert moderation.segments == ()


def test_images_answer_revised_prompt_is_text_and_pictures_are_not() -> None:
    body = {"created": 1713833628, "background": "opaque", "output_format": "png",
            "quality": "high", "size": "1024x1024",
            "data": [{"b64_json": "iVBORw0KGgo=", "url": None,
                      "revised_prompt": "a fluffy cat"},
                     {"url": "https://cdn.example.com/x.png"}],
            "usage": {"input_tokens": 50, "output_tokens": 4160, "total_tokens": 4210}}
    env = parse_response(body, 200, "openai.images")
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("data", 0, "revised_prompt"), "a fluffy cat")]
    assert env.usage["total_tokens"] == 4210


def test_conversation_answers_read_items_not_ids() -> None:
    body = {"object": "list", "data": [
        {"type": "message", "id": "msg_1", "status": "completed", "role": "user",
         "content": [{"type": "input_text", "text": "hello"}]}],
        "first_id": "msg_1", "last_id": "msg_1", "has_more": False}
    env = parse_response(body, 200, "openai.conversations")
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("data", 0, "content", 0, "text"), "hello")]
    created = parse_response({"id": "conv_1", "object": "conversation",
                              "created_at": 1741900000, "metadata": {"topic": "demo"}},
                             200, "openai.conversations")
    assert [s.text for s in created.segments] == ["demo"]


def test_answer_edits() -> None:
    decision = REDACT.check_request_sync({"model": "m", "prompt": "a cat"},
                                         path="/v1/images/generations")
    out: Any = REDACT.check_response_sync(decision, json.dumps({
        "created": 1, "data": [{"b64_json": "iVBORw0KGgo=",
                                "revised_prompt": f"a cat owned by {EMAIL}"}]})).body
    assert out["data"][0] == {"b64_json": "iVBORw0KGgo=",
                              "revised_prompt": "a cat owned by <EMAIL_ADDRESS>"}


# --- streams carry pictures and sound, and usage -----------------------------------------

def test_image_and_speech_streams_pass_with_their_usage() -> None:
    async def run(api: str, events: list[dict[str, Any]]) -> tuple[bytes, dict[str, Any]]:
        s = StreamGuard(dialect(api), SSE(), None, None, 0, False)
        raw = b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events)
        out = await s.feed(raw) + await s.finish()
        return out, s.usage

    image_events: list[dict[str, Any]] = [
        {"type": "image_generation.partial_image", "b64_json": "iVBOR", "partial_image_index": 0},
        {"type": "image_generation.completed", "b64_json": "iVBORw0KGgo=",
         "usage": {"input_tokens": 5, "output_tokens": 9, "total_tokens": 14}}]
    out, usage = asyncio.run(run("openai.images", image_events))
    assert out.count(b"data: ") == 2 and usage["total_tokens"] == 14
    speech_events: list[dict[str, Any]] = [{"type": "speech.audio.delta", "audio": "SUQzBAAAAAAA"},
                     {"type": "speech.audio.done",
                      "usage": {"input_tokens": 3, "output_tokens": 8, "total_tokens": 11}}]
    out, usage = asyncio.run(run("openai.speech", speech_events))
    assert b"SUQzBAAAAAAA" in out and usage["total_tokens"] == 11


@pytest.mark.parametrize("path", ["/v1/embeddings", "/v1/moderations",
                                  "/v1/conversations/conv_1/items"])
async def test_text_streamed_where_none_is_expected_is_still_read(path: str) -> None:
    """No API streams these answers, but an upstream may: its events are read like any
    unknown event's (found by the fuzzing harness: they passed unread, e-mail and all)."""
    import httpx

    from guard.asgi.middleware import GuardMiddleware

    async def upstream(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        body = f'data: {{"text": "write to {EMAIL}"}}\n\ndata: [DONE]\n\n'.encode()
        await send({"type": "http.response.body", "body": body})

    transport = httpx.ASGITransport(app=GuardMiddleware(upstream, REDACT))
    async with httpx.AsyncClient(transport=transport, base_url="http://guard") as client:
        answer = await client.post(path, json={"model": "m", "input": "hi", "items": []})
    assert answer.status_code == 200 and "<EMAIL_ADDRESS>" in answer.text
    assert EMAIL not in answer.text


def test_error_bodies_are_openais() -> None:
    for api in ("openai.embeddings", "openai.moderations", "openai.images", "openai.speech",
                "openai.conversations"):
        body = dialect(api).error_body(403, "refused", "pol")
        assert body == {"error": {"message": "refused", "type": "guard_violation",
                                  "code": "pol", "param": None}}


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/embeddings", {"model": "m", "input": ["a", "b", [1, 2]], "user": "u"}),
    ("/v1/moderations", {"input": [{"type": "text", "text": "a"}, "b"]}),
    ("/v1/images/generations", {"model": "m", "prompt": "a", "size": "1024x1024"}),
    ("/v1/audio/speech", {"model": "m", "input": "a", "instructions": "b", "voice": "alloy"}),
    ("/v1/conversations", {"items": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "a"}]},
        {"type": "function_call", "call_id": "c", "name": "f",
         "arguments": "{\"x\": \"b\", \"y\": [\"c\"]}"}], "metadata": {"k": "d"}}),
])
def test_apply_edits_land_where_each_text_came_from(path: str, body: dict[str, Any]) -> None:
    assert_edits_land_in_place(body, path)
