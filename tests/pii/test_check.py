"""``type: pii`` end to end through ``Guard``: actions, stages, restore, failures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from guard import Guard
from guard.engine.decision import Decision

CHAT = "/v1/chat/completions"
EMAIL, CARD, PHONE = "jane.roe@example.com", "4539 1488 0343 6467", "+1 415 555 0199"


def guard(policy: str, settings: str = "") -> Guard:
    head = f"version: 1\n{settings}policies:\n"
    return Guard.from_yaml(head + policy)


def chat(*texts: str) -> dict[str, Any]:
    return {"model": "openai/gpt-5-mini",
            "messages": [{"role": "user", "content": t} for t in texts]}


def forwarded(decision: Decision) -> str:
    assert decision.body is not None
    return json.dumps(decision.body)


def answer(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}]}


PII = """  - name: pii
    type: pii
    action: {action}
"""


def test_redact_replaces_each_value_with_its_entity() -> None:
    d = guard(PII.format(action="redact")).check_request_sync(chat(f"mail {EMAIL}, card {CARD}"),
                                                             path=CHAT)
    assert d.action == "modify" and d.status == 200
    assert d.body is not None
    assert d.body["messages"][0]["content"] == "mail <EMAIL_ADDRESS>, card <CREDIT_CARD>"
    assert d.findings["pii"] == ["EMAIL_ADDRESS", "CREDIT_CARD"]
    assert d.violations[0].message == "2 PII value(s) replaced: EMAIL_ADDRESS x1, CREDIT_CARD x1"


def test_replace_uses_the_policy_replacement() -> None:
    policy = PII.format(action="replace") + '    replacement: "[{entity} removed]"\n'
    d = guard(policy).check_request_sync(chat(f"mail {EMAIL}"), path=CHAT)
    assert "mail [EMAIL_ADDRESS removed]" in forwarded(d)


def test_mask_keeps_the_last_characters() -> None:
    policy = PII.format(action="mask") + '    mask_char: "#"\n    mask_keep: 4\n'
    d = guard(policy).check_request_sync(chat(f"card {CARD}"), path=CHAT)
    assert d.body is not None
    assert d.body["messages"][0]["content"] == "card " + "#" * 15 + "6467"


def test_hash_is_keyed_stable_and_differs_per_key(monkeypatch: pytest.MonkeyPatch) -> None:
    g = guard(PII.format(action="hash"), "settings: {pii: {hash_key_env: TEST_GUARD_KEY}}\n")
    monkeypatch.setenv("TEST_GUARD_KEY", "k" * 32)
    first = forwarded(g.check_request_sync(chat(f"mail {EMAIL}"), path=CHAT))
    again = forwarded(g.check_request_sync(chat(f"mail {EMAIL}"), path=CHAT))
    assert first == again and EMAIL not in first and "<EMAIL_ADDRESS:" in first
    other = guard(PII.format(action="hash"), "settings: {pii: {hash_key_env: OTHER_KEY}}\n")
    monkeypatch.setenv("OTHER_KEY", "o" * 32)
    assert forwarded(other.check_request_sync(chat(f"mail {EMAIL}"), path=CHAT)) != first


def test_hash_key_file_is_created_once_with_private_mode(tmp_path: Any) -> None:
    key = tmp_path / "state" / "hash.key"
    g = guard(PII.format(action="hash"),
              f"settings: {{pii: {{hash_key_env: UNSET_GUARD_KEY_VAR, hash_key_file: '{key}'}}}}\n")
    d = g.check_request_sync(chat(f"mail {EMAIL}"), path=CHAT)
    assert d.action == "modify" and key.stat().st_mode & 0o777 == 0o600


def test_a_short_hash_key_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    g = guard(PII.format(action="hash"), "settings: {pii: {hash_key_env: SHORT_KEY}}\n")
    monkeypatch.setenv("SHORT_KEY", "short")
    d = g.check_request_sync(chat(f"mail {EMAIL}"), path=CHAT)
    assert d.action == "deny" and d.status == 503
    assert EMAIL not in json.dumps(d.error)


def test_block_and_per_entity_actions() -> None:
    policy = PII.format(action="redact") + "    actions: {CREDIT_CARD: block}\n"
    g = guard(policy)
    d = g.check_request_sync(chat(f"mail {EMAIL}"), path=CHAT)
    assert d.action == "modify"
    d = g.check_request_sync(chat(f"mail {EMAIL}, card {CARD}"), path=CHAT)
    assert d.action == "deny" and d.status == 400
    assert d.error is not None
    assert d.error["error"]["code"] == "pii" and CARD not in json.dumps(d.error)
    assert "CREDIT_CARD" in d.error["error"]["message"]


def test_flag_changes_nothing_but_records() -> None:
    d = guard(PII.format(action="flag")).check_request_sync(chat(f"mail {EMAIL}"), path=CHAT)
    assert d.action == "allow" and EMAIL in forwarded(d)
    assert d.violations[0].action == "flag" and d.findings["pii"] == ["EMAIL_ADDRESS"]


def test_monitor_mode_records_without_editing() -> None:
    policy = PII.format(action="redact") + "    mode: monitor\n"
    d = guard(policy).check_request_sync(chat(f"mail {EMAIL}"), path=CHAT)
    assert d.action == "allow" and EMAIL in forwarded(d)
    assert d.violations[0].enforced is False


def test_findings_reach_later_policies() -> None:
    policy = PII.format(action="redact") + """  - name: eu-only
    type: route
    when: '"EMAIL_ADDRESS" in findings.pii'
    set_model: '"mistral/mistral-large"'
  - name: no-pii-rule
    type: rule
    deny_if: '"CREDIT_CARD" in findings.pii'
"""
    g = guard(policy)
    d = g.check_request_sync(chat(f"mail {EMAIL}"), path=CHAT)
    assert d.model == "mistral/mistral-large"
    assert g.check_request_sync(chat("hello"), path=CHAT).model == "openai/gpt-5-mini"


def test_pseudonyms_are_stable_across_messages_and_restored_in_the_answer() -> None:
    g = guard(PII.format(action="pseudonymize"))
    d = g.check_request_sync(chat(f"I am {EMAIL}", f"again {EMAIL}, phone {PHONE}"), path=CHAT)
    assert d.body is not None
    assert [m["content"] for m in d.body["messages"]] == [
        "I am <EMAIL_ADDRESS_1>", "again <EMAIL_ADDRESS_1>, phone <PHONE_NUMBER_1>"]
    reply = g.check_response_sync(d, answer("Noted <EMAIL_ADDRESS_1> / <PHONE_NUMBER_1>."))
    assert reply.body == answer(f"Noted {EMAIL} / {PHONE}.")
    assert EMAIL not in repr(d.violations) + repr(d.trace) + json.dumps(d.to_json()["findings"])


def test_restore_inside_tool_call_arguments_keeps_them_valid_json() -> None:
    g = guard(PII.format(action="pseudonymize"))
    d = g.check_request_sync(chat(f'say "hi" to {EMAIL}'), path=CHAT)
    call = {"id": "c1", "type": "function",
            "function": {"name": "send", "arguments": '{"to": "<EMAIL_ADDRESS_1>"}'}}
    response = {"choices": [{"index": 0, "message": {"role": "assistant", "content": None,
                                                     "tool_calls": [call]}}]}
    reply = g.check_response_sync(d, response)
    assert reply.body is not None
    arguments = reply.body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == {"to": EMAIL}


def test_streaming_restorer_from_the_library() -> None:
    g = guard(PII.format(action="pseudonymize"))
    d = g.check_request_sync(chat(f"I am {EMAIL}"), path=CHAT)
    restorer = g.restorer(d)
    assert restorer is not None
    chunks = ["Hello <EMAIL", "_ADDRESS", "_1>!"]
    assert "".join(restorer.feed(c) for c in chunks) + restorer.flush() == f"Hello {EMAIL}!"
    assert g.restorer(g.check_request_sync(chat("no pii"), path=CHAT)) is None


def test_output_stage_hides_pii_the_model_wrote_and_keeps_restoring() -> None:
    policy = PII.format(action="pseudonymize") + "    stages: [input, output]\n"
    g = guard(policy)
    d = g.check_request_sync(chat(f"I am {EMAIL}"), path=CHAT)
    reply = g.check_response_sync(d, answer("Hi <EMAIL_ADDRESS_1>, ask bob@example.org"))
    assert reply.body == answer(f"Hi {EMAIL}, ask <EMAIL_ADDRESS_2>")
    assert reply.violations[0].policy == "pii"


def test_output_block() -> None:
    policy = PII.format(action="block") + "    stages: [output]\n    message: no PII out\n"
    g = guard(policy)
    d = g.check_request_sync(chat(f"I am {EMAIL}"), path=CHAT)
    assert d.action == "allow"
    reply = g.check_response_sync(d, answer(f"Your card is {CARD}"))
    assert reply.action == "deny" and reply.status == 400
    assert reply.body is not None and reply.body["error"]["message"] == "no PII out"


def test_a_failing_detector_blocks_with_503_or_passes_when_allowed() -> None:
    for on_error, action, status in (("block", "deny", 503), ("allow", "allow", 200)):
        g = guard(PII.format(action="redact") + f"    on_error: {on_error}\n")
        check = g.engine.input_checks[0]
        check.detector.find = _explode  # type: ignore[attr-defined]
        d = g.check_request_sync(chat(f"mail {EMAIL}"), path=CHAT)
        assert (d.action, d.status) == (action, status)
        assert "PII detector failed" in d.violations[0].message
        assert EMAIL not in d.violations[0].message
        body = json.dumps(d.error or {})
        assert "RuntimeError" not in body and "boom" not in body  # internals go to the log


def _explode(text: str, *args: Any) -> list[Any]:
    raise RuntimeError(f"boom on {text}")


def test_long_inputs_are_analyzed_off_the_event_loop() -> None:
    g = guard(PII.format(action="redact"))
    text = ("filler words " * 800) + EMAIL
    d = g.check_request_sync(chat(text), path=CHAT)
    assert d.action == "modify" and EMAIL not in forwarded(d)
