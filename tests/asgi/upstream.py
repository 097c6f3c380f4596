"""A stand-in LLM gateway for tests: answers by echoing the last user text.

It speaks OpenAI chat (JSON and SSE, with usage when asked), OpenAI Responses
(JSON and SSE) and Anthropic Messages (JSON and SSE), splitting streamed text
into small chunks so guards meet tokens and values cut across events. What it
received is kept in ``app.state.requests`` so tests can see what guard forwarded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

CHUNK = 5
DELAY = 0.0
"""Seconds between streamed chat chunks (benchmarks set it to look like a real model)."""


def last_text(body: dict[str, Any]) -> str:
    messages = body.get("messages") or []
    if messages:
        content = messages[-1].get("content")
        if isinstance(content, list):
            return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        return str(content)
    value = body.get("input")
    if isinstance(value, list):
        return " ".join(str(i.get("content")) for i in value if isinstance(i, dict))
    return str(value)


def pieces(text: str) -> list[str]:
    return [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


def sse(data: Any, name: str | None = None) -> str:
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(data)}\n\n"


async def chat(request: Request) -> Response:
    body = await request.json()
    request.app.state.requests.append(body)
    text = "Echo: " + last_text(body)
    failure = FAILURES.get(str(body.get("model", "")).rpartition("/")[2])
    if failure is not None:
        return failure(body, text)
    usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    if not body.get("stream"):
        return JSONResponse({"id": "c1", "object": "chat.completion", "model": body["model"],
                             "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": text}}],
                             "usage": usage})
    include = (body.get("stream_options") or {}).get("include_usage")
    if body.get("tools"):
        return StreamingResponse(_chat_tool_call(body, text), media_type="text/event-stream")

    async def events() -> AsyncIterator[str]:
        base = {"id": "c1", "object": "chat.completion.chunk", "model": body["model"]}
        yield sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant",
                                                              "content": ""}}]})
        for piece in pieces(text):
            if DELAY:
                await asyncio.sleep(DELAY)
            yield sse({**base, "choices": [{"index": 0, "delta": {"content": piece},
                                            "finish_reason": None}]})
        yield sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if include:
            yield sse({**base, "choices": [], "usage": usage})
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


async def _chat_tool_call(body: dict[str, Any], text: str) -> AsyncIterator[str]:
    """A streamed tool call whose JSON arguments carry the echoed text, in small pieces."""
    base = {"id": "c1", "object": "chat.completion.chunk", "model": body["model"]}
    arguments = json.dumps({"note": text})
    first = {"index": 0, "id": "call_1", "type": "function",
             "function": {"name": "save", "arguments": ""}}
    yield sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant",
                                                          "tool_calls": [first]}}]})
    for piece in pieces(arguments):
        call = {"index": 0, "function": {"arguments": piece}}
        yield sse({**base, "choices": [{"index": 0, "delta": {"tool_calls": [call]}}]})
    yield sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    yield "data: [DONE]\n\n"


async def messages(request: Request) -> Response:
    body = await request.json()
    request.app.state.requests.append(body)
    text = "Echo: " + last_text(body)
    if not body.get("stream"):
        return JSONResponse({"id": "m1", "type": "message", "role": "assistant",
                             "model": body["model"], "stop_reason": "end_turn",
                             "content": [{"type": "text", "text": text}],
                             "usage": {"input_tokens": 11, "output_tokens": 7}})

    async def events() -> AsyncIterator[str]:
        message = {"id": "m1", "type": "message", "role": "assistant", "model": body["model"],
                   "content": [], "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": 11, "output_tokens": 1}}
        yield sse({"type": "message_start", "message": message}, "message_start")
        if body.get("tools"):  # a tool call whose JSON input carries the text, in pieces
            block = {"type": "tool_use", "id": "tu_1", "name": "save", "input": {}}
            kind, field, chunks = "input_json_delta", "partial_json", json.dumps({"note": text})
        else:
            block, kind, field, chunks = {"type": "text", "text": ""}, "text_delta", "text", text
        yield sse({"type": "content_block_start", "index": 0, "content_block": block},
                  "content_block_start")
        for piece in pieces(chunks):
            yield sse({"type": "content_block_delta", "index": 0,
                       "delta": {"type": kind, field: piece}}, "content_block_delta")
        yield sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        yield sse({"type": "message_delta", "delta": {"stop_reason": "end_turn",
                                                      "stop_sequence": None},
                   "usage": {"output_tokens": 7}}, "message_delta")
        yield sse({"type": "message_stop"}, "message_stop")

    return StreamingResponse(events(), media_type="text/event-stream")


async def responses(request: Request) -> Response:
    body = await request.json()
    request.app.state.requests.append(body)
    text = "Echo: " + last_text(body)
    usage = {"input_tokens": 11, "output_tokens": 7, "total_tokens": 18}
    item = {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}
    final = {"id": "resp_1", "object": "response", "created_at": 1, "model": body["model"],
             "status": "completed", "output": [item], "usage": usage, "parallel_tool_calls": True,
             "tool_choice": "auto", "tools": []}
    if not body.get("stream"):
        return JSONResponse(final)

    async def events() -> AsyncIterator[str]:
        n = 0
        where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
        for piece in pieces(text):
            n += 1
            yield sse({"type": "response.output_text.delta", **where, "delta": piece,
                       "sequence_number": n, "logprobs": []}, "response.output_text.delta")
        yield sse({"type": "response.output_text.done", **where, "text": text,
                   "sequence_number": n + 1, "logprobs": []}, "response.output_text.done")
        yield sse({"type": "response.completed", "response": final, "sequence_number": n + 2},
                  "response.completed")

    return StreamingResponse(events(), media_type="text/event-stream")


def _overloaded(body: dict[str, Any], text: str) -> Response:
    return JSONResponse({"error": {"message": "upstream overloaded", "type": "overloaded"}},
                        status_code=429, headers={"retry-after": "7"})


def _garbage(body: dict[str, Any], text: str) -> Response:
    return Response(b"{not json at all", media_type="application/json")


def _cut(body: dict[str, Any], text: str) -> Response:
    async def events() -> AsyncIterator[str]:
        yield sse({"id": "c1", "object": "chat.completion.chunk", "model": body["model"],
                   "choices": [{"index": 0, "delta": {"content": "partial "}}]})
        raise RuntimeError("upstream died mid-stream")

    return StreamingResponse(events(), media_type="text/event-stream")


FAILURES = {"gpt-4o-overloaded": _overloaded, "gpt-4o-garbage": _garbage,
            "gpt-4o-cut": _cut}
"""Models that make the stand-in fail in one way each."""


def build(record: bool = True) -> Starlette:
    """The stand-in; ``app.state.requests`` holds the JSON bodies its OpenAI and Anthropic
    routes parsed, ``app.state.seen`` every request raw (``upstream_more.Seen``) unless
    ``record`` is off (benchmarks: neither the time nor the memory of keeping them)."""
    from starlette.middleware import Middleware

    from tests.asgi.upstream_more import ROUTES, Recorder

    seen: list[Any] = []
    app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]),
                            Route("/v1/responses", responses, methods=["POST"]),
                            Route("/v1/messages", messages, methods=["POST"]), *ROUTES],
                    middleware=[Middleware(Recorder, seen=seen)] if record else [])
    app.state.requests = []
    app.state.seen = seen
    return app
