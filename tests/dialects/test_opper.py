"""Opper's task API: paths, models, v3 and v2 answers, ``/v3/call/stream`` events, errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from guard import Guard
from guard.asgi.streams import StreamGuard
from guard.dialects import dialect, endpoint, normalize
from guard.dialects.events import SSE
from guard.engine.output import scan_text
from guard.envelope import Edit, apply_edits, parse_request, parse_response, resolve
from tests.dialects.support import relay

EMAIL = "ann.lee@example.com"
POLICIES = """version: 1
policies:
  - name: pii
    type: pii
    stages: [input, output]
    entities: [EMAIL_ADDRESS]
    action: redact
  - name: zeus
    type: content
    stages: [output]
    detect: {keywords: ["project zeus"]}
    action: block
"""
GUARD = Guard.from_yaml(POLICIES)


@pytest.mark.parametrize(("path", "stream"), [
    ("/v3/call", False), ("/v3/call/stream", True), ("/v2/call", False),
    ("/v2/call/stream", True), ("/opper/v3/call", False),
])
def test_paths(path: str, stream: bool) -> None:
    found = endpoint(normalize(path))
    assert found is not None and found.dialect.name == "opper.call"
    assert (found.operation, found.stream) == ("generate", stream)


def test_a_call_its_models_and_what_is_configuration() -> None:
    body = {"name": "extract", "instructions": "Extract names.", "input": {"text": "Ada met Bo"},
            "model": ["openai/gpt-4o", {"name": "anthropic/claude-sonnet-4-5",
                                        "options": {"max_tokens": 10}}, "mistral/large"],
            "reasoning_effort": "low", "parent_span_id": "0b7c", "stream": False,
            "guard": {"input": [{"type": "pii", "action": "block"}]},
            "tools": [{"name": "lookup", "description": "finds people"}]}
    env = parse_request(json.dumps(body), path="/v3/call")
    for segment in env.segments:
        assert resolve(env.body, segment.pointer, segment.inner) == segment.text
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("name",), "extract"), (("instructions",), "Extract names."),
        (("input", "text"), "Ada met Bo"), (("tools", 0, "name"), "lookup"),
        (("tools", 0, "description"), "finds people")]
    assert (env.model, env.fallback_models) == (
        "openai/gpt-4o", ("anthropic/claude-sonnet-4-5", "mistral/large"))
    assert env.stream is False and dialect("opper.call").takes_fallbacks
    assert parse_request(json.dumps({"name": "t", "input": "x"}),
                         path="/v3/call/stream").stream is True


# --- answers -----------------------------------------------------------------------------

def test_v3_answer_data_and_meta_usage() -> None:
    body = {"data": {"names": ["Ada", "Bo"], "count": 2, "id": "n-1"},
            "meta": {"function_name": "extract", "execution_ms": 12, "cost": 0.0001,
                     "usage": {"input_tokens": 25, "output_tokens": 9},
                     "models_used": ["openai/gpt-4o"]}}
    env = parse_response(body, 200, "opper.call")
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("data", "names", 0), "Ada"), (("data", "names", 1), "Bo"), (("data", "id"), "n-1")]
    assert env.usage == {"input_tokens": 25, "output_tokens": 9}
    assert parse_response({"data": "plain text", "meta": {}}, 200,
                          "opper.call").text == "plain text"


def test_v2_answer_message_payload_and_usage() -> None:
    body = {"span_id": "5f0e", "message": "Hello Ada", "json_payload": {"greeting": "Hi"},
            "cached": False, "usage": {"input_tokens": 4, "output_tokens": 2,
                                       "total_tokens": 6},
            "cost": {"generation": 0.0001, "platform": 0.00001, "total": 0.00011}}
    env = parse_response(body, 200, "opper.call")
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("message",), "Hello Ada"), (("json_payload", "greeting"), "Hi")]
    assert env.usage["total_tokens"] == 6
    assert parse_response({"span_id": "s", "message": None, "json_payload": None}, 200,
                          "opper.call").segments == ()


def test_answer_edits() -> None:
    decision = GUARD.check_request_sync({"name": "t", "input": "hi"}, path="/v3/call")
    v3 = GUARD.check_response_sync(decision, json.dumps(
        {"data": {"to": EMAIL, "n": 1}, "meta": {"usage": {"input_tokens": 1}}})).body
    assert v3 == {"data": {"to": "<EMAIL_ADDRESS>", "n": 1},
                  "meta": {"usage": {"input_tokens": 1}}}
    v2: Any = GUARD.check_response_sync(decision, json.dumps(
        {"span_id": "s", "message": f"mail {EMAIL}", "json_payload": {"to": EMAIL}})).body
    assert v2["message"] == "mail <EMAIL_ADDRESS>"
    assert v2["json_payload"] == {"to": "<EMAIL_ADDRESS>"}


# --- /v3/call/stream ---------------------------------------------------------------------

def sse(data: Any, name: str | None = None) -> bytes:
    head = f"event: {name}\n" if name else ""
    body = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {body}\n\n".encode()


def stream(events: list[bytes], path: str = "/v3/call/stream"
           ) -> tuple[list[tuple[str | None, Any]], StreamGuard]:
    """The events a caller receives (name, data), through a real output policy."""
    async def run() -> tuple[bytes, StreamGuard]:
        decision = await GUARD.check_request({"name": "t", "input": "hi"}, path=path)

        async def scan(text: str) -> Any:
            return await scan_text(GUARD.engine.output_checks, decision, text)

        s = StreamGuard(dialect(decision.api), SSE(), scan, None, 0, False)
        return await relay(s, events)

    raw, s = asyncio.run(run())
    found = []
    for event in SSE().feed(raw):
        found.append((event.name, event.json() if event.data != "[DONE]" else "[DONE]"))
    return found, s


def test_v3_stream_content_tool_calls_usage_and_the_complete_event() -> None:
    events, s = stream([
        sse({"type": "content", "delta": "write to ann.lee@exa"}),
        sse({"type": "content", "delta": "mple.com today"}),
        sse({"type": "tool_call_start", "tool_call_index": 0, "tool_call_id": "call_1",
             "tool_call_name": "send"}),
        sse({"type": "tool_call_delta", "tool_call_index": 0,
             "tool_call_args": "{\"to\": \"bo@exa"}),
        sse({"type": "tool_call_delta", "tool_call_index": 0, "tool_call_args": "mple.org\"}"}),
        sse({"type": "done", "usage": {"input_tokens": 3, "output_tokens": 9}}),
        sse({"data": f"write to {EMAIL} today", "meta": {"usage": {"input_tokens": 3,
                                                                    "output_tokens": 9}}},
            "complete"),
        sse("[DONE]"),
    ])
    raw = json.dumps(events)
    assert EMAIL not in raw and "bo@example.org" not in raw
    content = "".join(d["delta"] for _, d in events if isinstance(d, dict)
                      and d.get("type") == "content")
    assert content == "write to <EMAIL_ADDRESS> today"
    args = "".join(d["tool_call_args"] for _, d in events if isinstance(d, dict)
                   and d.get("type") == "tool_call_delta")
    assert json.loads(args) == {"to": "<EMAIL_ADDRESS>"}
    complete = [d for name, d in events if name == "complete"]
    assert complete == [{"data": "write to <EMAIL_ADDRESS> today",
                         "meta": {"usage": {"input_tokens": 3, "output_tokens": 9}}}]
    assert events[-1] == (None, "[DONE]")
    assert s.usage == {"input_tokens": 3, "output_tokens": 9}
    # held text goes out before usage: the caller has the whole answer when "done" arrives
    kinds = [d.get("type") for _, d in events if isinstance(d, dict) and "type" in d]
    assert kinds.index("done") > max(i for i, k in enumerate(kinds) if k == "content")


def test_a_structured_result_is_checked_leaf_by_leaf() -> None:
    events, _ = stream([
        sse({"data": {"who": EMAIL, "n": 1}, "meta": {"usage": {"output_tokens": 2}}},
            "complete"), sse("[DONE]")])
    assert events[0] == ("complete", {"data": {"who": "<EMAIL_ADDRESS>", "n": 1},
                                      "meta": {"usage": {"output_tokens": 2}}})


def test_v2_stream_keeps_its_shape_to_the_end() -> None:
    events, _ = stream([
        sse({"delta": "hi ann.lee@exa", "span_id": "s1", "chunk_type": "text"}),
        sse({"delta": "mple.com", "chunk_type": "text"}),  # no done, no [DONE]: v2 ends so
    ], "/v2/call/stream")
    assert all("type" not in d for _, d in events)
    assert "".join(d["delta"] for _, d in events) == "hi <EMAIL_ADDRESS>"
    assert events[-1][1]["chunk_type"] == "text"


def test_v3_stream_cut_short_still_sends_the_held_text() -> None:
    events, _ = stream([sse({"type": "content", "delta": "to ann.lee@exa"}),
                        sse({"type": "content", "delta": "mple.com"})])
    assert "".join(d["delta"] for _, d in events) == "to <EMAIL_ADDRESS>"


def test_a_block_ends_the_stream_with_an_event_the_sdk_reads() -> None:
    events, s = stream([sse({"type": "content", "delta": "about project "}),
                        sse({"type": "content", "delta": "zeus now"}),
                        sse({"type": "done", "usage": {}}), sse("[DONE]")])
    assert s.denial is not None
    sent = "".join(d.get("delta", "") for _, d in events)
    assert sent == "about project "  # "zeus" never left
    name, last = events[-1]
    # the SDK reads events by "type": {"type": "error", "error": "<message>"}
    assert name is None and last["type"] == "error" and isinstance(last["error"], str)
    assert "zeus" in s.denial.message and last["error"] == s.denial.message
    assert (None, "[DONE]") not in events


def test_errors_from_upstream_pass_as_they_came() -> None:
    events, _ = stream([sse({"type": "error", "error": "upstream failed"}),
                        sse({"delta": "oops", "chunk_type": "error"}, None)])
    assert events == [(None, {"type": "error", "error": "upstream failed"}),
                      (None, {"delta": "oops", "chunk_type": "error"})]


def test_error_body_is_openai_shaped() -> None:
    body = dialect("opper.call").error_body(403, "refused", "pol")
    assert body["error"]["message"] == "refused" and body["error"]["code"] == "pol"


def test_apply_edits_land_where_each_text_came_from() -> None:
    body = {"name": "t", "instructions": "i", "input": {"a": ["b", {"type": "c"}], "n": 1},
            "examples": [{"input": "d", "output": {"e": "f"}}], "model": ["openai/gpt-4o"],
            "output_schema": {"type": "object", "description": "g"}}
    env = parse_request(json.dumps(body), path="/v3/call")
    edits = [Edit(s, 0, len(s.text), f"<{i}>") for i, s in enumerate(env.segments)]
    again = parse_request(json.dumps(apply_edits(env.body, edits)), path="/v3/call")
    assert [(s.pointer, s.text) for s in again.segments] == [
        (s.pointer, f"<{i}>") for i, s in enumerate(env.segments)]
    assert again.model == "openai/gpt-4o" and again.body["input"]["n"] == 1
