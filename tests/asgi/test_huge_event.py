"""An upstream event that never ends: cut at the event bound, in linear time, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from guard import Guard
from guard.asgi import GuardMiddleware
from guard.dialects.events import MAX_EVENT
from tests.serve.servers import running

HEAD = (b'data: {"id":"x","object":"chat.completion.chunk",'
        b'"choices":[{"index":0,"delta":{"content":"')
POLICY = ("version: 1\npolicies:\n"
          "  - {name: p, type: pii, entities: [EMAIL_ADDRESS], action: redact}\n")


def app(size: int) -> GuardMiddleware:
    async def chat(request: Request) -> StreamingResponse:
        async def events() -> AsyncIterator[bytes]:
            yield HEAD
            for _ in range(size // 65536):
                yield b"a" * 65536  # no separator, ever
            yield b'"}}]}\n\n'
        return StreamingResponse(events(), media_type="text/event-stream")

    routes = [Route("/v1/chat/completions", chat, methods=["POST"])]
    return GuardMiddleware(Starlette(routes=routes), guard=Guard.from_yaml(POLICY))


def stream(url: str) -> bytes:
    body = {"model": "gpt-5", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=120) as reply:
        return b"".join(reply.iter_bytes())


def test_an_event_past_the_bound_is_cut_with_an_error_event() -> None:
    with running(app(2 * MAX_EVENT)) as url:  # 32 MB in one event
        got = stream(url)
    assert len(got) < 4096 and b"error" in got and b"aaaa" not in got


def test_a_large_event_under_the_bound_passes_whole() -> None:
    with running(app(4 << 20)) as url:
        got = stream(url)
    assert got.count(b"a" * 1024) >= 4000 and got.endswith(b"\n\n")
