"""MCP through ``guard serve`` on the wire: raw HTTP, the exact error bodies, and the ways
around guard a client might try (another spelling of the path, a path naming no API, a
batch, a body that is not JSON). The server is the real mcp 2.x ``MCPServer``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serve.mcp_servers import INJECTION, Stack, guarded
from tests.serve.test_mcp import POLICIES

ACCEPT = {"accept": "application/json, text/event-stream"}
SUPPORT = {**ACCEPT, "x-team": "support"}


def call(tool: str, rpc_id: Any = 7, **arguments: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rpc_id, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments}}


def refusal(rpc_id: Any, message: str, code: str, status: int,
            kind: str = "guard_violation", number: int = -32003) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rpc_id, "error": {
        "code": number, "message": message, "data": {"type": kind, "code": code,
                                                     "status": status}}}


def initialize(client: httpx.Client) -> dict[str, str]:
    """The legacy handshake by hand; the headers a session's later requests carry."""
    hello = client.post("/mcp", headers=ACCEPT, json={
        "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"}}})
    assert hello.status_code == 200, hello.text
    session = {**ACCEPT, "mcp-session-id": hello.headers["mcp-session-id"],
               "mcp-protocol-version": "2025-11-25"}
    done = client.post("/mcp", headers=session,
                       json={"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert done.status_code == 202, done.text
    return session


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """The events of an SSE answer that carry data: their name and JSON-RPC message."""
    found = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = block.split("\n")
        data = "".join(line[5:].strip() for line in lines if line.startswith("data:"))
        names = [line[6:].strip() for line in lines if line.startswith("event:")]
        if data:
            found.append((names[-1] if names else "message", json.loads(data)))
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with guarded(tmp_path_factory.mktemp("wire"), POLICIES) as stack:
        yield stack


@pytest.fixture
def client(served: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url.removesuffix("/mcp"), timeout=30) as http:
        yield http


@pytest.mark.parametrize("path", ["/mcp", "/mcp/", "/servers/fs/mcp", "/x"])
@pytest.mark.parametrize("rpc_id", [7, "call-7"])
def test_a_denied_call_is_a_json_rpc_error_with_its_id_on_any_path(
        served: Stack, client: httpx.Client, path: str, rpc_id: Any) -> None:
    denied = client.post(path, headers=SUPPORT, json=call("delete_file", rpc_id, path=path))
    assert denied.status_code == 200  # an answer: the 1.x client tears down on non-2xx
    assert denied.headers["content-type"].startswith("application/json")
    assert denied.json() == refusal(rpc_id, "tool not allowed for support", "support-tools",
                                    403)
    assert {"path": path} not in served.received.of("delete_file")


def test_a_batch_is_refused_with_a_json_rpc_error(served: Stack,
                                                  client: httpx.Client) -> None:
    batch = [call("read_file", 1, path="a"), call("delete_file", 2, path="batch")]
    refused = client.post("/mcp", headers=SUPPORT, json=batch)
    body = refused.json()
    assert body["jsonrpc"] == "2.0" and body["id"] is None, body
    assert body["error"]["code"] == -32600
    assert body["error"]["data"]["type"] == "invalid_request_error"
    assert refused.status_code == body["error"]["data"]["status"] == 400
    assert {"path": "batch"} not in served.received.of("delete_file")


def test_a_body_that_is_not_json_is_a_parse_error(client: httpx.Client) -> None:
    broken = client.post("/mcp", headers={**ACCEPT, "content-type": "application/json"},
                         content=b'{"jsonrpc": "2.0", "id": 3, "method": ')
    body = broken.json()
    assert body["jsonrpc"] == "2.0" and body["id"] is None, body
    assert body["error"]["data"]["status"] == broken.status_code == 400
    assert body["error"]["code"] == -32700
    assert body["error"]["data"]["type"] == "invalid_request_error"


def test_a_session_id_passes_both_ways_and_an_email_is_pseudonymized(
        served: Stack, client: httpx.Client) -> None:
    session = initialize(client)
    sent = client.post("/mcp", headers=session,
                       json=call("send_email", 11, to="jane.roe@example.com", body="hi"))
    assert sent.status_code == 200, sent.text
    assert sent.headers["mcp-session-id"] == session["mcp-session-id"]
    assert sent.headers["content-type"].startswith("text/event-stream")
    ((name, answer),) = events(sent.text)
    assert name == "message" and answer["id"] == 11
    assert answer["result"]["structuredContent"] == {"result": "sent to jane.roe@example.com: hi"}
    assert "jane.roe@example.com" not in repr(served.received.of("send_email")[-1])
    assert client.delete("/mcp", headers=session).status_code == 200


def test_a_blocked_result_in_a_stream_ends_it_with_the_error(served: Stack,
                                                             client: httpx.Client) -> None:
    session = initialize(client)
    blocked = client.post("/mcp", headers=session,
                          json=call("fetch_page", "page-1", url="https://weather.example"))
    assert blocked.status_code == 200
    assert INJECTION not in blocked.text
    assert events(blocked.text)[-1] == ("message", refusal(
        "page-1", "prompt injection in a tool result", "injection", 400))


def test_a_blocked_json_answer_is_the_error_with_http_200(tmp_path: Path) -> None:
    with guarded(tmp_path, POLICIES, json_response=True) as stack, \
            httpx.Client(base_url=stack.url.removesuffix("/mcp"), timeout=30) as client:
        session = initialize(client)
        blocked = client.post("/mcp", headers=session,
                              json=call("fetch_page", 5, url="https://weather.example"))
    assert blocked.status_code == 200
    assert blocked.headers["content-type"].startswith("application/json")
    assert blocked.json() == refusal(5, "prompt injection in a tool result", "injection", 400)
