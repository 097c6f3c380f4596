"""Numbers out of range, in any field any dialect reads, are a 400 in the API's own shape.

``max_tokens: 1e400``, an integer of 400 or 5000 digits, one past the 64-bit range: through
``GuardMiddleware`` and through ``guard serve`` (real HTTP), each API answers with its own
error body and the upstream receives nothing. Numbers that are large but in range pass, and
budgets priced on them stay finite.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from guard import Guard, GuardMiddleware
from guard.serve.app import build_app
from tests.asgi.test_mediation_middleware import Recorder
from tests.asgi.upstream import build
from tests.serve.servers import running

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none}
identity:
  user: request.body.user
policies:
  - {name: caps, type: rule, deny_if: "request.max_tokens != null && request.max_tokens > 1000000"}
  - {name: spend, type: budget, per: identity.user, limit_usd: 5, window: day}
"""
TEXT = '[{"role": "user", "content": "hi"}]'
APIS = {  # path, body with NUMBER where the number goes, what tells the error shape
    "openai.chat": ("/v1/chat/completions",
                    '{"model": "gpt-4o-mini", "messages": ' + TEXT + ', "max_tokens": NUMBER}'),
    "openai.chat n": ("/v1/chat/completions",
                      '{"model": "gpt-4o-mini", "messages": ' + TEXT + ', "n": NUMBER}'),
    "openai.chat temperature": ("/v1/chat/completions", '{"model": "gpt-4o-mini", '
                                '"messages": ' + TEXT + ', "temperature": NUMBER}'),
    "openai.responses": ("/v1/responses",
                         '{"model": "gpt-4o-mini", "input": "hi", "max_output_tokens": NUMBER}'),
    "anthropic": ("/v1/messages", '{"model": "claude-haiku-4-5", "messages": ' + TEXT
                  + ', "max_tokens": NUMBER}'),
    "anthropic thinking": ("/v1/messages", '{"model": "claude-haiku-4-5", "max_tokens": 10, '
                           '"messages": ' + TEXT + ', "thinking": {"type": "enabled", '
                           '"budget_tokens": NUMBER}}'),
    "gemini": ("/v1beta/models/gemini-2.5-flash:generateContent",
               '{"contents": [{"parts": [{"text": "hi"}]}], '
               '"generationConfig": {"maxOutputTokens": NUMBER}}'),
    "ollama": ("/api/chat", '{"model": "llama3", "messages": ' + TEXT
               + ', "options": {"num_predict": NUMBER}}'),
    "unknown": ("/v9/whatever", '{"anything": {"deep": [NUMBER]}}'),
}
OUT_OF_RANGE = ["1e400", "-1e400", "1" + "0" * 400, "9" * 5000, str(2**63), str(-(2**63) - 1),
                "NaN", "Infinity", "-Infinity"]


def shape(path: str, body: Any) -> str:
    """Which family's error body ``body`` is."""
    if path.startswith("/v1/messages"):
        assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
        return "anthropic"
    if path.startswith("/v1beta"):
        assert body["error"]["status"] == "INVALID_ARGUMENT" and body["error"]["code"] == 400
        return "google"
    if path.startswith("/api/"):
        assert isinstance(body["error"], str)
        return "ollama"
    assert body["error"]["type"] == "invalid_request_error"
    return "openai"


def guarded(app: Any) -> httpx.AsyncClient:
    middleware = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=middleware),
                             base_url="http://gw")


@pytest.mark.parametrize("number", OUT_OF_RANGE)
@pytest.mark.parametrize("api", APIS)
async def test_out_of_range_numbers_are_400_in_the_apis_shape(api: str, number: str) -> None:
    path, template = APIS[api]
    app = Recorder()
    async with guarded(app) as client:
        r = await client.post(path, content=template.replace("NUMBER", number),
                              headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    shape(path, r.json())
    assert "out of range" in r.text or "not valid JSON" in r.text
    assert "sys.set_int_max_str_digits" not in r.text and app.seen == []


@pytest.mark.parametrize("number", ["1e308", "-1e308", str(2**63 - 1), str(-(2**63)),
                                    "1.7976931348623157e308", "123456789012345678901234.5"])
@pytest.mark.parametrize("api", ["openai.chat", "openai.chat n", "anthropic", "gemini"])
async def test_large_numbers_in_range_are_decided_without_a_5xx(api: str, number: str) -> None:
    path, template = APIS[api]
    async with guarded(Recorder()) as client:
        r = await client.post(path, content=template.replace("NUMBER", number),
                              headers={"content-type": "application/json"})
    assert r.status_code < 500, r.text


@pytest.mark.parametrize("api", ["openai.chat", "anthropic", "gemini", "unknown"])
async def test_guard_serve_answers_400_for_out_of_range_numbers(tmp_path: Path,
                                                                 api: str) -> None:
    path, template = APIS[api]
    (tmp_path / "p.yaml").write_text(POLICIES)
    upstream = build()
    with running(upstream) as base, running(build_app(tmp_path / "p.yaml", base)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            for number in ("1e400", "9" * 5000, str(2**64)):
                r = await client.post(path, content=template.replace("NUMBER", number),
                                      headers={"content-type": "application/json"})
                assert r.status_code == 400, r.text
                shape(path, r.json())
    assert upstream.state.seen == []


async def test_usage_beyond_any_price_settles_finite() -> None:
    """An upstream's usage of 10**4000 tokens (or 1e308) costs a finite amount, not a crash."""
    from guard.envelope.reading import read_answer
    from guard.limits.cost import usage_tokens
    from guard.pricing.prices import PriceTable

    price = PriceTable().lookup("openai/gpt-4o-mini")
    assert price is not None
    for raw in (b'{"usage": {"prompt_tokens": 1' + b"0" * 4000 + b', "completion_tokens": 1}}',
                b'{"usage": {"prompt_tokens": 1e400, "completion_tokens": 1e308}}',
                b'{"usage": {"prompt_tokens": 9223372036854775807, "total_tokens": 1}}'):
        usage = read_answer(raw).value["usage"]
        tokens = usage_tokens(usage)
        cost = price.cost(*tokens) if tokens else 0.0
        assert cost == cost and cost < float("inf")
        json.dumps(read_answer(raw).value, allow_nan=False)  # written out as JSON again
