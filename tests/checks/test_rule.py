"""Rule policies: deny_if, message, status, stages and on_error."""

from __future__ import annotations

from typing import Any

from guard import Guard

CHAT = "/v1/chat/completions"


def chat(n: int = 1, **extra: Any) -> dict[str, Any]:
    messages = [{"role": "user", "content": f"m{i}"} for i in range(n)]
    return {"model": "openai/gpt-5-mini", "messages": messages, **extra}


def guard_of(policies: str, settings: str = "") -> Guard:
    return Guard.from_yaml(f"version: 1\n{settings}\npolicies:\n{policies}")


RULE = """
  - name: short
    type: rule
    deny_if: size(request.messages) > 3
    message: at most 3 messages
    status: 422
"""


async def test_deny_if_true_denies_with_message_and_status() -> None:
    guard = guard_of(RULE)
    denied = await guard.check_request(chat(4), path=CHAT)
    allowed = await guard.check_request(chat(3), path=CHAT)
    assert (denied.action, denied.status) == ("deny", 422)
    assert denied.error == {"error": {"message": "at most 3 messages", "type": "guard_violation",
                                      "code": "short", "param": None}}
    assert [v.to_json()["policy"] for v in denied.violations] == ["short"]
    assert (allowed.action, allowed.status, allowed.body) == ("allow", 200, chat(3))


async def test_when_false_skips_the_policy() -> None:
    guard = guard_of(RULE.replace("status: 422", "status: 422\n    when: request.stream"))
    decision = await guard.check_request(chat(9), path=CHAT)
    assert decision.action == "allow"
    assert decision.trace[0].matched is False and decision.trace[0].verdict == "skip"


async def test_evaluation_error_fails_closed_by_default_with_503() -> None:
    guard = guard_of("""
  - name: needs-header
    type: rule
    deny_if: request.headers["x-team"] == "banned"
""")
    decision = await guard.check_request(chat(), path=CHAT)
    assert (decision.action, decision.status) == ("deny", 503)
    assert decision.violations[0].action == "error"
    assert "could not be evaluated" in decision.violations[0].message


async def test_on_error_allow_fails_open_and_records_it() -> None:
    guard = guard_of("""
  - name: needs-header
    type: rule
    on_error: allow
    deny_if: request.headers["x-team"] == "banned"
""")
    decision = await guard.check_request(chat(), path=CHAT)
    assert (decision.action, decision.status) == ("allow", 200)
    assert [(v.policy, v.action, v.enforced) for v in decision.violations] == [
        ("needs-header", "error", False)]


async def test_first_denial_stops_evaluation() -> None:
    guard = guard_of(RULE + """
  - name: never-reached
    type: rule
    deny_if: "true"
""")
    decision = await guard.check_request(chat(5), path=CHAT)
    assert [t.policy for t in decision.trace] == ["short"]


async def test_identity_variables_and_now_are_available() -> None:
    guard = Guard.from_yaml("""
version: 1
identity:
  key: request.headers["authorization"]
  user: request.body.user
  team: request.headers["x-team"]
variables:
  vip: identity.user == "alice"
policies:
  - name: vip-only
    type: rule
    deny_if: '!variables.vip || identity.team != null || now < timestamp("2000-01-01T00:00:00Z")'
""")
    alice = await guard.check_request(chat(user="alice"), path=CHAT,
                                      headers={"Authorization": "Bearer sk-secret"})
    bob = await guard.check_request(chat(user="bob"), path=CHAT)
    assert alice.action == "allow"
    assert alice.identity["user"] == "alice" and alice.identity["team"] is None
    key = alice.identity["key"]
    assert key is not None and key.startswith("sha256:") and "sk-secret" not in key
    assert bob.action == "deny"


async def test_output_stage_rule_sees_the_response() -> None:
    guard = guard_of("""
  - name: no-truncation
    type: rule
    stages: [output]
    deny_if: response.finish_reason == "length"
    message: answer was cut off
    status: 502
""")
    decision = await guard.check_request(chat(), path=CHAT)
    ok = {"choices": [{"message": {"role": "assistant", "content": "hi"},
                       "finish_reason": "stop"}]}
    cut = {"choices": [{"message": {"role": "assistant", "content": "h"},
                        "finish_reason": "length"}]}
    passed = await guard.check_response(decision, ok)
    assert (passed.action, passed.status, passed.body) == ("allow", 200, ok)
    decision = await guard.check_request(chat(), path=CHAT)
    refused = await guard.check_response(decision, cut)
    assert (refused.action, refused.status) == ("deny", 502)
    assert refused.body is not None and refused.body["error"]["code"] == "no-truncation"


async def test_a_crashing_check_fails_closed_and_logs_no_request_text(
        caplog: Any) -> None:
    from guard.checks.rule import RuleCheck

    guard = guard_of(RULE)
    check = guard.compiled.checks[0]
    assert isinstance(check, RuleCheck)

    async def crash(ctx: Any) -> Any:
        raise ValueError("secret-" + "user-text")  # built, so no source line holds it

    check.evaluate = crash  # type: ignore[method-assign]
    decision = await guard.check_request(chat(), path=CHAT)
    assert (decision.action, decision.status) == ("deny", 503)
    assert decision.violations[0].message.endswith("could not be evaluated: internal error")
    assert "internal error (ValueError)" in decision.trace[-1].detail["error"]  # explain only
    assert "check crashed with ValueError" in caplog.text
    assert "secret-user-text" not in caplog.text


async def test_a_nul_in_json_text_or_an_edit_cannot_hide_a_word_from_a_rule() -> None:
    """Binding skips its NUL walk for JSON text without ``\\u0000``; with one, or after an
    edit that writes a NUL, the walk runs (cel-expr-python would cut the text at the NUL)."""
    guard = guard_of("""
  - {name: deny-word, type: rule, deny_if: 'request.text.contains("forbidden")'}
""")
    hidden = (b'{"model": "gpt-5-mini", "messages": [{"role": "user", "content": '
              b'"a\\u0000 forbidden"}]}')
    plain = hidden.replace(b"\\u0000", b"")
    assert (await guard.check_request(hidden, path=CHAT)).action == "deny"
    assert (await guard.check_request(plain, path=CHAT)).action == "deny"
    redacting = guard_of("""
  - name: nul-redact
    type: content
    detect: {keywords: [secret]}
    action: redact
    replacement: "\\0"
  - {name: deny-word, type: rule, deny_if: 'request.text.contains("forbidden")'}
""")
    edited = await redacting.check_request(
        b'{"model": "gpt-5-mini", "messages": [{"role": "user", "content": "secret forbidden"}]}',
        path=CHAT)
    assert edited.action == "deny"
