"""Requests without a body through ``GuardMiddleware``: decided (rules and rate limits see
them, budgets do not count them: they run no model) and answered through the output stage,
whatever the answer's shape; what guard cannot read is refused unless passed through."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from guard import Guard, GuardMiddleware

EMAIL = "jane.roe@example.com"
POLICIES = """version: 1
settings: {store: "memory://", decision_log: none, passthrough: ["GET /files/*"]}
identity: {key: request.api_key}
policies:
  - {name: contacts, type: pii, stages: [output], entities: [EMAIL_ADDRESS], action: redact}
  - name: no-deletes
    type: rule
    deny_if: request.method == "DELETE" && request.path.startsWith("/v1/files")
    message: files are kept
  - {name: spend, type: budget, per: identity.key, limit_usd: 0.000001, window: day}
"""
ANSWERS: dict[str, Any] = {
    "/v1/stored/list": [f"to {EMAIL}", 3, None, {"who": EMAIL}, [EMAIL]],
    "/v1/stored/status": {"status": f"sent to {EMAIL}", "id": "x1"},
    "/v1/chat/completions/c1": {"id": "c1", "object": "chat.completion", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": f"write {EMAIL}"},
         "finish_reason": "stop"}], "usage": {"prompt_tokens": 5, "completion_tokens": 5}},
}


async def answer(request: Request) -> Response:
    request.app.state.seen.append((request.method, request.url.path, await request.body()))
    path = request.url.path
    if path.startswith(("/files/", "/v1/blob")):
        return Response(b"\x89PNG\r\n\x1a\n" + EMAIL.encode() + b"\x00\xff",
                        media_type="image/png")
    return JSONResponse(ANSWERS.get(path, {"ok": True}))


@pytest.fixture
def app() -> Starlette:
    upstream = Starlette(routes=[Route("/{rest:path}", answer,
                                       methods=["GET", "DELETE", "HEAD", "OPTIONS"])])
    upstream.state.seen = []
    return upstream


def client(app: Starlette) -> httpx.AsyncClient:
    guarded = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://gw",
                             headers={"authorization": "Bearer sk-test-1"})


@pytest.mark.parametrize("path", sorted(ANSWERS))
async def test_every_answer_to_a_get_meets_the_output_policies(app: Starlette,
                                                               path: str) -> None:
    async with client(app) as c:
        r = await c.get(path)
    assert r.status_code == 200 and EMAIL not in r.text and "<EMAIL_ADDRESS>" in r.text
    assert app.state.seen[-1] == ("GET", path, b"")  # it went up as it came


async def test_an_answer_keeps_its_shape_when_redacted(app: Starlette) -> None:
    async with client(app) as c:
        listed = (await c.get("/v1/stored/list")).json()
        stored = (await c.get("/v1/chat/completions/c1")).json()
    assert listed[1:3] == [3, None] and listed[3] == {"who": "<EMAIL_ADDRESS>"}
    assert stored["choices"][0]["message"]["content"] == "write <EMAIL_ADDRESS>"
    assert stored["id"] == "c1" and stored["usage"]["completion_tokens"] == 5


async def test_a_budget_does_not_count_a_fetch(app: Starlette) -> None:
    """A USD budget cannot price a request that names no model, and need not: a fetch runs
    none (its stored answer's usage was its own call's); before, this was a 503."""
    async with client(app) as c:
        replies = [await c.get("/v1/chat/completions/c1") for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]


async def test_rules_see_the_method_and_path(app: Starlette) -> None:
    async with client(app) as c:
        refused = await c.delete("/v1/files/f1")
        allowed = await c.delete("/v1/stored/status")
    assert refused.status_code == 400 and refused.json()["error"]["message"] == "files are kept"
    assert allowed.status_code == 200
    assert [s[:2] for s in app.state.seen] == [("DELETE", "/v1/stored/status")]


async def test_bytes_guard_cannot_read_are_refused_unless_passed_through(app: Starlette
                                                                         ) -> None:
    async with client(app) as c:
        refused = await c.get("/v1/blob/1")
        passed = await c.get("/files/1")
    assert refused.status_code == 502 and EMAIL not in refused.text
    assert "cannot read" in refused.json()["error"]["message"]
    assert passed.status_code == 200 and passed.content.startswith(b"\x89PNG")


async def test_head_and_options_are_decided_and_answered(app: Starlette) -> None:
    async with client(app) as c:
        head = await c.head("/v1/stored/status")
        options = await c.options("/v1/stored/status")
    assert head.status_code == options.status_code == 200
    assert head.headers["x-guard-decision-id"] and options.headers["x-guard-decision-id"]
    assert head.content == b"" and json.loads(options.content)["status"].endswith("<EMAIL_ADDRESS>")
