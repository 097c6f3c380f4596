"""Events no dialect knows are still read, opaque tokens are never touched, and JSON answers
read every text channel their streams have.

An unknown event type (or a known one with a field it does not read) has its strings
checked whole: a planted address must not reach the caller. Opaque values must go out byte
for byte: signatures, encrypted content, audio and image base64. Those planted here hold
"project zeus" base64-encoded, which the output ``block`` policy finds once decoded: were an
opaque value scanned, the stream would end with an error; and an event nothing changed in is
forwarded exactly as it came.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from guard.dialects.streaming import WHOLE_SKIP, segments
from tests.dialects.test_channels import chat, chunk, ev
from tests.dialects.test_streams import (
    ANTHROPIC,
    CHAT,
    EMAIL,
    GEMINI,
    GUARDS,
    INTERACTIONS,
    OLLAMA_CHAT,
    OPPER,
    RESPONSES,
    Spec,
    line,
    run,
    sse,
)

ZEUS = base64.b64encode(b"we discuss project zeus today, quietly").decode()
"""Base64 the content policy decodes and blocks: harmless unless something scans it."""
TOKEN = base64.b64encode(b"signed: we discuss project zeus today, as planned").decode()
"""An opaque token (a signature, encrypted content): base64 too, and blocked if scanned."""
SAID = f"write to {EMAIL} today"


def quiet(spec: Spec) -> bytes | None:
    """An unknown event with nothing for the checks to change: forwarded as it came (Ollama's
    lines are all of one shape, each written anew)."""
    if spec.ndjson:
        return None
    field = "event_type" if spec is INTERACTIONS else "type"
    return sse({field: "future.ping", "note": "all is well", "n": 1}, "future.ping")


def anthropic_events() -> list[bytes]:
    def e(data: dict[str, Any]) -> bytes:
        return sse(data, str(data["type"]))
    return [
        e({"type": "message_start", "message": {"id": "m", "type": "message", "role":
                                                "assistant", "content": [], "usage": {}}}),
        e({"type": "future_event", "note": SAID}),
        e({"type": "content_block_start", "index": 0,
           "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
        e({"type": "content_block_delta", "index": 0,
           "delta": {"type": "signature_delta", "signature": TOKEN}}),
        e({"type": "content_block_stop", "index": 0}),
        e({"type": "content_block_start", "index": 1,
           "content_block": {"type": "redacted_thinking", "data": TOKEN}}),
        e({"type": "content_block_stop", "index": 1}),
        e({"type": "content_block_start", "index": 2, "content_block": {
            "type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
                {"type": "web_search_result", "url": "https://example.org", "title": "Ann",
                 "encrypted_content": TOKEN}]}}),
        e({"type": "content_block_stop", "index": 2}),
        e({"type": "content_block_start", "index": 3,
           "content_block": {"type": "text", "text": ""}}),
        e({"type": "content_block_delta", "index": 3, "delta": {
            "type": "citations_delta", "citation": {
                "type": "web_search_result_location", "url": "https://example.org",
                "title": SAID, "cited_text": "Ann", "encrypted_index": TOKEN}}}),
        e({"type": "content_block_delta", "index": 3,
           "delta": {"type": "future_delta", "note": SAID}}),
        e({"type": "content_block_stop", "index": 3}),
        e({"type": "message_stop"})]


STREAMS: list[tuple[Spec, Callable[[], list[bytes]]]] = [
    (CHAT, lambda: [
        chunk({"content": "Hi ", "reasoning_details": [
            {"type": "reasoning.text", "text": SAID, "signature": TOKEN},
            {"type": "reasoning.encrypted", "data": TOKEN}]}),
        chunk({"audio": {"id": "audio_1", "data": ZEUS, "transcript": ""}}),
        sse({"id": "c1", "object": "chat.completion.chunk", "obfuscation": ZEUS,
             "provider_note": SAID, "choices": [
                 {"index": 0, "delta": {"future": SAID}, "finish_reason": None,
                  "future_choice": SAID}]}),
        *chat({})]),
    (RESPONSES, lambda: [
        ev("response.future.event", note=SAID, encrypted_content=TOKEN),
        ev("response.audio.delta", delta=ZEUS),
        ev("response.output_text.delta", item_id="m", output_index=1, content_index=0,
           delta="Hi ", obfuscation=ZEUS, future=SAID),
        ev("response.image_generation_call.partial_image", item_id="ig", output_index=2,
           partial_image_index=0, partial_image_b64=ZEUS),
        ev("response.output_item.done", output_index=0, item={
            "type": "reasoning", "id": "rs_1", "encrypted_content": TOKEN, "summary": []}),
        ev("response.output_item.done", output_index=2, item={
            "type": "image_generation_call", "id": "ig", "result": ZEUS}),
        ev("response.completed", response={"status": "completed", "output": [
            {"type": "reasoning", "encrypted_content": TOKEN, "summary": []}],
            "future": SAID})]),
    (ANTHROPIC, anthropic_events),
    (GEMINI, lambda: [sse({"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Hi ", "thoughtSignature": TOKEN},
        {"inlineData": {"mimeType": "image/png", "data": ZEUS}},
        {"functionCall": {"name": "send", "args": {"to": "x"}}, "thoughtSignature": TOKEN},
        {"text": "there", "future": SAID}]}, "index": 0, "finishReason": "STOP",
        "future": SAID}], "futureField": SAID})]),
    (INTERACTIONS, lambda: [
        sse({"event_type": "future.event", "note": SAID}, "future.event"),
        sse({"event_type": "step.delta", "index": 0,
             "delta": {"type": "thought_signature", "signature": TOKEN}}, "step.delta"),
        sse({"event_type": "step.delta", "index": 1,
             "delta": {"type": "image", "data": ZEUS, "mime_type": "image/png"}}, "step.delta"),
        sse({"event_type": "step.delta", "index": 2,
             "delta": {"type": "text", "text": "Hi ", "future": SAID}}, "step.delta"),
        sse({"event_type": "step.stop", "index": 2}, "step.stop")]),
    (OPPER, lambda: [sse({"type": "future", "note": SAID}),
                     sse({"type": "content", "delta": "Hi ", "future": SAID}),
                     sse({"type": "done", "usage": {}}), sse("[DONE]")]),
    (OLLAMA_CHAT, lambda: [
        line({"message": {"role": "assistant", "content": "Hi ", "images": [ZEUS],
                          "future": SAID}, "future": SAID, "done": False}),
        line({"message": {"role": "assistant", "content": ""}, "done": True})]),
]


@pytest.mark.parametrize("probe", [ZEUS, TOKEN])
def test_the_probes_would_be_blocked_if_scanned(probe: str) -> None:
    _, s, _ = run(replace(CHAT, events=lambda p, c: chat({"content": f"see {probe} "})), [])
    assert s.denial is not None and s.denial.policy == "zeus"


@pytest.mark.parametrize(("spec", "events"), STREAMS, ids=[str(s) for s, _ in STREAMS])
def test_unknown_events_and_fields_are_checked_whole_and_opaque_tokens_kept(
        spec: Spec, events: Callable[[], list[bytes]]) -> None:
    unchanged = quiet(spec)
    planted = [*([unchanged] if unchanged else []), *events()]
    _, s, raw = run(replace(spec, events=lambda p, c: planted), [])
    assert s.denial is None  # no opaque value was scanned
    assert EMAIL.encode() not in raw and b"ann.lee" not in raw
    assert b"write to <EMAIL_ADDRESS> today" in raw
    assert unchanged is None or unchanged in raw  # nothing to change: byte for byte
    for value in (TOKEN, ZEUS):
        planted_count = sum(event.count(value.encode()) for event in planted)
        assert raw.count(value.encode()) == planted_count


@pytest.mark.parametrize(("spec", "events"), STREAMS, ids=[str(s) for s, _ in STREAMS])
def test_unknown_text_gets_its_pseudonyms_back(spec: Spec,
                                               events: Callable[[], list[bytes]]) -> None:
    planted = [e.replace(EMAIL.encode(), b"<EMAIL_ADDRESS_1>") for e in events()]
    _, s, raw = run(replace(spec, events=lambda p, c: planted), [], guard="pseudonyms",
                       request=f"please mail {EMAIL}")
    assert s.denial is None and b"EMAIL_ADDRESS_1" not in raw
    assert SAID.encode() in raw


@pytest.mark.parametrize(("spec", "events"), STREAMS, ids=[str(s) for s, _ in STREAMS])
def test_a_block_in_an_unknown_event_ends_the_stream(spec: Spec,
                                                     events: Callable[[], list[bytes]]) -> None:
    planted = [e.replace(SAID.encode(), b"we discuss project zeus") for e in events()]
    seen, s, _ = run(replace(spec, events=lambda p, c: planted), [])
    assert s.denial is not None and s.denial.policy == "zeus"
    assert spec.error(*seen[-1]) and not any(spec.error(*e) for e in seen[:-1])
    assert not any("zeus" in json.dumps(d) for _, d in seen[:-1])


def test_whole_scans_skip_opaque_keys_but_read_text_blocks() -> None:
    found = segments({"type": "text", "data": "plain words", "signature": TOKEN,
                      "nested": {"type": "image", "data": "aGVsbG8=", "caption": "cat"}})
    assert [s.pointer for s in found] == [("data",), ("nested", "caption")]
    assert {"encrypted_content", "signature", "obfuscation"} <= WHOLE_SKIP


# --- JSON answers ------------------------------------------------------------------------------

def answer(path: str, request: dict[str, Any], body: dict[str, Any],
           guard: str = "redact") -> Any:
    """``body`` answering ``request`` through the output policies (the block policy would
    deny it, were an opaque value read), or the pseudonymizing ones."""
    g = GUARDS["output" if guard == "redact" else "pseudonyms"]
    decision = g.check_request_sync(request, path=path)
    result = g.check_response_sync(decision, json.dumps(body))
    assert result.action != "deny"
    return result.body


CHAT_ANSWER = {"id": "c", "object": "chat.completion", "model": "gpt-4o", "choices": [
    {"index": 0, "finish_reason": "stop", "message": {
        "role": "assistant", "content": None, "refusal": "{}",
        "reasoning_content": "{}", "reasoning": "{}",
        "audio": {"id": "audio_1", "data": ZEUS, "expires_at": 1, "transcript": "{}"},
        "function_call": {"name": "send", "arguments": json.dumps({"to": "{}"})},
        "tool_calls": [{"id": "call_1", "type": "function",
                        "function": {"name": "{}", "arguments": json.dumps({"to": "{}"})}}]}}]}


@pytest.mark.parametrize("guard", ["redact", "pseudonyms"])
def test_chat_json_answers_read_every_channel(guard: str) -> None:
    value = EMAIL if guard == "redact" else "<EMAIL_ADDRESS_1>"
    expected = "<EMAIL_ADDRESS>" if guard == "redact" else EMAIL
    body = json.loads(json.dumps(CHAT_ANSWER).replace("{}", value))
    out = answer("/v1/chat/completions", {"model": "gpt-4o", "messages": [
        {"role": "user", "content": f"mail {EMAIL}"}]}, body, guard)
    message = out["choices"][0]["message"]
    for field in ("refusal", "reasoning_content", "reasoning"):
        assert message[field] == expected
    assert message["audio"] == {"id": "audio_1", "data": ZEUS, "expires_at": 1,
                                "transcript": expected}
    assert json.loads(message["function_call"]["arguments"]) == {"to": expected}
    assert message["tool_calls"][0]["function"]["name"] == expected
    assert json.loads(message["tool_calls"][0]["function"]["arguments"]) == {"to": expected}


def test_anthropic_json_answers_read_thinking_and_server_tool_results() -> None:
    body = {"id": "m", "type": "message", "role": "assistant", "stop_reason": "end_turn",
            "content": [
                {"type": "thinking", "thinking": SAID, "signature": TOKEN},
                {"type": "redacted_thinking", "data": TOKEN},
                {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
                 "input": {"query": SAID}},
                {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
                    {"type": "web_search_result", "url": "https://example.org", "title": SAID,
                     "encrypted_content": TOKEN}]},
                {"type": "bash_code_execution_tool_result", "tool_use_id": "srvtoolu_2",
                 "content": {"type": "bash_code_execution_result", "stdout": SAID,
                             "stderr": "", "return_code": 0}},
                {"type": "text", "text": SAID, "citations": [
                    {"type": "web_search_result_location", "url": "https://example.org",
                     "title": "t", "cited_text": SAID, "encrypted_index": TOKEN}]}],
            "usage": {"input_tokens": 1, "output_tokens": 1}}
    out = answer("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 9,
                                  "messages": [{"role": "user", "content": "hi"}]}, body)
    text = json.dumps(out)
    assert EMAIL not in text and text.count("write to <EMAIL_ADDRESS> today") == 6
    assert text.count(TOKEN) == 4  # signature, redacted data, encrypted content and index


def test_opper_json_answers_read_the_text_in_meta() -> None:
    body = {"data": "ok", "meta": {"message": SAID, "trace_uuid": "t-1",
                                   "usage": {"input_tokens": 1, "output_tokens": 1}}}
    out = answer("/v3/call", {"name": "t", "input": "hi"}, body)
    assert out["meta"]["message"] == "write to <EMAIL_ADDRESS> today"
    assert out["meta"]["trace_uuid"] == "t-1"


def test_token_echoes_are_dropped_while_text_is_read() -> None:
    """logprobs repeat the text token by token: a value spread over tokens passes every
    check, so while output policies read the text the caller gets no token echoes."""
    from guard.envelope.reading import drop_token_echoes

    chunk = {"choices": [{"index": 0, "delta": {"content": "hi"}, "logprobs": {"content": [
        {"token": "ann", "logprob": -0.1, "top_logprobs": [{"token": ".lee"}]}]}}]}
    assert drop_token_echoes(chunk) is True
    assert chunk == {"choices": [{"index": 0, "delta": {"content": "hi"}}]}
    gemini = {"candidates": [{"logprobsResult": {"topCandidates": []}, "avgLogprobs": -1.0}]}
    assert drop_token_echoes(gemini) and "logprobsResult" not in gemini["candidates"][0]
    assert drop_token_echoes({"text": "no echoes"}) is False
