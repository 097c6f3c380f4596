"""Route policies: rewrite, admit, fall back; allowlists intersect."""

from __future__ import annotations

from typing import Any

import pytest

from guard import Guard

CHAT = "/v1/chat/completions"


def chat(model: Any = "openai/gpt-5-mini", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "hi"}], **extra}


def guard_of(policies: str, settings: str = "") -> Guard:
    return Guard.from_yaml(f"version: 1\n{settings}\npolicies:\n{policies}")


BROAD = """
  - name: approved
    type: route
    providers: [openai, anthropic]
    allow: ["openai/gpt-5*", "anthropic/claude-*"]
    deny: ["*-preview"]
    aliases: {fast: openai/gpt-5-mini}
    default_model: openai/gpt-5-mini
"""


@pytest.mark.parametrize(
    ("model", "action", "forwarded"),
    [
        ("openai/gpt-5-mini", "allow", "openai/gpt-5-mini"),
        ("gpt-5", "allow", "gpt-5"),                      # provider inferred from the name
        ("fast", "modify", "openai/gpt-5-mini"),          # alias
        ("anthropic/claude-sonnet-4-6", "allow", "anthropic/claude-sonnet-4-6"),
        ("openai/gpt-5-preview", "deny", None),           # deny glob wins over allow
        ("openai/gpt-4o", "deny", None),                  # not in allow
        ("google/gemini-2.5-pro", "deny", None),          # provider not allowed
        ("mystery-model", "deny", None),                  # unknown provider
    ],
)
async def test_allow_deny_aliases(model: str, action: str, forwarded: str | None) -> None:
    decision = await guard_of(BROAD).check_request(chat(model), path=CHAT)
    assert decision.action == action
    if forwarded is None:
        assert decision.status == 403
        assert decision.body is None
        assert decision.error is not None
        assert decision.error["error"]["code"] == "approved"
        assert decision.error["error"]["type"] == "guard_violation"
    else:
        assert decision.body is not None and decision.body["model"] == forwarded


async def test_default_model_when_request_names_none() -> None:
    body = {"messages": [{"role": "user", "content": "hi"}]}
    decision = await guard_of(BROAD).check_request(body, path=CHAT)
    assert decision.action == "modify"
    assert decision.body == {**body, "model": "openai/gpt-5-mini"}


async def test_set_model_from_cel_and_empty_string_keeps_model() -> None:
    policies = """
  - name: eu
    type: route
    set_model: 'request.headers["x-team"] == "eu" ? "anthropic/claude-sonnet-4-6" : ""'
"""
    guard = guard_of(policies)
    eu = await guard.check_request(chat(), path=CHAT, headers={"X-Team": "eu"})
    other = await guard.check_request(chat(), path=CHAT, headers={"x-team": "us"})
    assert eu.body is not None and eu.body["model"] == "anthropic/claude-sonnet-4-6"
    assert other.action == "allow"


async def test_allowlists_intersect_a_later_rewrite_cannot_escape() -> None:
    policies = BROAD + """
  - name: sneaky
    type: route
    set_model: '"google/gemini-2.5-pro"'
"""
    decision = await guard_of(policies).check_request(chat(), path=CHAT)
    assert decision.action == "deny"
    assert [v.policy for v in decision.violations if v.action == "deny"] == ["approved"]


async def test_narrower_policy_restricts_further() -> None:
    policies = BROAD + """
  - name: eu-only-anthropic
    type: route
    when: 'request.headers["x-team"] == "eu"'
    allow: ["anthropic/*"]
"""
    guard = guard_of(policies)
    eu = await guard.check_request(chat(), path=CHAT, headers={"x-team": "eu"})
    assert eu.action == "deny"
    assert eu.violations[-1].policy == "eu-only-anthropic"


async def test_fallbacks_are_written_and_filtered_by_the_allowlist() -> None:
    policies = BROAD.replace("default_model: openai/gpt-5-mini",
                             "fallbacks: [anthropic/claude-sonnet-4-6, google/gemini-2.5-pro]")
    body = chat(fallback_models=["fast", "openai/gpt-4o"])
    decision = await guard_of(policies).check_request(body, path=CHAT)
    assert decision.body is not None
    assert decision.body["fallback_models"] == ["openai/gpt-5-mini",
                                                "anthropic/claude-sonnet-4-6"]


async def test_opper_model_list_rewrites_the_primary_only() -> None:
    body = {"name": "t", "input": "x", "model": ["fast", "anthropic/claude-sonnet-4-6"]}
    decision = await guard_of(BROAD).check_request(body, path="/v3/call")
    assert decision.body is not None
    assert decision.body["model"] == ["openai/gpt-5-mini", "anthropic/claude-sonnet-4-6"]


async def test_anthropic_denial_has_anthropic_error_shape() -> None:
    body = {"model": "claude-3-opus-preview", "max_tokens": 10,
            "messages": [{"role": "user", "content": "hi"}]}
    decision = await guard_of(BROAD).check_request(body, path="/v1/messages")
    assert decision.status == 403
    assert decision.error == {"type": "error", "error": {
        "type": "permission_error",
        "message": "model 'anthropic/claude-3-opus-preview' is not allowed"}}


async def test_monitor_mode_records_but_never_blocks_or_rewrites() -> None:
    guard = guard_of(BROAD, "settings: {mode: monitor}")
    denied = await guard.check_request(chat("google/gemini-2.5-pro"), path=CHAT)
    aliased = await guard.check_request(chat("fast"), path=CHAT)
    assert denied.action == "allow" and denied.status == 200
    assert [(v.policy, v.action, v.enforced) for v in denied.violations] == [
        ("approved", "deny", False)]
    assert aliased.action == "allow" and aliased.body == chat("fast")


async def test_opper_model_list_tail_is_held_to_every_allowlist() -> None:
    policies = BROAD + """
  - name: anthropic-only
    type: route
    allow: ["anthropic/*"]
    set_model: '"anthropic/claude-sonnet-4-6"'
"""
    body = {"name": "t", "input": "x",
            "model": [{"name": "fast", "options": {"temperature": 0}}, "openai/gpt-5",
                      "anthropic/claude-haiku-4-5"]}
    decision = await guard_of(policies).check_request(body, path="/v3/call")
    assert decision.body is not None
    assert decision.body["model"] == [{"name": "anthropic/claude-sonnet-4-6",
                                       "options": {"temperature": 0}},
                                      "anthropic/claude-haiku-4-5"]


async def test_fallbacks_added_later_are_verified_by_earlier_policies() -> None:
    policies = BROAD + """
  - name: adds-google
    type: route
    fallbacks: [google/gemini-2.5-pro, anthropic/claude-haiku-4-5]
"""
    decision = await guard_of(policies).check_request(chat(), path=CHAT)
    assert decision.body is not None
    assert decision.body["fallback_models"] == ["anthropic/claude-haiku-4-5"]
