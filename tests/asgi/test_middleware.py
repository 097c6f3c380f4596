"""GuardMiddleware around a stand-in gateway, driven through httpx's ASGI transport."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from guard import Guard, GuardMiddleware
from tests.asgi.upstream import build

EMAIL = "jane.roe@example.com"
POLICIES = """version: 1
settings: {store: "memory://"}
policies:
  - name: models
    type: route
    allow: ["openai/*", "anthropic/*"]
  - name: contacts
    type: pii
    entities: [EMAIL_ADDRESS, PHONE_NUMBER]
    action: pseudonymize
  - name: no-secrets
    type: content
    stages: [output]
    detect: {keywords: ["project zeus"]}
    action: redact
    replacement: "[hidden]"
"""


@pytest.fixture
def upstream() -> Any:
    return build()


def client(upstream: Any, policies: str = POLICIES, **options: Any) -> httpx.AsyncClient:
    app = GuardMiddleware(upstream, guard=Guard.from_yaml(policies), **options)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


def chat(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], **extra}


async def test_json_answers_are_restored_and_the_model_never_sees_pii(upstream: Any) -> None:
    async with client(upstream) as c:
        r = await c.post("/v1/chat/completions", json=chat(f"mail {EMAIL}"))
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["content"] == f"Echo: mail {EMAIL}"
    assert upstream.state.requests[-1]["messages"][0]["content"] == "mail <EMAIL_ADDRESS_1>"
    assert r.headers["x-guard-decision-id"]
    assert int(r.headers["content-length"]) == len(r.content)


async def test_denials_answer_in_the_apis_own_shape(upstream: Any) -> None:
    async with client(upstream) as c:
        r = await c.post("/v1/chat/completions", json={**chat("hi"), "model": "mistral/large"})
        a = await c.post("/v1/messages", json={"model": "mistral/large", "max_tokens": 5,
                                               "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "models"
    assert a.status_code == 403 and a.json()["type"] == "error"
    assert a.json()["error"]["type"] == "permission_error"
    assert upstream.state.requests == []


async def test_streamed_chat_is_restored_redacted_and_usage_is_stripped(upstream: Any) -> None:
    text = f"tell {EMAIL} about project zeus now please"
    async with client(upstream) as c:
        r = await c.post("/v1/chat/completions", json=chat(text, stream=True))
    events = [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    streamed = "".join(ch["choices"][0]["delta"].get("content", "") for ch in chunks
                       if ch["choices"])
    # "project" left before "zeus" was written; the redaction covers what was still held
    assert streamed == f"Echo: tell {EMAIL} about project [hidden] now please"
    assert all("usage" not in ch for ch in chunks)  # guard asked for it; the caller did not
    assert upstream.state.requests[-1]["stream_options"] == {"include_usage": True}


async def test_streamed_anthropic_is_restored(upstream: Any) -> None:
    body = {"model": "claude-sonnet-4-6", "max_tokens": 50, "stream": True,
            "messages": [{"role": "user", "content": f"I am {EMAIL}"}]}
    async with client(upstream) as c:
        r = await c.post("/v1/messages", json=body)
    deltas = [json.loads(line[6:]) for line in r.text.splitlines()
              if line.startswith("data: ") and "content_block_delta" in line]
    assert "".join(d["delta"]["text"] for d in deltas) == f"Echo: I am {EMAIL}"


async def test_oversized_and_malformed_bodies(upstream: Any) -> None:
    async with client(upstream, max_body_bytes=100) as c:
        big = await c.post("/v1/chat/completions", json=chat("x" * 500))
        bad = await c.post("/v1/chat/completions", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert big.status_code == 413 and "limit" in big.json()["error"]["message"]
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
    assert big.json()["error"]["type"] == "invalid_request_error"


async def test_a_request_without_a_body_goes_up_as_it_came(upstream: Any) -> None:
    async with client(upstream) as c:
        r = await c.get("/v1/chat/completions")
    assert r.status_code == 200 and r.headers["x-guard-decision-id"]  # decided, unchanged
    assert upstream.state.seen[-1].method == "GET"


BUDGET = """version: 1
settings: {store: "memory://"}
policies:
  - {name: spend, type: budget, per: '"all"', limit_tokens: 100000, window: day}
"""


async def _usage(app: Any) -> float:
    guard = app.source()
    store = guard.compiled.store.get()
    import hashlib
    import time as clock
    from datetime import UTC, datetime

    from guard.limits.windows import calendar_window

    bucket = hashlib.sha256(b"all").hexdigest()[:16]
    window = calendar_window("day", datetime.now(UTC))
    return float(await store.usage(f"budget/spend/{bucket}/{window.label}", now=clock.time()))


async def test_budgets_settle_from_usage_in_json_and_streams(upstream: Any) -> None:
    app = GuardMiddleware(upstream, guard=Guard.from_yaml(BUDGET))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
        await c.post("/v1/chat/completions", json=chat("hi", max_tokens=50))
        assert await _usage(app) == 18.0  # the stand-in reports 11 + 7 tokens
        await c.post("/v1/chat/completions", json=chat("hi", max_tokens=50, stream=True))
        assert await _usage(app) == 36.0


async def test_a_client_that_leaves_is_charged_its_reservation(upstream: Any) -> None:
    import asyncio

    app = GuardMiddleware(upstream, guard=Guard.from_yaml(BUDGET))
    body = json.dumps(chat("hi", max_tokens=50, stream=True)).encode()
    sent: list[dict[str, Any]] = []
    asked: list[int] = []

    async def receive() -> dict[str, Any]:
        asked.append(1)
        if len(asked) == 1:
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client is silent: its socket just breaks on send
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            raise OSError("client went away")

    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions",
             "headers": [(b"content-type", b"application/json")], "query_string": b""}
    with pytest.raises(OSError):
        await app(scope, receive, send)
    # the upstream ran the call: spend does not depend on the caller staying to the end
    assert await _usage(app) == 55.0  # the reservation: 5 input tokens + max_tokens 50


async def test_a_body_trickling_in_is_cut_off_with_408(upstream: Any) -> None:
    import asyncio

    app = GuardMiddleware(upstream, guard=Guard.from_yaml(POLICIES), body_timeout=0.2)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0.1)
        return {"type": "http.request", "body": b"{", "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions",
             "headers": [], "query_string": b""}
    await app(scope, receive, send)
    assert sent[0]["status"] == 408
    assert upstream.state.requests == []


async def test_decision_is_available_to_the_wrapped_app() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    seen: list[Any] = []

    async def endpoint(request: Request) -> JSONResponse:
        decision = request.state.guard_decision
        seen.append(await request.json())
        return JSONResponse({"decision": decision.decision_id, "echo": seen[-1]})

    inner = Starlette(routes=[Route("/v1/chat/completions", endpoint, methods=["POST"])])
    app = GuardMiddleware(inner, guard=Guard.from_yaml(POLICIES))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
        r = await c.post("/v1/chat/completions", json=chat(f"mail {EMAIL}"))
    assert r.json()["decision"] == r.headers["x-guard-decision-id"]
    assert seen[0]["messages"][0]["content"] == "mail <EMAIL_ADDRESS_1>"
    # every string of the answer passes the output stage: the echo gets its value back
    assert r.json()["echo"]["messages"][0]["content"] == f"mail {EMAIL}"


async def test_streamed_tool_call_arguments_are_restored_and_stay_json(upstream: Any) -> None:
    tools = [{"type": "function", "function": {"name": "save", "parameters": {}}}]
    async with client(upstream) as c:
        r = await c.post("/v1/chat/completions",
                         json=chat(f"note {EMAIL}", stream=True, tools=tools))
    chunks = [json.loads(line[6:]) for line in r.text.splitlines()
              if line.startswith("data: {")]
    arguments = "".join(call["function"].get("arguments", "")
                        for ch in chunks for choice in ch["choices"]
                        for call in (choice.get("delta") or {}).get("tool_calls") or [])
    assert json.loads(arguments) == {"note": f"Echo: note {EMAIL}"}
    assert upstream.state.requests[-1]["messages"][0]["content"] == "note <EMAIL_ADDRESS_1>"


async def test_starlette_add_middleware(upstream: Any) -> None:
    upstream.add_middleware(GuardMiddleware, guard=Guard.from_yaml(POLICIES))
    transport = httpx.ASGITransport(app=upstream)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
        r = await c.post("/v1/chat/completions", json={**chat("hi"), "model": "mistral/x"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "models"


async def test_streamed_anthropic_tool_input_is_restored_and_stays_json(upstream: Any) -> None:
    body = {"model": "claude-sonnet-4-6", "max_tokens": 50, "stream": True,
            "tools": [{"name": "save", "input_schema": {"type": "object"}}],
            "messages": [{"role": "user", "content": f"note {EMAIL}"}]}
    async with client(upstream) as c:
        r = await c.post("/v1/messages", json=body)
    deltas = [json.loads(line[6:]) for line in r.text.splitlines()
              if line.startswith("data: ") and "input_json_delta" in line]
    partial = "".join(d["delta"]["partial_json"] for d in deltas)
    assert json.loads(partial) == {"note": f"Echo: note {EMAIL}"}


def answering(body: bytes, content_type: str) -> Any:
    """An upstream that answers every request with ``body``."""
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type.encode())]})
        await send({"type": "http.response.body", "body": body})

    return app


DEEP = b"[" * 100 + json.dumps(EMAIL).encode() + b"]" * 100


@pytest.mark.parametrize(("body", "content_type"), [
    (b'{"choices": [{"index": 0, "message": {"content": ' + DEEP + b"}}]}", "application/json"),
    (b'data: {"choices": [{"index": 0, "delta": {"content": ' + DEEP + b"}}]}\n\n",
     "text/event-stream"),
])
async def test_an_answer_nested_too_deep_is_the_apis_502(body: bytes, content_type: str) -> None:
    """JSON deeper than guard walks cannot be read: refused (a stream: its error event), not
    an exception (found by the fuzzing harness: a plain-text 500, or a cut connection)."""
    app = GuardMiddleware(answering(body, content_type), guard=Guard.from_yaml(POLICIES))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://guard") as c:
        answer = await c.post("/v1/chat/completions", json={
            "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
    assert EMAIL not in answer.text and "nested too deeply" in answer.text
    if content_type == "application/json":
        assert answer.status_code == 502
        assert answer.json()["error"]["code"] == "unreadable_answer"
