"""Anthropic Messages' side endpoints: count_tokens and batches; answers and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from guard import Guard
from guard.dialects import dialect, endpoint, normalize
from guard.dialects.anthropic import batch_model_pointers
from guard.envelope import parse_response
from tests.dialects.support import EMAIL, REDACT, assert_edits_land_in_place, parse


@pytest.mark.parametrize(("path", "operation"), [
    ("/v1/messages", "generate"), ("/v1/messages?beta=true", "generate"),
    ("/v1/messages/count_tokens", "count"), ("/v1/messages/count_tokens?beta=true", "count"),
    ("/v1/messages/batches", "batch"), ("/v3/compat/v1/messages", "generate"),
])
def test_paths(path: str, operation: str) -> None:
    found = endpoint(normalize(path))
    assert found is not None and found.dialect.name == "anthropic.messages"
    assert found.operation == operation and found.model is None


def test_threads_messages_are_not_anthropic() -> None:
    found = endpoint(normalize("/v1/threads/thread_1/messages"))
    assert found is None or found.dialect.name != "anthropic.messages"


def test_count_tokens_reads_a_messages_body_and_generates_nothing() -> None:
    env = parse({"model": "claude-sonnet-4-5", "system": [{"type": "text", "text": "sys"}],
                 "messages": [{"role": "user", "content": "hello"}],
                 "tools": [{"name": "lookup", "description": "finds",
                            "input_schema": {"type": "object"}}],
                 "thinking": {"type": "enabled", "budget_tokens": 1024},
                 "tool_choice": {"type": "auto"}},
                "/v1/messages/count_tokens")
    assert env.operation == "count" and env.stream is False and env.max_tokens is None
    assert [(s.pointer, s.text, s.role) for s in env.segments] == [
        (("system", 0, "text"), "sys", "system"),
        (("messages", 0, "content"), "hello", "user"),
        (("tools", 0, "name"), "lookup", "other"),
        (("tools", 0, "description"), "finds", "other")]
    assert (env.model, env.provider) == ("claude-sonnet-4-5", "anthropic")


BATCH: dict[str, Any] = {"requests": [
    {"custom_id": "first-1", "params": {
        "model": "claude-sonnet-4-5", "max_tokens": 100, "system": "be brief",
        "messages": [{"role": "user", "content": "hello"},
                     {"role": "assistant", "content": [
                         {"type": "text", "text": "calling"},
                         {"type": "tool_use", "id": "toolu_1", "name": "lookup",
                          "input": {"who": "Ada", "type": "person"}}]},
                     {"role": "user", "content": [
                         {"type": "tool_result", "tool_use_id": "toolu_1",
                          "content": "found Ada"}]}],
        "metadata": {"user_id": "u-7"}, "stop_sequences": ["END"]}},
    {"custom_id": "second-2", "params": {
        "model": "claude-haiku-4-5", "max_tokens": 50, "fallbacks": ["claude-opus-4-1"],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "bye"}]}]}},
    {"custom_id": "third-3", "params": {
        "model": "claude-sonnet-4-5", "max_tokens": 25,
        "messages": [{"role": "user", "content": "again"}]}},
]}


def test_every_batch_entry_is_read_as_a_request_of_its_own() -> None:
    env = parse(BATCH, "/v1/messages/batches")
    assert env.operation == "batch"
    assert [(s.pointer, s.text, s.role, s.kind) for s in env.segments] == [
        (("requests", 0, "params", "system"), "be brief", "system", "system"),
        (("requests", 0, "params", "messages", 0, "content"), "hello", "user", "message"),
        (("requests", 0, "params", "messages", 1, "content", 0, "text"), "calling",
         "assistant", "content_part"),
        (("requests", 0, "params", "messages", 1, "content", 1, "name"), "lookup",
         "assistant", "tool_arguments"),
        (("requests", 0, "params", "messages", 1, "content", 1, "input", "who"), "Ada",
         "assistant", "tool_arguments"),
        (("requests", 0, "params", "messages", 1, "content", 1, "input", "type"), "person",
         "assistant", "tool_arguments"),
        (("requests", 0, "params", "messages", 2, "content", 0, "content"), "found Ada",
         "tool", "tool_result"),
        (("requests", 0, "params", "metadata", "user_id"), "u-7", "other", "other"),
        (("requests", 0, "params", "stop_sequences", 0), "END", "other", "other"),
        (("requests", 1, "params", "messages", 0, "content", 0, "text"), "bye", "user",
         "content_part"),
        (("requests", 2, "params", "messages", 0, "content"), "again", "user", "message"),
    ]
    assert "first-1" not in {s.text for s in env.segments}  # custom ids are the caller's keys
    assert [m.role for m in env.messages] == ["system", "user", "assistant", "user", "user",
                                              "user"]


def test_each_batch_entry_names_a_model_routes_must_admit() -> None:
    env = parse(BATCH, "/v1/messages/batches")
    assert env.model == "claude-sonnet-4-5"
    assert env.other_models == ("claude-haiku-4-5", "claude-opus-4-1")
    assert env.fallback_models == ()
    assert env.max_tokens == 175  # every entry's cap: the batch's worst case
    assert batch_model_pointers(BATCH) == [
        (("requests", 0, "params", "model"), "claude-sonnet-4-5"),
        (("requests", 1, "params", "model"), "claude-haiku-4-5"),
        (("requests", 2, "params", "model"), "claude-sonnet-4-5")]
    guard = Guard.from_yaml("""version: 1
policies:
  - {name: models, type: route, allow: ["anthropic/claude-sonnet-*", "anthropic/claude-haiku-*"]}
""")
    denied = guard.check_request_sync(BATCH, path="/v1/messages/batches")
    assert denied.action == "deny"  # the opus fallback of the second entry is not allowed
    assert denied.error is not None and denied.error["type"] == "error"


def test_odd_batch_entries_are_still_read() -> None:
    env = parse({"requests": [{"custom_id": "x", "params": "not an object"},
                              "loose", {"custom_id": "y", "note": "kept",
                                        "params": {"model": "claude-x", "messages": []}}]},
                "/v1/messages/batches")
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("requests", 0, "params"), "not an object"), (("requests", 1), "loose"),
        (("requests", 2, "note"), "kept")]


def test_batch_edits_land_in_their_entry() -> None:
    body = json.loads(json.dumps(BATCH))
    body["requests"][1]["params"]["messages"][0]["content"][0]["text"] = f"mail {EMAIL}"
    body["requests"][0]["params"]["messages"][1]["content"][1]["input"]["who"] = EMAIL
    out = REDACT.check_request_sync(body, path="/v1/messages/batches").body
    assert out is not None
    assert out["requests"][1]["params"]["messages"][0]["content"][0]["text"] == \
        "mail <EMAIL_ADDRESS>"
    assert out["requests"][0]["params"]["messages"][1]["content"][1]["input"] == {
        "who": "<EMAIL_ADDRESS>", "type": "person"}
    assert out["requests"][2] == BATCH["requests"][2]


def test_answers() -> None:
    count = parse_response({"input_tokens": 5}, 200, "anthropic.messages")
    assert count.segments == ()
    batch = parse_response({"id": "msgbatch_1", "type": "message_batch",
                            "processing_status": "in_progress",
                            "request_counts": {"processing": 1, "succeeded": 0}},
                           200, "anthropic.messages")
    assert batch.segments == ()
    message = parse_response({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
        "content": [{"type": "thinking", "thinking": "hmm", "signature": "c2ln"},
                    {"type": "text", "text": "Hi"},
                    {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": "b"}}],
        "stop_reason": "tool_use", "usage": {"input_tokens": 3, "output_tokens": 4}},
        200, "anthropic.messages")
    assert [s.text for s in message.segments] == ["hmm", "Hi", "f", "b"]
    assert message.finish_reason == "tool_use" and message.usage["output_tokens"] == 4


def test_error_body_is_anthropics() -> None:
    body = dialect("anthropic.messages").error_body(429, "slow down", "rate")
    assert body == {"type": "error", "error": {"type": "rate_limit_error",
                                               "message": "slow down"}}
    assert dialect("anthropic.messages").error_body(502, "x", None)["error"]["type"] == \
        "api_error"


def test_apply_edits_land_where_each_text_came_from() -> None:
    assert_edits_land_in_place(BATCH, "/v1/messages/batches")
    assert_edits_land_in_place({"model": "claude-x", "system": "s", "messages": [
        {"role": "user", "content": "hello"}]}, "/v1/messages/count_tokens")
