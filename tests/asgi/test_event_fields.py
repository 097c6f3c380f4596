"""An SSE event's ``id`` and ``retry`` through a guarded stream: kept when the text checks pass
them (MCP resumes a broken stream from the last id), dropped whole when they would edit
them, and a refused one ends the stream like refused text."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from guard import Guard, GuardMiddleware
from guard.asgi.event_fields import with_fields
from guard.dialects.events import SSE

EMAIL = "ann.lee@example.com"
TEXT = """version: 1
settings: {decision_log: none}
policies:
  - {name: pii, type: pii, stages: [output], entities: [EMAIL_ADDRESS], action: redact}
  - {name: zeus, type: content, stages: [output], detect: {keywords: ["project zeus"]}}
"""
NO_TEXT_CHECK = """version: 1
policies:
  - {name: no-delete, type: tools, deny: ["delete_*"]}
"""


def _message(rpc_id: int, text: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rpc_id,
            "result": {"content": [{"type": "text", "text": text}], "isError": False}}


def _chunk(text: str) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


async def _mcp(request: Request) -> Response:
    ids = json.loads(request.headers["x-ids"])
    body = b"".join(f"id: {i}\nretry: 2500\nevent: message\ndata: ".encode()
                    + json.dumps(_message(n, f"part {n}")).encode() + b"\n\n"
                    for n, i in enumerate(ids))
    return Response(body, media_type="text/event-stream")


async def _chat(request: Request) -> Response:
    ids = json.loads(request.headers["x-ids"])
    body = b"".join(f"id: {i}\ndata: ".encode() + json.dumps(_chunk(f"word{n} ")).encode()
                    + b"\n\n" for n, i in enumerate(ids)) + b"data: [DONE]\n\n"
    return Response(body, media_type="text/event-stream")


SERVER = Starlette(routes=[Route("/mcp", _mcp, methods=["POST"]),
                           Route("/v1/chat/completions", _chat, methods=["POST"])])


def _post(policies: str, path: str, ids: list[str]) -> httpx.Response:
    async def go() -> httpx.Response:
        app = GuardMiddleware(SERVER, guard=Guard.from_yaml(policies))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            body: dict[str, Any] = (
                {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                 "params": {"name": "echo", "arguments": {}}} if path == "/mcp" else
                {"model": "gpt-4o-mini", "stream": True,
                 "messages": [{"role": "user", "content": "hi"}]})
            return await http.post(path, json=body, headers={
                "accept": "application/json, text/event-stream", "x-ids": json.dumps(ids)})
    return asyncio.run(go())


def _fields(raw: bytes) -> list[tuple[str | None, int | None]]:
    return [(e.id, e.retry) for e in SSE().feed(raw) if not e.comment]


@pytest.mark.parametrize("policies", [TEXT, NO_TEXT_CHECK])
def test_clean_ids_and_retry_reach_the_client_on_their_events(policies: str) -> None:
    response = _post(policies, "/mcp", ["ev-1", "ev-2"])
    assert _fields(response.content) == [("ev-1", 2500), ("ev-2", 2500)]


def test_chat_deltas_keep_their_ids_when_the_checks_pass_them() -> None:
    response = _post(TEXT, "/v1/chat/completions", ["1", "2", "3"])
    ids = [i for i, _ in _fields(response.content) if i is not None]
    assert ids and set(ids) <= {"1", "2", "3"} and ids == sorted(ids)


def test_an_id_the_checks_would_edit_is_dropped_whole() -> None:
    response = _post(TEXT, "/mcp", [f"mail-{EMAIL}", "ev-2"])
    assert EMAIL.encode() not in response.content
    assert _fields(response.content) == [(None, 2500), ("ev-2", 2500)]


def test_an_id_the_checks_refuse_ends_the_stream_with_the_apis_error() -> None:
    response = _post(TEXT, "/mcp", ["about project zeus"])
    assert b"project zeus" not in response.content
    last = [json.loads(e.data) for e in SSE().feed(response.content) if e.data][-1]
    assert last["error"]["code"] == -32003 and "zeus" in last["error"]["message"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
                min_size=1, max_size=3))
def test_fields_never_start_a_line_of_their_own(ids: list[str]) -> None:
    """An id the parser took from one line holds no line end; whatever the id, the events
    guard writes parse back to the same data with that id on the last one."""
    clean = [i for i in ids if not re.search("[\r\n\0]", i)]
    out = b"data: {}\n\n" * 2
    pairs = [("id", i) for i in clean]
    parsed = SSE().feed(with_fields(out, pairs))
    assert [e.data for e in parsed] == ["{}", "{}"]
    assert parsed[-1].id == (clean[-1] if clean else None)
