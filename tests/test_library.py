"""The Python entry point: loading, bad bodies, limits, and sync helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guard import Guard, PolicyError

ROOT = Path(__file__).resolve().parents[1]
RULE = "version: 1\npolicies:\n  - {name: r, type: rule, deny_if: 'size(request.text) > 20'}\n"


def test_import_guard_is_cheap() -> None:
    import subprocess
    import sys

    code = ("import sys, guard; heavy = [m for m in ('spacy', 'presidio_analyzer', 'celpy', "
            "'cel_expr_python') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_bundled_policies_load() -> None:
    guard = Guard.from_path(ROOT / "policies")
    assert len(guard.compiled.checks) >= 4


@pytest.mark.parametrize(
    ("body", "fragment"),
    [(b"{not json", "not valid JSON"), (b"[1, 2]", "JSON object"), ("\"text\"", "JSON object"),
     # parsed, but deeper than the walk goes (found by the fuzzing harness: it raised)
     (b'{"messages": [], "x": ' + b"[" * 100 + b"1" + b"]" * 100 + b"}", "nested deeper")],
)
async def test_bad_bodies_become_a_400_in_the_api_shape(body: bytes | str, fragment: str) -> None:
    decision = await Guard.from_yaml(RULE).check_request(body, path="/v1/messages")
    assert (decision.action, decision.status) == ("deny", 400)
    assert decision.error is not None and decision.error["type"] == "error"
    assert fragment in decision.error["error"]["message"]
    assert decision.headers["x-guard-decision-id"] == decision.decision_id


async def test_oversized_body_is_413() -> None:
    guard = Guard.from_yaml("version: 1\nsettings: {max_body_bytes: 100}\n")
    body = json.dumps({"model": "gpt-5", "messages": [{"role": "user", "content": "x" * 200}]})
    decision = await guard.check_request(body, path="/v1/chat/completions")
    assert (decision.action, decision.status) == ("deny", 413)
    assert decision.error is not None and "limit is 100" in decision.error["error"]["message"]


async def test_unknown_api_allow_or_block() -> None:
    body = {"foo": "bar"}
    allowed = await Guard.from_yaml("version: 1\n").check_request(body, path="/v1/other")
    blocking = Guard.from_yaml("version: 1\nsettings: {unknown_api: block}\n")
    blocked = await blocking.check_request(body, path="/v1/other")
    assert (allowed.action, allowed.api) == ("allow", "unknown")
    assert (blocked.action, blocked.status) == ("deny", 400)


def test_sync_helpers() -> None:
    guard = Guard.from_yaml(RULE)
    decision = guard.check_request_sync({"model": "m", "messages": [
        {"role": "user", "content": "a long message over twenty chars"}]})
    assert decision.action == "deny"
    allowed = guard.check_request_sync({"model": "m", "prompt": "short"})
    final = guard.check_response_sync(allowed, b'{"choices": [{"text": "ok"}]}')
    assert final.action == "allow" and final.body == {"choices": [{"text": "ok"}]}


async def test_check_response_after_denial_keeps_the_denial() -> None:
    guard = Guard.from_yaml(RULE)
    denied = await guard.check_request({"model": "m", "prompt": "x" * 50})
    final = await guard.check_response(denied, {"choices": []})
    assert (final.action, final.status, final.body) == ("deny", 400, denied.error)


def test_bad_cel_is_a_located_load_error() -> None:
    with pytest.raises(PolicyError) as info:
        Guard.from_yaml("version: 1\npolicies:\n  - name: r\n    type: rule\n"
                        "    deny_if: request.modle == 'x'\n", name="p.yaml")
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.path) == ("p.yaml", 5, "policies[0].deny_if")
    assert "modle" in problem.message


def test_bad_regex_is_a_located_load_error() -> None:
    text = """version: 1
policies:
  - name: c
    type: content
    detect:
      patterns:
        - {name: look, regex: 'a(?=b)'}
"""
    with pytest.raises(PolicyError) as info:
        Guard.from_yaml(text, name="p.yaml")
    messages = [str(p) for p in info.value.problems]
    assert "p.yaml:7: policies[0].detect.patterns[0].regex: RE2 does not support lookahead " \
           "`(?=...)`; rewrite the pattern without it" in messages


def test_every_cel_field_is_checked_at_load() -> None:
    text = """version: 1
identity: {user: reqest.body.user}
variables: {a: "1 +"}
policies:
  - {name: r, type: route, set_model: "request.nope", when: "request.stream"}
  - {name: b, type: budget, per: "identty.team", limit_usd: 1, window: day}
"""
    with pytest.raises(PolicyError) as info:
        Guard.from_yaml(text, name="p.yaml")
    where = {(p.line, p.path) for p in info.value.problems}
    assert {(2, "identity.user"), (3, "variables.a"), (5, "policies[0].set_model"),
            (6, "policies[1].per")} <= where


def test_upcoming_judges_need_an_endpoint_and_load_offline_with_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from guard.engine.compile import build_policies
    from guard.policy.loader import load_policy_set

    monkeypatch.delenv("GUARD_JUDGE_ENDPOINT", raising=False)
    upcoming = ROOT / "policies" / "upcoming"
    assert len(load_policy_set(upcoming).policies) == 2  # the schema accepts every example
    with pytest.raises(PolicyError) as info:
        build_policies(upcoming)  # no endpoint anywhere: refused at load, with the fix
    problems = info.value.problems
    assert len(problems) == 2 and all(p.line > 0 for p in problems)
    assert all("settings.llm.endpoint" in p.message and "guard serve" in p.message
               for p in problems)
    # as under `guard serve`: the upstream is the judge; nothing is contacted at load time
    compiled = build_policies(upcoming, judge_endpoint="http://127.0.0.1:9")
    assert [c.meta.type for c in compiled.checks] == ["llm", "llm"]
