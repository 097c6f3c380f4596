"""Google Interactions: requests (every ``input`` form), answers of both schemas, errors."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from guard.dialects import dialect, endpoint, normalize
from guard.dialects.events import SSE
from guard.envelope import Envelope, parse_response
from tests.dialects.support import EMAIL, REDACT, assert_edits_land_in_place, read
from tests.dialects.support import parse as parse_on

PATH = "/v1beta/interactions"


def parse(body: dict[str, Any], path: str = PATH) -> Envelope:
    return parse_on(body, path)


@pytest.mark.parametrize("path", [
    "/v1beta/interactions", "/v1/interactions", "/v3/compat/v1beta/interactions",
    "/v1beta1/projects/p/locations/us-central1/interactions",
])
def test_paths(path: str) -> None:
    found = endpoint(normalize(path))
    assert found is not None and found.dialect.name == "google.interactions"
    assert (found.operation, found.model, found.stream) == ("generate", None, False)


def test_paths_of_other_interaction_calls_are_not_create() -> None:
    for path in ("/v1beta/interactions/v1_abc", "/v1beta/interactions/v1_abc/cancel"):
        found = endpoint(normalize(path))
        assert found is None or found.dialect.name != "google.interactions"


def test_a_string_input_with_settings_that_are_text_and_settings_that_are_not() -> None:
    env = parse({
        "model": "gemini-3-flash-preview", "input": "Tell me a joke.",
        "system_instruction": "Be brief.",
        "generation_config": {"max_output_tokens": 256, "temperature": 0.2,
                              "stop_sequences": ["END"], "thinking_level": "low",
                              "thinking_summaries": "auto", "tool_choice": "any"},
        "tools": [{"type": "function", "name": "f", "description": "does f",
                   "parameters": {"type": "object"}}],
        "response_modalities": ["text"], "response_mime_type": "application/json",
        "previous_interaction_id": "v1_prev", "store": True, "background": False,
        "stream": True, "service_tier": "flex",
        "safety_settings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"}],
    })
    assert env.api == "google.interactions"
    assert read(env) == [
        (("input",), "Tell me a joke.", "user", "message"),
        (("system_instruction",), "Be brief.", "system", "system"),
        (("generation_config", "stop_sequences", 0), "END", "other", "other"),
        (("tools", 0, "name"), "f", "other", "other"),
        (("tools", 0, "description"), "does f", "other", "other"),
    ]
    assert [(m.role, m.text) for m in env.messages] == [("user", "Tell me a joke."),
                                                        ("system", "Be brief.")]
    assert (env.model, env.provider, env.max_tokens, env.stream) == (
        "gemini-3-flash-preview", "google", 256, True)


def test_a_list_of_steps() -> None:
    env = parse({"model": "gemini-3-flash-preview", "input": [
        {"type": "user_input", "content": [{"type": "text", "text": "u1"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "m1"}]},
        {"type": "thought", "signature": "c2ln", "summary": [{"type": "text", "text": "hmm"}]},
        {"type": "function_call", "id": "c1", "name": "lookup",
         "arguments": {"who": "Ada", "type": "person"}},
        {"type": "function_result", "call_id": "c1", "name": "lookup", "result": "found",
         "is_error": False},
        {"type": "function_result", "call_id": "c2", "name": "lookup",
         "result": {"rows": [{"id": "r1", "name": "Bo"}]}},
    ]})
    assert read(env) == [
        (("input", 0, "content", 0, "text"), "u1", "user", "content_part"),
        (("input", 1, "content", 0, "text"), "m1", "assistant", "content_part"),
        (("input", 2, "summary", 0, "text"), "hmm", "assistant", "content_part"),
        (("input", 3, "name"), "lookup", "assistant", "content_part"),
        (("input", 3, "arguments", "who"), "Ada", "assistant", "tool_arguments"),
        (("input", 3, "arguments", "type"), "person", "assistant", "tool_arguments"),
        (("input", 4, "name"), "lookup", "tool", "content_part"),
        (("input", 4, "result"), "found", "tool", "tool_result"),
        (("input", 5, "name"), "lookup", "tool", "content_part"),
        # a result is data: its "id" is text as much as its "name"
        (("input", 5, "result", "rows", 0, "id"), "r1", "tool", "tool_result"),
        (("input", 5, "result", "rows", 0, "name"), "Bo", "tool", "tool_result"),
    ]
    assert [m.role for m in env.messages] == ["user", "assistant", "assistant", "assistant",
                                              "tool", "tool"]


def test_turns_keep_their_roles() -> None:
    env = parse({"model": "m", "input": [
        {"role": "user", "content": [{"type": "text", "text": "question"}]},
        {"role": "model", "content": [{"type": "text", "text": "answer"}]},
        {"role": "user", "content": "again"},
    ]})
    assert [(s.text, s.role) for s in env.segments] == [
        ("question", "user"), ("answer", "assistant"), ("again", "user")]
    assert [m.role for m in env.messages] == ["user", "assistant", "user"]


def test_content_blocks_a_single_block_and_binary() -> None:
    env = parse({"model": "m", "input": [
        {"type": "text", "text": "look"},
        {"type": "image", "data": "iVBORw0KGgo=", "mime_type": "image/png"},
        {"type": "document", "uri": "https://example.com/a.pdf", "mime_type": "application/pdf"},
    ]})
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("input", 0, "text"), "look"), (("input", 2, "uri"), "https://example.com/a.pdf")]
    single = parse({"model": "m", "input": {"type": "text", "text": "one block"}})
    assert read(single) == [(("input", "text"), "one block", "user", "message")]


def test_agent_and_fallbacks() -> None:
    env = parse({"agent": "deep-research-pro-preview-12-2025", "input": "x"})
    assert env.model == "deep-research-pro-preview-12-2025"
    env = parse({"model": "gemini-3-flash-preview", "input": "x",
                 "fallback_models": ["gemini-2.5-flash", "gemini-2.5-flash"]})
    assert env.fallback_models == ("gemini-2.5-flash",)
    assert dialect("google.interactions").takes_fallbacks is True
    texts = {s.text for s in env.segments}
    assert texts == {"x"}


def test_max_tokens_in_either_spelling() -> None:
    assert parse({"model": "m", "input": "x",
                  "generationConfig": {"maxOutputTokens": 12}}).max_tokens == 12
    assert parse({"model": "m", "input": "x", "generation_config": {"max_output_tokens": 3},
                  "generationConfig": {"maxOutputTokens": 12}}).max_tokens == 12
    assert parse({"model": "m", "input": "x"}).max_tokens is None


def test_edits_land_where_the_text_came_from() -> None:
    body = {"model": "gemini-3-flash-preview", "system_instruction": f"owner {EMAIL}",
            "input": [{"type": "user_input", "content": [{"type": "text",
                                                          "text": f"mail {EMAIL}"}]},
                      {"type": "function_call", "id": "c1", "name": "send",
                       "arguments": {"to": EMAIL, "n": 1}},
                      {"type": "function_result", "call_id": "c1", "name": "send",
                       "result": f"sent to {EMAIL}"}]}
    decision = REDACT.check_request_sync(copy.deepcopy(body), path=PATH)
    out = decision.body
    assert out is not None
    assert out["system_instruction"] == "owner <EMAIL_ADDRESS>"
    assert out["input"][0]["content"][0]["text"] == "mail <EMAIL_ADDRESS>"
    assert out["input"][1] == {"type": "function_call", "id": "c1", "name": "send",
                               "arguments": {"to": "<EMAIL_ADDRESS>", "n": 1}}
    assert out["input"][2]["result"] == "sent to <EMAIL_ADDRESS>"
    assert out["input"][2]["call_id"] == "c1"


# --- answers -----------------------------------------------------------------------------

STEPS: dict[str, Any] = {"id": "v1_1", "status": "completed", "model": "gemini-3-flash-preview",
         "object": "interaction", "created": "2026-01-01T00:00:00Z",
         "steps": [
             {"type": "user_input", "content": [{"type": "text", "text": "hi"}]},
             {"type": "thought", "signature": "c2ln",
              "summary": [{"type": "text", "text": "thinking"}]},
             {"type": "model_output", "content": [{"type": "text", "text": "Hello there"}]},
             {"type": "function_call", "id": "c9", "name": "send",
              "arguments": {"to": "Ada"}}],
         "usage": {"total_input_tokens": 3, "total_output_tokens": 2, "total_tokens": 5}}
LEGACY: dict[str, Any] = {"id": "int_123", "status": "completed", "role": "model",
          "outputs": [{"type": "text", "text": "Why did the chicken"},
                      {"type": "thought", "signature": "c2ln",
                       "summary": [{"type": "text", "text": "joke"}]}],
          "usage": {"total_tokens": 9}}


def test_read_answer_of_steps() -> None:
    env = parse_response(STEPS, 200, "google.interactions")
    assert [(s.pointer, s.text, s.role) for s in env.segments] == [
        (("steps", 0, "content", 0, "text"), "hi", "user"),
        (("steps", 1, "summary", 0, "text"), "thinking", "assistant"),
        (("steps", 2, "content", 0, "text"), "Hello there", "assistant"),
        (("steps", 3, "name"), "send", "assistant"),
        (("steps", 3, "arguments", "to"), "Ada", "assistant"),
    ]
    assert env.finish_reason == "completed" and env.usage == STEPS["usage"]


def test_read_answer_of_the_legacy_outputs() -> None:
    env = parse_response(LEGACY, 200, "google.interactions")
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("outputs", 0, "text"), "Why did the chicken"),
        (("outputs", 1, "summary", 0, "text"), "joke")]
    assert env.finish_reason == "completed" and env.usage == {"total_tokens": 9}


def test_usage_under_geminis_name() -> None:
    env = parse_response({"status": "completed", "steps": [],
                          "usageMetadata": {"promptTokenCount": 2}}, 200,
                         "google.interactions")
    assert env.usage == {"promptTokenCount": 2}


def test_answer_edits() -> None:
    decision = REDACT.check_request_sync({"model": "m", "input": "hi"}, path=PATH)
    body = copy.deepcopy(STEPS)
    body["steps"][2]["content"][0]["text"] = f"write to {EMAIL}"
    body["steps"][3]["arguments"]["to"] = EMAIL
    out: Any = REDACT.check_response_sync(decision, json.dumps(body)).body
    assert out["steps"][2]["content"][0]["text"] == "write to <EMAIL_ADDRESS>"
    assert out["steps"][3]["arguments"] == {"to": "<EMAIL_ADDRESS>"}
    assert out["steps"][1]["signature"] == "c2ln"


# --- errors ------------------------------------------------------------------------------

def test_error_body_is_googles() -> None:
    body = dialect("google.interactions").error_body(403, "no", "pol")
    assert body["error"]["code"] == 403 and body["error"]["status"] == "PERMISSION_DENIED"
    assert body["error"]["message"] == "no"


def test_the_stream_error_event_has_a_string_code() -> None:
    # the SDK's Error model takes a string code: an int would fail to parse the event
    interactions = dialect("google.interactions")
    raw = interactions.error_event(interactions.error_body(403, "refused", "pol"), SSE())
    lines = raw.decode().splitlines()
    assert lines[0] == "event: error"
    data = json.loads(lines[1][len("data: "):])
    assert data["event_type"] == "error"
    assert data["error"]["code"] == "permission_denied"
    assert data["error"]["message"] == "refused"


def test_apply_edits_land_where_each_text_came_from() -> None:
    assert_edits_land_in_place({
        "model": "m", "system_instruction": "s", "generation_config": {
            "stop_sequences": ["x"], "max_output_tokens": 5},
        "input": [{"type": "user_input", "content": [{"type": "text", "text": "u"}]},
                  {"role": "model", "content": [{"type": "text", "text": "m"}]},
                  {"type": "function_call", "id": "c", "name": "f",
                   "arguments": {"a": ["b", {"type": "c"}]}},
                  {"type": "function_result", "call_id": "c", "result": {"r": "d"}}],
        "tools": [{"type": "function", "name": "f", "description": "g"}]}, PATH)
