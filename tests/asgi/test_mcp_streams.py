"""MCP answers through GuardMiddleware, from a server that answers as SSE or JSON at will.

Each SSE event of an MCP answer is a whole JSON-RPC message and goes through the whole output
stage on its own: a tools policy alone (no text check) still filters a streamed tool list, a
denial is the stream's last event and carries the request's id, and the bodyless GET that
opens the server's own stream is guarded like any answer.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from guard import Guard, GuardMiddleware

EMAIL = "ann.lee@example.com"
TOOLS = [{"name": n, "description": f"does {n}", "inputSchema": {"type": "object"}}
         for n in ("read_file", "delete_file", "fetch")]


def sse(messages: list[Any]) -> bytes:
    return b"".join(b"event: message\ndata: " + json.dumps(m).encode() + b"\n\n"
                    for m in messages)


def answer(request: dict[str, Any]) -> list[Any]:
    """What the server says to a request: notifications first, then its result."""
    method, rpc_id = request.get("method"), request.get("id")
    if method == "tools/list":
        return [{"jsonrpc": "2.0", "id": rpc_id, "result": {"tools": TOOLS}}]
    text = request.get("params", {}).get("arguments", {}).get("say", "")
    return [{"jsonrpc": "2.0", "method": "notifications/message",
             "params": {"level": "info", "data": f"working on {text}"}},
            {"jsonrpc": "2.0", "id": rpc_id,
             "result": {"content": [{"type": "text", "text": text}], "isError": False}}]


async def mcp(request: Request) -> Response:
    if request.method == "GET":  # the server's own stream: a request it makes of the client
        push = {"jsonrpc": "2.0", "id": "s1", "method": "elicitation/create",
                "params": {"message": f"confirm the address {EMAIL}"}}
        return Response(sse([push]), media_type="text/event-stream")
    body = await request.json()
    messages = answer(body)
    if request.query_params.get("json"):
        return JSONResponse(messages[-1])
    return Response(sse(messages), media_type="text/event-stream",
                    headers={"mcp-session-id": "sess-1"})


SERVER = Starlette(routes=[Route("/mcp", mcp, methods=["GET", "POST"])])


def client(policies: str) -> httpx.AsyncClient:
    app = GuardMiddleware(SERVER, guard=Guard.from_yaml(policies))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def events(raw: bytes) -> list[Any]:
    return [json.loads(line[6:]) for line in raw.splitlines() if line.startswith(b"data: ")]


def call(say: str, rpc_id: int = 4) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rpc_id, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"say": say}}}


async def post(policies: str, body: Any, query: str = "") -> httpx.Response:
    async with client(policies) as http:
        return await http.post("/mcp" + query, json=body,
                               headers={"accept": "application/json, text/event-stream"})


TOOLS_ONLY = """version: 1
policies:
  - {name: no-delete, type: tools, deny: ["delete_*"]}
"""
TEXT = """version: 1
policies:
  - {name: pii, type: pii, stages: [output], entities: [EMAIL_ADDRESS], action: redact}
  - {name: zeus, type: content, stages: [output], detect: {keywords: ["project zeus"]}}
"""


def test_a_tools_policy_alone_filters_a_streamed_and_a_json_tool_list() -> None:
    listed = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    for query in ("", "?json=1"):
        response = asyncio.run(post(TOOLS_ONLY, listed, query))
        message = events(response.content)[-1] if not query else response.json()
        assert [t["name"] for t in message["result"]["tools"]] == ["read_file", "fetch"]


def test_each_streamed_message_is_checked_whole_and_session_headers_pass() -> None:
    response = asyncio.run(post(TEXT, call(f"mail {EMAIL}")))
    assert response.headers["mcp-session-id"] == "sess-1"
    note, result = events(response.content)
    assert note["params"]["data"] == "working on mail <EMAIL_ADDRESS>"
    assert result["id"] == 4 and result["result"]["content"][0]["text"] == "mail <EMAIL_ADDRESS>"


def test_a_denied_result_ends_the_stream_with_a_json_rpc_error_of_the_request() -> None:
    response = asyncio.run(post(TEXT, call("about project zeus", 11)))
    assert response.status_code == 200
    last = events(response.content)[-1]
    assert last["id"] == 11 and last["error"]["code"] == -32003
    assert "zeus" in last["error"]["message"] and "result" not in last
    response = asyncio.run(post(TEXT, call("about project zeus", 12), "?json=1"))
    assert response.status_code == 200  # the SDKs read a JSON-RPC error as the call's error
    assert response.json()["id"] == 12 and response.json()["error"]["code"] == -32003


def test_a_denied_call_is_an_answer_with_the_requests_id() -> None:
    policies = """version: 1
policies:
  - {name: no-delete, type: tools, deny: ["delete_*"], message: "not here"}
"""
    body = {"jsonrpc": "2.0", "id": "r-9", "method": "tools/call",
            "params": {"name": "delete_file", "arguments": {"path": "/"}}}
    response = asyncio.run(post(policies, body))
    assert response.status_code == 200
    assert response.json() == {"jsonrpc": "2.0", "id": "r-9", "error": {
        "code": -32003, "message": "not here",
        "data": {"type": "guard_violation", "code": "no-delete", "status": 403}}}


def test_the_servers_own_stream_is_guarded() -> None:
    async def get() -> httpx.Response:
        async with client(TEXT) as http:
            return await http.get("/mcp", headers={"accept": "text/event-stream"})

    response = asyncio.run(get())
    (push,) = events(response.content)
    assert push["method"] == "elicitation/create"
    assert push["params"]["message"] == "confirm the address <EMAIL_ADDRESS>"
