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
    decision = await guard_of(policies, "settings: {gateway: opper}").check_request(body,
                                                                                    path=CHAT)
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
    decision = await guard_of(policies, "settings: {gateway: opper}").check_request(
        chat(), path=CHAT)
    assert decision.body is not None
    assert decision.body["fallback_models"] == ["anthropic/claude-haiku-4-5"]


FALLBACKS = """
  - name: spare
    type: route
    allow: ["openai/*", "anthropic/*"]
    fallbacks: [anthropic/claude-haiku-4-5, google/gemini-2.5-pro]
"""


@pytest.mark.parametrize(("gateway", "field", "written"), [
    ("opper", "fallback_models", ["anthropic/claude-haiku-4-5"]),
    ("litellm", "fallbacks", ["anthropic/claude-haiku-4-5"]),
    ("openrouter", "models", ["anthropic/claude-haiku-4-5"]),
])
async def test_fallbacks_are_written_in_the_gateways_field(gateway: str, field: str,
                                                          written: list[str]) -> None:
    guard = guard_of(FALLBACKS, f"settings: {{gateway: {gateway}}}")
    decision = await guard.check_request(chat(), path=CHAT)
    assert decision.action == "modify"
    assert decision.body is not None and decision.body[field] == written
    assert not {"fallback_models", "fallbacks", "models"} - {field} & set(decision.body)


async def test_without_a_gateway_fallbacks_are_not_written_and_nothing_changes() -> None:
    decision = await guard_of(FALLBACKS).check_request(chat(), path=CHAT)
    assert decision.action == "allow" and decision.body == chat()


async def test_fallbacks_are_written_only_on_apis_that_take_them() -> None:
    guard = guard_of(FALLBACKS, "settings: {gateway: litellm}")
    speech = {"model": "openai/tts-1", "input": "hello", "voice": "alloy"}
    decision = await guard.check_request(speech, path="/v1/audio/speech")
    assert decision.action == "allow" and "fallbacks" not in (decision.body or {})


@pytest.mark.parametrize("field", ["fallback_models", "fallbacks", "models"])
async def test_refused_fallbacks_are_dropped_from_every_gateways_field(field: str) -> None:
    body = chat(**{field: ["mistral/mistral-large", {"model": "openai/gpt-4o"},
                           "anthropic/claude-haiku-4-5"]})
    decision = await guard_of(FALLBACKS).check_request(body, path=CHAT)
    assert decision.action == "modify" and decision.body is not None
    assert decision.body[field] == [{"model": "openai/gpt-4o"}, "anthropic/claude-haiku-4-5"]


GEMINI = "/v1beta/models/{}:generateContent"


async def test_a_model_named_in_the_path_meets_the_allowlist() -> None:
    guard = guard_of(FALLBACKS)
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    denied = await guard.check_request(body, path=GEMINI.format("gemini-2.5-pro"))
    assert denied.action == "deny" and denied.status == 403
    assert denied.error == {"error": {"code": 403, "message":
                                      "model 'google/gemini-2.5-pro' is not allowed",
                                      "status": "PERMISSION_DENIED",
                                      "details": [{"reason": "spare", "domain": "guard"}]}}
    vertex = "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:generateContent"
    assert (await guard.check_request(body, path=vertex)).status == 403


async def test_an_alias_in_the_path_rewrites_the_path() -> None:
    guard = guard_of("""
  - name: gemini
    type: route
    allow: ["google/gemini-2.5-*"]
    aliases: {fast: google/gemini-2.5-flash, elsewhere: openai/gpt-5}
""")
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    decision = await guard.check_request(body, path=GEMINI.format("fast") + "?alt=sse")
    assert decision.action == "modify" and decision.body == body
    assert decision.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert decision.model == "gemini-2.5-flash"
    moved = await guard.check_request(body, path=GEMINI.format("elsewhere"))
    assert moved.status == 403  # a Gemini path cannot name another provider's model


async def test_each_batch_entry_names_a_model_that_must_pass() -> None:
    entry = {"max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    body = {"requests": [
        {"custom_id": "a", "params": {"model": "claude-haiku-4-5", **entry}},
        {"custom_id": "b", "params": {"model": "mistral-large", **entry}}]}
    decision = await guard_of(FALLBACKS).check_request(body, path="/v1/messages/batches")
    assert decision.status == 403 and "mistral" in decision.violations[-1].message
    body["requests"].pop()
    assert (await guard_of(FALLBACKS).check_request(body, path="/v1/messages/batches")
            ).action == "allow"


async def test_a_request_that_calls_no_model_has_nothing_to_route() -> None:
    items = {"items": [{"type": "message", "role": "user", "content": "remember this"}]}
    decision = await guard_of(FALLBACKS).check_request(items, path="/v1/conversations/c1/items")
    assert decision.action == "allow"
    unknown = await guard_of(FALLBACKS).check_request({"note": "x"}, path="/v1/widgets")
    assert unknown.action == "allow"
    named = await guard_of(FALLBACKS).check_request({"model": "mistral-large", "note": "x"},
                                                   path="/v1/widgets")
    assert named.status == 403  # an unknown endpoint naming a model is held to the allowlist
